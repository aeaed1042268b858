"""The oracle: runs the task's tests in its own process and uid, reaching the candidate
through a proxy (stdlib only; runs in the sandbox). Only the oracle records a test as passed."""

from __future__ import annotations

import json
import os
import resource
import socket
import sys
import time
import traceback

from sandbox.harness import codec
from sandbox.harness.messages import Request
from sandbox.harness.testcode import SWITCH_MAX, compile_tests, take_tests
from sandbox.harness.wire import (
    MSG_CAP_MIN,
    CandidateError,
    CandidateGone,
    CandidateStop,
    Channel,
    format_exception,
    rebuild_exception,
    write_all,
)
from sandbox.harness.worker import drop_privileges, set_limits

REUSES = 64
"""Requests one oracle process may grade (under one set of limits) before a fresh one."""


def oracle_main(cfg: dict, req: Request, ctrl: socket.socket, baseline: tuple) -> None:
    """Grade requests under `req`'s limits, in a process of the oracle's own uid, one per
    message on `ctrl`: each brings the channel to that request's fresh worker and the pipe for
    the result, and is either ``b"r"`` (the same tests as the last request) or the next tests
    (`tests_message`: their fields and compiled code). The executor sends a request here only
    if it has the same limits as `req`, and forks a fresh oracle for any other. After each
    request the oracle checks that the task's code left the interpreter as it found it
    (`baseline`, taken by the executor just before the fork, where its pages are warm), and
    says so (`reusable`); if not, the executor replaces it."""
    drop_privileges(cfg["oracle_uid"])
    os.chdir("/")  # never a directory that a clean-up removes
    limits = req["limits"]
    cpu_s = (limits["timeout_s"] + 1) * REUSES  # the executor holds each request to its time
    oracle_limits = dict(limits, cpu_s=cpu_s, processes=64)
    set_limits(oracle_limits, memory_mb=max(1024, limits["memory_mb"]), nproc=cfg["privileged"])
    sys.set_int_max_str_digits(0)
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(ctrl, SWITCH_MAX + 4096, 2)
        except OSError:
            os._exit(0)
        if len(fds) != 2:
            os._exit(0)  # the executor closed the socket: no more requests
        chan_fd, result_fd = fds
        if data != b"r":  # the next tests
            req = take_tests(data)
        cpu0 = cpu_seconds()
        result = grade(req, chan_fd)
        os.close(chan_fd)  # the worker sees the end of its calls
        result["reusable"] = interpreter_state() == baseline
        result["cpu"] = cpu_seconds() - cpu0
        try:
            write_all(result_fd, json.dumps(result).encode())
        finally:
            os.close(result_fd)


def cpu_seconds() -> float:
    """CPU seconds this process has used, exactly. Not `time.process_time`: once RLIMIT_CPU
    is set, that reads the process's CPU timer, which moves only at ticks and context switches
    (of 150 us of work it saw 46)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def grade(req: Request, chan_fd: int) -> dict:
    """Run the task's tests against the candidate behind `chan_fd`: the result record."""
    result: dict = {"tests": [], "load": None}
    limits = req["limits"]
    try:
        proxy = CandidateProxy(
            Channel(chan_fd, cap=limits["output_bytes"] + MSG_CAP_MIN), limits["test_timeout_s"]
        )
        result["load"] = proxy.load()
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
    return result


def interpreter_state() -> tuple:
    """What a task's test code could change for the next request this process grades: the
    builtins, the names in `sys` (the streams and hooks included), the recursion limit,
    threads, the working directory. The test code itself runs in a fresh namespace each time.
    """
    import builtins

    threading = sys.modules.get("threading")  # code that started a thread imported it
    return (
        {name: id(value) for name, value in vars(builtins).items()},
        {name: id(value) for name, value in vars(sys).items() if name not in _VOLATILE_SYS},
        sys.getrecursionlimit(),
        threading.active_count() if threading else 1,
        os.getcwd(),
    )


_VOLATILE_SYS = {"last_type", "last_value", "last_traceback", "last_exc"}


def load_failure(reply: object) -> dict:
    """The candidate's report of a failed import, reduced to the shape the verdict expects.
    The candidate's own process wrote it (it may write anything on its channel), so an
    unexpected shape is the candidate's failure, never a crash of the executor."""
    if type(reply) is not dict:
        return {"error": "load", "message": "the candidate broke the harness protocol", "mro": []}
    error = reply.get("error")
    message, mro = reply.get("message"), reply.get("mro")
    return {
        "error": error if error in ("syntax", "missing", "load") else "load",
        "message": message[:4000] if type(message) is str else "the candidate failed to load",
        "mro": [m for m in mro[:16] if type(m) is str] if type(mro) is list else [],
    }


class CandidateProxy:
    def __init__(self, chan: Channel, timeout: float) -> None:
        self.chan, self.timeout = chan, timeout
        self.stopped: CandidateStop | None = None

    def load(self) -> dict | None:
        """The candidate's report of loading its module (the executor sent it the job)."""
        reply = self.chan.recv(time.monotonic() + self.timeout)
        if type(reply) is dict and "ok" in reply:
            return None
        return load_failure(reply)

    def call(self, target: str, args: tuple, kwargs: dict):
        if self.stopped is not None:
            raise self.stopped
        try:
            self.chan.send_trusted(
                {"target": target, "args": codec.encode(args), "kwargs": codec.encode(kwargs)}
            )
            reply = self.chan.recv(time.monotonic() + self.timeout)
        except CandidateStop as exc:
            self.stopped = exc
            raise
        except OSError as exc:
            self.stopped = CandidateGone(f"the candidate process is gone ({exc})")
            raise self.stopped from None
        if type(reply) is not dict:
            raise CandidateError("the candidate broke the harness protocol")
        if "ok" in reply:
            try:
                return codec.decode(reply["ok"])
            except (codec.CodecError, RecursionError, TypeError, ValueError) as exc:
                raise CandidateError(f"the candidate returned a malformed value: {exc}") from None
        raised = reply.get("raised")
        mro = [str(name) for name in raised[:16]] if type(raised) is list else []
        raise rebuild_exception(mro, str(reply.get("message", ""))[:2000])

    def function(self, target: str = ""):
        proxy = self

        def candidate(*args, **kwargs):
            return proxy.call(target, args, kwargs)

        candidate.__name__ = target.rpartition(":")[2] or "candidate"
        return candidate


def run_call_tests(req: Request, proxy: CandidateProxy, out: list) -> None:
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
        self.outcomes: list[dict] = [{} for _ in range(n)]  # {}: not recorded (yet)
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


def run_check_script(req: Request, proxy: CandidateProxy, result: dict) -> None:
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
        if not outcome:  # never recorded: the assert was not reached
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
