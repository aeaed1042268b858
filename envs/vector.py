"""`BatchedEnv`: step many codegym environments with one `Sandbox.run_many` call.

Gymnasium's vector environments batch observations into arrays (shared memory for
`AsyncVectorEnv`), which text of any length does not fit, and they reset sub-environments on
their own, which a rollout collector that keeps token histories per episode does not want. This
wrapper keeps the two-phase step of `envs.base.CodeEnv` instead: every environment plans its
step, all requests go to the sandbox in one call (the sandbox's worker pool runs them
concurrently), and every environment applies its results. Episodes are ragged: pass ``None`` as
the action of an environment that should sit this step out (its episode ended, or its policy
is still generating).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import gymnasium as gym

from envs.base import CodeEnv, StepPlan, Transition
from envs.errors import SandboxInfraError
from sandbox.base import ExecRequest, Sandbox
from sandbox.registry import SandboxHandle

__all__ = ["BatchedEnv", "SteppedBatch", "step_many"]


@dataclass(frozen=True)
class SteppedBatch:
    """What `step_many` did: each slot's outcome (a `Transition`, the exception its environment
    raised, or None when skipped), and the batch's sandbox calls."""

    outcomes: list[Transition | BaseException | None]
    sandbox_s: float
    """Seconds in `Sandbox.run_many`."""
    requests: int


def step_many(
    envs: Sequence[Any], actions: Sequence[str | None], *, sandbox: Sandbox | None = None
) -> SteppedBatch:
    """Step environment i (a Gymnasium environment, wrapped or not) with ``actions[i]``
    (``None``: skip it), every sandbox request of the step in one `Sandbox.run_many` call per
    sandbox; the one way codegym steps many envs at once
    (`BatchedEnv.step` and the learner's rollouts both use it).

    codegym environments (`CodeEnv`, wrapped or not) plan their steps, their requests run
    together, and each applies its results; any other Gymnasium environment is stepped on its
    own. An environment's exception is its slot's outcome; the others are still stepped.
    `sandbox` runs every request instead of each environment's own.
    """
    if len(actions) != len(envs):
        raise ValueError(f"got {len(actions)} actions for {len(envs)} environments")
    outcomes: list[Transition | BaseException | None] = [None] * len(envs)
    plans: dict[int, tuple[CodeEnv, StepPlan]] = {}
    for index, (env, action) in enumerate(zip(envs, actions, strict=True)):
        if action is None:
            continue
        code_env = getattr(env, "unwrapped", env)
        try:
            if isinstance(code_env, CodeEnv):
                plans[index] = (code_env, code_env.plan_step(action))
            else:
                obs, reward, terminated, truncated, info = env.step(action)
                outcomes[index] = Transition(obs, float(reward), terminated, truncated, info)
        except Exception as exc:  # noqa: BLE001 - that slot's outcome; the others go on
            outcomes[index] = exc
    # one run_many per sandbox (environments usually share one)
    by_sandbox: dict[int, list[int]] = {}
    for index, (env, _) in plans.items():
        by_sandbox.setdefault(id(sandbox if sandbox is not None else env.sandbox), []).append(index)
    sandbox_s, total = 0.0, 0
    for indices in by_sandbox.values():
        runner = sandbox if sandbox is not None else plans[indices[0]][0].sandbox
        requests: list[ExecRequest] = [r for i in indices for r in plans[i][1].requests]
        total += len(requests)
        started = time.perf_counter()
        results = runner.run_many(requests) if requests else []
        sandbox_s += time.perf_counter() - started
        if len(results) != len(requests):
            raise SandboxInfraError(
                f"run_many returned {len(results)} results for {len(requests)} requests"
            )
        offset = 0
        for i in indices:
            env, plan = plans[i]
            mine = results[offset : offset + len(plan.requests)]
            offset += len(plan.requests)
            try:
                outcomes[i] = env.finish_step(plan, mine, sandbox_s=sandbox_s)
            except Exception as exc:  # noqa: BLE001 - that slot's outcome
                outcomes[i] = exc
    return SteppedBatch(outcomes, sandbox_s, total)


