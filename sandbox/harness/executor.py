"""The trusted executor that runs inside every sandbox container (stdlib only).

Processes, and who may do what::

    executor (root; only CAP_SETUID, CAP_SETGID, CAP_KILL)  reads requests, enforces limits,
    │                                                        kills, cleans up, writes results
    ├── zygote (root, same caps; forked before any request, so it never holds a test or an
    │   │       expected value) forks workers on demand, warm, and reaps them
    │   └── worker (candidate uid, no caps, rlimits, own session)  runs the candidate's code
    └── oracle (oracle uid, no caps, rlimits)  runs the task's tests; calls the candidate
                                               through a proxy over a socket

Only the oracle decides that a test passed, and only the executor turns that into a verdict.
Nothing the candidate prints, returns or exits with is read as a pass: return values cross as
plain data (see codec.py) and are compared in the oracle. After every request all processes but
the executor and the zygote are killed and every file in the writable places is removed.

Host protocol: 4-byte big-endian length + JSON, both directions, on stdin/stdout.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import traceback

try:  # in the container the host ships codec.py as a module named "codec"
    import codec  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - imported from the package (tests, local backend)
    from sandbox.harness import codec  # type: ignore[no-redef]

PROTOCOL_VERSION = 1
RETURN_CAP = 16 * 1024  # bytes of stdout/stderr sent back per request
MSG_CAP_MIN = 64 * 1024
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
    "random",
    "statistics",
    "fractions",
    "decimal",
    "datetime",
    "json",
    "copy",
    "hashlib",
    "array",
    "dataclasses",
    "enum",
    "traceback",
)


# --------------------------------------------------------------------------- framing


def read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def send_frame(fd: int, obj: object) -> None:
    body = json.dumps(obj, separators=(",", ":")).encode()
    write_all(fd, struct.pack(">I", len(body)) + body)


def recv_frame(fd: int) -> object:
    (n,) = struct.unpack(">I", read_exact(fd, 4))
    return json.loads(read_exact(fd, n))


class Channel:
    """Length-prefixed JSON messages over a stream socket, with deadlines and a size cap."""

    def __init__(self, sock: socket.socket, cap: int) -> None:
        self.sock, self.cap = sock, cap

    def send(self, obj: object) -> None:
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def recv(self, deadline: float | None = None) -> object:
        (n,) = struct.unpack(">I", self._read(4, deadline))
        if n > self.cap:
            raise OutputLimit(f"a message of {n} bytes from the candidate is over the limit")
        return json.loads(self._read(n, deadline))

    def _read(self, n: int, deadline: float | None) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CandidateTimeout("the call did not return in time")
                self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            except TimeoutError:
                raise CandidateTimeout("the call did not return in time") from None
            except OSError as exc:
                raise CandidateGone(f"the candidate process is gone ({exc})") from None
            if not chunk:
                raise CandidateGone("the candidate process exited")
            buf += chunk
        return bytes(buf)


# The oracle's view of a candidate that stopped answering. BaseException, so that a test's own
# `except Exception:` cannot swallow a timeout and carry on as if the call had raised.
class CandidateStop(BaseException):
    status = "runtime_error"


class CandidateTimeout(CandidateStop):
    status = "timeout"


class CandidateGone(CandidateStop):
    status = "crashed"


class OutputLimit(CandidateStop):
    status = "output_limit"


class CandidateError(Exception):
    """The candidate raised an exception whose type is not a builtin one."""


_PASSTHROUGH = {
    name: obj
    for name, obj in vars(builtins).items()
    if isinstance(obj, type)
    and issubclass(obj, Exception)
    and name not in ("Exception", "StopIteration", "StopAsyncIteration")
}


def rebuild_exception(mro: list[str], message: str) -> Exception:
    for name in mro:
        cls = _PASSTHROUGH.get(name)
        if cls is not None:
            try:
                return cls(message)
            except Exception:  # e.g. UnicodeDecodeError wants 5 arguments
                break
    return CandidateError(f"{mro[0] if mro else 'Exception'}: {message}")


# --------------------------------------------------------------------------- limits


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


# --------------------------------------------------------------------------- worker


def worker_main(spec: dict, fds: list[int]) -> None:
    """In a fresh child of the zygote: become the candidate, then run what the channel says."""
    try:
        os.setsid()
        stdin_fd, stdout_fd, stderr_fd, chan_fd = fds
        for target, fd in ((0, stdin_fd), (1, stdout_fd), (2, stderr_fd), (3, chan_fd)):
            os.dup2(fd, target)
        os.closerange(4, 65536)  # nothing inherited: not the executor's pipes, not the host's
        try:
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")  # if the container runs out of memory, the candidate goes first
        except OSError:
            pass
        drop_privileges(spec["uid"])
        os.umask(0o077)
        if spec["mode"] == "clean":
            clean_tree(spec["clean"])
            flush_exit(0)
        set_limits(spec["limits"], memory_mb=spec["memory_mb"], nproc=spec["nproc"])
        workdir = spec["workdir"]
        os.makedirs(workdir, mode=0o700, exist_ok=True)
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update(SAFE_ENV, HOME=workdir, TMPDIR=workdir)
        chan = Channel(socket.socket(fileno=3), cap=1 << 30)
        job = chan.recv()
        for path, text in job.get("files", {}).items():
            write_file(path, text)
        mode = spec["mode"]
        if mode == "function":
            serve_calls(chan, job)
        elif mode == "script":
            chan.sock.close()
            run_script(job)
        else:  # exec
            chan.sock.close()
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            os.execve(job["argv"][0], job["argv"], dict(os.environ))
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
    targets: dict[str, object] = {}
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
    chan.send({"ok": None})
    while True:
        try:
            call = chan.recv()
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
    code = compile(job["source"], "solution.py", "exec")
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
        code = compile(job["source"], "main.py", "exec")
    except SyntaxError:
        traceback.print_exc(limit=0)
        sys.stderr.flush()
        os._exit(125)
    exec(code, vars(main))  # noqa: S102
    sys.stdout.flush()


def exc_mro(exc: BaseException) -> list[str]:
    return [c.__name__ for c in type(exc).__mro__][:16]


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:  # noqa: BLE001
        return "<unprintable exception>"


def format_exception(exc: BaseException) -> str:
    try:
        lines = traceback.format_exception_only(type(exc), exc)
        return "".join(lines)[-4000:]
    except BaseException:  # noqa: BLE001
        return type(exc).__name__


# --------------------------------------------------------------------------- zygote


def warm_up() -> None:
    """Import what candidates and tests commonly use, once, so forked processes start warm."""
    for name in WARM_MODULES:
        try:
            __import__(name)
        except ImportError:
            pass


def zygote_main(sock: socket.socket) -> None:
    """Fork a worker per spawn message; report every exit. Holds no request data."""
    import gc

    gc.collect()
    gc.freeze()  # workers share these pages instead of copying them on the first collection
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        try:
            ready, _, _ = select.select([sock, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in ready:
            os.read(wake_r, 512)
            reap(sock)
        if sock in ready:
            try:
                data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 4)
            except OSError:
                os._exit(0)
            if not data:
                os._exit(0)  # the executor is gone
            spec = json.loads(data)
            pid = os.fork()
            if pid == 0:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                worker_main(spec, fds)
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"spawned": spec["tag"], "pid": pid}).encode())
        reap(sock)


def reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        sock.send(
            json.dumps(
                {
                    "exited": pid,
                    "status": status,
                    "cpu": ru.ru_utime + ru.ru_stime,
                    "maxrss_kb": ru.ru_maxrss,
                }
            ).encode()
        )


# --------------------------------------------------------------------------- oracle


def oracle_main(cfg: dict, req: dict, chan_sock: socket.socket, result_fd: int) -> None:
    """Run the task's tests against the candidate, in a process of the oracle's own uid."""
    result: dict = {"tests": [], "load": None}
    try:
        drop_privileges(cfg["oracle_uid"])
        limits = req["limits"]
        oracle_limits = dict(limits, cpu_s=limits["timeout_s"] + 1, processes=64)
        set_limits(oracle_limits, memory_mb=max(1024, limits["memory_mb"]), nproc=cfg["privileged"])
        sys.set_int_max_str_digits(0)
        proxy = CandidateProxy(
            Channel(chan_sock, cap=limits["output_bytes"] + MSG_CAP_MIN), limits["test_timeout_s"]
        )
        result["load"] = proxy.load(req)
        if result["load"] is None:
            if req.get("tests"):
                run_call_tests(req, proxy, result["tests"])
            else:
                run_check_script(req, proxy, result)
    except CandidateStop as exc:
        result["stop"] = {"status": exc.status, "message": str(exc)}
    except BaseException as exc:  # noqa: BLE001 - a broken task or oracle; reported, not raised
        result["oracle_error"] = (
            format_exception(exc) + "".join(traceback.format_tb(exc.__traceback__))[-2000:]
        )
    write_all(result_fd, json.dumps(result).encode())
    os._exit(0)


class CandidateProxy:
    def __init__(self, chan: Channel, timeout: float) -> None:
        self.chan, self.timeout, self.stopped = chan, timeout, None

    def load(self, req: dict) -> dict | None:
        self.chan.send(
            {
                "source": req["source"],
                "files": req.get("files", {}),
                "entry_point": req["entry_point"],
            }
        )
        reply = self.chan.recv(time.monotonic() + self.timeout)
        if "ok" in reply:
            return None
        return reply

    def call(self, target: str, args: tuple, kwargs: dict):
        if self.stopped is not None:
            raise self.stopped
        try:
            self.chan.send(
                {"target": target, "args": codec.encode(args), "kwargs": codec.encode(kwargs)}
            )
            reply = self.chan.recv(time.monotonic() + self.timeout)
        except CandidateStop as exc:
            self.stopped = exc
            raise
        except OSError as exc:
            self.stopped = CandidateGone(f"the candidate process is gone ({exc})")
            raise self.stopped from None
        if "ok" in reply:
            try:
                return codec.decode(reply["ok"])
            except (codec.CodecError, RecursionError, TypeError, ValueError) as exc:
                raise CandidateError(f"the candidate returned a malformed value: {exc}") from None
        raise rebuild_exception(
            list(map(str, reply.get("raised", []))), str(reply.get("message", ""))
        )

    def function(self, target: str = ""):
        proxy = self

        def candidate(*args, **kwargs):
            return proxy.call(target, args, kwargs)

        candidate.__name__ = target.rpartition(":")[2] or "candidate"
        return candidate


def run_call_tests(req: dict, proxy: CandidateProxy, out: list) -> None:
    tol = req.get("float_tol")
    fn = proxy.function(req["entry_point"] if ":" in req["entry_point"] else "")
    for i, test in enumerate(req["tests"]):
        args, kwargs = codec.decode(test["args"]), codec.decode(test["kwargs"])
        expected = codec.decode(test["expected"])
        t0 = time.monotonic()
        entry = {"name": test.get("name") or f"test {i + 1}"}
        try:
            got = fn(*args, **kwargs)
        except CandidateStop as exc:
            entry.update(passed=False, status=exc.status, message=str(exc))
            out.append(entry)
            raise
        except Exception as exc:  # noqa: BLE001 - the candidate raised
            entry.update(passed=False, status=status_of_exception(exc), message=exc_text(exc))
        else:
            ok = codec.strict_equal(got, expected, tol)
            entry.update(passed=ok, status="passed" if ok else "failed")
            if not ok:
                entry["got"] = codec.short_repr(got)
        entry["duration_s"] = time.monotonic() - t0
        if not entry["passed"]:
            entry["input"] = format_call(req["entry_point"], args, kwargs)
            entry["expected"] = codec.short_repr(expected)
        out.append(entry)


def status_of_exception(exc: BaseException) -> str:
    return "memory_limit" if isinstance(exc, MemoryError) else "runtime_error"


def exc_text(exc: BaseException) -> str:
    if isinstance(exc, CandidateError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def format_call(entry: str, args: tuple, kwargs: dict) -> str:
    parts = [codec.short_repr(a, 200) for a in args]
    parts += [f"{k}={codec.short_repr(v, 200)}" for k, v in kwargs.items()]
    text = f"{entry.rpartition(':')[2]}({', '.join(parts)})"
    return text if len(text) <= 400 else text[:385] + f"... ({len(text)} chars)"


class _Recorder:
    def __init__(self, n: int) -> None:
        self.outcomes: list[dict | None] = [None] * n
        self.t0 = time.monotonic()

    def ok(self, i: int) -> None:
        self.outcomes[i] = {"passed": True, "status": "passed", "duration_s": self._lap()}

    def fail(self, i: int, exc: BaseException) -> None:
        status = "failed" if isinstance(exc, AssertionError) else status_of_exception(exc)
        message = (
            exc_text(exc)
            if not isinstance(exc, AssertionError)
            else (f"AssertionError: {exc}" if str(exc) else "assertion failed")
        )
        self.outcomes[i] = {
            "passed": False,
            "status": status,
            "message": message[:1000],
            "duration_s": self._lap(),
        }

    def _lap(self) -> float:
        now = time.monotonic()
        elapsed, self.t0 = now - self.t0, now
        return elapsed


def split_check(tree: ast.Module, check_name: str) -> int:
    """Rewrite each top-level ``assert`` of `check_name` to record its own outcome; returns how
    many there are (0: the check is graded as one test)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == check_name:
            count = 0
            for i, stmt in enumerate(node.body):
                if isinstance(stmt, ast.Assert):
                    node.body[i] = _recorded(stmt, count)
                    count += 1
            return count
    return 0


