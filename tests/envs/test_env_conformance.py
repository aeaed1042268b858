"""Every registered codegym environment passes Gymnasium's `check_env`.

Parametrised over `envs.registered_envs()`: registering a new environment adds it here with no
new test. An environment gets hand-built tasks of the kinds it declares (`task_kinds`); a new
kind needs a sample task in envkit.SAMPLE_TASKS, and this test says so.
"""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
from envkit import SAMPLE_TASKS, ScriptedSandbox, env_class
from gymnasium.utils.env_checker import check_env

import envs
from envs import UnknownEnvError


def tasks_for(env_id: str) -> list[object]:
    cls = env_class(env_id)
    missing = [kind for kind in cls.task_kinds if kind not in SAMPLE_TASKS]
    assert not missing, f"add sample tasks of kind {missing} to tests/envs/envkit.py"
    return [task for kind in cls.task_kinds for task in SAMPLE_TASKS[kind]]


@pytest.mark.parametrize("env_id", envs.registered_envs())
def test_check_env(env_id: str) -> None:
    sandbox = ScriptedSandbox()
    env = envs.make(env_id, suite=tasks_for(env_id), sandbox=sandbox)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Gymnasium warning is a failure here
        check_env(env.unwrapped)
    env.close()
    env.close()
    assert sandbox.closed == 0


@pytest.mark.parametrize("env_id", envs.registered_envs())
def test_spaces_are_open_text(env_id: str) -> None:
    env = envs.make(env_id, suite=tasks_for(env_id), sandbox=ScriptedSandbox())
    obs, info = env.reset(seed=1)
    assert isinstance(obs, str) and obs in env.observation_space
    assert "a multi-line\naction with ünïcode" in env.action_space
    assert {"task_id", "turn", "reward_components", "tests_passed", "tests_total", "status"} <= set(
        info
    )
    env.close()


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
