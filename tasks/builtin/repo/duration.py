"""Feature: `parse_duration` learns unit strings such as ``1h30m`` next to ``HH:MM:SS``."""

from tasks.builtin.repo._spec import RepoSpec

_FORMAT = r'''

def format_duration(seconds: int) -> str:
    """``3725`` -> ``"1h 2m 5s"``; zero parts are left out, ``0`` -> ``"0s"``."""
    if seconds < 0:
        raise ValueError("durations are not negative")
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0s"
'''

_START = r'''
"""Durations for the job scheduler's command line."""


def parse_duration(text: str) -> int:
    """Seconds in a ``[[HH:]MM:]SS`` duration."""
    fields = text.strip().split(":")
    if not 1 <= len(fields) <= 3 or not all(f.isdigit() for f in fields):
        raise ValueError(f"not a duration: {text!r}")
    seconds = 0
    for field in fields:
        seconds = seconds * 60 + int(field)
    return seconds
'''

_FIXED = r'''
"""Durations for the job scheduler's command line."""

import re

# d, h, m, s in this order, each at most once, optional spaces between parts; case-insensitive
_UNITS = re.compile(
    r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?", re.IGNORECASE
)
_SIZES = (86400, 3600, 60, 1)


def parse_duration(text: str) -> int:
    """Seconds in a ``[[HH:]MM:]SS`` duration or a unit string such as ``"1h 30m"``."""
    text = text.strip()
    if ":" in text or text.isdigit():
        return _parse_clock(text)
    match = _UNITS.fullmatch(text)
    if not text or match is None or not any(match.groups()):
        raise ValueError(f"not a duration: {text!r}")
    return sum(int(n) * size for n, size in zip(match.groups(), _SIZES) if n)


def _parse_clock(text: str) -> int:
    fields = text.split(":")
    if not 1 <= len(fields) <= 3 or not all(f.isdigit() for f in fields):
        raise ValueError(f"not a duration: {text!r}")
    seconds = 0
    for field in fields:
        seconds = seconds * 60 + int(field)
    return seconds
'''

SPEC = RepoSpec(
    name="duration-unit-strings",
    split="train",
    difficulty="medium",
    change="feature",
    tags=("parsing", "regex", "time"),
    entry_point="timefmt.duration:parse_duration",
    issue="""
Accept durations like `1h30m` in `parse_duration`

`timefmt.duration.parse_duration` only understands clock notation (`"01:30:00"`, `"90:00"`,
`"45"`). Users keep typing what `format_duration` prints, so please also accept unit strings:

- units `d`, `h`, `m`, `s` (upper or lower case), each with a whole number: `"1h30m"`,
  `"2d 4h"`, `"90m"`, `"1h 2m 5s"`, `"45S"`;
- units in that order (largest first), each at most once; spaces around and between parts are
  allowed;
- anything else (`""`, `"5x"`, `"1m1h"`, `"1h1h"`, `"h"`, `"1.5h"`) raises `ValueError`.

Clock notation keeps working as before.
""",
    files={
        "README.md": r"""
# timefmt

Durations for the scheduler's command line (`--every 1h30m`).

- `parse_duration(text) -> int` seconds.
- `format_duration(seconds) -> str`, e.g. `"1h 2m 5s"`.
""",
        "timefmt/__init__.py": "",
        "timefmt/duration.py": _START + _FORMAT,
        "tests/test_duration.py": r"""
import pytest

from timefmt.duration import format_duration, parse_duration


def test_clock():
    assert parse_duration("01:02:03") == 3723
    assert parse_duration("90") == 90


def test_format():
    assert format_duration(3725) == "1h 2m 5s"


def test_units():
    assert parse_duration("1h30m") == 5400


def test_junk():
    with pytest.raises(ValueError):
        parse_duration("soon")
""",
    },
    reference_files={"timefmt/duration.py": _FIXED + _FORMAT},
    test_script=r"""
def _raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


def check(candidate):
    assert candidate("2d 4h") == 187200 and candidate("90m") == 5400
    assert candidate("45S") == 45 and candidate(" 1H 2M 5s ") == 3725
    assert candidate("1d1s") == 86401 and candidate("3h 0m") == 10800
    fmt = candidate_function("timefmt.duration:format_duration")
    assert [candidate(fmt(n)) for n in (59, 61, 3600, 90061, 200000)] == [59, 61, 3600, 90061, 200000]
    assert candidate("10:00") == 600 and candidate("1:00:00") == 3600
    assert all(_raises(ValueError, candidate, t) for t in ["", "   ", "5x", "1m1h", "1h1h", "h", "1.5h", "m5"])
    assert all(_raises(ValueError, candidate, t) for t in ["1:2:3:4", "-5", "1h:30m"])
""",
)