def _recorded(stmt: ast.Assert, k: int) -> ast.Try:
    """``try: <assert> / except Exception as e: record.fail(k, e) / else: record.ok(k)``,
    every new node placed at the assert's line (cheaper than fix_missing_locations)."""

    def at(node):
        return ast.copy_location(node, stmt)

    def record(method: str, *args: ast.expr) -> ast.Expr:
        func = at(
            ast.Attribute(
                value=at(ast.Name(id="__cg_record", ctx=ast.Load())), attr=method, ctx=ast.Load()
            )
        )
        return at(
            ast.Expr(value=at(ast.Call(func=func, args=[at(ast.Constant(k)), *args], keywords=[])))
        )

    handler = at(
        ast.ExceptHandler(
            type=at(ast.Name(id="Exception", ctx=ast.Load())),
            name="__cg_exc",
            body=[record("fail", at(ast.Name(id="__cg_exc", ctx=ast.Load())))],
        )
    )
    return at(ast.Try(body=[stmt], handlers=[handler], orelse=[record("ok")], finalbody=[]))


def run_check_script(req: dict, proxy: CandidateProxy, result: dict) -> None:
    ns: dict = {"__name__": "__oracle__", "candidate_function": proxy.function}
    check_name = req.get("check_name") or "check"
    setup, tests, n = compile_tests(req)
    if setup is not None:
        exec(setup, ns)  # noqa: S102 - trusted task code
    # In the reference harness the prompt and the completion share one namespace, so a test
    # that names the entry point (HumanEval/33 calls `sort_third` itself) means the candidate's.
    candidate = proxy.function(req["entry_point"] if ":" in req["entry_point"] else "")
    if ":" not in req["entry_point"]:
        ns[req["entry_point"]] = candidate
    recorder = _Recorder(max(n, 1))
    ns["__cg_record"] = recorder
    exec(tests, ns)  # noqa: S102 - trusted task code
    check = ns.get(check_name)
    if not callable(check):
        raise RuntimeError(f"the test script defines no function {check_name!r}")
    error: BaseException | None = None
    try:
        check(candidate)
    except CandidateStop as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - anything but an assert outside the split ones
        error = exc
    if n == 0 and error is None:
        recorder.ok(0)
    for i, outcome in enumerate(recorder.outcomes):
        if outcome is None:
            if error is None:
                error = AssertionError("not reached")
            if isinstance(error, CandidateStop):
                outcome = {"passed": False, "status": error.status, "message": str(error)}
            else:
                recorder.fail(i, error)
                outcome = recorder.outcomes[i]
            recorder.outcomes[i] = outcome
    if error is not None and all(o["passed"] for o in recorder.outcomes):
        # the check failed outside any counted assert: the request must not pass
        recorder.outcomes[-1] = {
            "passed": False,
            "status": status_of_exception(error),
            "message": exc_text(error)[:1000],
        }
    for i, outcome in enumerate(recorder.outcomes):
        outcome["name"] = f"assert {i + 1}" if n else check_name
    result["tests"] = recorder.outcomes
    if isinstance(error, CandidateStop):
        raise error


