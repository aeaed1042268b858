"""Host side of the executor protocol: requests to wire dicts, wire dicts to results, and a
connection to one executor over any byte stream (a Docker attach socket, a local pipe).

Frames are a 4-byte big-endian length and a JSON body, both ways. The executor's source is not
baked into the image: the host sends it right after start-up (`BOOTSTRAP` reads it), so a
harness change never needs an image rebuild and every executor runs exactly the host's code.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import random
import re
import select
import struct
import threading
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from sandbox.base import (
    CommandRequest,
    ExecRequest,
    ExecResult,
    FunctionRequest,
    Status,
    StdioRequest,
    TestOutcome,
)
from sandbox.errors import WorkerError
from sandbox.harness import codec
from sandbox.harness.testcode import ORACLE_FIELDS

log = logging.getLogger("codegym.sandbox")

HARNESS_MODULES = (
    "codec",
    "wire",
    "messages",
    "verdict",
    "testcode",
    "confine",
    "procfs",
    "worker",
    "zygote",
    "oracle",
    "workers",
    "oracle_pool",
    "supervise",
    "grading",
    "executor",
)

# Runs as `python3 -I -c BOOTSTRAP CONFIG`. Reads the harness sources with os.read (never
# sys.stdin, whose buffer a forked child would inherit) and loads them under their package
# names, so the harness imports itself the same way inside the sandbox and out. Where CONFIG
# names a `host_socket`, the executor first connects to it and speaks on that socket as on
# stdin/stdout (fds 0 and 1); if it cannot, it says so with an empty frame on stdout
# (`HOST_SOCKET_REFUSED`) and stays on stdin/stdout.
BOOTSTRAP = (
    "import os,sys,json,struct,types\n"
    "p=json.loads(sys.argv[1]).get('host_socket')\n"
    "if p:\n"
    "    import socket\n"
    "    s=socket.socket(socket.AF_UNIX)\n"
    "    try:\n"
    "        s.connect(p); os.dup2(s.fileno(),0); os.dup2(s.fileno(),1)\n"
    "    except OSError:\n"
    "        os.write(1,b'\\0\\0\\0\\0')\n"
    "    s.close()\n"
    "def rd(n):\n"
    "    b=b''\n"
    "    while len(b)<n:\n"
    "        c=os.read(0,n-len(b))\n"
    "        if not c: raise SystemExit(0)\n"
    "        b+=c\n"
    "    return b\n"
    "mods=json.loads(rd(struct.unpack('>I',rd(4))[0]))\n"
    "for pkg in ('sandbox','sandbox.harness'):\n"
    "    m=types.ModuleType(pkg); m.__path__=[]; sys.modules[pkg]=m\n"
    "sys.modules['sandbox'].harness=sys.modules['sandbox.harness']\n"
    "for name in mods['order']:\n"
    "    full='sandbox.harness.'+name\n"
    "    m=types.ModuleType(full); m.__file__=name+'.py'; sys.modules[full]=m\n"
    "    setattr(sys.modules['sandbox.harness'],name,m)\n"
    "    exec(compile(mods['src'][name],name+'.py','exec'),m.__dict__)\n"
    "sys.modules['sandbox.harness.executor'].main()\n"
)

HOST_SOCKET_REFUSED = b"\0\0\0\0"
"""What an executor offered a `host_socket` it cannot reach writes on stdout instead."""


UID_BLOCK = 1 << 16
"""uids per executor: the oracle's, then one per request in turn (docs/sandbox.md, rule 5)."""


