"""Every registered codegym environment passes Gymnasium's `check_env`.

Parametrised over `envs.registered_envs()`: registering a new environment adds it here with no
new test. An environment gets hand-built tasks of the kinds it declares (`task_kinds`); a new
kind needs a sample task in envkit.SAMPLE_TASKS, and this test says so.
"""

from __future__ import annotations

import gymnasium as gym
import pytest
from envkit import SAMPLE_TASKS, ScriptedSandbox, env_class

import envs
from envs import UnknownEnvError, conformance
from envs.spaces import OpenText


def tasks_for(env_id: str) -> list[object]:
    cls = env_class(env_id)
    missing = [kind for kind in cls.task_kinds if kind not in SAMPLE_TASKS]
    assert not missing, f"add sample tasks of kind {missing} to tests/envs/envkit.py"
    return [task for kind in cls.task_kinds for task in SAMPLE_TASKS[kind]]


@pytest.mark.parametrize("env_id", envs.registered_envs())
def test_conforms(env_id: str) -> None:
    # The same checks users run on their own environments (`codegym envs check ID`).
    sandbox = ScriptedSandbox()
    conformance.check(env_id, suite=tasks_for(env_id), sandbox=sandbox)
    assert sandbox.closed == 0  # a sandbox passed in stays the caller's


class NoInfo(gym.Env[str, str]):
    observation_space = OpenText()
    action_space = OpenText()

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[str, dict]:
        super().reset(seed=seed)
        return "obs", {}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict]:
        return "obs", 0.0, True, False, {}


def test_a_nonconforming_env_is_named_with_what_it_lacks() -> None:
    envs.register_env("codegym/NoInfo-v0", f"{__name__}:NoInfo")
    try:
        with pytest.raises(AssertionError, match="reset's info lacks.*task_id"):
            conformance.check("codegym/NoInfo-v0")
    finally:
        envs.unregister_env("codegym/NoInfo-v0")


def test_unknown_id_has_a_hint() -> None:
    with pytest.raises(UnknownEnvError, match="Did you mean 'codegym/Function-v0'"):
        envs.make("codegym/Functoin-v0")


def test_builtin_ids_are_registered_with_gymnasium() -> None:
    assert {"codegym/Function-v0", "codegym/Stdio-v0", "codegym/Repo-v0"} <= set(gym.registry)


@pytest.mark.parametrize(
    ("env_id", "suite"),
    [
        ("codegym/Function-v0", "codegym-functions"),
        ("codegym/Stdio-v0", "codegym-stdio"),
        ("codegym/Repo-v0", "codegym-repo"),
    ],
)
def test_builtin_ids_default_to_their_suite(env_id: str, suite: str) -> None:
    env = envs.make(env_id, sandbox=ScriptedSandbox(), split="train")
    obs, info = env.reset(seed=0)
    assert info["task_id"].startswith(suite + "/") and obs
    assert all(t.split == "train" for t in env.unwrapped.tasks)  # type: ignore[attr-defined]
    env.close()


def test_each_kind_goes_to_the_first_environment_registered_for_it() -> None:
    assert envs.env_for_kind("function") == "codegym/Function-v0"
    assert envs.env_for_kind("stdio") == "codegym/Stdio-v0"
    assert envs.env_for_kind("repo") == "codegym/Repo-v0"
    assert envs.env_for_kind("regex") is None
    envs.register_env("codegym/Regex-v0", f"{__name__}:RegexEnv")
    try:
        assert envs.env_for_kind("regex") == "codegym/Regex-v0"  # a new kind: one registration
        assert envs.env_for_kind("function") == "codegym/Function-v0"  # the built-in stays first
    finally:
        envs.unregister_env("codegym/Regex-v0")


class RegexEnv(NoInfo):
    task_kinds = ("regex", "function")
