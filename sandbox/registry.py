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


class SandboxHandle:
    """A sandbox that is either the caller's or made here: the one way an environment, a batch
    of environments and the trainer hold theirs.

    Given one (`sandbox`), `get` returns it and `close` leaves it open: it stays the caller's.
    Given none, `get` makes ``make_sandbox(backend, **options)`` on first use (so that making
    an object to inspect it starts no containers) and `close` closes it.
    """

    def __init__(self, sandbox: Sandbox | None = None, backend: str = "docker", **options: Any):
        self._sandbox = sandbox
        self.owned = sandbox is None
        self._backend, self._options = backend, options

    def get(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = make_sandbox(self._backend, **self._options)
        return self._sandbox

    @property
    def made(self) -> bool:
        """A sandbox exists: given, or made by `get`."""
        return self._sandbox is not None

    def close(self) -> None:
        """Close the sandbox if it was made here. Safe to call more than once."""
        if self.owned and self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
