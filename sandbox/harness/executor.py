"""The trusted executor that runs inside every sandbox container (stdlib only).

Processes, and who may do what::

    executor (root; only CAP_SETUID, CAP_SETGID, CAP_KILL)  reads requests, enforces limits,
    │                                                        kills, cleans up, writes results
    ├── zygote (root, same caps; forked before any request, so it never holds a test or an
    │   │       expected value) forks workers on demand, warm, and reaps them
    │   └── worker (the request's own uid, no caps, rlimits, own session, OOM score 1000,
    │               Landlock: writes below /tmp and /dev/shm only)  runs the candidate's code
    └── oracle (oracle uid, no caps, rlimits)  runs the task's tests; calls the candidate
                                               through a proxy over a socket; kept for the
                                               next request (oracle.py, testcode.py)

Only the oracle decides that a test passed, and only the executor turns that into a verdict.
Nothing the candidate prints, returns or exits with is read as a pass: return values cross as
plain data (see codec.py) and are compared in the oracle. After every request (once its answer
is out, before the next one is read) all processes but the executor, the zygote and the oracle
are killed and every file in the writable places is removed.

Host protocol: 4-byte big-endian length + JSON, both directions, on stdin/stdout.

The executor's jobs are split by module: workers.py asks the zygote for workers and learns
their exits; supervise.py watches one worker (output, stdin, clock); grading.py grades each
request kind; oracle_pool.py keeps, replaces and reaps oracles; procfs.py finds and kills
processes. This module reads requests, gives each its `Job`, and cleans up after it.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import sys
import time
import traceback

from sandbox.harness.confine import Confinement
from sandbox.harness.grading import run_command, run_function, run_stdio
from sandbox.harness.messages import Response
from sandbox.harness.oracle_pool import OraclePool
from sandbox.harness.procfs import kill_all
from sandbox.harness.supervise import Job
from sandbox.harness.wire import PROTOCOL_VERSION, recv_frame, send_frame
from sandbox.harness.worker import ORACLE_WARM_MODULES, warm_up
from sandbox.harness.workers import Workers


class Executor:
    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.privileged = bool(cfg["privileged"])
        # Each request runs as a uid of its own, the next one of the container's block
        # (docs/sandbox.md, "Trust boundary", rule 5): nothing a request starts could signal,
        # trace or write to the next one, even if it outlived the clean-up.
        first = cfg["candidate_uid"]
        self.uids = (
            range(first, first + cfg.get("candidate_uids", 1)) if self.privileged else range(0)
        )
        self.served = 0  # requests handled: the next one's uid and work dir follow from it
        self.confinement = (
            Confinement.build(list(cfg["clean_dirs"])) if self.privileged else Confinement()
        )
        self.workers = Workers(self.confinement)  # forks the zygote
        self.oracles = OraclePool(cfg, privileged=self.privileged)
        self.job: Job | None = None  # the request being handled, or the last one

    def handle(self, msg: dict) -> Response:
        op = msg.get("op")
        if op == "ping":
            return {"pong": True}
        if op != "run":
            return {"infra_error": f"unknown op {op!r}"}
        req = msg["request"]
        self.served += 1
        job = self.job = Job(
            self.workers,
            uid=self.uids[self.served % len(self.uids)] if self.privileged else None,
            work_root=self.cfg["work_root"],
            workdir=f"{self.cfg['work_root']}/job-{self.served}",
            clean_dirs=self.cfg["clean_dirs"],
        )
        t0, cpu0 = time.monotonic(), time.process_time()
        job.cpu["oracle"] += self.oracles.reaped_cpu  # oracles reaped since the last request
        self.oracles.reaped_cpu = 0.0
        kind = req["kind"]
        if kind == "function":
            resp = run_function(job, self.oracles, req)
        elif kind == "stdio":
            resp = run_stdio(job, req)
        elif kind == "command":
            resp = run_command(job, req)
        else:
            return {"infra_error": f"unknown request kind {kind!r}"}
        resp["duration_s"] = time.monotonic() - t0
        resp["cpu_s"] = dict(job.cpu, executor=time.process_time() - cpu0)
        return resp

    def finish(self) -> bool:
        """After the answer went out, before the next request is read: reap the request's
        workers, kill the oracles it replaced, then `cleanup`. False: the executor is not fit
        for another request."""
        if self.job is not None:
            for pid in self.job.unreaped:
                self.workers.wait_exit(pid)
            self.job.unreaped.clear()
        self.oracles.retire()
        return self.cleanup()

    def cleanup(self) -> bool:
        """Kill every process but ours and empty the writable places. True if all clean."""
        if self.cfg["scan_procs"] or self.privileged:
            ahead = self.workers.ahead_pid()
            ours = (
                os.getpid(),
                self.workers.zpid,
                *self.oracles.pids(),
                *([ahead] if ahead is not None else []),
            )
            oracle_uid = self.cfg["oracle_uid"]
            uids = (
                None if self.cfg["scan_procs"] else (self.uids, range(oracle_uid, oracle_uid + 1))
            )
            if not kill_all(ours, uids):
                return False
        dirs = self.cfg["clean_dirs"]
        if any(os.listdir(d) for d in dirs):
            uid = self.job.uid if self.job is not None else None
            for owner in (uid, self.cfg["oracle_uid"]) if self.privileged else (None,):
                self.workers.clean_as(owner, dirs)
            if any(os.listdir(d) for d in dirs):
                return False
        return True

    def close(self) -> None:
        self.oracles.close()


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
        if not isinstance(msg, dict):
            break  # not the host's protocol: nothing to answer
        try:
            resp = executor.handle(msg)
        except Exception:  # noqa: BLE001 - the executor itself failed: the host retries elsewhere
            resp = {"infra_error": traceback.format_exc()[-3000:]}
        resp["id"] = msg.get("id")
        send_frame(host_out, resp)
        # The answer goes out first, the clean-up after it (rule 5 needs it done before the
        # next request, not before this answer). If the executor is not fit for another
        # request, it quits: the host retries whatever it had queued on a fresh executor.
        if "infra_error" in resp or not executor.finish():
            break
        if not select.select([host_in], [], [], 0)[0]:
            executor.workers.fork_ahead() if executor.privileged else None  # idle: a queued request would wait for this fork
    executor.close()
    try:
        os.kill(executor.workers.zpid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    main()
