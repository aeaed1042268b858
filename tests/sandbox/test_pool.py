"""`WorkerPool` without Docker, over fake workers whose executor is a Python function:
pipelining, retries, replacement, close, and which worker a request goes to."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from sandbox import CommandRequest, FunctionRequest, Status
from sandbox.errors import SandboxClosedError, SandboxError, WorkerError
from sandbox.pool import WorkerPool
from tests.sandbox.threads import WAIT_S, spawn

pytestmark = pytest.mark.timeout(20)


# -- WorkerPool over fake workers ----------------------------------------------------------------


def request(tag: str) -> CommandRequest:
    return CommandRequest(files={}, command=tag)


def answer(tag: str, *, status: str = "passed", **fields: Any) -> dict[str, Any]:
    """The smallest executor answer that `result_from_wire` reads as `status`; echoes `tag` as
    stdout."""
    test = {"passed": status == "passed", "status": status}
    return {
        "status": status,
        "tests_total": 1,
        "tests": [test],
        "stdout": tag,
        **fields,
    }


class Floor:
    """The requests the fake workers hold: now, the most ever, and a gate that holds them."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.now: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.peak_total = 0
        self.gate = threading.Event()

    @contextmanager
    def holding(self, worker: str) -> Iterator[None]:
        with self.cond:
            self.now[worker] += 1
            self.peak[worker] = max(self.peak[worker], self.now[worker])
            self.peak_total = max(self.peak_total, self.now.total())
            self.cond.notify_all()
        try:
            yield
        finally:
            with self.cond:
                self.now[worker] -= 1
                self.cond.notify_all()

    def wait_for(self, total: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.now.total() == total, WAIT_S), dict(self.now)

    def held(self) -> dict[str, int]:
        with self.cond:
            return {worker: n for worker, n in self.now.items() if n}


