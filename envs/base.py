"""`CodeEnv`: what every codegym environment shares.

A step is split in two so that many environments can share one sandbox call:

    plan = env.plan_step(action)                  # parse; say which requests to run (no I/O)
    results = sandbox.run_many(plan.requests)     # the only I/O, batched across envs by
    transition = env.finish_step(plan, results)   # `envs.vector.BatchedEnv`; then apply

`step(action)` is exactly those three lines. `plan_step` does not change the environment, so a
plan that is never finished (an infra error, a caller that gives up) leaves it as it was.

A subclass fills in three methods: `start_episode` (first observation), `make_plan` (requests
for an action) and `evaluate` (an `Outcome` from the results). Reward, turn counting,
termination, truncation, `info` and timing are done here, the same for every environment.
"""

from __future__ import annotations

import abc
import difflib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym

from envs.errors import (
    EnvClosedError,
    NoTasksError,
    ResetNeededError,
    SandboxInfraError,
    UnknownTaskError,
)
from envs.rewards import NO_GRADE, Grade, RewardComponents, RewardConfig, step_reward
from envs.spaces import OpenText
from sandbox.base import ExecRequest, ExecResult, Sandbox
from sandbox.registry import SandboxHandle
from tasks.schema import SPLITS, Task

__all__ = ["CodeEnv", "Outcome", "StepMetrics", "StepPlan", "Transition"]


@dataclass(frozen=True)
class StepPlan:
    """What one step needs from the sandbox. `state` is the environment's own (parsed code,
    edited files...), handed back to it unchanged in `finish_step`."""

    requests: tuple[ExecRequest, ...] = ()
    state: Any = None
    plan_s: float = 0.0
    episode: int = -1
    """Which episode made the plan: finishing it in a later one is a caller bug."""


@dataclass(frozen=True)
class Outcome:
    """A subclass's verdict on one step, before reward and bookkeeping."""

    observation: str
    grade: Grade | None = None
    """The hidden-test grade of the solution after this step; None when nothing was graded."""
    format_ok: bool = True
    done: bool = False
    """The episode ends (solved, or submitted)."""
    status: str = ""
    """`Status` value of the grading result, ``"format_error"``, or an env-specific word."""
    tests_passed: int | None = None
    tests_total: int | None = None


@dataclass(frozen=True)
class Transition:
    """What `step` returns, as a record (`BatchedEnv` returns these)."""

    observation: str
    reward: float
    terminated: bool
    truncated: bool
    info: dict[str, Any]

    def as_tuple(self) -> tuple[str, float, bool, bool, dict[str, Any]]:
        return self.observation, self.reward, self.terminated, self.truncated, self.info


@dataclass(frozen=True)
class StepMetrics:
    """Timing of the last step. Kept out of `info` so that `info` is deterministic (Gymnasium's
    `check_env` compares the infos of two identical steps)."""

    plan_s: float = 0.0
    sandbox_s: float = 0.0
    finish_s: float = 0.0
    requests: int = 0
    sandbox_duration_s: float = 0.0
    """Sum of `ExecResult.duration_s`: time inside the sandbox, queueing excluded."""

    def as_dict(self) -> dict[str, float]:
        return {
            "env/plan_s": self.plan_s,
            "env/finish_s": self.finish_s,
            "env/requests": float(self.requests),
            "sandbox/wall_s": self.sandbox_s,
            "sandbox/duration_s": self.sandbox_duration_s,
        }


