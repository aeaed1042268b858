"""Helpers of the host-side concurrency tests: every wait is bounded, so a lost answer or a
missed wake-up fails a test instead of hanging it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

WAIT_S = 2.0
"""Bound of every wait for something that should happen at once."""


def spawn(fn: Callable[..., T], *args: Any) -> Future[T]:
    """Run `fn(*args)` on a daemon thread: a caller that hangs cannot keep the run alive."""
    future: Future[T] = Future()

    def target() -> None:
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the test through the future
            future.set_exception(exc)

    threading.Thread(target=target, daemon=True).start()
    return future


def wait_until(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.001)
