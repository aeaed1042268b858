"""The local backend: the same executor, as plain processes on this machine.

For machines without Docker (a laptop, CI without a daemon). The candidate still runs in its
own process, with rlimits, a CPU/wall-clock limit and an output cap, and the oracle still
grades outside it, so the reward cannot be forged by the candidate's own process. But this is
NOT isolation: the candidate can read and write what your user can, reach the network, and
leave processes behind that escaped its process group. When run as root, the candidate and
the oracle get their own uids, as in the container.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

from sandbox.pool import WorkerPool
from sandbox.protocol import BOOTSTRAP, ExecutorConnection, executor_uids

WARNING = (
    "the local sandbox is not isolation: candidate code runs as a process of this machine, "
    "with your files and network in reach. Use the docker backend for untrusted code."
)


class _LocalExecutor:
    def __init__(self, slot: int, *, start_timeout_s: float) -> None:
        self.root = tempfile.mkdtemp(prefix=f"codegym-local-{slot}-")
        os.chmod(self.root, 0o711)
        work, shm = os.path.join(self.root, "work"), os.path.join(self.root, "shm")
        for d in (work, shm):
            os.mkdir(d)
            os.chmod(d, 0o1777)
        # As root, give the candidate and the oracle their own uids, as in the container; but
        # only if those uids can read this interpreter's standard library.
        privileged = os.geteuid() == 0 and _readable_by_others(os.path.dirname(os.__file__))
        uids = executor_uids()
        cfg = {
            "oracle_uid": uids["oracle_uid"] if privileged else None,
            "candidate_uid": uids["candidate_uid"] if privileged else None,
            "candidate_uids": uids["candidate_uids"],
            "work_root": work,
            "clean_dirs": [work, shm],
            "scan_procs": False,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", BOOTSTRAP, json.dumps(cfg)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            start_new_session=True,
            cwd=self.root,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        stdin, stdout = self.proc.stdin, self.proc.stdout
        self.name = f"local-{self.proc.pid}"

        def send(data: bytes) -> None:
            stdin.write(data)
            stdin.flush()

        self.connection = ExecutorConnection(
            name=self.name,
            send=send,
            fileno=stdout.fileno(),
            recv=lambda n: os.read(stdout.fileno(), n),
            demux=False,
        )
        try:
            self.connection.start(timeout=start_timeout_s)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _readable_by_others(path: str) -> bool:
    path = os.path.realpath(path)
    parts = path.split(os.sep)
    for i in range(2, len(parts) + 1):
        mode = os.stat(os.sep.join(parts[:i]) or os.sep).st_mode
        if not mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o004)


class LocalSandbox(WorkerPool):
    """Sandbox backed by executor processes on this machine. Not isolation (see module doc).

    Args:
        pool_size: executor processes. Default: CPU cores.
        retries: attempts after the first when an executor breaks mid-request.
        pipeline: requests an executor may hold at once (1: no pipelining).
        quiet: do not emit the not-isolation warning.
    """

    def __init__(
        self,
        *,
        pool_size: int | None = None,
        retries: int = 2,
        start_timeout_s: float = 30.0,
        pipeline: int = 2,
        quiet: bool = False,
    ) -> None:
        if not quiet:
            warnings.warn(WARNING, stacklevel=2)
        super().__init__(
            pool_size=pool_size or os.cpu_count() or 1, retries=retries, pipeline=pipeline
        )
        self._start_timeout_s = start_timeout_s
        self._fill()

    def _start_worker(self, slot: int) -> _LocalExecutor:
        return _LocalExecutor(slot, start_timeout_s=self._start_timeout_s)