class CodeEnv(gym.Env[str, str], abc.ABC):
    """Base of the codegym environments: task choice, the two-phase step, reward, bookkeeping.

    Args:
        suite: a suite name or path for `tasks.registry.load_tasks`, or the tasks themselves.
            Tasks of kinds this environment does not run (`task_kinds`) are left out.
        sandbox: where code runs. Default: ``make_sandbox("docker")``, built on first use and
            closed by `close()`; a sandbox passed in belongs to the caller and is not closed.
        reward: weights of the reward's parts, see `envs.rewards.RewardConfig`.
        max_turns: steps per episode; the last one is `truncated` unless the episode ended.
        split: keep only tasks of this split (``"train"``, ``"val"`` or ``"test"``).
        max_observation_chars: longest text put in one observation (outputs are clipped).
    """

    metadata: dict[str, Any] = {"render_modes": []}  # an instance variable in gymnasium.Env
    task_kinds: ClassVar[tuple[str, ...]] = ()
    default_max_turns: ClassVar[int] = 4

    def __init__(
        self,
        suite: str | Sequence[Task],
        *,
        sandbox: Sandbox | None = None,
        reward: RewardConfig | None = None,
        max_turns: int | None = None,
        split: str | None = None,
        max_observation_chars: int = 4000,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"{type(self).__name__} renders nothing; got {render_mode=}")
        self.max_turns = self.default_max_turns if max_turns is None else int(max_turns)
        if self.max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {max_turns}")
        self.reward_config = reward if reward is not None else RewardConfig()
        self.max_observation_chars = max_observation_chars
        self.observation_space = OpenText()
        self.action_space = OpenText()
        self.tasks: tuple[Task, ...] = _load_tasks(suite, split, self.task_kinds, type(self))
        self._task_index = {task.id: task for task in self.tasks}
        self._sandbox = SandboxHandle(sandbox)
        self._closed = False
        self.metrics = StepMetrics()
        self.task: Task | None = None
        self.turn = 0
        self.grade: Grade = NO_GRADE
        self._episode = 0
        self._done = True
        self._last_tests: tuple[int, int] = (0, 0)

    # -- what a subclass writes -----------------------------------------------------------------

    @abc.abstractmethod
    def start_episode(self, task: Task) -> str:
        """Set up the episode's own state for `task`; return the first observation."""

    @abc.abstractmethod
    def make_plan(self, action: str) -> StepPlan:
        """Parse `action` and return the requests it needs. Must not change the environment."""

    @abc.abstractmethod
    def evaluate(self, plan: StepPlan, results: Sequence[ExecResult]) -> Outcome:
        """Apply a plan given its results (in request order); may change the environment."""

    # -- Gymnasium API --------------------------------------------------------------------------

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox; the default one is built here, on first use, so that making an env to
        inspect it (or to pass to `BatchedEnv`, which brings its own) starts no containers."""
        if self._closed:
            raise EnvClosedError(f"{type(self).__name__} was closed; make a new one")
        return self._sandbox.get()

    @property
    def last_turn(self) -> bool:
        """Whether the step being planned is the episode's last."""
        return self.turn + 1 >= self.max_turns

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Start an episode on ``options["task"]`` (a `Task` or a task id), else on a task
        drawn with the environment's RNG (seeded by `seed`: same seed, same task sequence)."""
        super().reset(seed=seed)
        if self._closed:
            raise EnvClosedError(f"{type(self).__name__} was closed; make a new one")
        options = dict(options or {})
        choice = options.pop("task", None)
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}; known: ['task']")
        task = self._pick(choice)
        self.task = task
        self.turn = 0
        self.grade = NO_GRADE
        self._last_tests = (0, 0)
        self._episode += 1
        self._done = False
        observation = self.start_episode(task)
        return observation, self._info("ready", RewardComponents())

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        plan = self.plan_step(action)
        started = time.perf_counter()
        results = self.sandbox.run_many(list(plan.requests)) if plan.requests else []
        sandbox_s = time.perf_counter() - started
        return self.finish_step(plan, results, sandbox_s=sandbox_s).as_tuple()

    def plan_step(self, action: str) -> StepPlan:
        """Phase one of `step`: parse the action, return the sandbox requests it needs."""
        self._check_running()
        if not isinstance(action, str):
            raise TypeError(f"actions are strings (the model's reply), got {type(action).__name__}")
        started = time.perf_counter()
        plan = self.make_plan(action)
        return StepPlan(
            requests=tuple(plan.requests),
            state=plan.state,
            plan_s=time.perf_counter() - started,
            episode=self._episode,
        )

    def finish_step(
        self, plan: StepPlan, results: Sequence[ExecResult], *, sandbox_s: float = 0.0
    ) -> Transition:
        """Phase two of `step`: apply `plan` given the sandbox's `results` for its requests."""
        self._check_running()
        assert self.task is not None
        if plan.episode != self._episode:
            raise ResetNeededError("this plan was made in an earlier episode; plan the step again")
        if len(results) != len(plan.requests):
            raise ValueError(
                f"plan has {len(plan.requests)} requests but got {len(results)} results"
            )
        broken = [r for r in results if r.infra_error]
        if broken:
            raise SandboxInfraError(
                f"the sandbox failed on {len(broken)} of {len(results)} requests "
                f"({broken[0].message or 'no message'}); the step was not applied, retry it",
                task_id=self.task.id,
            )
        started = time.perf_counter()
        outcome = self.evaluate(plan, results)
        self.turn += 1
        current = outcome.grade if outcome.grade is not None else self.grade
        components = step_reward(
            self.reward_config, previous=self.grade, current=current, format_ok=outcome.format_ok
        )
        self.grade = current
        if outcome.tests_total is not None:
            self._last_tests = (outcome.tests_passed or 0, outcome.tests_total)
        terminated = bool(outcome.done)
        truncated = not terminated and self.turn >= self.max_turns
        self._done = terminated or truncated
        self.metrics = StepMetrics(
            plan_s=plan.plan_s,
            sandbox_s=sandbox_s,
            finish_s=time.perf_counter() - started,
            requests=len(plan.requests),
            sandbox_duration_s=sum(r.duration_s for r in results),
        )
        info = self._info(outcome.status, components)
        return Transition(outcome.observation, float(components.total), terminated, truncated, info)

    def close(self) -> None:
        """Close the sandbox if this environment made it. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._sandbox.close()
        super().close()

    # -- helpers --------------------------------------------------------------------------------

    def clip(self, text: str) -> str:
        from envs.feedback import clip

        return clip(text, self.max_observation_chars)

    def _info(self, status: str, components: RewardComponents) -> dict[str, Any]:
        assert self.task is not None
        passed, total = self._last_tests
        return {
            "task_id": self.task.id,
            "turn": self.turn,
            "reward_components": components.as_dict(),
            "tests_passed": passed,
            "tests_total": total,
            "status": status,
        }

    def _check_running(self) -> None:
        if self._closed:
            raise EnvClosedError(f"{type(self).__name__} was closed; make a new one")
        if self.task is None:
            raise ResetNeededError("call reset() before step()")
        if self._done:
            raise ResetNeededError("the episode has ended; call reset() to start another")

    def _pick(self, choice: Task | str | None) -> Task:
        if choice is None:
            return self.tasks[int(self.np_random.integers(len(self.tasks)))]
        if isinstance(choice, Task):
            if choice.kind not in self.task_kinds:
                raise NoTasksError(
                    f"task {choice.id} is a {choice.kind!r} task; {type(self).__name__} runs "
                    f"{', '.join(self.task_kinds)} tasks"
                )
            return choice
        if isinstance(choice, str):
            try:
                return self._task_index[choice]
            except KeyError:
                close = difflib.get_close_matches(choice, self._task_index, n=3)
                hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
                raise UnknownTaskError(
                    f"no task {choice!r} among this environment's {len(self.tasks)} tasks.{hint}"
                ) from None
        raise TypeError(f'options["task"] must be a Task or a task id, got {type(choice).__name__}')


def _load_tasks(
    suite: str | Sequence[Task], split: str | None, kinds: tuple[str, ...], cls: type
) -> tuple[Task, ...]:
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)} or None, got {split!r}")
    if isinstance(suite, str):
        from tasks.registry import load_tasks  # imported late: loading suites is not free

        loaded: Sequence[Task] = load_tasks(suite, split=split)
        name = repr(suite)
    else:
        loaded = [t for t in suite if split is None or t.split == split]
        name = "the given task list"
    tasks = tuple(t for t in loaded if t.kind in kinds)
    if not tasks:
        kinds_found = sorted({t.kind for t in loaded})
        raise NoTasksError(
            f"{name} has no {'/'.join(kinds)} tasks"
            + (f" for split {split!r}" if split else "")
            + f" (it has: {', '.join(kinds_found) or 'no tasks'}); {cls.__name__} runs "
            f"{'/'.join(kinds)} tasks"
        )
    return tasks
