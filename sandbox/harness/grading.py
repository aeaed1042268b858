"""Grading by request kind: function requests through the oracle, stdio programs and commands
through the executor (stdlib only; runs in the sandbox). Each takes the request's `Job` and
returns its `Response`; the verdict rules are in verdict.py."""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

from sandbox.harness import codec
from sandbox.harness.messages import Limits, Request, Response, Supervised, TestRecord
from sandbox.harness.oracle_pool import OraclePool
from sandbox.harness.supervise import Job, run_worker, supervise
from sandbox.harness.testcode import count_asserts
from sandbox.harness.verdict import (
    clip,
    exit_code,
    exit_verdict,
    exited_ok,
    outputs_match,
    run_verdict,
)
from sandbox.harness.wire import Channel
from sandbox.harness.worker import SAFE_ENV


def run_function(job: Job, oracles: OraclePool, req: Request) -> Response:
    """A function request: the candidate's module in a worker, its tests in the oracle."""
    limits = req["limits"]
    t0 = time.monotonic()
    deadline = t0 + limits["timeout_s"]
    workdir = job.workdir if req.get("files") else job.work_root
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    null = os.open(os.devnull, os.O_RDONLY)
    oracle_end, worker_end = socket.socketpair()
    try:
        spawned = job.spawn(
            "function", limits, [null, out_w, err_w, worker_end.fileno()], workdir=workdir
        )
    finally:
        for fd in (null, out_w, err_w):
            os.close(fd)
        worker_end.close()
    # While the zygote forks the worker: its job (from here, not from the oracle: the
    # executor's pages for this are warm, a freshly forked oracle's are not), then the
    # oracle, a fresh one forked if the tests are new.
    task = {
        "source": req["source"],
        "entry_point": req["entry_point"],
        "files": req.get("files", {}),
    }
    try:
        Channel(oracle_end.fileno(), cap=0).send_trusted(task)
    except OSError:
        pass  # the worker died at once; the oracle sees it gone
    try:
        oracles.for_request(req)
    finally:
        pid = spawned.pid()
    res_r, res_w = os.pipe()
    try:
        oracles.grade(req, oracle_end.fileno(), res_w)
    finally:
        os.close(res_w)
        oracle_end.close()
    sup = supervise(
        job, pid, out_r, err_r, deadline=deadline, cap=limits["output_bytes"], result_fd=res_r
    )
    try:
        result = json.loads(sup["result"]) if sup["result"] else None
    except ValueError:
        result = None
    if (type(result) is not dict or "stop" in result) and pid in job.unreaped:
        job.unreaped.remove(pid)  # the verdict needs the exit status
        sup["exit"] = job.workers.wait_exit(pid)
    if (
        oracles.current is not None
        and type(result) is dict
        and result.get("reusable") is True
        and not sup["timed_out"]
    ):
        oracles.kept(result["cpu"])
        job.cpu["oracle"] += result["cpu"]
    else:
        oracles.drop()
    return function_verdict(req, sup, result)


def function_verdict(req: Request, sup: Supervised, result: dict | None) -> Response:
    """The verdict of a function request from the oracle's result and the worker's end."""
    total = len(req["tests"]) if req.get("tests") else count_asserts(req)
    resp: Response = {
        "tests_total": total,
        "stdout": clip(sup["stdout"]),
        "stderr": clip(sup["stderr"]),
    }
    tests = result["tests"] if result else []
    for t in tests:
        if not req.get("details", True):
            for key in ("input", "expected", "got"):
                t.pop(key, None)
    resp["tests"] = tests
    if sup["exceeded"]:
        return answer(resp, "output_limit", "the candidate wrote more output than allowed")
    if result is None:
        if sup["timed_out"]:
            took = f"the request took longer than {req['limits']['timeout_s']} s"
            return answer(resp, "timeout", took)
        return answer(resp, "failed", "the oracle ended without a result")
    if result.get("load"):
        load = result["load"]
        if load["error"] in ("syntax", "missing"):
            return answer(resp, "compile_error", load["message"])
        status = "memory_limit" if "MemoryError" in load.get("mro", []) else "runtime_error"
        return answer(resp, status, load["message"])
    if result.get("oracle_error"):
        return answer(resp, "failed", "the task's test code failed: " + result["oracle_error"])
    if "stop" in result:
        status, message = result["stop"]["status"], result["stop"]["message"]
        if status == "crashed":
            status, message = exit_verdict(sup["exit"], req["limits"], message, oom=sup["oom"])
        return answer(resp, status, message)
    if len(tests) == total and total > 0 and all(t["passed"] for t in tests):
        return answer(resp, "passed")
    failing = next((t for t in tests if not t["passed"]), None)
    status = failing["status"] if failing else "failed"
    message = (failing or {}).get("message", "")
    return answer(resp, status if status != "passed" else "failed", message)


