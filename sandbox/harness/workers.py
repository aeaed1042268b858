"""The executor's end of the zygote: it asks for workers, learns their pids and their exits
(stdlib only; runs in the sandbox). The zygote itself is in worker.py.

A spawn is answered while the executor goes on (it forks the oracle and compiles the tests
meanwhile): `Workers.spawn` returns a `Spawned` whose `pid()` waits for the answer. One spawn
is in flight at a time; a new one collects the previous answer first."""

from __future__ import annotations

import marshal
import os
import select
import socket
import time

from sandbox.harness.confine import Confinement
from sandbox.harness.messages import ExitInfo, SpawnSpec
from sandbox.harness.wire import isolate_stdio, list_fds
from sandbox.harness.zygote import exit_report, zygote_main


class Spawned:
    """A worker asked for; `pid()` gives its pid once the zygote has answered."""

    def __init__(self, workers: Workers, pid: int | None = None) -> None:
        self._workers, self._pid = workers, pid

    def pid(self) -> int:
        if self._pid is None:
            pid = self._workers.answer(timeout=10)
            if pid is None:
                raise RuntimeError("the zygote did not answer a spawn request")
            self._pid = pid
            self._workers.answered(self)
        return self._pid


class Workers:
    """Forks the zygote at once (before any request is read: it must never hold test data),
    then asks it for workers on a socket."""

    def __init__(self, confinement: Confinement) -> None:
        self.exits: dict[int, ExitInfo] = {}  # children seen to end, not claimed yet
        self._answer: int | None = None  # the zygote's answer to the spawn in flight
        self._pending: Spawned | None = None
        # a worker forked ahead (`fork_ahead`): its spawn handle and its control socket
        self._ahead: tuple[Spawned, socket.socket] | None = None
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        keep = {child.fileno(), confinement.ruleset_fd}
        self.zpid = os.fork()
        if self.zpid == 0:
            isolate_stdio()
            for fd in list_fds():
                if fd > 2 and fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            zygote_main(child, confinement)
            os._exit(0)
        child.close()
        if confinement.ruleset_fd is not None:
            os.close(confinement.ruleset_fd)  # the zygote's copy is the one in use
        self.sock = parent

    def spawn(self, spec: SpawnSpec, fds: list[int]) -> Spawned:
        """Ask for a worker with `fds` as its stdin, stdout, stderr and channel: the one forked
        ahead if there is one, else one the zygote forks now."""
        self._collect()
        ahead = self.take_ahead()
        if ahead is not None:
            spawned, ctrl = ahead
            try:
                socket.send_fds(ctrl, [marshal.dumps(dict(spec))], fds)
                return spawned
            except OSError:
                pass  # it died: the zygote forks one now
            finally:
                ctrl.close()
        socket.send_fds(self.sock, [marshal.dumps(dict(spec))], fds)
        self._pending = Spawned(self)
        return self._pending

    def clean_as(self, uid: int | None, dirs: list[str]) -> None:
        """Empty `dirs` of whatever `uid` may remove, in a child of that uid; wait for it."""
        null = os.open(os.devnull, os.O_RDWR)
        try:
            self._collect()
            spec: SpawnSpec = {"mode": "clean", "uid": uid, "clean": dirs}
            socket.send_fds(self.sock, [marshal.dumps(dict(spec))], [null, null, null, null])
        finally:
            os.close(null)
        pid = self.answer(timeout=10)
        if pid is not None:
            self.wait_exit(pid, timeout=10)

    def fork_ahead(self) -> None:
        """Have the zygote fork the next request's worker now (see worker.ahead_main), while
        no request waits. Only after the clean-up, so that no candidate's process lives beside
        it while it waits as root. The next `spawn` uses it."""
        if self._ahead is not None:
            return
        self._collect()
        mine, theirs = socket.socketpair()
        try:
            socket.send_fds(self.sock, [marshal.dumps({"mode": "ahead"})], [theirs.fileno()])
        finally:
            theirs.close()
        self._pending = Spawned(self)
        self._ahead = (self._pending, mine)

    def take_ahead(self) -> tuple[Spawned, socket.socket] | None:
        """The worker forked ahead, its pid known, and its control socket; None if none."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            ahead[0].pid()
        return ahead

    def ahead_pid(self) -> int | None:
        """The pid of the worker forked ahead, which stays forked ahead; None if none."""
        if self._ahead is None:
            return None
        return self._ahead[0].pid()

    def _collect(self) -> None:
        """Read the answer to the spawn in flight, if any, before another is sent."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.pid()

    def answer(self, timeout: float) -> int | None:
        """The pid the zygote forked for the spawn message in flight; None if it does not
        answer in `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self._answer is None:
            if not self.pump(deadline - time.monotonic()):
                return None
        pid, self._answer = self._answer, None
        return pid

    def answered(self, spawned: Spawned) -> None:
        if self._pending is spawned:
            self._pending = None

    def pump(self, timeout: float) -> bool:
        """Read one message from the zygote (an exit, or a spawn's answer); False on timeout."""
        if timeout <= 0 or not select.select([self.sock], [], [], timeout)[0]:
            return False
        data = self.sock.recv(4096)
        if not data:
            raise RuntimeError("the zygote exited")
        exit_info = exit_report(data)
        if exit_info is not None:
            self.exits[exit_info["exited"]] = exit_info
        else:
            self._answer = int(data)
        return True

    def wait_exit(self, pid: int, timeout: float = 2.0) -> ExitInfo | None:
        deadline = time.monotonic() + timeout
        while pid not in self.exits:
            if not self.pump(deadline - time.monotonic()):
                return None
        return self.exits.pop(pid)
