"""The zygote on its own (no Docker): it forks a worker per spawn message, answers with the
pid, and reports every exit, through pidfds or, where pidfd_open is missing, SIGCHLD."""

from __future__ import annotations

import marshal
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.harness.messages import ExitInfo
from sandbox.harness.wire import Channel
from sandbox.harness.zygote import exit_report

ROOT = Path(__file__).resolve().parents[2]

ZYGOTE = """
import os, socket, sys
if sys.argv[1] == "without-pidfd":
    del os.pidfd_open  # as on a kernel before 5.3 or under a seccomp profile without it
from sandbox.harness.confine import Confinement
from sandbox.harness.zygote import zygote_main
zygote_main(socket.socket(fileno=int(sys.argv[2])), Confinement())
"""

LIMITS = {"cpu_s": 5, "file_size_mb": 8, "processes": 16, "memory_mb": 512}


@pytest.fixture(params=["with-pidfd", "without-pidfd"])
def zygote(request, tmp_path):
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    proc = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, request.param, str(theirs.fileno())],
        pass_fds=[theirs.fileno()],
        cwd=ROOT,
    )
    theirs.close()
    yield ours, tmp_path
    ours.close()  # the zygote exits when the executor's end closes
    assert proc.wait(timeout=10) == 0


def spawn(sock: socket.socket, workdir: Path, argv: list[str]) -> tuple[int, list[ExitInfo]]:
    """Have the zygote run `argv` in a worker; its pid, and the exit reports read meanwhile."""
    null = os.open(os.devnull, os.O_RDWR)
    mine, worker_end = socket.socketpair()
    spec: dict[str, Any] = {
        "mode": "exec",
        "limits": LIMITS,
        "workdir": str(workdir),
        "uid": None,
        "memory_mb": 512,
        "nproc": False,
        "clean": [],
    }
    socket.send_fds(sock, [marshal.dumps(spec)], [null, null, null, worker_end.fileno()])
    os.close(null)
    worker_end.close()
    Channel(mine.fileno(), cap=0).send_trusted({"argv": argv})
    mine.close()
    reports: list[ExitInfo] = []
    while True:
        data = read(sock)
        report = exit_report(data)
        if report is None:
            return int(data), reports
        reports.append(report)


def read(sock: socket.socket, timeout: float = 10.0) -> bytes:
    assert select.select([sock], [], [], timeout)[0], "the zygote did not answer"
    return sock.recv(4096)


def test_every_worker_is_reported_once_with_its_status(zygote):
    sock, workdir = zygote
    pids, reports = [], []
    for code in (0, 3, 7):
        pid, seen = spawn(sock, workdir, ["/bin/sh", "-c", f"exit {code}"])
        pids.append(pid)
        reports += seen
    deadline = time.monotonic() + 10
    while len(reports) < 3 and time.monotonic() < deadline:
        report = exit_report(read(sock))
        assert report is not None, "a spawn answer without a spawn"
        reports.append(report)
    by_pid = {r["exited"]: r for r in reports}
    assert sorted(by_pid) == sorted(pids) and len(reports) == 3
    for pid, code in zip(pids, (0, 3, 7), strict=True):
        assert os.WIFEXITED(by_pid[pid]["status"])
        assert os.WEXITSTATUS(by_pid[pid]["status"]) == code
        assert by_pid[pid]["cpu"] >= 0 and by_pid[pid]["maxrss_kb"] > 0


def test_a_killed_worker_is_reported_with_its_signal(zygote):
    sock, workdir = zygote
    pid, reports = spawn(sock, workdir, ["/bin/sh", "-c", "kill -9 $$"])
    while not reports:
        report = exit_report(read(sock))
        assert report is not None
        reports.append(report)
    assert reports[0]["exited"] == pid
    assert os.WIFSIGNALED(reports[0]["status"]) and os.WTERMSIG(reports[0]["status"]) == 9


def test_exit_report_tells_answers_from_reports():
    assert exit_report(b"1234") is None
    assert exit_report(b"x 12 256 1500 900") == {
        "exited": 12,
        "status": 256,
        "cpu": 0.0015,
        "maxrss_kb": 900,
    }