def run_stdio(job: Job, req: Request) -> Response:
    """A stdio program (C++ compiled first), run once per case; the executor compares."""
    limits = req["limits"]
    t0 = time.monotonic()
    deadline = t0 + limits["timeout_s"]
    resp: Response = {"tests_total": len(req["tests"]), "tests": []}
    task: dict[str, Any]
    if req["language"] == "cpp":
        out = run_worker(
            job,
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
            Limits(**{**limits, "cpu_s": limits["compile_timeout_s"]}),
            deadline=min(deadline, t0 + limits["compile_timeout_s"]),
            memory_mb=limits["compile_memory_mb"],
            processes=max(limits["processes"], 32),
        )
        resp["compile_output"] = clip(out["stderr"] + out["stdout"])
        if out["timed_out"] or not exited_ok(out["exit"]):
            failed = "compilation failed" + (" (time limit)" if out["timed_out"] else "")
            return answer(resp, "compile_error", failed)
        mode, task = "exec", {"argv": [job.workdir + "/main"]}
    else:
        mode, task = "script", {"source": req["source"]}
    last_out: Supervised | None = None
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
        out = run_worker(
            job,
            mode,
            task,
            limits,
            stdin=test["stdin"].encode(),
            deadline=min(deadline, start + limits["test_timeout_s"]),
        )
        last_out = out
        entry: TestRecord = {"name": name, "duration_s": time.monotonic() - start}
        status, message = run_verdict(out, limits)
        if status == "compile_error":  # a Python syntax error: every case would say the same
            resp["compile_output"] = resp["stderr"] = clip(out["stderr"])
            return answer(resp, "compile_error", clip(out["stderr"]))
        if status is None:
            got = out["stdout"].decode("utf-8", "replace")
            ok = outputs_match(got, test["expected_stdout"], req["compare"], req.get("float_tol"))
            status = "passed" if ok else "failed"
            if not ok and req.get("details", True):
                entry["input"] = codec.short_repr(test["stdin"], 400)
                entry["expected"] = codec.short_repr(test["expected_stdout"], 400)
                entry["got"] = codec.short_repr(got, 400)
        entry["passed"], entry["status"], entry["message"] = status == "passed", status, message
        resp["tests"].append(entry)
    resp["stdout"] = clip(last_out["stdout"]) if last_out else ""
    resp["stderr"] = clip(last_out["stderr"]) if last_out else ""
    failing = next((t for t in resp["tests"] if not t["passed"]), None)
    if failing is None:
        return answer(resp, "passed")
    return answer(resp, failing["status"], failing.get("message", ""))


def run_command(job: Job, req: Request) -> Response:
    """A command in the request's work dir: its exit code and output, no tests."""
    limits = req["limits"]
    t0 = time.monotonic()
    command = req["command"]
    argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
    if not argv[0].startswith("/"):
        argv[0] = which(argv[0]) or argv[0]
    out = run_worker(
        job,
        "exec",
        {"files": req.get("files", {}), "argv": argv},
        limits,
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


def which(name: str) -> str | None:
    for d in SAFE_ENV["PATH"].split(":"):
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    return None


def answer(resp: Response, status: str, message: str = "") -> Response:
    """`resp` with its verdict."""
    done = resp.copy()
    done["status"], done["message"] = status, message
    return done
