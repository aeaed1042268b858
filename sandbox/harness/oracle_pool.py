"""The executor's oracle processes: the one kept for the next request, the ones replaced and
the ones dying (stdlib only; runs in the sandbox). The oracle's own code is in oracle.py.

A fresh oracle costs a fork, its first touches of the executor's memory (copied page by
page, by it and by the executor alike) and its exit: some 3 ms of CPU, as much as grading a
HumanEval sample. So the oracle of the last request is kept while the next one has the same
limits, up to `REUSES` requests, and only where it has its own uid (as the candidate's uid, a
candidate could reach it). The next request's tests, when they are other tests, go to it in
the grade message (`testcode.tests_message`); the G samples of a GRPO group come one after
another with the same tests, and need none."""

from __future__ import annotations

import os
import signal
import socket

from sandbox.harness.messages import Request
from sandbox.harness.oracle import REUSES, interpreter_state, oracle_main
from sandbox.harness.testcode import compile_tests, same_limits, same_tests, tests_message
from sandbox.harness.wire import isolate_stdio, list_fds


class OracleProcess:
    """A forked oracle (see oracle.oracle_main) and what the executor knows of it."""

    def __init__(self, pid: int, sock: socket.socket, req: Request) -> None:
        self.pid, self.sock, self.req = pid, sock, req  # `req`: the tests it grades next
        self.uses = 0
        self.reported = 0.0  # CPU seconds it reported for its requests
        self.switch: bytes | None = None  # `req`'s tests, for the next grade message


class OraclePool:
    def __init__(self, cfg: dict, *, privileged: bool) -> None:
        self.cfg = cfg
        self.reuses = REUSES if privileged else 1
        self.current: OracleProcess | None = None
        self.retired: list[OracleProcess] = []  # replaced, to be killed after the answer
        self.dying: list[OracleProcess] = []  # killed, not reaped yet
        self.reaped_cpu = 0.0
        """CPU seconds of reaped oracles not reported by them; the next request takes it."""

    def for_request(self, req: Request) -> OracleProcess:
        """The oracle for `req`: the current one if it grades under the same limits and may
        grade more (given `req`'s tests with the next grade message, if they are others), else
        a fresh fork (the current one is retired: killed after the answer, off the request's
        path)."""
        oracle = self.current
        if oracle is not None and oracle.uses < self.reuses and same_limits(oracle.req, req):
            if same_tests(oracle.req, req):
                return oracle
            switch = tests_message(req)
            if switch is not None:
                oracle.req, oracle.switch = req, switch
                return oracle
        if oracle is not None:
            self.retired.append(oracle)
            self.current = None
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
        self.current = OracleProcess(pid, mine, req)
        return self.current

    def grade(self, req: Request, chan_fd: int, result_fd: int) -> None:
        """Hand the oracle for `req` the channel to the request's worker and the pipe for its
        result; a kept oracle that died since its last request is replaced."""
        try:
            self._send(self.for_request(req), chan_fd, result_fd)
        except OSError:
            self.drop()
            self._send(self.for_request(req), chan_fd, result_fd)

    @staticmethod
    def _send(oracle: OracleProcess, chan_fd: int, result_fd: int) -> None:
        socket.send_fds(oracle.sock, [oracle.switch or b"r"], [chan_fd, result_fd])
        oracle.switch = None

    def kept(self, cpu: float) -> None:
        """The current oracle graded a request, used `cpu` seconds, and may grade the next."""
        assert self.current is not None
        self.current.uses += 1
        self.current.reported += cpu

    def drop(self) -> None:
        """Kill the current oracle, if any. It is reaped later (its exit runs on its own time,
        not this request's); its CPU not yet reported goes to the request that reaps it."""
        oracle, self.current = self.current, None
        self._kill([oracle] if oracle else [])

    def retire(self) -> None:
        """After the answer: kill the oracles replaced during the request."""
        retired, self.retired = self.retired, []
        self._kill(retired)

    def close(self) -> None:
        """At exit: kill every oracle, the replaced ones too, and wait for them."""
        oracles = ([self.current] if self.current else []) + self.retired
        self.current, self.retired = None, []
        self._kill(oracles, wait=True)

    def pids(self) -> list[int]:
        """The oracles the clean-up must leave alone: the kept one, and killed ones still
        exiting (trusted, and past doing anything)."""
        return [o.pid for o in ([self.current] if self.current else []) + self.dying]

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
                self.reaped_cpu += max(0.0, usage.ru_utime + usage.ru_stime - oracle.reported)
