"""Errors of the sandbox package. A candidate's failure is never an exception: it is an
`ExecResult`. These are for a sandbox that cannot do its job.

    SandboxError
    ├── UnknownBackendError      make_sandbox() got a name it does not know
    ├── EngineUnavailableError   no Docker engine answers (the message says how to start one)
    ├── ImageError               the sandbox image is missing or cannot be built
    ├── WorkerError              a container or executor process died or broke the protocol
    └── SandboxClosedError       the sandbox was used after close()
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base class of every sandbox error."""


class UnknownBackendError(SandboxError, ValueError):
    pass


class EngineUnavailableError(SandboxError):
    pass


class ImageError(SandboxError):
    pass


class WorkerError(SandboxError):
    """A worker (container + executor) failed. `worker` names it, for the logs; `reason` is
    the message without the name."""

    def __init__(self, message: str, *, worker: str = "") -> None:
        super().__init__(f"{message} [worker {worker}]" if worker else message)
        self.reason = message
        self.worker = worker


class SandboxClosedError(SandboxError):
    pass
