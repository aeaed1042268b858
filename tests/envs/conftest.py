"""Fixtures of the envs tests: a scripted sandbox, and one Docker sandbox per session."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def _load_envkit() -> None:
    """Make ``from envkit import ...`` work in the test modules under every pytest import mode
    (``importlib`` mode puts no test directory on sys.path)."""
    if "envkit" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location("envkit", Path(__file__).with_name("envkit.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["envkit"] = module
    spec.loader.exec_module(module)


_load_envkit()

from envkit import ScriptedSandbox  # noqa: E402


@pytest.fixture
def scripted() -> ScriptedSandbox:
    return ScriptedSandbox()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """One Docker sandbox for the whole session (starting a pool costs seconds). Tests that use
    it are marked ``docker``; without an engine they are skipped with the reason."""
    from sandbox import make_sandbox
    from sandbox.errors import EngineUnavailableError

    try:
        box = make_sandbox("docker", pool_size=4)
    except EngineUnavailableError as exc:
        pytest.skip(f"no Docker engine: {exc}")
    try:
        yield box
    finally:
        box.close()
