"""Feature: business-day arithmetic backwards in time (negative offsets and reversed ranges)."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""Business-day arithmetic for invoice due dates. Dates are ISO strings (``"2024-05-06"``).

A business day is a Monday to Friday that is not in `holidays`.
"""

from __future__ import annotations

from datetime import date, timedelta


def _holidays(holidays: list[str] | None) -> set[date]:
    return {date.fromisoformat(h) for h in holidays or ()}


def is_business_day(day: str, holidays: list[str] | None = None) -> bool:
    d = date.fromisoformat(day)
    return d.weekday() < 5 and d not in _holidays(holidays)
'''

_START = r'''

def add_business_days(start: str, days: int, holidays: list[str] | None = None) -> str:
    """The date `days` business days after `start` (`start` itself does not count)."""
    current = date.fromisoformat(start)
    off = _holidays(holidays)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            remaining -= 1
    return current.isoformat()


def business_days_between(start: str, end: str, holidays: list[str] | None = None) -> int:
    """How many business days lie in ``(start, end]``."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    off = _holidays(holidays)
    count = 0
    current = first
    while current < last:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            count += 1
    return count
'''

_FIXED = r'''

def add_business_days(start: str, days: int, holidays: list[str] | None = None) -> str:
    """The date `days` business days after `start` (`start` itself does not count); a negative
    `days` counts backwards, and 0 returns `start` unchanged."""
    current = date.fromisoformat(start)
    off = _holidays(holidays)
    step = timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    while remaining > 0:
        current += step
        if current.weekday() < 5 and current not in off:
            remaining -= 1
    return current.isoformat()


def business_days_between(start: str, end: str, holidays: list[str] | None = None) -> int:
    """How many business days lie in ``(start, end]``; when `end` is before `start`, minus the
    number in ``(end, start]``, so that ``between(a, b) == -between(b, a)``."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if last < first:
        return -business_days_between(end, start, holidays)
    off = _holidays(holidays)
    count = 0
    current = first
    while current < last:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            count += 1
    return count
'''

SPEC = RepoSpec(
    name="workdays-backwards",
    split="test",
    difficulty="medium",
    change="feature",
    tags=("datetime", "calendar"),
    entry_point="workdays.calendar:add_business_days",
    issue="""
Business-day arithmetic should work backwards too

We need reminder dates *before* a due date. Today `add_business_days("2024-05-06", -1)` returns
`"2024-05-06"` unchanged; it should return `"2024-05-03"` (the Friday before that Monday).

- `add_business_days(start, days, holidays)`: a negative `days` steps back over business days,
  skipping weekends and holidays, mirroring what a positive `days` does; `days=0` still returns
  `start` as it is, even on a weekend.
- `business_days_between(start, end, holidays)`: when `end` is before `start`, return minus the
  number of business days in `(end, start]`, so that `between(a, b) == -between(b, a)`; today it
  returns 0.
""",
    files={
        "README.md": r"""
# workdays

Business-day arithmetic for invoice due dates; dates are ISO strings, a business day is Monday to
Friday and not a holiday.

- `is_business_day(day, holidays=None)`
- `add_business_days(start, days, holidays=None)`: `days` business days after `start`.
- `business_days_between(start, end, holidays=None)`: business days in `(start, end]`.
""",
        "workdays/__init__.py": "",
        "workdays/calendar.py": _HEAD + _START,
        "tests/test_calendar.py": r"""
from workdays.calendar import add_business_days, business_days_between


def test_forward_over_weekend():
    assert add_business_days("2024-05-03", 1) == "2024-05-06"  # Friday -> Monday


def test_between():
    assert business_days_between("2024-05-03", "2024-05-10") == 5


def test_backwards():
    assert add_business_days("2024-05-06", -1) == "2024-05-03"
""",
    },
    reference_files={"workdays/calendar.py": _HEAD + _FIXED},
    test_script=r"""
HOLIDAYS = ["2024-12-25", "2024-12-26", "2025-01-01"]


def check(candidate):
    assert candidate("2024-05-08", -2) == "2024-05-06" and candidate("2024-05-08", -3) == "2024-05-03"
    assert candidate("2024-05-05", -1) == "2024-05-03" and candidate("2024-05-04", -5) == "2024-04-29"
    assert candidate("2024-05-04", 0) == "2024-05-04" and candidate("2024-05-04", 1) == "2024-05-06"
    assert candidate("2024-12-27", -1, HOLIDAYS) == "2024-12-24"
    assert candidate("2025-01-02", -5, HOLIDAYS) == "2024-12-23"
    assert candidate("2024-03-01", -20) == "2024-02-02"
    between = candidate_function("workdays.calendar:business_days_between")
    assert between("2024-05-10", "2024-05-03") == -5 and between("2024-05-06", "2024-05-04") == -1
    assert between("2025-01-02", "2024-12-20", HOLIDAYS) == -6 and between("2024-12-20", "2025-01-02", HOLIDAYS) == 6
    assert all(between(candidate("2024-07-17", n), "2024-07-17") == -n for n in (-9, -3, 0, 4, 11))
""",
)
