"""Bug fix: a sliding-window rate limiter keeps hits that are exactly one window old."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""A sliding-window rate limiter with an injectable clock.

A request at time ``t`` is allowed when fewer than ``limit`` allowed requests fall in the
half-open window ``(t - window, t]``. Rejected requests do not count.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self._limit = limit
        self._window = window
        self._clock = clock
        self._hits: deque[float] = deque()

    def allow(self) -> bool:
        now = self._clock()
'''

_BUGGY_EVICT = r"""
        while self._hits and self._hits[0] < now - self._window:
            self._hits.popleft()
"""

_FIXED_EVICT = r"""
        # a hit at exactly now - window is outside (now - window, now]
        while self._hits and self._hits[0] <= now - self._window:
            self._hits.popleft()
"""

_TAIL = r'''
        if len(self._hits) < self._limit:
            self._hits.append(now)
            return True
        return False


def simulate(timestamps: list[float], limit: int, window: float) -> list[bool]:
    """Whether each request, made at the given (non-decreasing) times, is allowed."""
    times = iter(timestamps)
    limiter = SlidingWindowLimiter(limit, window, clock=lambda: next(times))
    return [limiter.allow() for _ in timestamps]
'''

SPEC = RepoSpec(
    name="ratelimit-window-boundary",
    split="train",
    difficulty="easy",
    change="bugfix",
    tags=("clock", "boundary", "deque"),
    entry_point="ratelimit.window:simulate",
    issue="""
Rate limiter rejects a request exactly one window after the oldest one

With `limit=2` and `window=10`, requests at t=0, t=1 and t=10 should give
`[True, True, True]`: at t=10 the request from t=0 has left the window `(0, 10]`. `simulate`
returns `[True, True, False]`. The window is half-open as documented in `ratelimit/window.py`;
please make the limiter follow it.
""",
    files={
        "README.md": r"""
# ratelimit

`SlidingWindowLimiter(limit, window, clock=time.monotonic)`: `allow()` returns whether a request
made now may proceed; at most `limit` allowed requests fall in any window `(t - window, t]`.
The clock is injectable for tests; `simulate(timestamps, limit, window)` replays requests at the
given times with a fake clock and returns what `allow()` said for each.
""",
        "ratelimit/__init__.py": "",
        "ratelimit/window.py": _HEAD + _BUGGY_EVICT + _TAIL,
        "tests/test_window.py": r"""
from ratelimit.window import simulate


def test_burst_is_capped():
    assert simulate([0, 0, 0, 1], 2, 10) == [True, True, False, False]


def test_window_slides():
    assert simulate([0, 1, 12], 2, 10) == [True, True, True]


def test_exactly_one_window_later():
    assert simulate([0, 1, 10], 2, 10) == [True, True, True]
""",
    },
    reference_files={"ratelimit/window.py": _HEAD + _FIXED_EVICT + _TAIL},
    test_script=r"""
def check(candidate):
    assert candidate([0, 0, 0, 5, 10, 10, 20], 2, 10) == [True, True, False, False, True, True, True]
    assert candidate([0.0, 0.5, 1.0, 1.5], 1, 0.5) == [True, True, True, True]
    assert candidate([0.0, 0.25, 0.5, 0.75], 1, 0.5) == [True, False, True, False]
    assert candidate([3, 3, 3, 4], 3, 1) == [True, True, True, True]
    assert candidate([0, 2, 4, 6, 8, 10, 12], 5, 10) == [True] * 7
    assert candidate([100, 100.5, 101, 101.5, 102], 2, 1) == [True, True, True, True, True]
    assert candidate([1, 2, 3], 5, 2) == [True, True, True]
""",
)