# --------------------------------------------------------------------------- executor


class Executor:
    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.privileged = bool(cfg["privileged"])
        self.tag = 0
        self.exits: dict[int, dict] = {}
        self.spawned: dict[int, int] = {}
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.zpid = os.fork()
        if self.zpid == 0:
            isolate_stdio()
            for fd in list_fds():
                if fd > 2 and fd != child.fileno():
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            zygote_main(child)
            os._exit(0)
        child.close()
        self.zsock = parent

    # -- processes -------------------------------------------------------------------------

    def spawn(
        self,
        mode: str,
        limits: dict,
        fds: list[int],
        *,
        workdir: str,
        memory_mb: int | None = None,
        processes: int | None = None,
    ) -> int:
        self.tag += 1
        if processes is not None:
            limits = dict(limits, processes=processes)
        spec = {
            "tag": self.tag,
            "mode": mode,
            "limits": limits,
            "workdir": workdir,
            "uid": self.cfg["candidate_uid"] if self.privileged else None,
            "memory_mb": memory_mb or limits["memory_mb"],
            "nproc": self.privileged,
            "clean": self.cfg["clean_dirs"],
        }
        socket.send_fds(self.zsock, [json.dumps(spec).encode()], fds)
        deadline = time.monotonic() + 10
        while self.tag not in self.spawned:
            if not self._pump(deadline - time.monotonic()):
                raise RuntimeError("the zygote did not answer a spawn request")
        return self.spawned.pop(self.tag)

    def _pump(self, timeout: float) -> bool:
        """Read one message from the zygote; False on timeout."""
        if timeout <= 0 or not select.select([self.zsock], [], [], timeout)[0]:
            return False
        data = self.zsock.recv(4096)
        if not data:
            raise RuntimeError("the zygote exited")
        msg = json.loads(data)
        if "spawned" in msg:
            self.spawned[msg["spawned"]] = msg["pid"]
        else:
            self.exits[msg["exited"]] = msg
        return True

    def wait_exit(self, pid: int, timeout: float = 2.0) -> dict | None:
        deadline = time.monotonic() + timeout
        while pid not in self.exits:
            if not self._pump(deadline - time.monotonic()):
                return None
        return self.exits.pop(pid)

    def supervise(
        self,
        pid: int,
        out_fd: int,
        err_fd: int,
        *,
        deadline: float,
        cap: int,
        stdin_fd: int | None = None,
        stdin_data: bytes = b"",
        result_fd: int | None = None,
    ) -> dict:
        """Capture output, feed stdin and wait for the worker (or the oracle's result)."""
        bufs = {out_fd: bytearray(), err_fd: bytearray()}
        open_fds = [out_fd, err_fd]
        result = bytearray()
        result_open = result_fd is not None
        view = memoryview(stdin_data)
        if stdin_fd is not None:
            os.set_blocking(stdin_fd, False)
            if not view:
                os.close(stdin_fd)
                stdin_fd = None
        exit_info, total, exceeded, timed_out, grace_until = None, 0, False, False, None
        while True:
            if result_fd is not None:
                if not result_open:
                    break
            elif exit_info is not None:
                if not open_fds:
                    break
                if grace_until is None:
                    grace_until = time.monotonic() + 0.05  # children may hold the pipes
                elif time.monotonic() > grace_until:
                    break
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if grace_until is not None:
                left = min(left, 0.01)
            rlist = [*open_fds, self.zsock] + ([result_fd] if result_open else [])
            wlist = [stdin_fd] if stdin_fd is not None else []
            try:
                readable, writable, _ = select.select(rlist, wlist, [], left)
            except InterruptedError:
                continue
            for fd in writable:
                try:
                    view = view[os.write(fd, view[:65536]) :]
                except (BrokenPipeError, BlockingIOError) as exc:
                    if isinstance(exc, BrokenPipeError):
                        view = view[:0]
                if not view:
                    os.close(fd)
                    stdin_fd = None
            for fd in readable:
                if fd == self.zsock:
                    self._pump(0.001)
                    if exit_info is None and pid in self.exits:
                        exit_info = self.exits.pop(pid)
                elif fd == result_fd:
                    chunk = os.read(fd, 1 << 16)
                    if chunk:
                        result += chunk
                    else:
                        result_open = False
                else:
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        open_fds.remove(fd)
                        continue
                    total += len(chunk)
                    if total > cap:
                        exceeded = True
                    else:
                        bufs[fd] += chunk
            if exceeded:
                break
        if stdin_fd is not None:
            os.close(stdin_fd)
        kill_group(pid)
        for fd in (out_fd, err_fd):
            os.close(fd)
        if result_fd is not None:
            os.close(result_fd)
        if exit_info is None:
            exit_info = self.wait_exit(pid)
        return {
            "stdout": bytes(bufs[out_fd]),
            "stderr": bytes(bufs[err_fd]),
            "exit": exit_info,
            "exceeded": exceeded,
            "timed_out": timed_out,
            "result": bytes(result),
        }

    def run_worker(
        self,
        mode: str,
        job: dict,
        limits: dict,
        *,
        workdir: str,
        deadline: float,
        stdin: bytes = b"",
        memory_mb: int | None = None,
        processes: int | None = None,
    ) -> dict:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        in_r, in_w = os.pipe()
        mine, theirs = socket.socketpair()
        try:
            pid = self.spawn(
                mode,
                limits,
                [in_r, out_w, err_w, theirs.fileno()],
                workdir=workdir,
                memory_mb=memory_mb,
                processes=processes,
            )
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
            theirs.close()
        try:
            Channel(mine, cap=0).send(job)
        except OSError:
            pass  # the worker died at once; its exit status tells why
        mine.close()
        return self.supervise(
            pid,
            out_r,
            err_r,
            deadline=deadline,
            cap=limits["output_bytes"],
            stdin_fd=in_w,
            stdin_data=stdin,
        )

    # -- request kinds ---------------------------------------------------------------------

    def run_function(self, req: dict) -> dict:
        limits = req["limits"]
        t0 = time.monotonic()
        deadline = t0 + limits["timeout_s"]
        workdir = self.workdir() if req.get("files") else self.cfg["work_root"]
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        null = os.open(os.devnull, os.O_RDONLY)
        oracle_end, worker_end = socket.socketpair()
        try:
            pid = self.spawn(
                "function", limits, [null, out_w, err_w, worker_end.fileno()], workdir=workdir
            )
        finally:
            for fd in (null, out_w, err_w):
                os.close(fd)
            worker_end.close()
        if req.get("test_script"):
            try:
                compile_tests(req)  # in the executor, so that the oracle inherits the code
            except SyntaxError:
                pass  # the oracle reports it
        res_r, res_w = os.pipe()
        opid = os.fork()
        if opid == 0:
            keep = {oracle_end.fileno(), res_w}
            isolate_stdio()
            for fd in list_fds():
                if fd > 2 and fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            oracle_main(self.cfg, req, oracle_end, res_w)
            os._exit(0)
        os.close(res_w)
        oracle_end.close()
        sup = self.supervise(
            pid, out_r, err_r, deadline=deadline, cap=limits["output_bytes"], result_fd=res_r
        )
        try:
            os.kill(opid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(opid, 0)
        return self.function_verdict(req, sup, time.monotonic() - t0)

    def function_verdict(self, req: dict, sup: dict, elapsed: float) -> dict:
        total = len(req["tests"]) if req.get("tests") else count_asserts(req)
        resp = {"tests_total": total, "stdout": clip(sup["stdout"]), "stderr": clip(sup["stderr"])}
        try:
            result = json.loads(sup["result"]) if sup["result"] else None
        except ValueError:
            result = None
        tests = result["tests"] if result else []
        for t in tests:
            if not req.get("details", True):
                for key in ("input", "expected", "got"):
                    t.pop(key, None)
        resp["tests"] = tests
        if sup["exceeded"]:
            return dict(
                resp, status="output_limit", message="the candidate wrote more output than allowed"
            )
        if result is None:
            if sup["timed_out"]:
                return dict(
                    resp,
                    status="timeout",
                    message=f"the request took longer than {req['limits']['timeout_s']} s",
                )
            return dict(resp, status="failed", message="the oracle ended without a result")
        if result.get("load"):
            load = result["load"]
            if load["error"] in ("syntax", "missing"):
                return dict(resp, status="compile_error", message=load["message"])
            status = "memory_limit" if "MemoryError" in load.get("mro", []) else "runtime_error"
            return dict(resp, status=status, message=load["message"])
        if result.get("oracle_error"):
            return dict(
                resp,
                status="failed",
                message="the task's test code failed: " + result["oracle_error"],
            )
        if "stop" in result:
            status, message = result["stop"]["status"], result["stop"]["message"]
            if status == "crashed":
                status, message = exit_verdict(sup["exit"], req["limits"], message)
            return dict(resp, status=status, message=message)
        if len(tests) == total and total > 0 and all(t["passed"] for t in tests):
            return dict(resp, status="passed")
        failing = next((t for t in tests if not t["passed"]), None)
        status = failing["status"] if failing else "failed"
        return dict(
            resp,
            status=status if status != "passed" else "failed",
            message=(failing or {}).get("message", ""),
        )

    def run_stdio(self, req: dict) -> dict:
        limits = req["limits"]
        t0 = time.monotonic()
        deadline = t0 + limits["timeout_s"]
        workdir = self.workdir()
        resp: dict = {"tests_total": len(req["tests"]), "tests": []}
        if req["language"] == "cpp":
            out = self.run_worker(
                "exec",
                {
                    "files": {"main.cpp": req["source"]},
                    "argv": [
                        "/usr/bin/g++",
                        "-std=c++17",
                        "-O2",
                        "-pipe",
                        "-o",
                        "main",
                        "main.cpp",
                    ],
                },
                dict(limits, cpu_s=limits["compile_timeout_s"]),
                workdir=workdir,
                deadline=min(deadline, t0 + limits["compile_timeout_s"]),
                memory_mb=limits["compile_memory_mb"],
                processes=max(limits["processes"], 32),
            )
            resp["compile_output"] = clip(out["stderr"] + out["stdout"])
            if out["timed_out"] or not exited_ok(out["exit"]):
                return dict(
                    resp,
                    status="compile_error",
                    message="compilation failed" + (" (time limit)" if out["timed_out"] else ""),
                )
            mode, job = "exec", {"argv": [workdir + "/main"]}
        else:
            mode, job = "script", {"source": req["source"]}
        last_out = {"stdout": b"", "stderr": b""}
        for i, test in enumerate(req["tests"]):
            name = test.get("name") or f"test {i + 1}"
            start = time.monotonic()
            if start >= deadline:
                resp["tests"].append(
                    {
                        "name": name,
                        "passed": False,
                        "status": "timeout",
                        "message": "the request's time budget ran out",
                    }
                )
                continue
            out = self.run_worker(
                mode,
                job,
                limits,
                workdir=workdir,
                stdin=test["stdin"].encode(),
                deadline=min(deadline, start + limits["test_timeout_s"]),
            )
            last_out = out
            entry = {"name": name, "duration_s": time.monotonic() - start}
            status, message = run_verdict(out, limits)
            if status == "compile_error":  # a Python syntax error: every case would say the same
                resp["compile_output"] = clip(out["stderr"])
                return dict(
                    resp,
                    status="compile_error",
                    message=clip(out["stderr"]),
                    stderr=clip(out["stderr"]),
                )
            if status is None:
                got = out["stdout"].decode("utf-8", "replace")
                ok = outputs_match(
                    got, test["expected_stdout"], req["compare"], req.get("float_tol")
                )
                status = "passed" if ok else "failed"
                if not ok and req.get("details", True):
                    entry.update(
                        input=codec.short_repr(test["stdin"], 400),
                        expected=codec.short_repr(test["expected_stdout"], 400),
                        got=codec.short_repr(got, 400),
                    )
            entry.update(passed=status == "passed", status=status, message=message)
            resp["tests"].append(entry)
        resp.update(stdout=clip(last_out["stdout"]), stderr=clip(last_out["stderr"]))
        failing = next((t for t in resp["tests"] if not t["passed"]), None)
        return dict(
            resp,
            status=failing["status"] if failing else "passed",
            message=failing.get("message", "") if failing else "",
        )

    def run_command(self, req: dict) -> dict:
        limits = req["limits"]
        t0 = time.monotonic()
        command = req["command"]
        argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        if not argv[0].startswith("/"):
            argv[0] = which(argv[0]) or argv[0]
        out = self.run_worker(
            "exec",
            {"files": req.get("files", {}), "argv": argv},
            limits,
            workdir=self.workdir(),
            stdin=req.get("stdin", "").encode(),
            deadline=t0 + min(limits["timeout_s"], limits["test_timeout_s"]),
        )
        status, message = run_verdict(out, limits)
        code = exit_code(out["exit"])
        if status is None or status == "compile_error":
            status = "passed" if code == 0 else "runtime_error"
        return {
            "status": status,
            "message": message,
            "exit_code": code,
            "tests_total": 1,
            "tests": [
                {
                    "name": "command",
                    "passed": status == "passed",
                    "status": status,
                    "message": message,
                }
            ],
            "stdout": clip(out["stdout"]),
            "stderr": clip(out["stderr"]),
        }

    # -- housekeeping ----------------------------------------------------------------------

    def workdir(self) -> str:
        return f"{self.cfg['work_root']}/job-{self.tag + 1}"

    def cleanup(self) -> bool:
        """Kill every process but ours and empty the writable places. True if all clean."""
        if self.cfg["scan_procs"] or self.privileged:
            ours = (os.getpid(), self.zpid)
            uids = (
                None
                if self.cfg["scan_procs"]
                else {self.cfg["candidate_uid"], self.cfg["oracle_uid"]}
            )
            for _ in range(200):
                alive = [pid for pid in other_pids(ours, uids) if not is_zombie(pid)]
                if not alive:
                    break
                for pid in alive:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.001)
            else:
                return False
        dirs = self.cfg["clean_dirs"]
        if any(os.listdir(d) for d in dirs):
            for uid in (
                {self.cfg["candidate_uid"], self.cfg["oracle_uid"]} if self.privileged else {None}
            ):
                self.clean_as(uid)
            if any(os.listdir(d) for d in dirs):
                return False
        return True

    def clean_as(self, uid: int | None) -> None:
        null = os.open(os.devnull, os.O_RDWR)
        try:
            self.tag += 1
            spec = {"tag": self.tag, "mode": "clean", "uid": uid, "clean": self.cfg["clean_dirs"]}
            socket.send_fds(self.zsock, [json.dumps(spec).encode()], [null, null, null, null])
        finally:
            os.close(null)
        deadline = time.monotonic() + 10
        while self.tag not in self.spawned:
            if not self._pump(deadline - time.monotonic()):
                return
        self.wait_exit(self.spawned.pop(self.tag), timeout=10)

    def handle(self, msg: dict) -> dict:
        op = msg.get("op")
        if op == "ping":
            return {"pong": True}
        if op != "run":
            return {"infra_error": f"unknown op {op!r}"}
        req = msg["request"]
        t0 = time.monotonic()
        kind = req["kind"]
        if kind == "function":
            resp = self.run_function(req)
        elif kind == "stdio":
            resp = self.run_stdio(req)
        elif kind == "command":
            resp = self.run_command(req)
        else:
            return {"infra_error": f"unknown request kind {kind!r}"}
        resp["clean"] = self.cleanup()
        resp["duration_s"] = time.monotonic() - t0
        return resp


