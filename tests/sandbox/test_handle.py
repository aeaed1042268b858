"""`SandboxHandle`: a sandbox given stays the caller's; one made on first use is closed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox import SandboxHandle, register_backend
from sandbox.registry import _BACKENDS


class Counted:
    made = 0

    def __init__(self, **options: object) -> None:
        Counted.made += 1
        self.options, self.closed = options, 0

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def counted() -> Iterator[None]:
    register_backend("counted", f"{__name__}:Counted")
    Counted.made = 0
    yield
    del _BACKENDS["counted"]


def test_a_made_sandbox_is_made_once_on_first_use_and_closed(counted: None) -> None:
    handle = SandboxHandle(None, "counted", pool_size=3)
    assert not handle.made and Counted.made == 0  # nothing started yet
    box = handle.get()
    assert handle.get() is box and Counted.made == 1
    assert box.options == {"pool_size": 3}  # type: ignore[attr-defined]
    handle.close()
    handle.close()
    assert box.closed == 1  # type: ignore[attr-defined]


def test_a_given_sandbox_stays_the_callers(counted: None) -> None:
    given = Counted()
    handle = SandboxHandle(given, "counted")  # type: ignore[arg-type]
    assert handle.made and handle.get() is given
    handle.close()
    assert given.closed == 0 and Counted.made == 1
