"""A user's own environment, in a package of theirs outside this repository, through
`codegym train` and `codegym eval --model` with no edit to codegym: the ``"module:Id"`` form of
an environment id imports the package that registers it (docs/environments.md)."""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import envs
from grpo_agent import eval_cli, train_cli

pytestmark = [pytest.mark.docker, pytest.mark.slow]

DOC = Path(__file__).resolve().parents[2] / "docs" / "environments.md"
ENV_ID = "codegym/OneShot-v0"
PACKAGE = "codegym_user_example"  # not the docs' `my_envs`: a user may have a package of that name


@pytest.fixture
def user_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The docs' example environment, as the package of a user: importable, not imported."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: my_envs/oneshot.py -->\n```python\n(.*?)\n```", text, re.S)
    assert match, "docs/environments.md lost its example block"
    package = tmp_path / "site" / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    source = match.group(1).replace('"my_envs.oneshot:', f'"{PACKAGE}.oneshot:')
    (package / "oneshot.py").write_text(source + "\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    try:
        yield f"{PACKAGE}.oneshot:{ENV_ID}"
    finally:
        envs.unregister_env(ENV_ID)
        for name in (f"{PACKAGE}.oneshot", PACKAGE):
            sys.modules.pop(name, None)
        importlib.invalidate_caches()


def test_a_users_env_trains_and_evaluates_without_edits(
    user_env: str, tiny_model_folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert f"{PACKAGE}.oneshot" not in sys.modules
    config = tmp_path / "user.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "user",
                "output_dir": str(tmp_path / "runs"),
                "model": tiny_model_folder,
                "env_id": user_env,
                "env_kwargs": {"suite": "codegym-functions", "split": "train"},
                "sandbox": "docker",
                "max_steps": 2,
                "tasks_per_step": 1,
                "group_size": 2,
                "max_new_tokens": 4,
                "micro_batch_size": 2,
                "device": "cpu",
            }
        )
    )
    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    assert train_cli.run(parser.parse_args(["--config", str(config)])) == 0
    assert ENV_ID in envs.registered_envs()  # `module:Id` imported the user's package
    metrics = (tmp_path / "runs" / "user" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in metrics] == [1, 2]

    out = tmp_path / "results.jsonl"
    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    argv = ["--suite", "codegym-functions", "--split", "test", "--limit", "2", "--model",
            tiny_model_folder, "--env", user_env, "--max-new-tokens", "4", "--out", str(out)]  # fmt: skip
    assert eval_cli.run(parser.parse_args(argv)) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2
    # the user's env graded them: its one turn ends every episode, and it names its own status
    assert all(r["turns"] == 1 for r in rows)
    assert all(r["status"] in ("format_error", "failed", "compile_error", "runtime_error")
               for r in rows), rows  # fmt: skip


def test_an_unknown_env_module_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(envs.UnknownEnvError, match="cannot import 'no_such_pkg.envs'"):
        envs.make("no_such_pkg.envs:codegym/Nope-v0")


BUGGY_ENV = """
import gymnasium as gym
from envs import register_env
from envs.spaces import OpenText


class BuggyEnv(gym.Env):
    observation_space = OpenText()
    action_space = OpenText()
    tasks = ["t-1"]

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return "write something", {}

    def step(self, action):
        return {}["no such key"]  # the bug


register_env("codegym/Buggy-v0", "PACKAGE.buggy:BuggyEnv")
"""


def _train(config: Path, tmp_path: Path, **fields: object) -> int:
    values = {"name": "run", "output_dir": str(tmp_path / "runs"), "max_steps": 1,
              "tasks_per_step": 1, "group_size": 2, "max_new_tokens": 4, "micro_batch_size": 2,
              "device": "cpu", **fields}  # fmt: skip
    config.write_text(yaml.safe_dump(values))
    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    return train_cli.run(parser.parse_args(["--config", str(config)]))


def test_an_env_bug_shows_its_type_and_place_in_codegym_train(
    tiny_model_folder: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    package = tmp_path / "site" / "codegym_buggy_example"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "buggy.py").write_text(BUGGY_ENV.replace("PACKAGE", package.name))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    try:
        env_id = f"{package.name}.buggy:codegym/Buggy-v0"
        assert _train(tmp_path / "c.yaml", tmp_path, model=tiny_model_folder, env_id=env_id) == 2
    finally:
        envs.unregister_env("codegym/Buggy-v0")
        for name in (f"{package.name}.buggy", package.name):
            sys.modules.pop(name, None)
    err = capsys.readouterr().err
    assert "KeyError: 'no such key'" in err and "buggy.py" in err, err


def test_an_unreachable_engine_is_one_line_before_the_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _train(
        tmp_path / "c.yaml",
        tmp_path,
        model=str(tmp_path / "no-model-here"),  # never loaded: the engine is checked first
        sandbox_options={"hosts": ["tcp://127.0.0.1:9"]},
    )
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("codegym train: sandbox: no Docker engine answers at tcp://127.0.0.1:9")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
