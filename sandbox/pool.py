"""A pool of warm executors shared by the backends: concurrency, retries, replacement, close.

A backend supplies `_start_worker(slot) -> Worker`. The pool hands each request to the
least busy worker; when a worker breaks (its process or container died, the stream closed, it
stopped answering) it is thrown away, a fresh one takes its slot, and the request is retried.
After `retries` failed attempts the request's result is `Status.INFRA_ERROR`, never a silent
zero.

Pipelining: a worker may hold up to `pipeline` requests at once. It still runs them one after
the other; the next one waits in its input, so the executor starts it the moment the previous
result is out instead of idling for a round trip through the engine. A request is only queued
behind a busy worker when no worker is idle.

Affinity: an executor keeps the oracle process of the tests it graded last for the next request
with the same tests (a GRPO group's samples), and a fresh oracle costs some milliseconds. So a
request goes to a worker whose last request had its tests when that one has room, and a worker
with room takes, from `run_many`'s queue, first the requests with its own tests, then those of
tests no other worker is on, and only then another worker's (so none idles while work waits).
A lone `run` goes to the least busy worker, and of those to one that last ran its tests.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
import time
import weakref
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from types import TracebackType
from typing import Any, Protocol

from sandbox.base import ExecRequest, ExecResult
from sandbox.errors import SandboxClosedError, SandboxError, WorkerError
from sandbox.protocol import (
    ExecutorConnection,
    infra_result,
    request_to_wire,
    result_from_wire,
    tests_key,
)

log = logging.getLogger("codegym.sandbox")

# Slack on top of a request's own time limit before the host gives up on an executor.
HOST_TIMEOUT_MARGIN_S = 15.0


class Worker(Protocol):
    name: str
    connection: ExecutorConnection

    def close(self) -> None: ...


class WorkerPool:
    """Base of the pooled backends. Thread-safe; `run_many` keeps the input order."""

    def __init__(
        self,
        *,
        pool_size: int,
        retries: int = 2,
        replace_timeout_s: float = 60.0,
        pipeline: int = 2,
    ):
        if pool_size < 1:
            raise ValueError(f"pool_size must be >= 1, got {pool_size}")
        if pipeline < 1:
            raise ValueError(f"pipeline must be >= 1, got {pipeline}")
        self.pool_size = pool_size
        self.retries = retries
        self.replace_timeout_s = replace_timeout_s
        self.pipeline = pipeline
        self._workers: dict[int, Worker] = {}  # slot -> its worker; absent while restarting
        self._busy: dict[int, int] = {}  # slot -> requests its worker holds now
        self._last_key: dict[int, int | None] = {}  # slot -> `tests_key` of its last request
        self._queued: dict[int | None, deque[_Job]] = {}  # run_many's waiting jobs, by key
        self._lock = threading.Condition()
        self._closed = False
        self._threads: ThreadPoolExecutor | None = None
        self.stats = {"requests": 0, "retries": 0, "replaced": 0, "infra_errors": 0}

    # -- subclass API ----------------------------------------------------------------------

    def _start_worker(self, slot: int) -> Worker:
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------

    def _fill(self) -> None:
        """Start every slot's worker, in parallel. Any failure closes the pool and raises."""
        _register(self)
        with ThreadPoolExecutor(max_workers=min(self.pool_size, 8)) as ex:
            futures = {slot: ex.submit(self._start_worker, slot) for slot in range(self.pool_size)}
            errors = []
            for slot, fut in futures.items():
                try:
                    self._install(slot, fut.result())
                except Exception as exc:  # noqa: BLE001 - collected, then raised below
                    errors.append(exc)
        if errors:
            self.close()
            first = errors[0]
            if isinstance(first, SandboxError):
                raise first
            raise SandboxError(f"could not start the sandbox pool: {first}") from first

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers.values())
            self._workers.clear()
            queued = [job for jobs in self._queued.values() for job in jobs]
            self._queued.clear()
            self._lock.notify_all()  # wake the callers waiting for a worker
        for job in queued:
            job.fail(SandboxClosedError("this sandbox was closed during run_many"))
        # in parallel: each close waits for the engine to remove a container
        with ThreadPoolExecutor(max_workers=max(1, min(len(workers), 8))) as ex:
            ex.map(_close_quietly, workers)
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
        _unregister(self)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # A sandbox is a shared handle to running containers: copying an env (Gymnasium's checker
    # rebuilds envs from deep-copied specs) must share it, not try to clone sockets.
    def __copy__(self) -> WorkerPool:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> WorkerPool:
        return self

    # -- running ---------------------------------------------------------------------------

    def run(self, request: ExecRequest) -> ExecResult:
        if self._closed:
            raise SandboxClosedError("this sandbox is closed; create a new one")
        payload = request_to_wire(request)
        return self._attempts(_Job(request, payload), None)

    def _attempts(self, job: _Job, first: tuple[int, Worker] | None) -> ExecResult:
        """Run `job`, on `first` if given, retrying on fresh workers while they break."""
        timeout = job.request.limits.timeout_s + HOST_TIMEOUT_MARGIN_S
        t0 = time.monotonic()
        error = "no attempt was made"
        worker_name = ""
        for attempt in range(1, self.retries + 2):
            slot, worker = first or self._acquire(job.key)
            first = None
            worker_name = worker.name
            try:
                resp = worker.connection.call(job.payload, timeout)
            except WorkerError as exc:
                error = str(exc)
                log.warning("sandbox worker %s failed (%s); replacing it", worker.name, exc)
                self._replace(slot, worker)
                self._count("retries")
                continue
            if "infra_error" in resp:
                error = f"executor error: {resp['infra_error']}"
                log.warning("sandbox worker %s: %s", worker.name, error)
                self._replace(slot, worker)
                self._count("retries")
                continue
            self._release(slot, worker)
            self._count("requests")
            return result_from_wire(
                resp, latency_s=time.monotonic() - t0, attempts=attempt, worker=worker_name
            )
        self._count("infra_errors")
        return infra_result(
            error, latency_s=time.monotonic() - t0, attempts=self.retries + 1, worker=worker_name
        )

    def _acquire(self, key: int | None) -> tuple[int, Worker]:
        """The least busy worker for a request with `tests_key` `key`, of those the one that
        last ran its tests; waits while none has room."""
        with self._lock:
            while True:
                slots = self._open_slots()
                if slots:
                    slot = min(
                        slots,
                        key=lambda s: (self._busy[s], key is None or self._last_key[s] != key),
                    )
                    return self._take_slot(slot, key)
                self._wait()

    def _next_job(self) -> tuple[int, Worker, _Job]:
        """For a `run_many` thread: the next queued job and the worker to run it on (see the
        module's docstring); waits while no worker has room."""
        with self._lock:
            while True:
                slots = self._open_slots()
                if slots and self._queued:
                    for slot in slots:  # a worker's own tests first
                        key = self._last_key[slot]
                        if key is not None and key in self._queued:
                            return (*self._take_slot(slot, key), self._dequeue(key))
                    slot = slots[0]
                    others = {self._last_key[s] for s in self._busy if s != slot}
                    key = next(iter(self._queued))  # the oldest, if all are others' tests
                    for candidate in self._queued:
                        if candidate is None or candidate not in others:
                            key = candidate
                            break
                    return (*self._take_slot(slot, key), self._dequeue(key))
                self._wait()

    def _open_slots(self) -> list[int]:
        """Under the lock: the live slots with room, least busy first. A slot that could not
        be restarted is only offered when no live worker is left, or once its restart is
        `replace_timeout_s` old (the try restarts it)."""
        if self._closed:
            raise SandboxClosedError("this sandbox was closed while the request waited")
        live = [s for s in self._workers if not isinstance(self._workers[s], _DeadWorker)]
        slots = sorted(
            (s for s in live if self._busy[s] < self.pipeline), key=self._busy.__getitem__
        )
        if not slots:
            now = time.monotonic()
            slots = [
                s
                for s, w in self._workers.items()
                if isinstance(w, _DeadWorker)
                and (not live or now - w.since > self.replace_timeout_s)
            ][:1]
        return slots

    def _take_slot(self, slot: int, key: int | None) -> tuple[int, Worker]:
        self._busy[slot] += 1
        self._last_key[slot] = key
        return slot, self._workers[slot]

    def _dequeue(self, key: int | None) -> _Job:
        jobs = self._queued[key]
        job = jobs.popleft()
        if not jobs:
            del self._queued[key]
        return job

    def _wait(self) -> None:
        """Under the lock: until a worker frees room (a slot that could not be restarted is
        looked at again every second)."""
        restarting = any(isinstance(w, _DeadWorker) for w in self._workers.values())
        self._lock.wait(1.0 if restarting else None)

    def _release(self, slot: int, worker: Worker) -> None:
        with self._lock:
            if self._workers.get(slot) is worker:
                self._busy[slot] -= 1
                self._lock.notify()

    def _count(self, stat: str) -> None:
        with self._lock:
            self.stats[stat] += 1

    def _install(self, slot: int, worker: Worker) -> None:
        """Put `worker` in `slot`; closes it instead if the pool was closed meanwhile."""
        with self._lock:
            if not self._closed:
                self._workers[slot] = worker
                self._busy[slot] = 0
                self._last_key[slot] = None
                self._lock.notify_all()
                return
        worker.close()

    def run_many(self, requests: Sequence[ExecRequest]) -> list[ExecResult]:
        if self._closed:
            raise SandboxClosedError("this sandbox is closed; create a new one")
        if not requests:
            return []
        if len(requests) == 1:
            return [self.run(requests[0])]
        jobs = [_Job(request, request_to_wire(request)) for request in requests]
        with self._lock:
            if self._closed:
                raise SandboxClosedError("this sandbox is closed; create a new one")
            if self._threads is None:
                self._threads = ThreadPoolExecutor(
                    max_workers=self.pool_size * self.pipeline,
                    thread_name_prefix="codegym-sandbox",
                )
            threads = self._threads
            for job in jobs:
                self._queued.setdefault(job.key, deque()).append(job)
        try:
            for _ in jobs:  # each run takes whichever queued job suits a free worker best
                threads.submit(self._run_next)
        except RuntimeError:  # close() shut the threads down meanwhile; it failed the jobs
            pass
        return [job.result() for job in jobs]

    def _run_next(self) -> None:
        try:
            slot, worker, job = self._next_job()
        except SandboxClosedError:
            return  # close() failed the queued jobs
        try:
            job.succeed(self._attempts(job, (slot, worker)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of run_many
            job.fail(exc)

    def _replace(self, slot: int, old: Worker) -> None:
        """Throw `old` away and put a fresh worker in its slot (retrying while the engine is
        unavailable, e.g. restarting). If none can be started, the slot gets a worker that
        fails at once, so the requests that reach it end as infra errors instead of waiting
        forever. The other requests `old` held fail too and are retried; only the first
        caller restarts the slot."""
        with self._lock:
            if self._workers.get(slot) is not old:
                return  # already replaced, or being replaced by another caller
            del self._workers[slot]  # from now on no caller is handed `old`
            self.stats["replaced"] += 1
        try:
            old.close()
        except Exception:  # noqa: BLE001
            log.debug("closing %s failed", old.name, exc_info=True)
        deadline = time.monotonic() + self.replace_timeout_s
        delay = 0.5
        while not self._closed:
            try:
                fresh = self._start_worker(slot)
            except Exception as exc:  # noqa: BLE001 - the engine may be restarting
                if time.monotonic() + delay > deadline:
                    log.error("could not replace sandbox worker in slot %d: %s", slot, exc)
                    self._install(slot, _DeadWorker(f"slot {slot}", str(exc)))
                    return
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._install(slot, fresh)
            return


def _close_quietly(worker: Worker) -> None:
    try:
        worker.close()
    except Exception:  # noqa: BLE001 - closing is best effort
        log.debug("closing %s failed", worker.name, exc_info=True)


class _Job:
    """A request, its wire form and `tests_key`, and the future of its result."""

    __slots__ = ("request", "payload", "key", "_future")

    def __init__(self, request: ExecRequest, payload: dict[str, Any]) -> None:
        self.request, self.payload = request, payload
        self.key = tests_key(payload)
        self._future: Future[ExecResult] = Future()

    def succeed(self, result: ExecResult) -> None:
        try:
            self._future.set_result(result)
        except InvalidStateError:  # close() failed it meanwhile
            pass

    def fail(self, exc: BaseException) -> None:
        try:
            self._future.set_exception(exc)
        except InvalidStateError:
            pass

    def result(self) -> ExecResult:
        return self._future.result()


class _DeadWorker:
    """Holds a slot whose worker could not be restarted: each use fails fast (and triggers
    another restart attempt), so requests end as infra errors instead of hanging."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.connection: Any = self
        self.reason = reason
        self.since = time.monotonic()

    def call(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        raise WorkerError(f"no worker available: {self.reason}", worker=self.name)

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- clean exit

_live: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
_handlers_installed = False


def _close_all() -> None:
    for pool in list(_live):
        pool.close()


def _on_signal(signum: int, frame: Any) -> None:
    _close_all()
    previous = _previous.get(signum)
    if callable(previous):
        previous(signum, frame)
    elif signum == signal.SIGINT:
        raise KeyboardInterrupt
    else:
        os._exit(128 + signum)


_previous: dict[int, Any] = {}


def _register(pool: WorkerPool) -> None:
    global _handlers_installed
    _live.add(pool)
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_close_all)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)
            if previous is signal.default_int_handler or previous in (signal.SIG_DFL, None):
                previous = None
            _previous[sig] = previous
            signal.signal(sig, _on_signal)


def _unregister(pool: WorkerPool) -> None:
    _live.discard(pool)