# --------------------------------------------------------------------------- helpers


def isolate_stdio() -> None:
    """Point fds 0-2 at /dev/null so no child can reach the host's stream."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)


def list_fds() -> list[int]:
    try:
        return [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 1024))


def other_pids(ours: tuple[int, ...], uids: set | None = None) -> list[int]:
    """Processes of this pid namespace but ours and init; of `uids` only, when given."""
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in ours and p != "1"]
    if uids is None:
        return pids
    return [pid for pid in pids if process_uid(pid) in uids]


def process_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2][1:2] in (b"Z", b"X")
    except OSError:
        return True


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def clean_tree(dirs: list[str]) -> None:
    import shutil
    import stat

    def retry(func, path, _exc):
        try:
            os.chmod(os.path.dirname(path) or ".", stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            func(path)
        except OSError:
            pass

    for d in dirs:
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    os.chmod(entry.path, stat.S_IRWXU)
                    shutil.rmtree(entry.path, onerror=retry)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


_COMPILED: dict[tuple, tuple] = {}


def compile_tests(req: dict) -> tuple:
    """(setup code, instrumented test code, number of tests) of a check-script request.
    Cached in the executor, whose forked oracles inherit the code objects: a batch grades
    many samples of the same task, and compiling the tests is most of the oracle's own work."""
    key = (
        req.get("setup", ""),
        req["test_script"],
        req.get("check_name") or "check",
        bool(req.get("split_asserts", True)),
    )
    hit = _COMPILED.get(key)
    if hit is None:
        setup_src, test_src, check_name, split = key
        setup = compile(setup_src, "setup.py", "exec") if setup_src else None
        tree = ast.parse(test_src, "test.py")
        n = split_check(tree, check_name) if split else 0
        hit = (setup, compile(tree, "test.py", "exec"), n)
        if len(_COMPILED) >= 1024:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = hit
    return hit


