"""Framing, the oracle-candidate channel, and how a candidate's stop or exception is seen
by the oracle (stdlib only; runs in the sandbox)."""

from __future__ import annotations

import builtins
import json
import marshal
import os
import select
import struct
import time
import traceback
from typing import Any

PROTOCOL_VERSION = 1


MSG_CAP_MIN = 64 * 1024


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
    """Length-prefixed messages over a stream socket's file descriptor, with deadlines and a
    size cap. Plain fd reads and writes (a forked worker has no socket object to build),
    buffered: a message usually costs one read.

    One format per direction. What the candidate's process writes is JSON (`send`, `recv`),
    the only format its readers parse. What it is sent by the executor and the oracle, both
    trusted, is marshal (`send_trusted`, `recv_trusted`): a worker reads that in one C call,
    where the first JSON decode in a fresh fork copies some 90 pages (0.3 ms)."""

    def __init__(self, fd: int, cap: int) -> None:
        self.fd, self.cap = fd, cap
        self.buf = bytearray()

    def send(self, obj: object) -> None:
        self.send_bytes(_encode_json(obj).encode())

    def send_trusted(self, obj: Any) -> None:
        self.send_bytes(marshal.dumps(obj))

    def send_bytes(self, body: bytes) -> None:
        write_all(self.fd, struct.pack(">I", len(body)) + body)

    def recv(self, deadline: float | None = None) -> Any:
        return json.loads(self._message(deadline))

    def recv_trusted(self) -> Any:
        """A message from the executor or the oracle; never call this where the candidate
        writes (marshal is not safe against crafted input)."""
        return marshal.loads(self._message(None))

    def _message(self, deadline: float | None) -> bytes:
        (n,) = struct.unpack(">I", self._take(4, deadline))
        if n > self.cap:
            raise OutputLimit(f"a message of {n} bytes from the candidate is over the limit")
        return self._take(n, deadline)

    def _take(self, n: int, deadline: float | None) -> bytes:
        buf = self.buf
        while len(buf) < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                    raise CandidateTimeout("the call did not return in time")
            try:
                chunk = os.read(self.fd, max(n - len(buf), 1 << 16))
            except OSError as exc:
                raise CandidateGone(f"the candidate process is gone ({exc})") from None
            if not chunk:
                raise CandidateGone("the candidate process exited")
            buf += chunk
        out = bytes(buf[:n])
        del buf[:n]
        return out


_encode_json = json.JSONEncoder(separators=(",", ":")).encode


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
