"""The zygote and the worker it forks: the only processes that run the candidate's code
(stdlib only; runs in the sandbox).

The zygote is forked by the executor before any request is read, so nothing a worker inherits
holds a test or an expected value. A worker drops to the candidate's uid and limits, then
either serves calls from the oracle (function requests), runs a Python program as __main__
(stdio), or execs a program (C++ binaries, the compiler, commands)."""

from __future__ import annotations

import _signal
import marshal
import os
import resource
import signal
import socket
import sys
import traceback
from typing import Any

from sandbox.harness import codec
from sandbox.harness.wire import CandidateStop, Channel, exc_mro, format_exception, safe_str

_SIGCHLD, _SIGPIPE, _SIG_DFL = int(signal.SIGCHLD), int(signal.SIGPIPE), int(signal.SIG_DFL)

SAFE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONIOENCODING": "utf-8",
}


WARM_MODULES = (
    "math",
    "collections",
    "itertools",
    "functools",
    "re",
    "heapq",
    "bisect",
    "string",
    "typing",
    "operator",
    "fractions",
    "decimal",
    "json",
    "copy",
    "array",
    "enum",
    "traceback",
)
"""Imported by the zygote, so that a worker finds them loaded. Each costs every request
something, as the zygote's memory is copied (its page tables) into every worker and torn down
at its exit: about 0.2 us per 4 KiB page, both ways. A module is here when solutions use it
often enough to pay for that, or it is small. Left out, for a cold import in the few workers
that use them: `hashlib` (440 KiB, 2.4 ms to import), `datetime` (160 KiB, 0.8 ms) and
`dataclasses` (with `inspect`, `dis` and `ast`: 1 MiB, 3 ms); for each, a worker pays more
for it warm unless one request in 50-100 imports it, and HumanEval's solutions and this
project's model samples import them in fewer than one in 150."""

ORACLE_WARM_MODULES = ("random", "statistics")
"""Warm for oracles only: imported after the zygote is forked, because `random` re-seeds itself
in every forked child (an at-fork hook), which costs each worker some 40 page copies, about
0.15 ms; tests draw random inputs far more often than solutions do (`statistics` imports it)."""


def set_limits(limits: dict, *, memory_mb: int, nproc: bool) -> None:
    cpu = max(1, int(limits["cpu_s"] + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    mem = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    fsize = limits["file_size_mb"] << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    if nproc:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))


def drop_privileges(uid: int | None) -> None:
    if uid is None:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)  # from root: drops every capability too
    if os.getuid() != uid or os.geteuid() != uid:
        os._exit(121)


def worker_main(spec: dict, fds: list[int]) -> None:
    """In a fresh child of the zygote: become the candidate, then run what the channel says."""
    try:
        os.setsid()
        stdin_fd, stdout_fd, stderr_fd, chan_fd = fds
        for target, fd in ((0, stdin_fd), (1, stdout_fd), (2, stderr_fd), (3, chan_fd)):
            os.dup2(fd, target)
        os.closerange(4, 65536)  # nothing inherited: not the executor's pipes, not the host's
        drop_privileges(spec["uid"])
        os.umask(0o077)
        if spec["mode"] == "clean":
            clean_tree(spec["clean"])
            flush_exit(0)
        set_limits(spec["limits"], memory_mb=spec["memory_mb"], nproc=spec["nproc"])
        workdir = spec["workdir"]
        try:
            os.chdir(workdir)
        except FileNotFoundError:  # a request's own directory, below the work root
            os.mkdir(workdir, 0o700)
            os.chdir(workdir)
        chan = Channel(3, cap=1 << 30)
        job = chan.recv_trusted()
        for path, text in job.get("files", {}).items():
            write_file(path, text)
        mode = spec["mode"]
        if mode == "function":
            serve_calls(chan, job)
        elif mode == "script":
            os.close(3)
            run_script(job)
        else:  # exec
            os.close(3)
            _signal.signal(_SIGPIPE, _SIG_DFL)
            # Programs get a fixed environment; the Python ones (forked, not exec'd) keep the
            # executor's, which holds nothing but the image's defaults.
            os.execve(job["argv"][0], job["argv"], dict(SAFE_ENV, HOME=workdir, TMPDIR=workdir))
    except SystemExit as exc:
        code = exc.code
        if not isinstance(code, int):
            if code is not None:
                print(code, file=sys.stderr)
            code = 0 if code is None else 1
        flush_exit(code)
    except BaseException:  # noqa: BLE001 - the candidate's uncaught exception
        try:
            traceback.print_exc()
        finally:
            flush_exit(126)
    flush_exit(0)


def ahead_main(fds: list[int]) -> None:
    """A worker forked ahead of its request, between requests, when no candidate's process is
    left: it waits, still privileged, for its spawn message (the spec and descriptors) on
    the executor's socket `fds[0]`, then goes on as any worker. Its fork is then off the
    request's path."""
    (ctrl_fd,) = fds
    os.closerange(3, ctrl_fd)  # the zygote's socket and pidfds
    os.closerange(ctrl_fd + 1, 65536)
    ctrl = socket.socket(fileno=ctrl_fd)
    try:
        data, fds, _, _ = socket.recv_fds(ctrl, 1 << 16, 4)
    except OSError:
        os._exit(0)
    if not data:
        os._exit(0)  # the executor is gone, or dropped this one
    ctrl.close()
    worker_main(marshal.loads(data), fds)