def count_asserts(req: dict) -> int:
    try:
        return max(compile_tests(req)[2], 1)
    except SyntaxError:
        return 1


def exited_ok(info: dict | None) -> bool:
    return info is not None and os.WIFEXITED(info["status"]) and os.WEXITSTATUS(info["status"]) == 0


def exit_code(info: dict | None) -> int | None:
    if info is None:
        return None
    status = info["status"]
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else None


def exit_verdict(info: dict | None, limits: dict, message: str) -> tuple[str, str]:
    """Why did the candidate's process end? -> (status, message)."""
    if info is None:
        return "crashed", message
    status = info["status"]
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and info["cpu"] >= limits["cpu_s"]):
            return "timeout", f"CPU time limit of {limits['cpu_s']} s exceeded"
        if sig == signal.SIGKILL and info["maxrss_kb"] >= 0.8 * limits["memory_mb"] * 1024:
            return "memory_limit", f"memory limit of {limits['memory_mb']} MB exceeded"
        if sig == signal.SIGXFSZ:
            return "output_limit", f"file size limit of {limits['file_size_mb']} MB exceeded"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return "crashed", f"killed by {name}"
    code = os.WEXITSTATUS(status)
    return (
        "runtime_error",
        f"the candidate's process exited with code {code} before the tests finished",
    )


