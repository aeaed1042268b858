"""Gymnasium environments for coding agents: the RL interface of codegym.

Importing this package registers ``codegym/Function-v0``, ``codegym/Stdio-v0`` and
``codegym/Repo-v0`` (see `envs.registration`). Observations and actions are strings.

>>> import envs
>>> env = envs.make("codegym/Function-v0", suite="codegym-functions")   # doctest: +SKIP
>>> obs, info = env.reset(seed=0)                                      # doctest: +SKIP
>>> obs, reward, terminated, truncated, info = env.step("```python\\n...\\n```")  # doctest: +SKIP
"""

from envs.base import CodeEnv, Outcome, StepMetrics, StepPlan, Transition
from envs.errors import (
    EnvClosedError,
    EnvError,
    NoTasksError,
    ResetNeededError,
    SandboxInfraError,
    UnknownEnvError,
    UnknownTaskError,
)
from envs.registration import (
    ENVIRONMENTS,
    _register_builtins,
    env_for_kind,
    make,
    register_env,
    registered_envs,
    resolve_env_id,
    unregister_env,
)
from envs.rewards import Grade, RewardComponents, RewardConfig
from envs.spaces import OpenText
from envs.vector import BatchedEnv

_register_builtins()

__all__ = [
    "ENVIRONMENTS",
    "env_for_kind",
    "resolve_env_id",
    "BatchedEnv",
    "CodeEnv",
    "EnvClosedError",
    "EnvError",
    "Grade",
    "NoTasksError",
    "OpenText",
    "Outcome",
    "ResetNeededError",
    "RewardComponents",
    "RewardConfig",
    "SandboxInfraError",
    "StepMetrics",
    "StepPlan",
    "Transition",
    "UnknownEnvError",
    "UnknownTaskError",
    "make",
    "register_env",
    "registered_envs",
    "unregister_env",
]
