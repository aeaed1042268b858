"""Errors of the envs package. A bad action is never an exception: it is an observation and a
format penalty. These are for a caller that uses an environment wrongly, or a sandbox that broke.

    EnvError
    ├── UnknownEnvError        envs.make() got an id that is not registered ("did you mean")
    ├── UnknownTaskError       reset(options={"task": ...}) named a task the suite does not hold
    ├── NoTasksError           the suite holds no task of a kind this environment runs
    ├── ResetNeededError       step() before reset(), or after the episode ended
    ├── EnvClosedError         the environment was used after close()
    └── SandboxInfraError      the sandbox answered `infra_error` after its own retries
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class EnvError(Exception):
    """Base class of every error raised by `envs`."""


class UnknownEnvError(EnvError, ValueError):
    pass


class UnknownTaskError(EnvError, KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class NoTasksError(EnvError, ValueError):
    pass


class ResetNeededError(EnvError, RuntimeError):
    pass


class EnvClosedError(EnvError, RuntimeError):
    pass


class SandboxInfraError(EnvError, RuntimeError):
    """The sandbox could not grade a step. The environment's state is left as it was before the
    step, so the caller may retry it; the reward of a broken sandbox must never be a silent 0."""

    def __init__(
        self,
        message: str,
        *,
        task_id: str = "",
        failed: Sequence[int] = (),
        partial: Sequence[Any] = (),
    ) -> None:
        super().__init__(f"{message} [task {task_id}]" if task_id else message)
        self.task_id = task_id
        self.failed = list(failed)
        """`BatchedEnv`: indices of the environments that were not stepped."""
        self.partial = list(partial)
        """`BatchedEnv`: the step's transitions (None for skipped and failed environments)."""