class BatchedEnv:
    """N codegym environments stepped together through one sandbox.

    Args:
        envs: the environments (wrapped ones are unwrapped). They are closed with the batch.
        sandbox: runs every request of the batch; default ``make_sandbox("docker")``, owned and
            closed by the batch. Size its worker pool to the batch for full concurrency.
    """

    def __init__(
        self,
        envs: Sequence[gym.Env[Any, Any]],
        *,
        sandbox: Sandbox | SandboxHandle | None = None,
    ):
        if not envs:
            raise ValueError("BatchedEnv needs at least one environment")
        unwrapped = [getattr(env, "unwrapped", env) for env in envs]
        for index, env in enumerate(unwrapped):
            if not isinstance(env, CodeEnv):
                raise TypeError(
                    f"envs[{index}] is a {type(env).__name__}; BatchedEnv steps codegym "
                    "environments (subclasses of envs.base.CodeEnv)"
                )
        self.envs: list[CodeEnv] = unwrapped  # type: ignore[assignment]
        self._handle = sandbox if isinstance(sandbox, SandboxHandle) else SandboxHandle(sandbox)
        self.sandbox = self._handle.get()
        self.metrics: dict[str, float] = {}
        self._closed = False

    @classmethod
    def make(
        cls, env_id: str, num_envs: int, *, sandbox: Sandbox | None = None, **kwargs: Any
    ) -> BatchedEnv:
        """`num_envs` copies of a registered environment sharing the batch's sandbox."""
        from envs.registration import make

        handle = SandboxHandle(sandbox)  # made here if not given, and then the batch's
        envs = [make(env_id, sandbox=handle.get(), **kwargs) for _ in range(num_envs)]
        return cls(envs, sandbox=handle)

    def __len__(self) -> int:
        return len(self.envs)

    def reset(
        self,
        *,
        seed: int | None = None,
        options: Sequence[dict[str, Any] | None] | None = None,
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """Reset every environment; environment i gets ``seed + i`` (when `seed` is given) and
        ``options[i]``, e.g. ``[{"task": t}] * n`` for a GRPO group of n samples of task t."""
        if options is not None and len(options) != len(self.envs):
            raise ValueError(f"got {len(options)} options for {len(self.envs)} environments")
        observations, infos = [], []
        for index, env in enumerate(self.envs):
            obs, info = env.reset(
                seed=None if seed is None else seed + index,
                options=None if options is None else options[index],
            )
            observations.append(obs)
            infos.append(info)
        return observations, infos

    def step(self, actions: Sequence[str | None]) -> list[Transition | None]:
        """Step environment i with ``actions[i]`` (``None``: skip it, its slot returns None).

        All requests of the step go to one `Sandbox.run_many` call (`step_many`). If the sandbox
        fails on some requests (status ``infra_error``), the other environments are still
        stepped, and a `SandboxInfraError` is raised with their transitions in
        ``error.partial`` and the failed environments' indices in ``error.failed``; those
        environments are left as they were. Any other error of an environment is raised once
        the others have been stepped.
        """
        if len(actions) != len(self.envs):
            raise ValueError(f"got {len(actions)} actions for {len(self.envs)} environments")
        batch = step_many(self.envs, actions, sandbox=self.sandbox)
        transitions: list[Transition | None] = []
        failed: list[int] = []
        for index, outcome in enumerate(batch.outcomes):
            if isinstance(outcome, SandboxInfraError):
                failed.append(index)
                outcome = None
            elif isinstance(outcome, BaseException):
                raise outcome
            transitions.append(outcome)
        self.metrics = {
            "sandbox/batch_wall_s": batch.sandbox_s,
            "sandbox/batch_requests": float(batch.requests),
            "env/batch_active": float(sum(action is not None for action in actions)),
        }
        if failed:
            raise SandboxInfraError(
                f"the sandbox failed on the requests of environments {failed}; they were not "
                "stepped (retry them), the others were (see .partial)",
                failed=failed,
                partial=transitions,
            )
        return transitions

    def close(self) -> None:
        """Close every environment and, if the batch made it, the sandbox. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for env in self.envs:
            env.close()
        self._handle.close()

    def __enter__(self) -> BatchedEnv:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
