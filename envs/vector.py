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
from types import TracebackType
from typing import Any

import gymnasium as gym

from envs.base import CodeEnv, StepPlan, Transition
from envs.errors import SandboxInfraError
from sandbox.base import ExecRequest, Sandbox

__all__ = ["BatchedEnv"]


class BatchedEnv:
    """N codegym environments stepped together through one sandbox.

    Args:
        envs: the environments (wrapped ones are unwrapped). They are closed with the batch.
        sandbox: runs every request of the batch; default ``make_sandbox("docker")``, owned and
            closed by the batch. Size its worker pool to the batch for full concurrency.
    """

    def __init__(self, envs: Sequence[gym.Env[Any, Any]], *, sandbox: Sandbox | None = None):
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
        self._owns_sandbox = sandbox is None
        if sandbox is None:
            from sandbox import make_sandbox

            sandbox = make_sandbox("docker")
        self.sandbox = sandbox
        self.metrics: dict[str, float] = {}
        self._closed = False

    @classmethod
    def make(
        cls, env_id: str, num_envs: int, *, sandbox: Sandbox | None = None, **kwargs: Any
    ) -> BatchedEnv:
        """`num_envs` copies of a registered environment sharing the batch's sandbox."""
        from envs.registration import make
        from sandbox import make_sandbox

        owned = sandbox is None
        shared = make_sandbox("docker") if sandbox is None else sandbox
        envs = [make(env_id, sandbox=shared, **kwargs) for _ in range(num_envs)]
        batch = cls(envs, sandbox=shared)
        batch._owns_sandbox = owned
        return batch

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

        All requests of the step go to one `Sandbox.run_many` call. If the sandbox fails on some
        requests (status ``infra_error``), the other environments are still stepped, and a
        `SandboxInfraError` is raised with their transitions in ``error.partial`` and the failed
        environments' indices in ``error.failed``; those environments are left as they were.
        """
        if len(actions) != len(self.envs):
            raise ValueError(f"got {len(actions)} actions for {len(self.envs)} environments")
        plans: list[StepPlan | None] = [
            None if action is None else env.plan_step(action)
            for env, action in zip(self.envs, actions, strict=True)
        ]
        requests: list[ExecRequest] = [r for plan in plans if plan for r in plan.requests]
        started = time.perf_counter()
        results = self.sandbox.run_many(requests) if requests else []
        sandbox_s = time.perf_counter() - started
        if len(results) != len(requests):
            raise SandboxInfraError(
                f"run_many returned {len(results)} results for {len(requests)} requests"
            )

        transitions: list[Transition | None] = []
        failed: list[int] = []
        offset = 0
        for index, (env, plan) in enumerate(zip(self.envs, plans, strict=True)):
            if plan is None:
                transitions.append(None)
                continue
            mine = results[offset : offset + len(plan.requests)]
            offset += len(plan.requests)
            try:
                transitions.append(env.finish_step(plan, mine, sandbox_s=sandbox_s))
            except SandboxInfraError:
                transitions.append(None)
                failed.append(index)
        self.metrics = {
            "sandbox/batch_wall_s": sandbox_s,
            "sandbox/batch_requests": float(len(requests)),
            "env/batch_active": float(sum(plan is not None for plan in plans)),
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
        if self._owns_sandbox:
            self.sandbox.close()

    def __enter__(self) -> BatchedEnv:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
