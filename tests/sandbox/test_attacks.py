"""Attacks on the trust boundary (docs/sandbox.md, "Trust boundary").

Every attack is a candidate that tries to be graded as passed without computing ``f(x) = 3x+1``
(or to break the container for later requests). Each must end as not passed, and afterwards the
same container must still grade a correct solution as passed and show the next request no
stray process, file or IPC object (`assert_pristine` in conftest.py). Attacks run on the
one-container `solo_sandbox`, so "the next request" lands on the attacked container.

Attacks whose answer would be a secret (hidden expected values, another request's source)
search for a distinctive marker: a random hex string behind a prefix that never appears whole
in the attacker's own source, so any hit proves a leak. A positive control shows the searcher
finds the marker when it is within reach.
"""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox import (
    CallTest,
    CommandRequest,
    ExecResult,
    FunctionRequest,
    IOTest,
    Limits,
    Sandbox,
    Status,
    StdioRequest,
)

pytestmark = pytest.mark.docker

SMALL = Limits(timeout_s=5, test_timeout_s=2, cpu_s=2, memory_mb=256)
"""Limits of the resource attacks: small, so that the module stays fast."""
SEARCH = Limits(timeout_s=20, test_timeout_s=15, cpu_s=10, memory_mb=256)
"""Limits of the attacks that search memory, /proc and the file system."""
SLACK_S = 5.0
"""How long past its own time budget a request may take (start-up, clean-up, the host)."""

CALLS = (
    CallTest(args=(5,), expected=16),
    CallTest(args=(7,), expected=22),
    CallTest(args=(9,), expected=28),
)
CHECK = """\
import math

def check(candidate):
    assert candidate(5) == 16
    assert abs(candidate(7) - 22) < 1e-9
    assert math.isclose(candidate(9), 28) and isinstance(candidate(9), int)
"""
"""HumanEval-style check of the same task; it uses `abs`, `math` and `isinstance`, which
attackers patch in their own process."""


def as_calls(source: str, limits: Limits = SMALL) -> FunctionRequest:
    return FunctionRequest(source=source, entry_point="f", tests=CALLS, limits=limits)


def as_script(source: str, limits: Limits = SMALL) -> FunctionRequest:
    return FunctionRequest(source=source, entry_point="f", test_script=CHECK, limits=limits)


FORMS: dict[str, Callable[..., FunctionRequest]] = {"calls": as_calls, "script": as_script}


def marker(head: str, tail: str) -> tuple[str, str]:
    """(prefix split in two for the attacker's source, a fresh marker behind the prefix)."""
    return f'"{head}" + "{tail}"', f"{head}{tail}{uuid.uuid4().hex}"


def assert_not_passed(result: ExecResult, statuses: frozenset[Status] | None = None) -> None:
    assert not result.passed, f"forged a pass: {result}"
    assert result.status is not Status.INFRA_ERROR, f"the attack broke the sandbox: {result}"
    if statuses is not None:
        assert result.status in statuses, f"{result.status}: {result.message[:500]}"


@pytest.fixture(scope="module", autouse=True)
def no_container_left_behind(
    our_containers: Callable[[], list[Any]], pooled_containers: Callable[[], set[str]]
) -> Any:
    """Every container this module's requests made is gone or still held by an open pool.
    (Pools of other test directories, alive for the session, existed before and are not
    counted.)"""
    before = {c.id for c in our_containers()}
    yield
    held = pooled_containers()
    left = [c for c in our_containers() if c.id not in before and c.id not in held]
    assert not left, f"containers left behind: {[c.name for c in left]}"


# -- attacks on the verdict and on the container, as function requests -----------------------


@dataclass(frozen=True)
class Attack:
    name: str
    source: str
    statuses: frozenset[Status] | None = None
    """The statuses that make sense for this attack; None: any status but passed."""
    timed: bool = False
    """A resource attack: it must also end within its time budget."""


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


TIMEOUT = frozenset({Status.TIMEOUT})
FAKE_FRAMES = """
    import json, os, struct

    def _frames():
        tests = [{"name": f"t{i}", "passed": True, "status": "passed"} for i in range(3)]
        bodies = [{"tests": tests, "load": None},
                  {"id": 1, "status": "passed", "tests_total": 3, "tests": tests, "clean": True},
                  {"ok": 16}, {"ok": 22}, {"ok": 28}]
        for body in bodies:
            data = json.dumps(body).encode()
            yield struct.pack(">I", len(data)) + data
            yield struct.pack(">I", 1) + struct.pack(">I", len(data)) + data  # docker stream header
            yield data + b"\\n"

    def _spray():
        paths = []
        for pid in os.listdir("/proc"):
            if pid.isdigit() or pid == "self":
                try:
                    paths += [f"/proc/{pid}/fd/{fd}" for fd in os.listdir(f"/proc/{pid}/fd")]
                except OSError:
                    pass
        for frame in _frames():
            for fd in range(1024):
                if fd != 3:  # 3 is the channel to the oracle, see test_malformed_load_reply
                    try:
                        os.write(fd, frame)
                    except OSError:
                        pass
            for path in paths:
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:
                    continue
                try:
                    os.write(fd, frame)
                except OSError:
                    pass
                finally:
                    os.close(fd)
"""