def run_verdict(out: dict, limits: dict) -> tuple[str | None, str]:
    """Status of a finished program run, or None when it exited 0 (compare its output)."""
    if out["exceeded"]:
        return "output_limit", f"more than {limits['output_bytes']} bytes of output"
    if out["timed_out"]:
        return "timeout", f"no exit within {limits['test_timeout_s']} s"
    info = out["exit"]
    if info is None:
        return "crashed", "the process vanished"
    status = info["status"]
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return None, ""
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 125:
        return "compile_error", "syntax error"
    tail = out["stderr"][-2000:]
    if b"MemoryError" in tail or b"std::bad_alloc" in tail:
        return "memory_limit", f"memory limit of {limits['memory_mb']} MB exceeded"
    if os.WIFEXITED(status):
        return "runtime_error", f"exit code {os.WEXITSTATUS(status)}"
    return exit_verdict(info, limits, "")


def outputs_match(got: str, expected: str, mode: str, tol: float | None) -> bool:
    if mode == "exact":
        return got == expected
    if mode == "tokens":
        return tokens_match(got.split(), expected.split(), tol)
    g, e = normalise_lines(got), normalise_lines(expected)
    if len(g) != len(e):
        return False
    if tol is None:
        return g == e
    return all(tokens_match(a.split(), b.split(), tol) for a, b in zip(g, e, strict=False))


