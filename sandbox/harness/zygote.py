"""The zygote: forked by the executor before any request is read, so that nothing a worker
inherits holds a test or an expected value; it forks a confined worker per spawn message and
reports every exit (stdlib only; runs in the sandbox). Its client is workers.py."""

from __future__ import annotations

import _signal
import marshal
import os
import select
import signal
import socket
from typing import Any

from sandbox.harness.confine import Confinement
from sandbox.harness.messages import ExitInfo
from sandbox.harness.worker import _SIG_DFL, _SIGCHLD, ahead_main, worker_main


def zygote_main(sock: socket.socket, confinement: Confinement) -> None:
    """Fork a worker per spawn message and answer with its pid; report every exit
    (`exit_report`). Holds no request data. Every child is confined (`confine.py`) before it
    does anything else; the zygote itself keeps the container's out-of-memory score, so it is
    never chosen before a candidate's process."""
    import gc

    gc.collect()
    gc.freeze()  # workers share these pages instead of copying them on the first collection
    # Exits are seen through a pidfd per child. Where the kernel or the seccomp profile lacks
    # pidfd_open, through SIGCHLD and a wake-up pipe instead, which each worker must then
    # undo: some 25 more page copies per worker.
    try:
        os.close(os.pidfd_open(os.getpid()))
        wake_r = -1
    except (AttributeError, OSError):
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, int] = {}  # pidfd -> pid
    while True:
        watched: list[Any] = [sock, wake_r] if wake_r >= 0 else [sock, *children]
        try:
            ready, _, _ = select.select(watched, [], [])
        except InterruptedError:
            continue
        for fd in ready:
            if fd in children:
                os.close(fd)
                report_exit(sock, children.pop(fd))
            elif fd == wake_r:
                os.read(wake_r, 512)
                while report_exit(sock, -1):
                    pass
        if sock in ready:
            try:
                data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 4)
            except OSError:
                os._exit(0)
            if not data:
                os._exit(0)  # the executor is gone
            # Every page either process writes between the fork and the worker's exit is copied
            # (about 4 us each): the worker parses its own spawn message (marshal: one C call)
            # and this side answers with the bare pid.
            pid = os.fork()
            if pid == 0:
                confinement.apply()
                if wake_r >= 0:
                    signal.set_wakeup_fd(-1)
                    _signal.signal(_SIGCHLD, _SIG_DFL)
                spec = marshal.loads(data)
                if spec["mode"] == "ahead":
                    ahead_main(fds)
                worker_main(spec, fds)
            for fd in fds:
                os.close(fd)
            sock.send(b"%d" % pid)
            if wake_r < 0:
                children[os.pidfd_open(pid)] = pid


def report_exit(sock: socket.socket, pid: int) -> bool:
    """Reap `pid` (-1: any child) if it has exited and tell the executor (`exit_report`)."""
    try:
        pid, status, ru = os.wait4(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    if pid:
        cpu_us = int((ru.ru_utime + ru.ru_stime) * 1e6)
        sock.send(b"x %d %d %d %d" % (pid, status, cpu_us, ru.ru_maxrss))
    return pid != 0


def exit_report(data: bytes) -> ExitInfo | None:
    """The zygote's report of a child's exit, or None if `data` is a spawn answer (a pid)."""
    if data[:1] != b"x":
        return None
    pid, status, cpu_us, maxrss_kb = map(int, data.split()[1:])
    return {"exited": pid, "status": status, "cpu": cpu_us / 1e6, "maxrss_kb": maxrss_kb}