ATTACKS = [
    # exiting 0 before (or while) the tests run
    Attack("sys_exit_at_import", "import sys\nsys.exit(0)\ndef f(x):\n    return 0\n"),
    Attack("os_exit_at_import", "import os\nos._exit(0)\ndef f(x):\n    return 0\n"),
    Attack("sys_exit_in_call", "import sys\ndef f(x):\n    sys.exit(0)\n"),
    Attack("os_exit_in_call", "import os\ndef f(x):\n    os._exit(0)\n"),
    Attack("raise_system_exit", "def f(x):\n    raise SystemExit(0)\n"),
    Attack("exit_builtin", "def f(x):\n    exit()\n"),
    Attack("keyboard_interrupt", "def f(x):\n    raise KeyboardInterrupt\n"),
    Attack("generator_exit", "def f(x):\n    raise GeneratorExit\n"),
    Attack(
        "exit_after_first_answer",
        "import os\nseen = []\ndef f(x):\n    seen.append(x)\n"
        "    if len(seen) > 1:\n        os._exit(0)\n    return x * 3 + 1\n",
    ),
    Attack(
        "exit_from_a_thread",
        _src("""
            import os, threading, time
            def f(x):
                threading.Thread(target=lambda: (time.sleep(0.05), os._exit(0))).start()
                time.sleep(1)
                return 0
        """),
    ),
    # claiming success in the output, on other file descriptors, at exit
    Attack(
        "fake_pass_markers",
        _src("""
            import json, sys
            MARKS = ["PASSED", "All tests passed", "OK", "3 passed in 0.01s", "status: passed",
                     json.dumps({"status": "passed", "passed": True, "tests_total": 3})]
            for stream in (sys.stdout, sys.stderr):
                print(*MARKS, sep="\\n", file=stream, flush=True)
            def f(x):
                print(*MARKS, sep="\\n", flush=True)
                return 0
        """),
    ),
    Attack(
        "fake_frames_on_every_fd",
        _src(FAKE_FRAMES + "\n    _spray()\n    def f(x):\n        _spray()\n        return 0\n"),
    ),
    Attack(
        "atexit_tricks",
        _src("""
            import atexit, os, sys
            atexit.register(print, "All tests passed")
            atexit.register(os._exit, 0)
            sys.excepthook = lambda *a: os._exit(0)
            def f(x):
                atexit.register(os._exit, 0)
                raise ValueError("boom")
        """),
    ),
    # values that claim equality
    Attack(
        "always_equal_object",
        _src("""
            class Any:
                def __eq__(self, other): return True
                def __ne__(self, other): return False
                def __lt__(self, other): return True
                def __gt__(self, other): return True
                def __sub__(self, other): return 0
                __rsub__ = __sub__
                def __abs__(self): return 0
                def __hash__(self): return 0
                def __float__(self): return 0.0
            def f(x):
                return Any()
        """),
    ),
    Attack(
        "rigged_builtin_subclasses",
        _src("""
            class I(int):
                def __eq__(self, other): return True
                def __ne__(self, other): return False
                def __hash__(self): return hash(16)
                def __sub__(self, other): return 0
                def __abs__(self): return 0
            class S(str):
                def __eq__(self, other): return True
                def __hash__(self): return 0
            class L(list):
                def __eq__(self, other): return True
            class D(dict):
                def __eq__(self, other): return True
            def f(x):
                return {5: I(0), 7: S("no"), 9: L()}.get(x, D())
        """),
    ),
    Attack(
        "rigged_float",
        "class F(float):\n    def __eq__(self, o): return True\n"
        "    def __sub__(self, o): return 0.0\n"
        "def f(x):\n    return F(-1.0)\n",
    ),
    Attack("self_referencing_value", "def f(x):\n    a = []\n    a.append(a)\n    return a\n"),
    Attack("bool_for_int", "def f(x):\n    return True\n"),
    # patching what a checker would use, in the candidate's own process
    Attack(
        "patched_builtins_and_math",
        _src("""
            import builtins, math, sys, operator
            builtins.isinstance = lambda *a: True
            builtins.abs = lambda x: 0
            builtins.len = lambda x: 0
            builtins.AssertionError = type("NoError", (Exception,), {})
            math.isclose = lambda *a, **k: True
            math.fabs = lambda x: 0.0
            operator.eq = lambda a, b: True
            codec = sys.modules.get("codec")
            if codec is not None:
                codec.strict_equal = lambda *a, **k: True
            def f(x):
                return -1
        """),
    ),
    # skipping
    Attack("unittest_skip_at_import", "import unittest\nraise unittest.SkipTest('skip')\n"),
    Attack(
        "unittest_skip_in_call", "import unittest\ndef f(x):\n    raise unittest.SkipTest('no')\n"
    ),
    Attack("pytest_skip_in_call", "import pytest\ndef f(x):\n    pytest.skip('not today')\n"),
    Attack("stop_iteration", "def f(x):\n    raise StopIteration\n"),
    # resource attacks
    Attack(
        "fork_bomb",
        "import os\ndef f(x):\n    while True:\n        try:\n            os.fork()\n"
        "        except OSError:\n            pass\n",
        timed=True,
    ),
    Attack(
        "thread_bomb",
        "import threading, time\ndef f(x):\n    while True:\n        try:\n"
        "            threading.Thread(target=time.sleep, args=(60,)).start()\n"
        "        except RuntimeError:\n            pass\n",
        timed=True,
    ),
    Attack(
        "orphan_that_outlives_the_request",
        _src("""
            import os, time
            def f(x):
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        while True:
                            open("/tmp/orphan-alive", "w").close()
                            time.sleep(0.01)
                    os._exit(0)
                time.sleep(0.05)
                return 0
        """),
    ),
    Attack(
        "memory_fill",
        "def f(x):\n    hog = []\n    while True:\n        hog.append(' ' * 10**6)\n",
        frozenset({Status.MEMORY_LIMIT}),
        timed=True,
    ),
    Attack(
        "memory_fill_at_import",
        "hog = bytearray(10**9)\ndef f(x):\n    return x * 3 + 1\n",
        frozenset({Status.MEMORY_LIMIT}),
        timed=True,
    ),
    Attack(
        "disk_fill",
        _src("""
            import os
            def f(x):
                for place in ("/dev/shm", ".", "/tmp"):
                    try:
                        for i in range(10**6):
                            with open(f"{place}/fill-{i}", "wb") as out:
                                out.write(b"x" * (8 << 20))
                    except OSError:
                        pass
                return 0
        """),
        timed=True,
    ),
    Attack(
        "stdout_flood",
        "def f(x):\n    while True:\n        print('A' * 10000)\n",
        frozenset({Status.OUTPUT_LIMIT}),
        timed=True,
    ),
    Attack(
        "stderr_flood",
        "import sys\ndef f(x):\n    while True:\n        sys.stderr.write('E' * 10000)\n",
        frozenset({Status.OUTPUT_LIMIT}),
        timed=True,
    ),
    Attack(
        "huge_return_value",
        "def f(x):\n    return 'A' * (8 << 20)\n",
        frozenset({Status.OUTPUT_LIMIT}),
        timed=True,
    ),
    Attack(
        "ignore_signals_then_spin",
        _src("""
            import signal
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU,
                        signal.SIGALRM, signal.SIGUSR1):
                signal.signal(sig, signal.SIG_IGN)
            def f(x):
                while True:
                    pass
        """),
        TIMEOUT,
        timed=True,
    ),
    Attack(
        "segfault",
        "import ctypes\ndef f(x):\n    return ctypes.string_at(0)\n",
        frozenset({Status.CRASHED}),
    ),
    Attack("segfault_at_import", "import ctypes\nctypes.string_at(0)\n"),
    Attack("sleep_in_call", "import time\ndef f(x):\n    time.sleep(1000)\n", TIMEOUT, timed=True),
    Attack("sleep_at_import", "import time\ntime.sleep(1000)\n", TIMEOUT, timed=True),
    Attack("busy_loop", "def f(x):\n    while True:\n        pass\n", TIMEOUT, timed=True),
    Attack(
        "stop_itself",
        "import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGSTOP)\n",
        TIMEOUT,
        timed=True,
    ),
    # the harness' own processes
    Attack(
        "kill_every_process",
        _src("""
            import os, signal
            def _kill():
                for pid in os.listdir("/proc"):
                    if pid.isdigit() and int(pid) != os.getpid():
                        for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):
                            try:
                                os.kill(int(pid), sig)
                            except OSError:
                                pass
                for everyone in (lambda: os.kill(-1, signal.SIGKILL),  # all it may signal
                                 lambda: os.killpg(1, signal.SIGKILL)):
                    try:
                        everyone()
                    except OSError:
                        pass
            _kill()
            def f(x):
                _kill()
                return 0
        """),
    ),
    Attack(
        "ptrace_every_process",
        _src("""
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            def f(x):
                for pid in os.listdir("/proc"):
                    if pid.isdigit() and int(pid) != os.getpid():
                        libc.ptrace(16, int(pid), None, None)  # PTRACE_ATTACH
                return 0
        """),
    ),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_attack_is_not_passed_and_leaves_nothing(
    solo_sandbox: Sandbox, pristine: Callable[..., None], attack: Attack, form: str
) -> None:
    result = solo_sandbox.run(FORMS[form](attack.source))
    assert_not_passed(result, attack.statuses)
    if attack.timed:
        assert result.latency_s < SMALL.timeout_s + SLACK_S, f"took {result.latency_s:.1f} s"
    pristine(solo_sandbox, result.worker)


ORPHAN = """
import os, time
def f(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.closerange(0, 1024)  # holds no pipe of the request: nothing waits for it
            while True:
                open("/tmp/orphan-alive", "w").close()
                time.sleep(0.01)
        os._exit(0)
    while not os.path.exists("/tmp/orphan-alive"):
        time.sleep(0.01)
    return x * 3 + 1
"""


def test_orphan_does_not_outlive_its_request(
    solo_sandbox: Sandbox, container_state: Callable[..., Any]
) -> None:
    # A correct answer with a detached grandchild left running: the result stands, the
    # grandchild must be gone before the next request starts.
    result = solo_sandbox.run(FunctionRequest(source=ORPHAN, entry_point="f", tests=CALLS))
    assert result.passed, result
    state = container_state(solo_sandbox)
    assert state.worker == result.worker
    assert not state.strays, state.strays
    assert not state.leftovers, state.leftovers


UNDELETABLE = {
    "locked_directories": _src("""
        import os
        def f(x):
            os.makedirs("/tmp/a/b/c")
            open("/tmp/a/b/c/file", "w").close()
            for path in ("/tmp/a/b/c", "/tmp/a/b", "/tmp/a"):
                os.chmod(path, 0)
            return 0
    """),
    "deep_directory_tree": _src("""
        import os
        def f(x):
            os.chdir("/tmp")
            for _ in range(3000):  # deeper than PATH_MAX and than Python's recursion limit
                os.mkdir("d")
                os.chdir("d")
            return 0
    """),
}


@pytest.mark.parametrize("name", UNDELETABLE)
def test_files_the_candidate_made_hard_to_delete_are_cleaned(
    solo_sandbox: Sandbox, pristine: Callable[..., None], name: str
) -> None:
    """Clean-up runs as the candidate's uid and may chmod what it owns: a mode-000 directory
    or a tree too deep for path names must not cost the container (a restart per request)."""
    result = solo_sandbox.run(as_calls(UNDELETABLE[name]))
    assert_not_passed(result)
    pristine(solo_sandbox, result.worker)


def test_stop_iteration_cannot_end_a_map_early(solo_sandbox: Sandbox) -> None:
    # In a plain interpreter StopIteration from the candidate ends `map` early, `zip` yields
    # nothing and `all([])` is True: a forged pass. Across the proxy it must not cross as such.
    check = (
        "def check(candidate):\n"
        "    assert all(g == w for g, w in zip(map(candidate, [5, 7, 9]), [16, 22, 28]))\n"
    )
    for source in (
        "def f(x):\n    raise StopIteration\n",
        "def f(x):\n    return next(iter([]))\n",
    ):
        result = solo_sandbox.run(
            FunctionRequest(source=source, entry_point="f", test_script=check)
        )
        assert_not_passed(result)
    correct = solo_sandbox.run(
        FunctionRequest(
            source="def f(x):\n    return x * 3 + 1\n", entry_point="f", test_script=check
        )
    )
    assert correct.passed, correct


MALFORMED_LOAD_REPLIES = {
    "dict_without_ok": {"x": 1},
    "list": [1, 2],
    "error_with_int_message": {"error": "syntax", "message": 5},
    "error_with_bad_mro": {"error": "load", "message": "m", "mro": 5},
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("payload", MALFORMED_LOAD_REPLIES)
def test_malformed_load_reply_is_the_candidates_failure(
    solo_sandbox: Sandbox, pristine: Callable[..., None], payload: str, form: str
) -> None:
    """A candidate that writes its own frame on the channel to the oracle (fd 3) before the
    harness reports "loaded" breaks the protocol: that is its own failure, never an
    infrastructure error (which would be retried on fresh containers and dropped from training
    instead of scoring zero) and never a crash of the executor."""
    source = (
        f"import json, os, struct\nbody = json.dumps({MALFORMED_LOAD_REPLIES[payload]!r}).encode()\n"
        "os.write(3, struct.pack('>I', len(body)) + body)\ndef f(x):\n    return 0\n"
    )
    result = solo_sandbox.run(FORMS[form](source))
    assert_not_passed(result)
    assert result.attempts == 1, f"retried as an infra error: {result.message[-300:]}"
    assert isinstance(result.message, str), f"message is {result.message!r}"
    pristine(solo_sandbox, result.worker)


def test_malformed_call_reply_is_the_candidates_failure(solo_sandbox: Sandbox) -> None:
    # The candidate answers a call with its own frame on the channel, then stays silent.
    source = _src("""
        import json, os, struct, time
        def f(x):
            for body in ([1], {"raised": 5, "message": {"a": 1}}, {"ok": {"$t": 5}}):
                data = json.dumps(body).encode()
                os.write(3, struct.pack(">I", len(data)) + data)
            time.sleep(1)
    """)
    for form in FORMS.values():
        result = solo_sandbox.run(form(source))
        assert_not_passed(result)
        assert result.attempts == 1


def test_special_cased_public_answers_fail_the_hidden_tests(solo_sandbox: Sandbox) -> None:
    cheat = "def f(x):\n    return {5: 16, 7: 22}[x]\n"
    public = FunctionRequest(source=cheat, entry_point="f", tests=CALLS[:2])
    assert solo_sandbox.run(public).passed  # the public tests alone cannot tell
    hidden = (CallTest(args=(11,), expected=34), CallTest(args=(-2,), expected=-5))
    graded = FunctionRequest(source=cheat, entry_point="f", tests=CALLS[:2] + hidden)
    assert_not_passed(solo_sandbox.run(graded))
    assert_not_passed(solo_sandbox.run(as_script(cheat)))


# -- secrets: expected values, hidden tests, another request's source ------------------------

SEARCHER = """
import ctypes, gc, inspect, os, re, sys

PATTERN = re.compile((PREFIX).encode() + rb"[0-9a-f]{32}")
SKIP = ("/proc", "/sys", "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/dev")
looked = {"objects": 0, "memory_bytes": 0, "procs": 0, "denied": 0, "files": 0}

def find(data):
    hit = PATTERN.search(data)
    return hit.group().decode() if hit else None

def as_bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return value.encode("utf-8", "replace") if isinstance(value, str) else None

def in_objects():
    # the test's own frame and locals, module globals, code constants, every tracked object
    gc.unfreeze()  # objects the zygote froze are not listed otherwise
    spaces = [info.frame.f_locals for info in inspect.stack()]
    frame = sys._getframe()
    while frame is not None:
        spaces += [frame.f_locals, frame.f_globals]
        frame = frame.f_back
    for obj in gc.get_objects() + spaces:
        looked["objects"] += 1
        if isinstance(obj, dict):
            items = [*obj.keys(), *obj.values()]
        elif isinstance(obj, (list, tuple, set, frozenset)):
            items = list(obj)
        elif hasattr(obj, "__code__"):
            items = list(getattr(obj.__code__, "co_consts", ()))
        else:
            continue
        for item in items:
            data = as_bytes(item)
            if data and find(data):
                return find(data)

def in_memory(pid):
    try:
        with open(f"/proc/{pid}/maps") as maps:
            regions = [line.split() for line in maps]
    except OSError:
        looked["denied"] += 1
        return None
    if pid == "self":  # a non-dumpable process may not open its own /proc/self/mem: read it
        for region in regions:  # in place, the writable anonymous mappings (heap, stacks)
            if region[1].startswith("rw") and (len(region) < 6 or region[5] in ("[heap]", "[stack]")):
                start, end = (int(x, 16) for x in region[0].split("-"))
                chunk = ctypes.string_at(start, end - start)
                looked["memory_bytes"] += len(chunk)
                if find(chunk):
                    return find(chunk)
        return None
    try:
        mem = open(f"/proc/{pid}/mem", "rb", 0)
    except OSError:
        looked["denied"] += 1
        return None
    with mem:
        for region in regions:
            if not region[1].startswith("r") or region[-1] in ("[vvar]", "[vsyscall]"):
                continue
            start, end = (int(x, 16) for x in region[0].split("-"))
            for at in range(start, end, 1 << 22):
                try:
                    mem.seek(at)
                    chunk = mem.read(min(1 << 22, end - at))
                except (OSError, ValueError, OverflowError):
                    break
                looked["memory_bytes"] += len(chunk)
                if find(chunk):
                    return find(chunk)

def in_procs():
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        looked["procs"] += 1
        for name in ("cmdline", "environ", "status"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as f:
                    hit = find(f.read())
                if hit:
                    return hit
            except OSError:
                looked["denied"] += 1
        if pid != str(os.getpid()):
            hit = in_memory(pid)
            if hit:
                return hit
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            looked["denied"] += 1
            continue
        for fd in fds:
            try:
                with open(f"/proc/{pid}/fd/{fd}", "rb", 0) as f:
                    os.set_blocking(f.fileno(), False)
                    hit = find(f.read(1 << 20) or b"")
                if hit:
                    return hit
            except (OSError, TypeError):
                pass

def in_files():
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP]
        for name in files:
            path = os.path.join(root, name)
            try:
                if os.path.getsize(path) > 1 << 22:
                    continue
                with open(path, "rb") as f:
                    looked["files"] += 1
                    hit = find(f.read())
                if hit:
                    return hit
            except OSError:
                pass
    for place in ("/dev/shm", "/dev/mqueue"):
        for name in os.listdir(place) if os.path.isdir(place) else ():
            try:
                with open(os.path.join(place, name), "rb") as f:
                    hit = find(f.read())
                if hit:
                    return hit
            except OSError:
                pass

def search(log=None):
    hit = in_objects() or in_memory("self") or in_procs() or in_files()
    print("looked:", looked, file=log or sys.stdout, flush=True)
    return hit or "nothing found"

def f(*args, **kwargs):
    return search()
"""


def searcher(prefix: str) -> str:
    return SEARCHER.replace("(PREFIX)", f"({prefix})")


def test_searcher_finds_a_marker_within_its_reach(solo_sandbox: Sandbox) -> None:
    # Positive control: the marker is the call's argument and a file of the request.
    prefix, secret = marker("REA", "CH-")
    request = FunctionRequest(
        source=searcher(prefix),
        entry_point="f",
        tests=(CallTest(args=(secret,), expected=secret),),
        files={"notes.txt": secret},
        limits=SEARCH,
    )
    result = solo_sandbox.run(request)
    assert result.passed, result


@pytest.mark.parametrize("form", ["calls", "script"])
def test_expected_values_and_hidden_tests_are_out_of_reach(
    solo_sandbox: Sandbox, pristine: Callable[..., None], form: str
) -> None:
    """The candidate searches its frames, objects, code constants and whole memory, every
    process' cmdline, environ, memory and open files, and the file system, for the expected
    value (which is also in the hidden test script and in the trusted setup code)."""
    prefix, secret = marker("EXPEC", "TED-")
    if form == "calls":
        request = FunctionRequest(
            source=searcher(prefix),
            entry_point="f",
            tests=(CallTest(args=("probe",), expected=secret, name=secret),),
            limits=SEARCH,
        )
    else:
        script = (
            f"def check(candidate):\n    want = {secret!r}\n    assert candidate('probe') == want\n"
        )
        request = FunctionRequest(
            source=searcher(prefix),
            entry_point="f",
            test_script=script,
            setup=f"HIDDEN = {secret!r}\n",
            limits=SEARCH,
        )
    result = solo_sandbox.run(request)
    assert_not_passed(result)
    assert secret not in result.stdout + result.stderr
    assert "looked:" in result.stdout and "'memory_bytes': 0" not in result.stdout, result.stdout
    pristine(solo_sandbox, result.worker)


LEAKER = """
import os, sys, time
SECRET = {secret!r}
for place in ("/tmp/leak.txt", "/dev/shm/leak.txt", "leak.txt", "/tmp/.hidden/leak"):
    try:
        os.makedirs(os.path.dirname(place) or ".", exist_ok=True)
        with open(place, "w") as out:
            out.write(SECRET)
        os.chmod(place, 0o666)
    except OSError:
        pass
if os.fork() == 0:  # an orphan that keeps the secret in memory
    os.setsid()
    if os.fork() == 0:
        held = SECRET.encode() * 1000
        time.sleep(600)
    os._exit(0)

def f(x):
    return x * 3 + 1
"""


def test_another_requests_source_is_out_of_reach(solo_sandbox: Sandbox) -> None:
    prefix, secret = marker("SOURCE", "-SECRET-")
    leaker = FunctionRequest(source=LEAKER.format(secret=secret), entry_point="f", tests=CALLS)
    assert solo_sandbox.run(leaker).passed
    spy = FunctionRequest(
        source=searcher(prefix),
        entry_point="f",
        tests=(CallTest(args=("probe",), expected=secret),),
        limits=SEARCH,
    )
    result = solo_sandbox.run(spy)
    assert_not_passed(result)
    assert secret not in result.stdout


def test_requests_in_other_containers_are_out_of_reach(docker_sandbox: Sandbox) -> None:
    # Two containers at once: one holds a secret source (sleeping in a call), the other searches.
    prefix, secret = marker("NEIGH", "BOUR-")
    holder = FunctionRequest(
        source=f"import time\nSECRET = {secret!r}\ndef f(x):\n    time.sleep(2)\n    return x * 3 + 1\n",
        entry_point="f",
        tests=CALLS[:1],
    )
    spy = FunctionRequest(
        source=searcher(prefix),
        entry_point="f",
        tests=(CallTest(args=("probe",), expected=secret),),
        limits=SEARCH,
    )
    held, searched = docker_sandbox.run_many([holder, spy])
    assert held.passed
    assert held.worker != searched.worker
    assert_not_passed(searched)


IPC_LEAKER = """
import ctypes, os
SECRET = {secret!r}.encode()
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
shmid = libc.shmget(0x5EC2E7, 4096, 0o1666)
if shmid >= 0:
    addr = libc.shmat(shmid, None, 0)
    ctypes.memmove(addr, SECRET, len(SECRET))
    libc.shmdt(ctypes.c_void_p(addr))
libc.msgget(0x5EC2E8, 0o1666)
try:
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    rt.mq_open(b"/leak", os.O_CREAT | os.O_RDWR, 0o666, None)
except OSError:
    pass

def f(x):
    return x * 3 + 1
"""
IPC_SPY = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p

def f(x):
    shmid = libc.shmget(0x5EC2E7, 0, 0)
    if shmid < 0:
        return "no segment"
    return ctypes.string_at(libc.shmat(shmid, None, 0), {size}).decode()
"""


def test_ipc_objects_do_not_outlive_the_request(
    fresh_sandbox: Callable[..., Sandbox], container_state: Callable[..., Any]
) -> None:
    """System V shared memory, message queues and POSIX message queues live in the container's
    IPC namespace, not in a file the clean-up removes: one request must not hand them to the
    next (rule 5). A private container: a leak here must not spoil the other tests."""
    box = fresh_sandbox(pool_size=1)
    _, secret = marker("IPC", "-SECRET-")
    leaker = FunctionRequest(source=IPC_LEAKER.format(secret=secret), entry_point="f", tests=CALLS)
    assert box.run(leaker).passed
    spy = FunctionRequest(
        source=IPC_SPY.format(size=len(secret)),
        entry_point="f",
        tests=(CallTest(args=(0,), expected=secret),),
    )
    assert_not_passed(box.run(spy))
    state = container_state(box)
    assert not state.leftovers, f"IPC objects outlived their request: {state.leftovers}"


HOG = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
for key in range(0x4000, 0x4000 + {segments}):
    shmid = libc.shmget(key, 32 << 20, 0o1600)
    if shmid < 0:
        break
    addr = libc.shmat(shmid, None, 0)
    ctypes.memset(addr, 1, 32 << 20)  # the pages now count against the container's memory
    libc.shmdt(ctypes.c_void_p(addr))

def f(x):
    return x * 3 + 1
"""


def test_memory_pinned_by_one_request_does_not_starve_the_next(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    """Shared memory segments outlive their creator: left in the container they take memory
    from every later request, whose correct solutions are then killed by the container's OOM
    killer and graded as crashed (a wrong zero, not an infrastructure error)."""
    box = fresh_sandbox(pool_size=1, memory_mb=512, tmpfs_mb=128)
    needs_200mb = "def f(x):\n    room = bytearray(200 << 20)\n    return x * 3 + 1\n"
    request = FunctionRequest(
        source=needs_200mb, entry_point="f", tests=CALLS, limits=Limits(memory_mb=256)
    )
    assert box.run(request).passed, "the control failed: it needs more than the container has"
    box.run(FunctionRequest(source=HOG.format(segments=10), entry_point="f", tests=CALLS))
    for _ in range(2):
        result = box.run(request)
        assert result.passed, f"a correct solution within its limits failed: {result}"


# -- environment: network, privileges -----------------------------------------------------------

REPORT = """
import json, os, socket
out = {"uid": os.getuid(), "euid": os.geteuid(), "connect": {}}
for host, port, kind in (("1.1.1.1", 53, socket.SOCK_DGRAM), ("1.1.1.1", 53, socket.SOCK_STREAM),
                         ("GATEWAY", 2375, socket.SOCK_STREAM), ("GATEWAY", 80, socket.SOCK_STREAM)):
    s = socket.socket(socket.AF_INET, kind)
    s.settimeout(1)
    try:
        s.connect((host, port))
        s.send(b"x")
        out["connect"][f"{host}:{port}/{kind}"] = "connected"
    except OSError as exc:
        out["connect"][f"{host}:{port}/{kind}"] = exc.strerror or str(exc)
try:
    out["dns"] = socket.gethostbyname("example.com")
except OSError as exc:
    out["dns"] = None
out["interfaces"] = [name for _, name in socket.if_nameindex()]
with open("/proc/self/status") as f:
    out["status"] = dict(line.rstrip("\\n").split(":\\t", 1) for line in f if ":\\t" in line)
for name, call in (("setuid", lambda: os.setuid(0)), ("setgid", lambda: os.setgid(0)),
                   ("chroot", lambda: os.chroot("/")), ("mknod", lambda: os.mknod("dev", 0o20666, os.makedev(1, 3)))):
    try:
        call()
        out[name] = "allowed"
    except OSError as exc:
        out[name] = exc.strerror
try:
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("-1000")
    out["oom_protect"] = "allowed"
except OSError as exc:
    out["oom_protect"] = exc.strerror
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def gateway(docker_client: Any) -> str:
    """The address at which containers on the default bridge reach the host."""
    try:
        return str(docker_client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"])
    except Exception:  # noqa: BLE001 - no bridge network: the usual default
        return "172.17.0.1"


def test_no_network_and_no_privileges(solo_sandbox: Sandbox, gateway: str) -> None:
    import json

    program = REPORT.replace("GATEWAY", gateway)
    result = solo_sandbox.run(
        CommandRequest(files={}, command=["python3", "-c", program], limits=SEARCH)
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert not [k for k, v in report["connect"].items() if v == "connected"], report["connect"]
    assert report["dns"] is None and report["interfaces"] == ["lo"]
    assert report["uid"] != 0 and report["euid"] != 0
    status = report["status"]
    for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert int(status[cap], 16) == 0, f"{cap} = {status[cap]}"
    assert status["NoNewPrivs"].strip() == "1" and status["Seccomp"].strip() == "2"
    for call in ("setuid", "setgid", "chroot", "mknod", "oom_protect"):
        assert report[call] != "allowed", f"{call} was allowed"


def test_network_cannot_supply_the_answer(solo_sandbox: Sandbox, gateway: str) -> None:
    source = _src("""
        import socket
        def f(x):
            for host, port in (("1.1.1.1", 53), ("GATEWAY", 2375), ("8.8.8.8", 443)):
                try:
                    socket.create_connection((host, port), timeout=0.5).close()
                    return "reached the network"
                except OSError as exc:
                    print(host, exc)
            return "offline"
    """).replace("GATEWAY", gateway)
    result = solo_sandbox.run(
        FunctionRequest(
            source=source,
            entry_point="f",
            tests=(CallTest(args=(0,), expected="reached the network"),),
        )
    )
    assert_not_passed(result)


HOST_SOCKET_PROBE = r"""
import json, os, socket
out = {}
argv = open("/proc/1/cmdline", "rb").read().split(b"\0")
cfg = next((json.loads(a) for a in argv if a.startswith(b"{")), {})
path = out["path"] = cfg.get("host_socket")
if path:
    try:
        out["listdir"] = os.listdir(os.path.dirname(path))
    except OSError as exc:
        out["listdir"] = exc.strerror
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        out["connect"] = "connected"
    except OSError as exc:
        out["connect"] = exc.strerror
    try:
        open(os.path.join(os.path.dirname(path), "planted"), "w").close()
        out["write"] = "allowed"
    except OSError as exc:
        out["write"] = exc.strerror
print(json.dumps(out))
"""


def test_host_socket_is_out_of_reach(solo_sandbox: Sandbox, pristine: Callable[..., None]) -> None:
    """The executor's socket to the host (docs/sandbox.md, "Backends"): its path is in the
    container's command line, which every process may read; a candidate must find it gone
    and its directory closed, or it could speak for the executor."""
    import json

    (worker,) = solo_sandbox._workers.values()  # type: ignore[attr-defined]
    if worker.transport != "socket":
        pytest.skip("this engine's containers are reached over the stream")
    result = solo_sandbox.run(
        CommandRequest(files={}, command=["python3", "-c", HOST_SOCKET_PROBE], limits=SEARCH)
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["path"], report  # the probe found what it attacks
    assert report["connect"] != "connected", report
    assert report["write"] != "allowed", report
    assert not isinstance(report["listdir"], list) or not report["listdir"], report
    pristine(solo_sandbox, result.worker)


def test_candidate_uid_differs_from_the_oracle_and_root(solo_sandbox: Sandbox) -> None:
    # Checked from the oracle's side: the trusted test script compares its own uid.
    check = _src("""
        import os
        def check(candidate):
            mine, theirs = os.getuid(), candidate()
            assert mine != 0
            assert theirs != 0
            assert mine != theirs
    """)
    result = solo_sandbox.run(
        FunctionRequest(
            source="import os\ndef f():\n    return os.getuid()\n",
            entry_point="f",
            test_script=check,
        )
    )
    assert result.passed, result


# -- editing tests, planting conftest.py: repository-style requests -------------------------

REPO_CHECK = """
def check(candidate):
    f = candidate_function("pkg.mod:f")
    assert f(5) == 16
    assert f(7) == 22
"""


def test_edited_tests_and_planted_conftest_change_nothing(
    solo_sandbox: Sandbox, pristine: Callable[..., None]
) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/mod.py": "import os\nfor p in ('tests', 'test.py', 'check.py'):\n"
        "    os.system(f'rm -rf {p}')\ndef f(x):\n    return 0\n",
        "conftest.py": "import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n    outcome = yield\n"
        "    outcome.get_result().outcome = 'passed'\n",
        "tests/test_mod.py": "def test_f():\n    assert True\n",
        "sitecustomize.py": "print('All tests passed')\n",
        "pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\n",
    }
    request = FunctionRequest(
        source="", entry_point="pkg.mod:f", files=files, test_script=REPO_CHECK, limits=SMALL
    )
    result = solo_sandbox.run(request)
    assert_not_passed(result)
    pristine(solo_sandbox, result.worker)


# -- stdio programs -----------------------------------------------------------------------------

STDIO_TESTS = (
    IOTest(stdin="5\n", expected_stdout="16\n"),
    IOTest(stdin="7\n", expected_stdout="22\n"),
)

CPP_ATTACKS = {
    "fork_bomb": ("#include <unistd.h>\nint main() { while (true) fork(); }\n", None),
    "infinite_output": (
        '#include <cstdio>\nint main() { while (true) std::puts("AAAAAAAAAAAAAAAAAAAAAAAA"); }\n',
        frozenset({Status.OUTPUT_LIMIT}),
    ),
    "null_dereference": (
        "int main() { volatile int* p = nullptr; *p = 42; return 0; }\n",
        frozenset({Status.CRASHED}),
    ),
    "new_loop": (
        "#include <cstring>\n#include <vector>\nint main() {\n  std::vector<char*> hog;\n"
        "  while (true) { char* p = new char[1 << 24]; std::memset(p, 1, 1 << 24);"
        " hog.push_back(p); }\n}\n",
        frozenset({Status.MEMORY_LIMIT}),
    ),
    "busy_loop": ("int main() { volatile long i = 0; while (true) ++i; }\n", TIMEOUT),
    "exit_zero_early": ("#include <cstdlib>\nint main() { std::exit(0); }\n", None),
}


@pytest.mark.parametrize("name", CPP_ATTACKS)
def test_cpp_attack_is_not_passed(
    solo_sandbox: Sandbox, pristine: Callable[..., None], name: str
) -> None:
    source, statuses = CPP_ATTACKS[name]
    result = solo_sandbox.run(
        StdioRequest(source=source, tests=STDIO_TESTS, language="cpp", limits=SMALL)
    )
    assert result.status is not Status.COMPILE_ERROR, result.compile_output
    assert_not_passed(result, statuses)
    assert result.latency_s < SMALL.timeout_s + SLACK_S + 10  # the compile step on top
    pristine(solo_sandbox, result.worker)


CPP_PROC_READER = r"""
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
int main() {
  const std::string prefix = std::string(PREFIX_HEAD) + PREFIX_TAIL;
  std::string found = "nothing";
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    std::string pid = entry->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    for (const char* what : {"cmdline", "environ", "status", "mem"}) {
      std::ifstream in("/proc/" + pid + "/" + what, std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      size_t at = data.find(prefix);
      if (at != std::string::npos) found = data.substr(at, prefix.size() + 32);
    }
  }
  std::cout << found << std::endl;
}
"""


def test_cpp_program_cannot_read_the_expected_output(
    solo_sandbox: Sandbox, pristine: Callable[..., None]
) -> None:
    _, secret = marker("CPPEXP", "ECTED-")
    source = CPP_PROC_READER.replace("PREFIX_HEAD", '"CPPEXP"').replace("PREFIX_TAIL", '"ECTED-"')
    tests = (IOTest(stdin="5\n", expected_stdout=secret + "\n"),)
    result = solo_sandbox.run(
        StdioRequest(source=source, tests=tests, language="cpp", limits=SEARCH)
    )
    assert result.status is not Status.COMPILE_ERROR, result.compile_output
    assert_not_passed(result)
    assert secret not in result.stdout
    pristine(solo_sandbox, result.worker)


PY_STDIO_ATTACKS = {
    "exit_before_reading": ("import sys\nsys.exit(0)\n", None),
    "fake_pass_markers": (
        "print('PASSED')\nprint('All tests passed')\n",
        frozenset({Status.FAILED}),
    ),
    "stdout_flood": ("while True:\n    print('A' * 10000)\n", frozenset({Status.OUTPUT_LIMIT})),
    "stderr_flood": (
        "import sys\nwhile True:\n    sys.stderr.write('E' * 10000)\n",
        frozenset({Status.OUTPUT_LIMIT}),
    ),
    "fork_bomb": (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
        None,
    ),
    "segfault": ("import ctypes\nctypes.string_at(0)\n", frozenset({Status.CRASHED})),
    "sleep": ("import time\ntime.sleep(1000)\n", TIMEOUT),
}


@pytest.mark.parametrize("name", PY_STDIO_ATTACKS)
def test_python_stdio_attack_is_not_passed(
    solo_sandbox: Sandbox, pristine: Callable[..., None], name: str
) -> None:
    source, statuses = PY_STDIO_ATTACKS[name]
    result = solo_sandbox.run(StdioRequest(source=source, tests=STDIO_TESTS, limits=SMALL))
    assert_not_passed(result, statuses)
    assert result.latency_s < 2 * SMALL.timeout_s + SLACK_S
    pristine(solo_sandbox, result.worker)


def test_python_stdio_cannot_read_the_expected_output(solo_sandbox: Sandbox) -> None:
    prefix, secret = marker("STDIO", "-EXPECTED-")
    source = searcher(prefix) + "\nprint(search(log=sys.stderr))\n"  # stdout: the answer only
    tests = (IOTest(stdin="5\n", expected_stdout=secret + "\n"),)
    result = solo_sandbox.run(StdioRequest(source=source, tests=tests, limits=SEARCH))
    assert_not_passed(result)
    assert result.stdout.strip() == "nothing found" and "looked:" in result.stderr, result


# -- what hardening must not break ---------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        # The usual way to get a deep recursion stack in competitive programming.
        "import threading, time\ndef main():\n    time.sleep(0.2)\n    print(int(input()) * 3 + 1)\n"
        "threading.stack_size(1 << 26)\nthreading.Thread(target=main).start()\n",
        "import atexit\nx = int(input())\natexit.register(lambda: print(x * 3 + 1))\n",
    ],
    ids=["worker_thread", "atexit_print"],
)
def test_stdio_program_is_graded_on_what_the_interpreter_would_print(
    solo_sandbox: Sandbox, source: str
) -> None:
    """A Python program's output includes what its non-daemon threads and exit handlers print
    before the interpreter exits, as under ``python3 main.py``."""
    result = solo_sandbox.run(StdioRequest(source=source, tests=STDIO_TESTS))
    assert result.passed, result