def flush_exit(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    os._exit(code & 0xFF)


def write_file(path: str, text: str) -> None:
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def serve_calls(chan: Channel, job: dict) -> None:
    """Load the candidate's module, then answer calls until the oracle hangs up."""
    sys.path.insert(0, os.getcwd())
    sys.set_int_max_str_digits(0)
    targets: dict[str, Any] = {}
    try:
        module = load_candidate(job)
        entry = job["entry_point"]
        if ":" not in entry:
            if entry not in vars(module):
                chan.send(
                    {"error": "missing", "message": f"no function named {entry!r} is defined"}
                )
                return
            targets[""] = vars(module)[entry]
    except SyntaxError as exc:
        chan.send({"error": "syntax", "message": format_exception(exc)})
        return
    except BaseException as exc:  # noqa: BLE001 - the candidate's import failed, report it
        chan.send({"error": "load", "message": format_exception(exc), "mro": exc_mro(exc)})
        return
    chan.send_bytes(b'{"ok":null}')
    while True:
        try:
            call = chan.recv_trusted()
        except CandidateStop:
            return
        try:
            target = call["target"]
            fn = targets.get(target)
            if fn is None:
                fn = targets[target] = resolve_target(target)
            args = codec.decode(call["args"])
            kwargs = codec.decode(call["kwargs"])
            value = fn(*args, **kwargs)
            reply = {"ok": codec.encode(value)}
        except BaseException as exc:  # noqa: BLE001 - everything the candidate raises goes back
            reply = {"raised": exc_mro(exc), "message": safe_str(exc)}
        sys.stdout.flush()
        chan.send(reply)


def load_candidate(job: dict):
    import types

    module = types.ModuleType("solution")
    module.__file__ = os.path.join(os.getcwd(), "solution.py")
    sys.modules["solution"] = module
    # dont_inherit: as `python solution.py` compiles it, not under this file's __future__
    # imports (postponed annotations would hide a NameError in an annotation)
    code = compile(job["source"], "solution.py", "exec", dont_inherit=True)
    exec(code, vars(module))  # noqa: S102 - this is the candidate's code, in its own process
    return module


def resolve_target(target: str):
    import importlib

    module_name, _, attr = target.rpartition(":")
    module = importlib.import_module(module_name) if module_name else sys.modules["solution"]
    return getattr(module, attr)


def run_script(job: dict) -> None:
    """A stdio program in Python: run as __main__ of a fresh interpreter state."""
    import types

    sys.set_int_max_str_digits(0)
    sys.argv = ["main.py"]
    main = types.ModuleType("__main__")
    main.__file__ = os.path.join(os.getcwd(), "main.py")
    sys.modules["__main__"] = main
    sys.path.insert(0, os.getcwd())
    try:
        code = compile(job["source"], "main.py", "exec", dont_inherit=True)
    except SyntaxError:
        traceback.print_exc(limit=0)
        sys.stderr.flush()
        os._exit(125)
    try:
        exec(code, vars(main))  # noqa: S102
    finally:
        finish_like_the_interpreter()
    sys.stdout.flush()


def finish_like_the_interpreter() -> None:
    """What Python does before a program exits: wait for its non-daemon threads, then run its
    exit handlers. Competitive-programming solutions often do their work in a thread started
    for a bigger stack and never join it; os._exit right after `exec` would cut their output."""
    import atexit
    import threading

    main = threading.main_thread()
    while True:
        pending = [t for t in threading.enumerate() if t is not main and not t.daemon]
        if not pending:
            break
        for thread in pending:
            thread.join()
    atexit._run_exitfuncs()


def warm_up(names: tuple[str, ...] = WARM_MODULES) -> None:
    """Import what candidates and tests commonly use, once, so forked processes start warm."""
    for name in names:
        try:
            __import__(name)
        except ImportError:
            pass


def clean_tree(dirs: list[str]) -> None:
    """Remove everything this uid may remove under `dirs`. Walks with chdir and names relative
    to the current directory, so a tree deeper than PATH_MAX or than the recursion limit is no
    obstacle, and makes each directory searchable before entering it (the candidate may have
    locked its own directories with mode 000; as their owner this process may unlock them)."""
    for top in dirs:
        try:
            os.chdir(top)
        except OSError:
            continue
        names: list[str] = []  # the directories entered below `top`, outermost first
        skip: list[set[str]] = [set()]  # per level: subdirectories that could not be removed
        while True:
            subdir = None
            with os.scandir(".") as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name not in skip[-1]:
                            subdir = entry.name
                            break
                        continue
                    try:
                        os.unlink(entry.name)
                    except OSError:
                        pass
            if subdir is not None:
                try:
                    os.chmod(subdir, 0o700)
                    os.chdir(subdir)
                except OSError:
                    skip[-1].add(subdir)
                    continue
                names.append(subdir)
                skip.append(set())
                continue
            if not names:
                break
            os.chdir("..")
            skip.pop()
            name = names.pop()
            try:
                os.rmdir(name)
            except OSError:
                skip[-1].add(name)