def executor_uids() -> dict[str, int]:
    """The uids of one executor: its oracle's, and the first and number of its candidates'.
    A random block of `UID_BLOCK` below 2**31: RLIMIT_NPROC counts per uid across the whole
    kernel, so two executors (containers) must not share a candidate uid, nor a budget."""
    base = random.randrange(2, (1 << 31) // UID_BLOCK - 1) * UID_BLOCK
    return {"oracle_uid": base, "candidate_uid": base + 1, "candidate_uids": UID_BLOCK - 1}


def harness_bundle() -> bytes:
    src = {
        name: resources.files("sandbox.harness").joinpath(f"{name}.py").read_text("utf-8")
        for name in HARNESS_MODULES
    }
    return frame({"order": list(HARNESS_MODULES), "src": src})


def frame(obj: Any) -> bytes:
    body = json.dumps(obj, separators=(",", ":"), allow_nan=True).encode()
    return struct.pack(">I", len(body)) + body


# --------------------------------------------------------------------------- requests


def request_to_wire(request: ExecRequest) -> dict[str, Any]:
    limits = dataclasses.asdict(request.limits)
    if isinstance(request, FunctionRequest):
        return {
            "kind": "function",
            "source": request.source,
            "entry_point": request.entry_point,
            "tests": [
                {
                    "args": codec.encode(tuple(t.args)),
                    "kwargs": codec.encode(dict(t.kwargs)),
                    "expected": codec.encode(t.expected),
                    "name": t.name,
                }
                for t in request.tests
            ],
            "test_script": request.test_script,
            "check_name": request.check_name,
            "setup": request.setup,
            "files": dict(request.files),
            "float_tol": request.float_tol,
            "split_asserts": request.split_asserts,
            "details": request.details,
            "limits": limits,
        }
    if isinstance(request, StdioRequest):
        return {
            "kind": "stdio",
            "source": request.source,
            "language": request.language,
            "tests": [
                {"stdin": t.stdin, "expected_stdout": t.expected_stdout, "name": t.name}
                for t in request.tests
            ],
            "compare": request.compare,
            "float_tol": request.float_tol,
            "details": request.details,
            "limits": limits,
        }
    if isinstance(request, CommandRequest):
        command = request.command if isinstance(request.command, str) else list(request.command)
        return {
            "kind": "command",
            "files": dict(request.files),
            "command": command,
            "stdin": request.stdin,
            "limits": limits,
        }
    raise TypeError(f"not a sandbox request: {type(request).__name__}")


def tests_key(payload: dict[str, Any]) -> int | None:
    """Equal for function requests that an executor may grade with the same oracle process
    (the same tests and limits), None for the other kinds: the pool sends a request to the
    executor that last graded its tests where it can (`WorkerPool`). A collision costs only
    that: the executor itself compares the fields before it keeps an oracle."""
    if payload["kind"] != "function":
        return None
    return hash(json.dumps([payload.get(k) for k in ORACLE_FIELDS], sort_keys=True))


def result_from_wire(
    resp: dict[str, Any], *, latency_s: float, attempts: int, worker: str
) -> ExecResult:
    tests = tuple(
        TestOutcome(
            passed=bool(t.get("passed")),
            status=Status(t.get("status", "failed")),
            name=str(t.get("name", "")),
            input=t.get("input"),
            expected=t.get("expected"),
            got=t.get("got"),
            message=str(t.get("message", "")),
            duration_s=float(t.get("duration_s", 0.0)),
        )
        for t in resp.get("tests", [])
    )
    status = Status(resp["status"])
    total = int(resp.get("tests_total", 0))
    if status is Status.PASSED and not (
        total > 0 and len(tests) == total and all(t.passed for t in tests)
    ):
        # Rule 3 of the trust boundary, checked again on this side: a pass needs every expected
        # test recorded as passed.
        status = Status.FAILED
    return ExecResult(
        status=status,
        tests=tests,
        tests_total=total,
        stdout=resp.get("stdout", ""),
        stderr=resp.get("stderr", ""),
        compile_output=resp.get("compile_output", ""),
        exit_code=resp.get("exit_code"),
        message=resp.get("message", ""),
        duration_s=float(resp.get("duration_s", 0.0)),
        latency_s=latency_s,
        cpu_s={str(k): float(v) for k, v in resp.get("cpu_s", {}).items()},
        attempts=attempts,
        worker=worker,
    )


def infra_result(message: str, *, latency_s: float, attempts: int, worker: str = "") -> ExecResult:
    return ExecResult(
        status=Status.INFRA_ERROR,
        message=message,
        latency_s=latency_s,
        attempts=attempts,
        worker=worker,
    )


# JSON escapes of UTF-16 surrogates (the executor writes ASCII-only JSON): a frame without one
# holds no lone surrogate, and most frames are passed through untouched.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(value: Any) -> Any:
    """`value` with every lone UTF-16 surrogate in its strings (keys too) replaced by U+FFFD.

    Rule 6 of the trust boundary (docs/sandbox.md): a candidate controls messages, output and
    file names, and ``raise ValueError("\\ud800")`` reaches the host as such a string, which
    no UTF-8 writer (a results file, a tokenizer, a log) can encode. JSON decoding has already
    joined valid surrogate pairs, so every surrogate left is a lone one."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [valid_text(v) for v in value]
    if isinstance(value, dict):
        return {valid_text(k): valid_text(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- connection


@functools.cache
def _warn_unconfined() -> None:
    """Once per process: an executor whose kernel lacks Landlock cannot keep a candidate from
    lowering its out-of-memory score (see sandbox/harness/confine.py)."""
    log.warning(
        "this kernel (or its seccomp profile) does not offer Landlock (Linux >= 5.13): a "
        "candidate can lower its out-of-memory score, and a memory attack may then kill a "
        "sandbox process and end as infra_error. Use a kernel with Landlock enabled."
    )


class ExecutorConnection:
    """One executor, reached through `send` (bytes out) and `recv` (bytes in, may block up to
    a deadline). `demux` strips Docker's 8-byte stream headers when reading an attach socket.

    Several threads may `call` at once (the pool's pipelining): requests are written in the
    order their ids are given, the executor answers them in that order, and whichever caller
    is reading hands each answer to its owner. A request queued behind others gets their time
    limits added to its own. Once the stream fails, every pending and later call raises
    `WorkerError`."""

    def __init__(
        self,
        *,
        name: str,
        send: Callable[[bytes], None],
        fileno: int,
        recv: Callable[[int], bytes],
        demux: bool,
    ) -> None:
        self.name = name
        self._send, self._recv, self._fileno, self._demux = send, recv, fileno, demux
        self._buf = bytearray()  # executor payload bytes not consumed yet
        self._raw = bytearray()  # bytes read from the stream, still with Docker headers
        self.info: dict[str, Any] = {}
        self._next_id = 0
        self._write_lock = threading.Lock()  # ids are given and frames written in one order
        self._tail = 0.0  # deadline of the last request written
        self._cond = threading.Condition()  # guards the fields below
        self._answers: dict[int, dict[str, Any]] = {}  # read, not yet taken by their callers
        self._answered = 0  # id of the last answer read: answers come in id order
        self._reading = False
        self._broken: str | None = None

    def start(self, timeout: float, *, refused_socket: bool = False) -> dict[str, Any]:
        """Send the harness and wait for the executor's ready message. `refused_socket`: the
        executor was offered a host socket and must first say it could not reach it."""
        if refused_socket:
            said = self._read(len(HOST_SOCKET_REFUSED), time.monotonic() + timeout)
            if said != HOST_SOCKET_REFUSED:
                raise WorkerError(f"executor did not start: it sent {said!r}", worker=self.name)
        self._write(harness_bundle())
        self.info = self._read_frame(time.monotonic() + timeout)
        if not self.info.get("ready"):
            raise WorkerError(f"executor did not start: {self.info}", worker=self.name)
        if self.info.get("privileged") and not self.info.get("landlock"):
            _warn_unconfined()
        return self.info

    def call(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        with self._write_lock:
            if self._broken is not None:
                raise WorkerError(self._broken, worker=self.name)
            self._next_id += 1
            rid = self._next_id
            self._tail = max(time.monotonic(), self._tail) + timeout
            deadline = self._tail
            try:
                self._write(frame({"op": "run", "id": rid, "request": payload}))
            except WorkerError as exc:
                self._fail(exc.reason)
                raise
        return self._answer(rid, deadline)

    def _answer(self, rid: int, deadline: float) -> dict[str, Any]:
        """Wait for answer `rid`: read the stream while no other caller does, else wait for
        the reader to hand it over. Each caller's own deadline holds either way."""
        with self._cond:
            while rid not in self._answers:
                if self._broken is not None:
                    raise WorkerError(self._broken, worker=self.name)
                if not self._reading:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    reason = "executor did not answer in time"
                    self._fail(reason)  # the lock is held: it is the first failure
                    raise WorkerError(reason, worker=self.name)
                self._cond.wait(left)
            else:
                return self._answers.pop(rid)
            self._reading = True
        try:  # read answers (ours, or earlier ones for their callers) until ours arrives
            while True:
                resp = self._read_frame(deadline)
                with self._cond:
                    if self._broken is not None:  # a waiting caller gave up meanwhile
                        raise WorkerError(self._broken, worker=self.name)
                    if resp.get("id") != self._answered + 1:
                        raise WorkerError(
                            f"executor answered out of turn: {resp.get('id')!r} where "
                            f"{self._answered + 1} was due",
                            worker=self.name,
                        )
                    self._answered += 1
                    if self._answered == rid:
                        return resp
                    self._answers[self._answered] = resp
                    self._cond.notify_all()
        except WorkerError as exc:
            self._fail(exc.reason)
            raise
        finally:
            with self._cond:
                self._reading = False
                self._cond.notify_all()

    def _fail(self, reason: str) -> None:
        with self._cond:
            if self._broken is None:
                self._broken = reason
            self._cond.notify_all()

    def _write(self, data: bytes) -> None:
        try:
            self._send(data)
        except OSError as exc:
            raise WorkerError(f"cannot write to the executor: {exc}", worker=self.name) from exc

    def _read_frame(self, deadline: float) -> dict[str, Any]:
        (n,) = struct.unpack(">I", self._read(4, deadline))
        body = self._read(n, deadline)
        try:
            obj = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise WorkerError(f"executor sent malformed JSON: {exc}", worker=self.name) from exc
        if not isinstance(obj, dict):
            raise WorkerError("executor sent a non-object frame", worker=self.name)
        if _SURROGATE_ESCAPE.search(body):
            obj = valid_text(obj)
        return obj

    def _read(self, n: int, deadline: float) -> bytes:
        while len(self._buf) < n:
            self._fill(deadline)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self._fileno], [], [], left)[0]:
            raise WorkerError("executor did not answer in time", worker=self.name)
        try:
            chunk = self._recv(1 << 16)
        except (TimeoutError, OSError) as exc:
            raise WorkerError(f"lost the executor: {exc}", worker=self.name) from exc
        if not chunk:
            raise WorkerError("the executor's stream closed", worker=self.name)
        if not self._demux:
            self._buf += chunk
            return
        self._raw += chunk
        while len(self._raw) >= 8:
            kind, size = self._raw[0], struct.unpack(">I", self._raw[4:8])[0]
            if len(self._raw) < 8 + size:
                break
            if kind == 1:  # stdout; stderr (2) is the executor's log, kept by the engine
                self._buf += self._raw[8 : 8 + size]
            del self._raw[: 8 + size]
