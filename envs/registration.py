"""The codegym environment registry: ids to lazy ``"module:Class"`` entry points.

Importing `envs` registers every id in `ENVIRONMENTS` with Gymnasium, so both
``gymnasium.make("codegym/Function-v0", ...)`` and `envs.make` work. Entry points are strings:
an environment's module is imported only when one is made. The conformance tests
(``tests/envs/test_env_conformance.py``) run Gymnasium's `check_env` on every id listed here, so a
new environment is one module plus one line below (or one `register_env` call).
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

import gymnasium as gym

from envs.errors import UnknownEnvError

__all__ = [
    "ENVIRONMENTS",
    "make",
    "register_env",
    "registered_envs",
    "env_for_kind",
    "resolve_env_id",
    "unregister_env",
]

ENVIRONMENTS: dict[str, str] = {
    "codegym/Function-v0": "envs.function_env:FunctionEnv",
    "codegym/Stdio-v0": "envs.stdio_env:StdioEnv",
    "codegym/Repo-v0": "envs.repo_env:RepoEnv",
}
"""Every codegym id and its entry point; `register_env` adds to it."""

_BUILTIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "codegym/Function-v0": {"suite": "codegym-functions"},
    "codegym/Stdio-v0": {"suite": "codegym-stdio"},
    "codegym/Repo-v0": {"suite": "codegym-repo"},
}
"""Constructor defaults of the built-in ids: ``gymnasium.make("codegym/Function-v0")`` works."""


def register_env(env_id: str, entry_point: str, **kwargs: Any) -> None:
    """Register `env_id` (``"codegym/Name-vN"``) to build `entry_point` (``"pkg.mod:Class"``).

    `kwargs` are defaults for the constructor (e.g. ``suite="codegym-functions"``). Episodes end
    through the environment's own `max_turns`, so no Gymnasium `TimeLimit` wrapper is added.
    Registering an id again replaces it (handy in notebooks and tests).
    """
    if ":" not in entry_point:
        raise ValueError(f"entry point must look like 'package.module:Class', got {entry_point!r}")
    if env_id in gym.registry:
        del gym.registry[env_id]
    gym.register(id=env_id, entry_point=entry_point, kwargs=kwargs)
    ENVIRONMENTS[env_id] = entry_point


def unregister_env(env_id: str) -> None:
    """Undo `register_env` (tests that register an example environment clean up with this)."""
    ENVIRONMENTS.pop(env_id, None)
    if env_id in gym.registry:
        del gym.registry[env_id]


def env_for_kind(kind: str) -> str | None:
    """The environment that runs tasks of `kind` by default: the first registered one whose
    class claims it (`CodeEnv.task_kinds`), the built-ins first; None if none does. Registering
    an environment that claims a new kind is all it takes for ``codegym eval --model`` to send
    such tasks to it."""
    from gymnasium.envs.registration import load_env_creator

    for env_id, entry_point in ENVIRONMENTS.items():
        try:
            cls = load_env_creator(entry_point)
        except (ImportError, AttributeError):
            continue  # a registration whose module is gone claims nothing
        if kind in getattr(cls, "task_kinds", ()):
            return env_id
    return None


def registered_envs() -> list[str]:
    """The codegym ids, sorted."""
    return sorted(ENVIRONMENTS)


def resolve_env_id(env_id: str) -> str:
    """The registered id of `env_id`, importing its module first for the ``"module:Id"`` form
    (as `gymnasium.make` does), so that an environment registered by a user's own package is
    found without any edit to codegym: ``my_pkg.envs:codegym/Regex-v0``."""
    module, sep, bare = env_id.rpartition(":")
    if not sep or "/" in module:
        return env_id
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise UnknownEnvError(
            f"cannot import {module!r} for environment {bare!r} ({exc}); install the package "
            "that registers it, or put its folder on PYTHONPATH"
        ) from exc
    return bare


def make(env_id: str, **kwargs: Any) -> gym.Env[Any, Any]:
    """`gymnasium.make` for codegym ids (and ``"module:Id"``, see `resolve_env_id`), with a
    "did you mean" hint for unknown ones."""
    env_id = resolve_env_id(env_id)
    if env_id not in ENVIRONMENTS and env_id not in gym.registry:
        close = difflib.get_close_matches(env_id, ENVIRONMENTS, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownEnvError(
            f"no environment {env_id!r}.{hint} Registered: {', '.join(registered_envs())}"
        )
    return gym.make(env_id, **kwargs)


def _register_builtins() -> None:
    for env_id, entry_point in list(ENVIRONMENTS.items()):
        if env_id not in gym.registry:
            register_env(env_id, entry_point, **_BUILTIN_DEFAULTS.get(env_id, {}))
