"""One request's processes under the executor's eye: a worker's output captured up to the cap,
its stdin fed, its clock and its exit watched, and the oracle's result read (stdlib only; runs
in the sandbox)."""

from __future__ import annotations

import os
import select
import signal
import socket
import time

from sandbox.harness.messages import Limits, SpawnSpec, Supervised
from sandbox.harness.procfs import kill_group, oom_kills, other_pids, process_cpu
from sandbox.harness.wire import Channel
from sandbox.harness.workers import Spawned, Workers


class Job:
    """One request on its way through the executor: the uid it runs as (its own, see
    docs/sandbox.md, rule 5), its work dir, the CPU its processes used, and the workers to reap
    once the answer is out."""

    def __init__(
        self,
        workers: Workers,
        *,
        uid: int | None,
        work_root: str,
        workdir: str,
        clean_dirs: list[str],
    ) -> None:
        self.workers = workers
        self.uid = uid
        self.work_root = work_root
        self.workdir = workdir
        """The request's own directory below the work root (made by its first worker)."""
        self.clean_dirs = clean_dirs
        self.cpu = {"candidate": 0.0, "oracle": 0.0}
        self.unreaped: list[int] = []  # workers killed after the oracle's result

    def spawn(
        self,
        mode: str,
        limits: Limits,
        fds: list[int],
        *,
        workdir: str,
        memory_mb: int | None = None,
        processes: int | None = None,
    ) -> Spawned:
        """Ask for a worker of this request: its uid, its limits (`memory_mb` and `processes`
        override the request's, for the compiler), `fds` as stdin, stdout, stderr, channel."""
        if processes is not None:
            limits = Limits(**{**limits, "processes": processes})
        spec: SpawnSpec = {
            "mode": mode,  # type: ignore[typeddict-item]
            "limits": limits,
            "workdir": workdir,
            "uid": self.uid,
            "memory_mb": memory_mb or limits["memory_mb"],
            "nproc": self.uid is not None,
            "clean": self.clean_dirs,
        }
        return self.workers.spawn(spec, fds)

    def kill_processes(self) -> None:
        """SIGKILL every process of this request's uid, now (only with a uid per request; the
        clean-up after the answer finds whatever this misses)."""
        if self.uid is None:
            return
        ours = (os.getpid(), self.workers.zpid)
        for pid in other_pids(ours, (range(self.uid, self.uid + 1),)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def supervise(
    job: Job,
    pid: int,
    out_fd: int,
    err_fd: int,
    *,
    deadline: float,
    cap: int,
    stdin_fd: int | None = None,
    stdin_data: bytes = b"",
    result_fd: int | None = None,
) -> Supervised:
    """Capture output, feed stdin and wait for the worker (or, with `result_fd`, for the
    oracle's result). Closes every fd it is given."""
    workers = job.workers
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
    exit_info, total, exceeded, timed_out = None, 0, False, False
    grace_until: float | None = None
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
        rlist = [*open_fds, workers.sock.fileno()] + (
            [result_fd] if result_fd is not None and result_open else []
        )
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
            if fd == workers.sock.fileno():
                workers.pump(0.001)
                if exit_info is None and pid in workers.exits:
                    exit_info = workers.exits.pop(pid)
                    if result_open:
                        # The process the oracle calls is dead, and so is the candidate:
                        # children that inherited its channel must not keep the oracle
                        # waiting for an answer until the test's time runs out.
                        job.kill_processes()
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
    # run_function asks for: it is reaped after the answer has gone out (`Executor.finish`).
    later = result_fd is not None and exit_info is None
    if later:
        job.cpu["candidate"] += process_cpu(pid)
    kill_group(pid)
    for fd in (out_fd, err_fd):
        os.close(fd)
    if result_fd is not None:
        os.close(result_fd)
    if later:
        job.unreaped.append(pid)
    else:
        if exit_info is None:
            exit_info = workers.wait_exit(pid)
        if exit_info is not None:
            job.cpu["candidate"] += exit_info["cpu"]
    return {
        "stdout": bytes(bufs[out_fd]),
        "stderr": bytes(bufs[err_fd]),
        "exit": exit_info,
        "exceeded": exceeded,
        "timed_out": timed_out,
        "result": bytes(result),
        # the container's out-of-memory killer ran meanwhile: only a candidate's process can
        # be its victim (confine.py), so a process killed then died of its memory
        "oom": oom_kills() > oom_before,
    }


def run_worker(
    job: Job,
    mode: str,
    task: dict,
    limits: Limits,
    *,
    deadline: float,
    stdin: bytes = b"",
    memory_mb: int | None = None,
    processes: int | None = None,
) -> Supervised:
    """Run one worker of `job` in its work dir: send it `task` (its files, and the program or
    script), feed it `stdin`, and supervise it to its end."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    in_r, in_w = os.pipe()
    mine, theirs = socket.socketpair()
    try:
        spawned = job.spawn(
            mode,
            limits,
            [in_r, out_w, err_w, theirs.fileno()],
            workdir=job.workdir,
            memory_mb=memory_mb,
            processes=processes,
        )
        pid = spawned.pid()
    finally:
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        theirs.close()
    try:
        Channel(mine.fileno(), cap=0).send_trusted(task)
    except OSError:
        pass  # the worker died at once; its exit status tells why
    mine.close()
    return supervise(
        job,
        pid,
        out_r,
        err_r,
        deadline=deadline,
        cap=limits["output_bytes"],
        stdin_fd=in_w,
        stdin_data=stdin,
    )
