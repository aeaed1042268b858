"""The "adding an environment" example of docs/environments.md runs as written."""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from envkit import ADD, INCR, ScriptedSandbox, result
from gymnasium.utils.env_checker import check_env

import envs

DOC = Path(__file__).resolve().parents[2] / "docs" / "environments.md"
ENV_ID = "codegym/OneShot-v0"


def example_source() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: my_envs/oneshot.py -->\n```python\n(.*?)\n```", text, re.S)
    assert match, "docs/environments.md lost its example block"
    return match.group(1) + "\n"


@pytest.fixture
def oneshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Install the example as the package `my_envs`, import it, and undo all of it after."""
    package = tmp_path / "my_envs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "oneshot.py").write_text(example_source())
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("my_envs.oneshot")
    try:
        yield ENV_ID
    finally:
        envs.unregister_env(ENV_ID)
        for name in ("my_envs.oneshot", "my_envs"):
            sys.modules.pop(name, None)


def test_example_is_short() -> None:
    assert len(example_source().splitlines()) < 100


def test_example_registers_and_passes_check_env(oneshot: str) -> None:
    assert oneshot in envs.registered_envs()
    env = envs.make(oneshot, suite=[ADD, INCR], sandbox=ScriptedSandbox())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    env.close()


def test_example_episodes(oneshot: str) -> None:
    box = ScriptedSandbox(lambda request: result(3, 4))
    env = envs.make(oneshot, suite=[ADD], sandbox=box)
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("```python\ndef add(a, b): ...\n```")
    assert obs == "Hidden tests: 3 of 4 passed."
    assert (reward, terminated, truncated) == (pytest.approx(0.1 + 0.3 * 0.75), True, False)
    assert len(box.calls) == 1 and len(box.calls[0]) == 1
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step("no idea")
    assert (reward, terminated, info["status"]) == (pytest.approx(-0.1), True, "format_error")


@pytest.mark.docker
def test_example_with_docker(oneshot: str, sandbox: object) -> None:
    env = envs.make(oneshot, suite=[ADD], sandbox=sandbox)
    env.reset(seed=0)
    _, reward, terminated, *_ = env.step("```python\ndef add(a, b):\n    return a + b\n```")
    assert (reward, terminated) == (pytest.approx(1.0), True)