def normalise_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def tokens_match(got: list[str], expected: list[str], tol: float | None) -> bool:
    if len(got) != len(expected):
        return False
    for a, b in zip(got, expected, strict=False):
        if a == b:
            continue
        if tol is None:
            return False
        try:
            x, y = float(a), float(b)
        except ValueError:
            return False
        if not abs(x - y) <= tol * max(1.0, abs(y)):
            return False
    return True


def which(name: str) -> str | None:
    for d in SAFE_ENV["PATH"].split(":"):
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    return None


def clip(data: bytes, cap: int = RETURN_CAP) -> str:
    text = data[:cap].decode("utf-8", "replace")
    return text if len(data) <= cap else text + f"\n... [{len(data) - cap} more bytes]"


def main() -> None:
    cfg = json.loads(sys.argv[1])
    cfg["privileged"] = os.geteuid() == 0 and cfg.get("oracle_uid") is not None
    sys.set_int_max_str_digits(0)
    warm_up()
    host_in, host_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    executor = Executor(cfg)
    send_frame(
        host_out,
        {
            "ready": True,
            "protocol": PROTOCOL_VERSION,
            "privileged": executor.privileged,
            "pid": os.getpid(),
            "python": sys.version.split()[0],
        },
    )
    while True:
        try:
            msg = recv_frame(host_in)
        except (EOFError, OSError):
            break
        try:
            resp = executor.handle(msg)
        except Exception:  # noqa: BLE001 - the executor itself failed: the host retries elsewhere
            resp = {"infra_error": traceback.format_exc()[-3000:]}
        resp["id"] = msg.get("id") if isinstance(msg, dict) else None
        send_frame(host_out, resp)
    try:
        os.kill(executor.zpid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    main()
