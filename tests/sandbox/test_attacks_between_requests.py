"""Attacks that reach past their own request: on the next request of the same container, or on
the container's trusted processes (docs/sandbox.md, "Trust boundary", rules 5 and 6).

Each attack runs first; a request after it, on the same container (`solo_sandbox` has one),
must be graded exactly as on a fresh container. Written against the holes they close:

- a process whose thread-group leader ended alone (the ``exit`` system call, not
  ``exit_group``) shows as a zombie while its other threads run on; a clean-up that skipped
  zombies left it alive, with the candidate's uid, beside every later request;
- a candidate that lowered its own out-of-memory score made the zygote, then at score 1000,
  the victim of the container's OOM killer: ``infra_error`` on every retry;
- a lone surrogate in a candidate's exception message reached the host unchanged.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from conftest import CANONICAL

from sandbox import (
    CallTest,
    CommandRequest,
    FunctionRequest,
    IOTest,
    Limits,
    Sandbox,
    Status,
    StdioRequest,
)

pytestmark = pytest.mark.docker

CALLS = (CallTest(args=(5,), expected=16), CallTest(args=(7,), expected=22))


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# A function candidate that answers correctly and leaves behind a thread group whose leader
# ended alone. PAYLOAD runs in that group's second thread once the request is over (its
# parent, the worker, gone); the candidate returns only when the leader shows as a zombie.
SURVIVOR = _src("""
    import ctypes, os, platform, threading, time
    SYS_EXIT = {"x86_64": 60, "aarch64": 93}[platform.machine()]

    def payload():
        while os.getppid() == parent:  # wait until the request is over
            time.sleep(0.001)
        end = time.time() + 30
        PAYLOAD

    def f(x):
        global parent
        parent = os.getpid()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.setsid()
            for fd in range(1024):  # hold none of the request's pipes
                if fd != w:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            threading.Thread(target=payload).start()
            os.write(w, b"up")
            ctypes.CDLL(None).syscall(SYS_EXIT, 0)  # this thread alone: the leader is a zombie
        os.close(w)
        os.read(r, 2)
        while open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[0] != "Z":
            time.sleep(0.001)
        return x * 3 + 1
""")


def survivor(payload: str) -> FunctionRequest:
    body = textwrap.indent(_src(payload), " " * 4).lstrip()
    return FunctionRequest(
        source=SURVIVOR.replace("PAYLOAD", body),
        entry_point="f",
        tests=CALLS,
        limits=Limits(timeout_s=10, test_timeout_s=5),
    )


KILLER = """
    while time.time() < end:  # every process this uid may signal, again and again
        try:
            os.kill(-1, 9)
        except OSError:
            pass
        time.sleep(0.002)
"""

# inotify on /tmp and on each new job directory: the moment a compiled `main` is closed, ACT
# runs on it (its directory in `d`), before the executor runs it.
WATCHER = """
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    ino = libc.inotify_init()
    dirs = {libc.inotify_add_watch(ino, b"/tmp", 0x100): "/tmp"}  # IN_CREATE
    acted = set()  # the linker may close `main` more than once: act on each only once
    while time.time() < end:
        data = os.read(ino, 65536)
        while data:
            wd, mask, _, size = struct.unpack("iIII", data[:16])
            name = data[16:16 + size].rstrip(b"\\0").decode()
            data = data[16 + size:]
            d = dirs.get(wd)
            if d == "/tmp" and name.startswith("job-"):
                dirs[libc.inotify_add_watch(ino, f"/tmp/{name}".encode(), 0x8)] = f"/tmp/{name}"
            elif d and d != "/tmp" and name == "main" and d not in acted:  # IN_CLOSE_WRITE
                acted.add(d)
                try:
                    ACT
                except OSError:
                    pass
"""

SWAP = """
    with open(d + "/.fake", "w") as out:
        out.write("#!/bin/sh\\nread a b\\necho $((a + b))\\n")
    os.chmod(d + "/.fake", 0o755)
    os.rename(d + "/.fake", d + "/main")