class FakeWorker:
    """A worker whose executor is `serve(worker, tag)`; it is its own connection."""

    def __init__(self, slot: int, generation: int, serve: Serve, floor: Floor) -> None:
        self.slot, self.generation = slot, generation
        self.name = f"s{slot}g{generation}"
        self.connection: Any = self
        self.closed = threading.Event()
        self._serve, self._floor = serve, floor

    def call(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        tag = payload["command"] if payload["kind"] == "command" else payload["test_script"]
        with self._floor.holding(self.name):
            return self._serve(self, tag)

    def close(self) -> None:
        self.closed.set()


Serve = Callable[[FakeWorker, str], dict[str, Any]]


def never(slot: int, generation: int) -> bool:
    return False


class FakePool(WorkerPool):
    """`WorkerPool` over `FakeWorker`s; `refuse(slot, generation)` says which starts fail."""

    def __init__(
        self,
        serve: Serve,
        *,
        floor: Floor,
        refuse: Callable[[int, int], bool] = never,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.serve, self.floor, self.refuse = serve, floor, refuse
        self.started: list[FakeWorker] = []
        self._generations: Counter[int] = Counter()
        self._starting = threading.Lock()
        self._fill()

    def _start_worker(self, slot: int) -> FakeWorker:
        with self._starting:
            generation = self._generations[slot]
            self._generations[slot] += 1
        if self.refuse(slot, generation):
            raise SandboxError(f"cannot start slot {slot}")
        worker = FakeWorker(slot, generation, self.serve, self.floor)
        with self._starting:
            self.started.append(worker)
        return worker


@pytest.fixture
def floor() -> Floor:
    return Floor()


@pytest.fixture
def make_pool(floor: Floor) -> Iterator[Callable[..., FakePool]]:
    pools: list[FakePool] = []

    def make(serve: Serve, **options: Any) -> FakePool:
        pool = FakePool(serve, floor=floor, **options)
        pools.append(pool)
        return pool

    yield make
    floor.gate.set()
    for pool in pools:
        pool.close()


def gated(floor: Floor) -> Serve:
    """Answers once the gate opens."""

    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        floor.gate.wait(WAIT_S)
        return answer(tag)

    return serve


def gated_hold(floor: Floor) -> Serve:
    """Answers "hold" once the gate opens, anything else at once."""

    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        if tag == "hold":
            floor.gate.wait(WAIT_S)
        return answer(tag)

    return serve


def broken_first(fresh: Serve) -> Serve:
    """Every first-generation worker is broken; replacements serve with `fresh`."""

    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        if worker.generation == 0:
            raise WorkerError("the executor's stream closed", worker=worker.name)
        return fresh(worker, tag)

    return serve


def instant(worker: FakeWorker, tag: str) -> dict[str, Any]:
    return answer(tag)


@pytest.mark.parametrize(
    ("pool_size", "pipeline"), [(2, 2), (2, 1), (1, 3)], ids=["2x2", "2x1", "1x3"]
)
def test_each_worker_holds_at_most_pipeline_requests(
    make_pool: Callable[..., FakePool], floor: Floor, pool_size: int, pipeline: int
) -> None:
    pool = make_pool(gated(floor), pool_size=pool_size, pipeline=pipeline)
    capacity = pool_size * pipeline
    calls = [spawn(pool.run, request(f"r{i}")) for i in range(capacity + 2)]
    floor.wait_for(capacity)
    time.sleep(0.05)  # room for a request past the cap to show up
    assert floor.held() == {f"s{slot}g0": pipeline for slot in range(pool_size)}
    floor.gate.set()
    assert all(call.result(WAIT_S).passed for call in calls)
    assert max(floor.peak.values()) == pipeline
    assert floor.peak_total == capacity


def test_a_request_goes_to_the_least_busy_worker(
    make_pool: Callable[..., FakePool], floor: Floor
) -> None:
    pool = make_pool(gated_hold(floor), pool_size=2, pipeline=2)
    held = spawn(pool.run, request("hold"))
    floor.wait_for(1)
    (busy,) = floor.held()
    idle = ({"s0g0", "s1g0"} - {busy}).pop()
    assert [pool.run(request(f"q{i}")).worker for i in range(2)] == [idle, idle]
    floor.gate.set()
    assert held.result(WAIT_S).worker == busy


def test_run_many_keeps_order_on_pool_size_times_pipeline_threads(
    make_pool: Callable[..., FakePool], floor: Floor
) -> None:
    threads: set[str] = set()

    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        threads.add(threading.current_thread().name)
        floor.gate.wait(WAIT_S)
        time.sleep(0.002 * (12 - int(tag)))  # the first requests finish last
        return answer(tag)

    pool = make_pool(serve, pool_size=2, pipeline=2)
    tags = [str(i) for i in range(12)]
    batch = spawn(pool.run_many, [request(tag) for tag in tags])
    floor.wait_for(4)
    floor.gate.set()
    assert [result.stdout for result in batch.result(WAIT_S)] == tags
    assert len(threads) == 4
    assert all(name.startswith("codegym-sandbox") for name in threads)


def test_a_broken_worker_is_replaced_once_and_its_requests_retried(
    make_pool: Callable[..., FakePool],
) -> None:
    both_held = threading.Barrier(2, timeout=WAIT_S)

    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        if worker.generation == 0:
            both_held.wait()
        return broken_first(instant)(worker, tag)

    pool = make_pool(serve, pool_size=1, pipeline=2)
    results = pool.run_many([request("a"), request("b")])
    assert [(r.status, r.stdout, r.worker, r.attempts) for r in results] == [
        (Status.PASSED, "a", "s0g1", 2),
        (Status.PASSED, "b", "s0g1", 2),
    ]
    assert [w.name for w in pool.started] == ["s0g0", "s0g1"]
    assert pool.started[0].closed.is_set()
    assert pool.stats["replaced"] == 1


def test_an_infra_error_answer_is_retried_on_a_fresh_worker(
    make_pool: Callable[..., FakePool],
) -> None:
    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        if worker.generation == 0:
            return {"infra_error": "the oracle died"}
        return answer(tag)

    pool = make_pool(serve, pool_size=1)
    result = pool.run(request("a"))
    assert (result.passed, result.worker, result.attempts) == (True, "s0g1", 2)
    assert len(pool.started) == 2 and pool.started[0].closed.is_set()


@pytest.mark.parametrize("status", ["passed", "timeout"])
def test_an_answer_stands_when_its_executor_quits_after_it(
    make_pool: Callable[..., FakePool], status: str
) -> None:
    """An executor that cannot clean up after a request answers it, then quits."""
    answered: set[str] = set()

    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        if worker.generation > 0:
            return answer(tag)
        if answered:
            raise WorkerError("the executor's stream closed", worker=worker.name)
        answered.add(tag)
        return answer(tag, status=status)

    pool = make_pool(serve, pool_size=1)
    first = pool.run(request("a"))
    assert (first.status, first.worker, first.attempts) == (Status(status), "s0g0", 1)
    second = pool.run(request("b"))
    assert (second.passed, second.worker, second.attempts) == (True, "s0g1", 2)
    assert pool.started[0].closed.is_set()


def test_retries_end_in_an_infra_error(make_pool: Callable[..., FakePool]) -> None:
    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        raise WorkerError("the executor's stream closed", worker=worker.name)

    pool = make_pool(serve, pool_size=1, retries=2)
    result = pool.run(request("a"))
    assert (result.status, result.attempts) == (Status.INFRA_ERROR, 3)
    assert "stream closed" in result.message
    assert len(pool.started) == 4  # the first worker, then one replacement per failed attempt
    assert pool.stats["infra_errors"] == 1


def test_a_slot_that_cannot_restart_gives_infra_errors_not_a_hang(
    make_pool: Callable[..., FakePool],
) -> None:
    pool = make_pool(
        broken_first(instant),
        refuse=lambda slot, generation: generation > 0,
        pool_size=1,
        pipeline=2,
        retries=2,
        replace_timeout_s=0.01,
    )
    results = spawn(pool.run_many, [request(str(i)) for i in range(3)]).result(WAIT_S)
    assert [(r.status, r.attempts) for r in results] == [(Status.INFRA_ERROR, 3)] * 3
    assert all("no worker available" in r.message for r in results)


def test_close_wakes_callers_waiting_for_a_worker(
    make_pool: Callable[..., FakePool], floor: Floor
) -> None:
    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        worker.closed.wait(WAIT_S)
        raise WorkerError("the executor's stream closed", worker=worker.name)

    pool = make_pool(serve, pool_size=1, pipeline=1)
    holder = spawn(pool.run, request("a"))
    floor.wait_for(1)
    waiter = spawn(pool.run, request("b"))
    time.sleep(0.05)  # let it reach the wait for a free worker
    assert not waiter.done()
    pool.close()
    for call in (waiter, holder):
        with pytest.raises(SandboxClosedError):
            call.result(WAIT_S)


@pytest.mark.parametrize(
    ("options", "field"),
    [({"pool_size": 0}, "pool_size"), ({"pool_size": 1, "pipeline": 0}, "pipeline")],
)
def test_sizes_below_one_are_refused(options: dict[str, int], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        WorkerPool(**options)


def test_a_retry_skips_a_slot_that_cannot_restart(
    make_pool: Callable[..., FakePool], floor: Floor
) -> None:
    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        if worker.slot == 1:
            raise WorkerError("the executor's stream closed", worker=worker.name)
        return gated_hold(floor)(worker, tag)

    pool = make_pool(
        serve,
        refuse=lambda slot, generation: slot == 1 and generation > 0,
        pool_size=2,
        pipeline=2,
        retries=2,
        replace_timeout_s=0.01,
    )
    held = spawn(pool.run, request("hold"))
    floor.wait_for(1)
    assert floor.held() == {"s0g0": 1}
    result = spawn(pool.run, request("a")).result(WAIT_S)
    floor.gate.set()
    assert held.result(WAIT_S).passed
    assert (result.status, result.worker) == (Status.PASSED, "s0g0")


def test_a_waiter_is_not_handed_a_broken_worker(
    make_pool: Callable[..., FakePool], floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    reused = threading.Event()

    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        if worker.generation == 0:
            if tag == "b":
                reused.set()
            floor.gate.wait(WAIT_S)
        return broken_first(instant)(worker, tag)

    pool = make_pool(serve, pool_size=1, pipeline=1)
    replace = pool._replace

    def slow_replace(slot: int, old: Any) -> None:
        reused.wait(0.3)  # wide open the window between release and replacement
        replace(slot, old)

    monkeypatch.setattr(pool, "_replace", slow_replace)
    holder = spawn(pool.run, request("a"))
    floor.wait_for(1)
    waiter = spawn(pool.run, request("b"))
    time.sleep(0.05)  # let it reach the wait for a free worker
    floor.gate.set()
    assert holder.result(WAIT_S).passed
    assert waiter.result(WAIT_S).attempts == 1


# -- which worker a request goes to ------------------------------------------------------------


def sample(group: str, i: int) -> FunctionRequest:
    """Sample `i` of a group: the group's tests (`group` is the test script), its own source."""
    return FunctionRequest(source=f"def f():\n    return {i}\n", entry_point="f", test_script=group)


def test_run_many_keeps_each_groups_samples_on_one_worker(
    make_pool: Callable[..., FakePool],
) -> None:
    served: list[tuple[str, str]] = []

    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        served.append((tag, worker.name))
        time.sleep(0.002)
        return answer(tag)

    pool = make_pool(serve, pool_size=2, pipeline=2)
    groups = ["A", "B", "C", "D"]
    batch = [sample(group, i) for i in range(8) for group in groups]  # interleaved
    results = pool.run_many(batch)
    assert [result.stdout for result in results] == [request.test_script for request in batch]
    workers = {group: {name for tag, name in served if tag == group} for group in groups}
    # Each group stays where its oracle is; only at the end may an idle worker take over
    # what is left of the other's (without affinity every group is split: 8 pairs).
    assert sum(len(names) for names in workers.values()) <= len(groups) + 1, workers


def test_a_lone_request_prefers_the_idle_worker_that_last_ran_its_tests(
    make_pool: Callable[..., FakePool], floor: Floor
) -> None:
    pool = make_pool(gated_hold(floor), pool_size=2, pipeline=1)
    held = spawn(pool.run, request("hold"))
    floor.wait_for(1)
    (busy,) = floor.held()
    other = pool.run(sample("A", 0)).worker
    assert other != busy
    floor.gate.set()
    assert held.result(WAIT_S).worker == busy
    # Both idle now: A's tests go back to the worker that graded them, new tests to the first.
    assert [pool.run(sample("A", i)).worker for i in range(1, 4)] == [other] * 3


def test_close_fails_the_requests_still_queued_in_run_many(
    make_pool: Callable[..., FakePool], floor: Floor
) -> None:
    def serve(worker: FakeWorker, tag: str) -> dict[str, Any]:
        worker.closed.wait(WAIT_S)
        return answer(tag)  # the first request ends well; the others never started

    pool = make_pool(serve, pool_size=1, pipeline=1)
    batch = spawn(pool.run_many, [sample("A", i) for i in range(5)])
    floor.wait_for(1)
    pool.close()
    with pytest.raises(SandboxClosedError):
        batch.result(WAIT_S)
