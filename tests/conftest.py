"""Shared fixtures. Docker-backed ones start one pool per session and close it at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def docker_sandbox() -> Iterator[object]:
    """A warm docker sandbox (pool of 2) shared by the session's docker tests."""
    from sandbox import make_sandbox

    sb = make_sandbox("docker", pool_size=2)
    try:
        yield sb
    finally:
        sb.close()