"""

# The real binary keeps running, behind a wrapper (shell builtins only: no fork) that copies
# its stdin to /dev/shm first; the survivor keeps what it saw and offers it to every later
# request in /tmp/leak.
SNOOP = """
    os.rename(d + "/main", d + "/.real")
    wrapper = (
        "#!/bin/sh\\n"
        "while IFS= read -r line; do printf '%s\\\\n' \\"$line\\"; done > /dev/shm/.seen-$$\\n"
        f"exec {d}/.real < /dev/shm/.seen-$$\\n"
    )
    with open(d + "/.fake", "w") as out:
        out.write(wrapper)
    os.chmod(d + "/.fake", 0o755)
    os.rename(d + "/.fake", d + "/main")
    def hoard():
        seen = b""
        while time.time() < end:
            for name in os.listdir("/dev/shm"):
                try:
                    seen += open("/dev/shm/" + name, "rb").read()
                except OSError:
                    pass
            if seen:
                try:
                    with open("/tmp/leak", "wb") as out:
                        out.write(seen)
                    os.chmod("/tmp/leak", 0o644)
                except OSError:
                    pass
            time.sleep(0.001)
    threading.Thread(target=hoard).start()
"""


def act(action: str) -> str:
    """`WATCHER` with ACT, the action on a freshly written `main`, filled in."""
    return WATCHER.replace("ACT", textwrap.indent(_src(action), " " * 20).lstrip())


WRONG_SUM_CPP = '#include <cstdio>\nint main() { int a, b; scanf("%d %d", &a, &b); puts("0"); }\n'
SUM_CPP = (
    '#include <cstdio>\nint main() { int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a + b); }\n'
)


def test_thread_group_whose_leader_ended_does_not_outlive_its_request(
    solo_sandbox: Sandbox, pristine: Callable[..., None]
) -> None:
    # It would kill every later request of its uid: a canonical solution would come back
    # crashed, and the probe (which counts such a group as alive) would see it.
    result = solo_sandbox.run(survivor(KILLER))
    assert result.passed, result
    pristine(solo_sandbox, result.worker)


def test_a_survivor_cannot_swap_a_later_requests_binary(
    solo_sandbox: Sandbox, pristine: Callable[..., None]
) -> None:
    first = solo_sandbox.run(survivor(act(SWAP)))
    assert first.passed, first
    wrong = solo_sandbox.run(
        StdioRequest(
            source=WRONG_SUM_CPP,
            language="cpp",
            tests=(IOTest("2 3\n", "5\n"), IOTest("40 2\n", "42\n")),
        )
    )
    assert wrong.worker == first.worker
    assert wrong.status is Status.FAILED, wrong
    pristine(solo_sandbox, first.worker)


def test_a_survivor_cannot_read_a_later_requests_hidden_stdin(
    solo_sandbox: Sandbox, pristine: Callable[..., None]
) -> None:
    secret = f"SECRET-{uuid.uuid4().hex}"
    first = solo_sandbox.run(survivor(act(SNOOP)))
    assert first.passed, first
    graded = solo_sandbox.run(
        StdioRequest(source=SUM_CPP, language="cpp", tests=(IOTest(f"40 2\n{secret}\n", "42\n"),))
    )
    assert graded.passed, graded
    look = solo_sandbox.run(
        CommandRequest(files={}, command="cat /tmp/leak /dev/shm/* /tmp/*/.seen* 2>/dev/null; true")
    )
    assert {first.worker, graded.worker, look.worker} == {first.worker}
    assert secret not in look.stdout
    pristine(solo_sandbox, first.worker)


def test_each_request_runs_as_a_uid_of_its_own(solo_sandbox: Sandbox) -> None:
    whoami = CommandRequest(files={}, command=["id", "-u"])
    uids = []
    for _ in range(3):
        result = solo_sandbox.run(whoami)
        assert result.exit_code == 0, result
        uids.append(int(result.stdout))
    assert len(set(uids)) == 3, uids
    assert 0 not in uids


def test_a_candidate_cannot_hide_in_new_namespaces(
    solo_sandbox: Sandbox, pristine: Callable[..., None]
) -> None:
    # A pid namespace of its own would hide a process from the clean-up's view of /proc.
    probe = _src("""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (0x10000000, 0x20000000, 0x10000000 | 0x20000000, 0x00020000):
            # CLONE_NEWUSER, CLONE_NEWPID, both, CLONE_NEWNS
            if libc.unshare(flags) == 0:
                print("unshared", hex(flags))
    """)
    result = solo_sandbox.run(CommandRequest(files={"p.py": probe}, command=["python3", "p.py"]))
    assert result.exit_code == 0, result
    assert "unshared" not in result.stdout, result.stdout
    pristine(solo_sandbox, result.worker)


# -- memory: the out-of-memory killer must only ever pick a candidate's process ---------------

LOWER_SCORE = """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: /proc/self/* now belongs to this uid
    try:
        with open("/proc/self/oom_score_adj", "w") as out:
            out.write("0")  # the floor without CAP_SYS_RESOURCE
    except OSError:
        pass
"""

OOM_HOG = _src("""
    import ctypes, os, time

    def hold(mb):
        block = bytearray(mb << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        return block

    def f(x):
        LOWER
        for _ in range(4):
            if os.fork() == 0:
                kept = hold(150)
                time.sleep(60)
        time.sleep(1)
        kept = [hold(16) for _ in range(24)]  # past what the container has left
        return x * 3 + 1
""").replace("LOWER", textwrap.indent(_src(LOWER_SCORE), " " * 4).lstrip())


@pytest.fixture
def small_box(fresh_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """One container of 768 MB, so that four 150 MB children and a 384 MB parent, each under
    its own 512 MB limit, run the container out of memory."""
    return fresh_sandbox(pool_size=1, memory_mb=768, tmpfs_mb=128)


def test_an_out_of_memory_candidate_is_its_own_memory_limit(
    small_box: Sandbox, pristine: Callable[..., None]
) -> None:
    request = FunctionRequest(
        source=OOM_HOG,
        entry_point="f",
        tests=CALLS,
        limits=Limits(timeout_s=20, test_timeout_s=15, memory_mb=512),
    )
    result = small_box.run(request)
    assert result.status is Status.MEMORY_LIMIT, result
    assert result.attempts == 1
    pristine(small_box, result.worker)


def test_the_oracle_is_not_the_victim_of_a_candidates_memory(
    small_box: Sandbox, pristine: Callable[..., None]
) -> None:
    # The candidate's children hold 600 MB; then the test code itself needs 200 MB. The
    # kernel must free it from the candidate, and the oracle must finish grading.
    source = _src("""
        import ctypes, os, time

        def f():
            LOWER
            for _ in range(4):
                if os.fork() == 0:
                    block = bytearray(150 << 20)
                    for i in range(0, len(block), 4096):
                        block[i] = 1
                    time.sleep(60)
            time.sleep(1.5)
            return 1
    """).replace("LOWER", textwrap.indent(_src(LOWER_SCORE), " " * 4).lstrip())
    check = _src("""
        def check(candidate):
            assert candidate() == 1
            ballast = bytearray(200 << 20)
            for i in range(0, len(ballast), 4096):
                ballast[i] = 1
            assert len(ballast) == 200 << 20
    """)
    result = small_box.run(
        FunctionRequest(
            source=source,
            entry_point="f",
            test_script=check,
            limits=Limits(timeout_s=20, test_timeout_s=15, memory_mb=512),
        )
    )
    assert result.status is Status.PASSED, result
    assert result.tests_passed == 2
    pristine(small_box, result.worker)


# -- strings: whatever the candidate writes reaches the host as valid UTF-8 --------------------


def _all_text(result: Any) -> str:
    return json.dumps(
        [result.message, result.stdout, result.stderr, result.compile_output]
        + [[t.message, t.got, t.input, t.expected] for t in result.tests],
        ensure_ascii=False,
    )


@pytest.mark.parametrize(
    "source",
    [
        'def f(x):\n    raise ValueError("\\ud800 and \\udfff")\n',
        'raise SyntaxError("\\ud800")\ndef f(x):\n    return 0\n',
        'import sys\ndef f(x):\n    sys.stderr.write("\\udc80")\n    return "\\ud800"\n',
        'def f(x):\n    return {"\\ud800": x}\n',
    ],
    ids=["exception", "syntax_error_at_import", "stderr_and_return", "dict_key"],
)
def test_candidate_strings_reach_the_host_as_valid_utf8(solo_sandbox: Sandbox, source: str) -> None:
    result = solo_sandbox.run(FunctionRequest(source=source, entry_point="f", tests=CALLS))
    assert result.status is not Status.INFRA_ERROR, result
    assert not result.passed
    _all_text(result).encode("utf-8")  # raises on a lone surrogate
    solo_sandbox.run(CANONICAL)
