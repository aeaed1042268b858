"""The trusted executor that runs inside every sandbox container (stdlib only).

Processes, and who may do what::

    executor (root; only CAP_SETUID, CAP_SETGID, CAP_KILL)  reads requests, enforces limits,
    │                                                        kills, cleans up, writes results
    ├── zygote (root, same caps; forked before any request, so it never holds a test or an
    │   │       expected value) forks workers on demand, warm, and reaps them
    │   └── worker (candidate uid, no caps, rlimits, own session)  runs the candidate's code
    └── oracle (oracle uid, no caps, rlimits)  runs the task's tests; calls the candidate
                                               through a proxy over a socket; kept for the
                                               next request of the same tests (oracle.py)

Only the oracle decides that a test passed, and only the executor turns that into a verdict.
Nothing the candidate prints, returns or exits with is read as a pass: return values cross as
plain data (see codec.py) and are compared in the oracle. After every request (once its answer
is out, before the next one is read) all processes but the executor, the zygote and the oracle
are killed and every file in the writable places is removed.

Host protocol: 4-byte big-endian length + JSON, both directions, on stdin/stdout.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import select
import signal
import socket
import sys
import time
import traceback

from sandbox.harness import codec
from sandbox.harness.confine import Confinement
from sandbox.harness.oracle import (
    REUSES,
    compile_tests,
    count_asserts,
    interpreter_state,
    oracle_main,
    same_tests,
)
from sandbox.harness.verdict import (
    clip,
    exit_code,
    exit_verdict,
    exited_ok,
    outputs_match,
    run_verdict,
)
from sandbox.harness.wire import (
    PROTOCOL_VERSION,
    Channel,
    isolate_stdio,
    list_fds,
    recv_frame,
    send_frame,
)
from sandbox.harness.worker import (
    ORACLE_WARM_MODULES,
    SAFE_ENV,
    exit_report,
    warm_up,
    zygote_main,
)


class OracleProcess:
    """A forked oracle (see oracle.oracle_main) and what the executor knows of it."""

    def __init__(self, pid: int, sock: socket.socket, req: dict) -> None:
        self.pid, self.sock, self.req = pid, sock, req
        self.uses = 0
        self.reported = 0.0  # CPU seconds it reported for its requests


class Executor:
    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.privileged = bool(cfg["privileged"])
        self.tag = 0
        self.exits: dict[int, dict] = {}
        self.spawned: int | None = None  # the zygote's answer to the spawn message in flight
        # a worker forked ahead: its pid (None until the zygote's answer is read), its socket
        self.ahead: tuple[int | None, socket.socket] | None = None
        self.cpu: dict[str, float] = {"candidate": 0.0, "oracle": 0.0}
        self.oracle: OracleProcess | None = None
        self.retired: list[OracleProcess] = []  # replaced, to be killed after the answer
        self.dying: list[OracleProcess] = []  # killed, not reaped yet
        self.unreaped: list[int] = []  # workers killed after the oracle's result
        # Each request runs as a uid of its own, the next one of the container's block
        # (docs/sandbox.md, "Trust boundary", rule 5): nothing a request starts could signal,
        # trace or write to the next one, even if it outlived the clean-up.
        first = cfg["candidate_uid"]
        self.uids = (
            range(first, first + cfg.get("candidate_uids", 1)) if self.privileged else range(0)
        )
        self.uid = self.uids[0] if self.privileged else None
        self.served = 0  # requests handled: the next one's uid follows from it
        self.confinement = (
            Confinement.build(list(cfg["clean_dirs"])) if self.privileged else Confinement()
        )
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        keep = {child.fileno(), self.confinement.ruleset_fd}
        self.zpid = os.fork()
        if self.zpid == 0:
            isolate_stdio()
            for fd in list_fds():
                if fd > 2 and fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            zygote_main(child, self.confinement)
            os._exit(0)
        child.close()
        if self.confinement.ruleset_fd is not None:
            os.close(self.confinement.ruleset_fd)  # the zygote's copy is the one in use
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
    ) -> None:
        """Ask for a worker: the one forked ahead if there is one, else the zygote forks it
        meanwhile; `spawned_pid` gives its pid (one request is in flight at a time)."""
        self.tag += 1
        if processes is not None:
            limits = dict(limits, processes=processes)
        spec = {
            "mode": mode,
            "limits": limits,
            "workdir": workdir,
            "uid": self.uid,
            "memory_mb": memory_mb or limits["memory_mb"],
            "nproc": self.privileged,
            "clean": self.cfg["clean_dirs"],
        }
        ahead = self._take_ahead()
        if ahead is not None:
            pid, sock = ahead
            self.ahead = None
            try:
                socket.send_fds(sock, [marshal.dumps(spec)], fds)
                self.spawned = pid
                return
            except OSError:
                pass  # it died: the zygote forks one now
            finally:
                sock.close()
        socket.send_fds(self.zsock, [marshal.dumps(spec)], fds)

    def spawned_pid(self) -> int:
        pid = self._spawned(timeout=10)
        if pid is None:
            raise RuntimeError("the zygote did not answer a spawn request")
        return pid

    def _spawned(self, timeout: float) -> int | None:
        """The pid of the process the zygote forked for the spawn message just sent (one is
        in flight at a time); None if it does not answer in `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.spawned is None:
            if not self._pump(deadline - time.monotonic()):
                return None
        pid, self.spawned = self.spawned, None
        return pid

    def _pump(self, timeout: float) -> bool:
        """Read one message from the zygote; False on timeout."""
        if timeout <= 0 or not select.select([self.zsock], [], [], timeout)[0]:
            return False
        data = self.zsock.recv(4096)
        if not data:
            raise RuntimeError("the zygote exited")
        exit_info = exit_report(data)
        if exit_info is not None:
            self.exits[exit_info["exited"]] = exit_info
        else:
            self.spawned = int(data)
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
        oom_before = oom_kills()
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
                        if result_open:
                            # The process the oracle calls is dead, and so is the candidate:
                            # children that inherited its channel must not keep the oracle
                            # waiting for an answer until the test's time runs out.
                            self.kill_request_processes()
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
        # With the oracle's result in, the worker's exit matters only if it crashed, which
        # run_function asks for: it is reaped after the answer has gone out (see `finish`).
        later = result_fd is not None and exit_info is None
        if later:
            self.cpu["candidate"] += process_cpu(pid)
        kill_group(pid)
        for fd in (out_fd, err_fd):
            os.close(fd)
        if result_fd is not None:
            os.close(result_fd)
        if later:
            self.unreaped.append(pid)
        else:
            if exit_info is None:
                exit_info = self.wait_exit(pid)
            if exit_info is not None:
                self.cpu["candidate"] += exit_info["cpu"]
        return {
            "stdout": bytes(bufs[out_fd]),
            "stderr": bytes(bufs[err_fd]),
            "exit": exit_info,
            "exceeded": exceeded,
            "timed_out": timed_out,
            "result": bytes(result),
            # the container's out-of-memory killer ran meanwhile: only a candidate's process
            # can be its victim (confine.py), so a process killed then died of its memory
            "oom": oom_kills() > oom_before,
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
            self.spawn(
                mode,
                limits,
                [in_r, out_w, err_w, theirs.fileno()],
                workdir=workdir,
                memory_mb=memory_mb,
                processes=processes,
            )
            pid = self.spawned_pid()
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
            theirs.close()
        try:
            Channel(mine.fileno(), cap=0).send_trusted(job)
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
            self.spawn(
                "function", limits, [null, out_w, err_w, worker_end.fileno()], workdir=workdir
            )
        finally:
            for fd in (null, out_w, err_w):
                os.close(fd)
            worker_end.close()
        # While the zygote forks the worker: its job (from here, not from the oracle: the
        # executor's pages for this are warm, a freshly forked oracle's are not), then the
        # oracle, a fresh one forked if the tests are new.
        job = {k: req[k] for k in ("source", "entry_point")}
        job["files"] = req.get("files", {})
        try:
            Channel(oracle_end.fileno(), cap=0).send_trusted(job)
        except OSError:
            pass  # the worker died at once; the oracle sees it gone
        try:
            self.oracle_for(req)
        finally:
            pid = self.spawned_pid()
        res_r, res_w = os.pipe()
        try:
            try:
                socket.send_fds(self.oracle_for(req).sock, [b"r"], [oracle_end.fileno(), res_w])
            except OSError:  # it died since its last request
                self.drop_oracle()
                socket.send_fds(self.oracle_for(req).sock, [b"r"], [oracle_end.fileno(), res_w])
        finally:
            os.close(res_w)
            oracle_end.close()
        sup = self.supervise(
            pid, out_r, err_r, deadline=deadline, cap=limits["output_bytes"], result_fd=res_r
        )
        try:
            result = json.loads(sup["result"]) if sup["result"] else None
        except ValueError:
            result = None
        if (type(result) is not dict or "stop" in result) and pid in self.unreaped:
            self.unreaped.remove(pid)  # the verdict needs the exit status
            sup["exit"] = self.wait_exit(pid)
        oracle = self.oracle
        if (
            oracle is not None
            and type(result) is dict
            and result.get("reusable") is True
            and not sup["timed_out"]
        ):
            oracle.uses += 1
            oracle.reported += result["cpu"]
            self.cpu["oracle"] += result["cpu"]
        else:
            self.drop_oracle()
        return self.function_verdict(req, sup, result)

    # -- the oracle --------------------------------------------------------------------------

    def oracle_for(self, req: dict) -> OracleProcess:
        """The oracle process for `req`: the current one if it grades the same tests under
        the same limits and may grade more, else a fresh fork. Reuse needs the oracle's own
        uid: as the candidate's uid, a candidate could reach the process and tamper with it."""
        oracle = self.oracle
        uses = REUSES if self.privileged else 1
        if oracle is not None and oracle.uses < uses and same_tests(oracle.req, req):
            return oracle
        if oracle is not None:  # idle and fit for use: killed after the answer (`finish`)
            self.retired.append(oracle)
            self.oracle = None
        if req.get("test_script"):
            try:
                compile_tests(req)  # in the executor, so that the oracle inherits the code
            except SyntaxError:
                pass  # the oracle reports it
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        baseline = interpreter_state()  # the executor's cwd is "/", as the oracle's will be
        pid = os.fork()
        if pid == 0:
            isolate_stdio()
            for fd in list_fds():
                if fd > 2 and fd != theirs.fileno():
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            try:
                oracle_main(self.cfg, req, theirs, baseline)
            finally:
                os._exit(0)
        theirs.close()
        self.oracle = OracleProcess(pid, mine, req)
        return self.oracle

    def drop_oracle(self) -> None:
        """Kill the oracle process, if any. It is reaped later (its exit runs on its own time,
        not this request's); its CPU not yet reported goes to the request that reaps it."""
        oracle, self.oracle = self.oracle, None
        self._kill([oracle] if oracle else [])

    def close(self) -> None:
        """At exit: kill every oracle, the replaced ones too, and wait for them."""
        oracles = ([self.oracle] if self.oracle else []) + self.retired
        self.oracle, self.retired = None, []
        self._kill(oracles, wait=True)

    def _kill(self, oracles: list[OracleProcess], *, wait: bool = False) -> None:
        for oracle in oracles:
            oracle.sock.close()
            try:
                os.kill(oracle.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.dying.append(oracle)
        for oracle in list(self.dying):
            pid, _, usage = os.wait4(oracle.pid, 0 if wait else os.WNOHANG)
            if pid:
                self.dying.remove(oracle)
                self.cpu["oracle"] += max(0.0, usage.ru_utime + usage.ru_stime - oracle.reported)

    def function_verdict(self, req: dict, sup: dict, result: dict | None) -> dict:
        total = len(req["tests"]) if req.get("tests") else count_asserts(req)
        resp = {"tests_total": total, "stdout": clip(sup["stdout"]), "stderr": clip(sup["stderr"])}
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
                status, message = exit_verdict(sup["exit"], req["limits"], message, oom=sup["oom"])
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

    def finish(self) -> bool:
        """After the answer went out, before the next request is read: reap the request's
        workers, then `cleanup`. False: the executor is not fit for another request."""
        for pid in self.unreaped:
            self.wait_exit(pid)
        self.unreaped.clear()
        retired, self.retired = self.retired, []
        self._kill(retired)
        return self.cleanup()

    def fork_ahead(self) -> None:
        """Have the zygote fork the next request's worker now (see worker.ahead_main), while
        no request waits: after the clean-up, so that no candidate's process lives beside it
        while it waits as root. Only with separate uids. The next `spawn` uses it."""
        if not self.privileged or self.ahead is not None:
            return
        mine, theirs = socket.socketpair()
        try:
            socket.send_fds(self.zsock, [marshal.dumps({"mode": "ahead"})], [theirs.fileno()])
        finally:
            theirs.close()
        self.ahead = (None, mine)  # the zygote forks it while this reads the next request

    def _take_ahead(self) -> tuple[int, socket.socket] | None:
        """The worker forked ahead and its pid (its spawn answer is read first, so that no
        other spawn takes it for its own), or None."""
        if self.ahead is None:
            return None
        pid, sock = self.ahead
        if pid is None:
            pid = self.spawned_pid()
            self.ahead = (pid, sock)
        return pid, sock

    def cleanup(self) -> bool:
        """Kill every process but ours and empty the writable places. True if all clean."""
        if self.cfg["scan_procs"] or self.privileged:
            # the oracle, and killed ones still exiting: trusted, and past doing anything
            oracles = [o.pid for o in ([self.oracle] if self.oracle else []) + self.dying]
            ahead = self._take_ahead()
            ours = (os.getpid(), self.zpid, *oracles, *([ahead[0]] if ahead else []))
            oracle_uid = self.cfg["oracle_uid"]
            uids = (
                None if self.cfg["scan_procs"] else (self.uids, range(oracle_uid, oracle_uid + 1))
            )
            for _ in range(200):
                alive = [pid for pid in other_pids(ours, uids) if not is_defunct(pid)]
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
            for uid in (self.uid, self.cfg["oracle_uid"]) if self.privileged else (None,):
                self.clean_as(uid)
            if any(os.listdir(d) for d in dirs):
                return False
        return True

    def kill_request_processes(self) -> None:
        """SIGKILL every process of the current request's uid (its candidate's), now. Only
        with a uid per request; the clean-up after the answer finds whatever this misses."""
        if self.uid is None:
            return
        for pid in other_pids((os.getpid(), self.zpid), (range(self.uid, self.uid + 1),)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def clean_as(self, uid: int | None) -> None:
        null = os.open(os.devnull, os.O_RDWR)
        try:
            spec = {"mode": "clean", "uid": uid, "clean": self.cfg["clean_dirs"]}
            socket.send_fds(self.zsock, [marshal.dumps(spec)], [null, null, null, null])
        finally:
            os.close(null)
        pid = self._spawned(timeout=10)
        if pid is not None:
            self.wait_exit(pid, timeout=10)

    def handle(self, msg: dict) -> dict:
        op = msg.get("op")
        if op == "ping":
            return {"pong": True}
        if op != "run":
            return {"infra_error": f"unknown op {op!r}"}
        req = msg["request"]
        if self.uid is not None:
            self.served += 1
            self.uid = self.uids[self.served % len(self.uids)]
        t0, cpu0 = time.monotonic(), time.process_time()
        self.cpu = {"candidate": 0.0, "oracle": 0.0}
        kind = req["kind"]
        if kind == "function":
            resp = self.run_function(req)
        elif kind == "stdio":
            resp = self.run_stdio(req)
        elif kind == "command":
            resp = self.run_command(req)
        else:
            return {"infra_error": f"unknown request kind {kind!r}"}
        resp["duration_s"] = time.monotonic() - t0
        resp["cpu_s"] = dict(self.cpu, executor=time.process_time() - cpu0)
        return resp


def process_cpu(pid: int) -> float:
    """CPU seconds `pid` has run so far (0.0 if it is gone)."""
    try:  # os-level: a Python file object costs more than the read itself
        fd = os.open(f"/proc/{pid}/schedstat", os.O_RDONLY)
        try:
            return int(os.read(fd, 256).split()[0]) / 1e9
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        return 0.0


def other_pids(ours: tuple[int, ...], uids: tuple[range, ...] | None = None) -> list[int]:
    """Processes of this pid namespace but ours and init; when `uids` is given, only those
    whose uid is in one of its ranges."""
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in ours and p != "1"]
    if uids is None:
        return pids
    return [pid for pid in pids if any(process_uid(pid) in r for r in uids)]


def process_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def is_defunct(pid: int) -> bool:
    """True when no thread of process `pid` can run any more: it is gone, or every one of its
    threads is a zombie. Not the leader's state alone: a leader that ended by itself (the
    `exit` system call, not `exit_group`) shows as a zombie while its other threads run on."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return True
    for tid in tids:
        try:
            fd = os.open(f"/proc/{pid}/task/{tid}/stat", os.O_RDONLY)
        except OSError:
            continue  # that thread is gone
        try:
            state = os.read(fd, 512).rpartition(b")")[2][1:2]
        except OSError:
            continue
        finally:
            os.close(fd)
        if state not in (b"Z", b"X"):
            return False
    return True


def _oom_counter() -> str | None:
    for path in ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events"):
        if os.access(path, os.R_OK):
            return path
    return None


OOM_COUNTER = _oom_counter()
"""The container's memory cgroup file that counts out-of-memory kills (cgroup v1 or v2)."""


def oom_kills() -> int:
    """How many processes the container's out-of-memory killer has killed so far (0 where the
    cgroup does not say)."""
    if OOM_COUNTER is None:
        return 0
    try:
        fd = os.open(OOM_COUNTER, os.O_RDONLY)
        try:
            data = os.read(fd, 4096)
        finally:
            os.close(fd)
    except OSError:
        return 0
    for line in data.splitlines():
        if line.startswith(b"oom_kill "):
            return int(line.split()[1])
    return 0


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def which(name: str) -> str | None:
    for d in SAFE_ENV["PATH"].split(":"):
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    return None


def main() -> None:
    cfg = json.loads(sys.argv[1])
    cfg["privileged"] = os.geteuid() == 0 and cfg.get("oracle_uid") is not None
    sys.set_int_max_str_digits(0)
    warm_up()
    # Forked oracles and the zygote share these pages; frozen, no collection in a child walks
    # (and so copies) them.
    gc.collect()
    gc.freeze()
    host_in, host_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    os.chdir("/")  # where oracles run: their check of the interpreter compares the cwd too
    executor = Executor(cfg)  # forks the zygote
    warm_up(ORACLE_WARM_MODULES)
    gc.collect()
    gc.freeze()
    send_frame(
        host_out,
        {
            "ready": True,
            "protocol": PROTOCOL_VERSION,
            "privileged": executor.privileged,
            "landlock": executor.confinement.landlock,
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
        # The answer goes out first, the clean-up after it (rule 5 needs it done before the
        # next request, not before this answer). If the executor is not fit for another
        # request, it quits: the host retries whatever it had queued on a fresh executor.
        if "infra_error" in resp or not executor.finish():
            break
        if not select.select([host_in], [], [], 0)[0]:
            executor.fork_ahead()  # idle: a queued request would wait for this fork
    executor.close()
    try:
        os.kill(executor.zpid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    main()
