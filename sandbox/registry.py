"""Sandbox backends by name, loaded lazily from ``"module:Class"`` entry points."""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from sandbox.base import Sandbox
from sandbox.errors import UnknownBackendError

_BACKENDS: dict[str, str] = {
    "docker": "sandbox.docker_backend:DockerSandbox",
    "local": "sandbox.local_backend:LocalSandbox",
}


def register_backend(name: str, entry_point: str) -> None:
    """Make ``make_sandbox(name)`` build ``entry_point`` (``"package.module:Class"``)."""
    if ":" not in entry_point:
        raise ValueError(f"entry point must look like 'package.module:Class', got {entry_point!r}")
    _BACKENDS[name] = entry_point


def available_backends() -> list[str]:
    return sorted(_BACKENDS)


def make_sandbox(name: str = "docker", **options: Any) -> Sandbox:
    """Build the backend called `name` with `options` passed to its constructor."""
    try:
        entry_point = _BACKENDS[name]
    except KeyError:
        close = difflib.get_close_matches(name, _BACKENDS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownBackendError(
            f"no sandbox backend named {name!r}.{hint} Known: {', '.join(available_backends())}"
        ) from None
    module_name, _, attr = entry_point.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    sandbox: Sandbox = cls(**options)
    return sandbox
