"""Pipelining on the host side, without Docker: `ExecutorConnection` against an executor that the
test scripts on the other end of a socketpair."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest

from sandbox.errors import WorkerError
from sandbox.protocol import ExecutorConnection, frame
from tests.sandbox.threads import WAIT_S, spawn, wait_until

pytestmark = pytest.mark.timeout(20)


# -- ExecutorConnection against a scripted executor ----------------------------------------------


class Executor:
    """The executor's end of the socketpair: the test reads the run frames and writes the
    answers, when and how it likes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.settimeout(WAIT_S)

    def read(self) -> dict[str, Any]:
        (size,) = struct.unpack(">I", self._exactly(4))
        message: dict[str, Any] = json.loads(self._exactly(size))
        return message

    def answer(self, rid: int, **fields: Any) -> None:
        self.sock.sendall(frame({"id": rid, **fields}))

    def send_body(self, body: bytes) -> None:
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "the host closed the stream"
            data += chunk
        return data


class Link:
    """A connection to a scripted executor, and the calls made on it from other threads."""

    def __init__(self) -> None:
        self._host, theirs = socket.socketpair()
        self.connection = ExecutorConnection(
            name="fake",
            send=self._host.sendall,
            fileno=self._host.fileno(),
            recv=self._host.recv,
            demux=False,
        )
        self.executor = Executor(theirs)
        self._calls: list[Future[dict[str, Any]]] = []

    def call(self, tag: str, timeout: float = WAIT_S) -> Future[dict[str, Any]]:
        future = spawn(self.connection.call, {"tag": tag}, timeout)
        self._calls.append(future)
        return future

    def close(self) -> None:
        # The executor's end first: its EOF ends every call still reading, so no thread is left
        # on the host socket's descriptor when it closes (the next test may reuse the number).
        self.executor.sock.close()
        for call in self._calls:
            call.exception(timeout=2 * WAIT_S)
        self._host.close()


@pytest.fixture
def link() -> Iterator[Link]:
    link = Link()
    yield link
    link.close()


def hold_back(monkeypatch: pytest.MonkeyPatch, connection: ExecutorConnection) -> threading.Event:
    """Keep the caller of request 1 from waiting for its answer until the returned event is set,
    so that a later caller becomes the reader: a race a pipelined pool can lose, forced here."""
    go = threading.Event()
    answer = connection._answer

    def held(rid: int, deadline: float) -> dict[str, Any]:
        if rid == 1:
            go.wait(WAIT_S)
        return answer(rid, deadline)

    monkeypatch.setattr(connection, "_answer", held)
    return go


def test_concurrent_callers_each_get_their_own_answer(link: Link) -> None:
    tags = [f"t{i}" for i in range(8)]
    calls = {tag: link.call(tag) for tag in tags}
    frames = [link.executor.read() for _ in tags]
    assert [f["id"] for f in frames] == list(range(1, 9))
    assert sorted(f["request"]["tag"] for f in frames) == sorted(tags)
    for f in frames:
        link.executor.answer(f["id"], echo=f["request"]["tag"])
    assert {tag: call.result(WAIT_S)["echo"] for tag, call in calls.items()} == {
        tag: tag for tag in tags
    }


def test_each_answer_goes_to_its_caller_as_it_arrives(link: Link) -> None:
    calls = {tag: link.call(tag) for tag in ("a", "b", "c")}
    frames = [link.executor.read() for _ in calls]
    for i, f in enumerate(frames):
        tag = f["request"]["tag"]
        link.executor.answer(f["id"], echo=tag)
        assert calls[tag].result(WAIT_S)["echo"] == tag
        later = {g["request"]["tag"] for g in frames[i + 1 :]}
        assert not any(calls[t].done() for t in later)


def test_a_queued_request_gets_the_time_of_those_before_it(link: Link) -> None:
    start = time.monotonic()
    first = link.call("a", timeout=0.4)
    link.executor.read()
    second = link.call("b", timeout=0.4)
    link.executor.read()
    link.executor.answer(1, echo="a")
    assert first.result(WAIT_S)["echo"] == "a"
    # Past the second request's own 0.4 s, inside the 0.8 s it has behind the first.
    time.sleep(max(0.0, start + 0.6 - time.monotonic()))
    link.executor.answer(2, echo="b")
    assert second.result(WAIT_S)["echo"] == "b"


def test_a_closed_stream_fails_pending_and_later_calls(link: Link) -> None:
    pending = [link.call("a"), link.call("b")]
    link.executor.read()
    link.executor.read()
    link.executor.sock.close()
    for call in pending:
        with pytest.raises(WorkerError, match="closed"):
            call.result(WAIT_S)
    started = time.monotonic()
    with pytest.raises(WorkerError, match="closed"):
        link.connection.call({"tag": "c"}, 3.0)
    assert time.monotonic() - started < 1.0


def test_an_answer_out_of_turn_breaks_the_stream(link: Link) -> None:
    link.executor.answer(2, echo="?")
    with pytest.raises(WorkerError, match="out of turn"):
        link.connection.call({"tag": "a"}, WAIT_S)
    with pytest.raises(WorkerError, match="out of turn"):
        link.connection.call({"tag": "b"}, WAIT_S)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"], ids=["malformed", "not-an-object"])
def test_a_bad_frame_breaks_the_stream(link: Link, body: bytes) -> None:
    link.executor.send_body(body)
    with pytest.raises(WorkerError, match="malformed|non-object"):
        link.connection.call({"tag": "a"}, WAIT_S)
    with pytest.raises(WorkerError, match="malformed|non-object"):
        link.connection.call({"tag": "b"}, WAIT_S)


def test_an_unanswered_call_times_out(link: Link) -> None:
    started = time.monotonic()
    with pytest.raises(WorkerError, match="in time"):
        link.connection.call({"tag": "a"}, 0.2)
    assert 0.15 < time.monotonic() - started < 1.5
    started = time.monotonic()
    with pytest.raises(WorkerError, match="in time"):
        link.connection.call({"tag": "b"}, 3.0)
    assert time.monotonic() - started < 1.0


def test_an_earlier_deadline_holds_while_a_later_caller_reads(
    link: Link, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = hold_back(monkeypatch, link.connection)
    first = link.call("a", timeout=0.05)
    link.executor.read()
    link.call("b", timeout=WAIT_S)
    link.executor.read()
    wait_until(lambda: link.connection._reading)
    go.set()
    with pytest.raises(WorkerError, match="in time"):
        first.result(0.6)


def test_an_answer_out_of_turn_is_caught_whoever_reads(
    link: Link, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = hold_back(monkeypatch, link.connection)
    link.call("a")
    link.executor.read()
    second = link.call("b")
    link.executor.read()
    wait_until(lambda: link.connection._reading)
    go.set()
    link.executor.answer(2, echo="b")
    with pytest.raises(WorkerError, match="out of turn"):
        second.result(WAIT_S)


def test_a_deeply_nested_frame_is_a_worker_error(link: Link) -> None:
    link.executor.send_body(b"[" * 10_000)
    with pytest.raises(WorkerError):
        link.connection.call({"tag": "a"}, WAIT_S)


def test_a_broken_stream_names_its_worker_once(link: Link) -> None:
    link.executor.answer(2, echo="?")
    with pytest.raises(WorkerError):
        link.connection.call({"tag": "a"}, WAIT_S)
    with pytest.raises(WorkerError) as later:
        link.connection.call({"tag": "b"}, WAIT_S)
    assert str(later.value).count("[worker fake]") == 1
