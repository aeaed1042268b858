"""Feature: parse a second log line format (bracketed ISO timestamps, lower-case levels)."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""Parsing service logs into records and counting them by level."""

from __future__ import annotations

import re

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# 2024-05-01 12:00:03 ERROR db: connection lost
_CLASSIC = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}:\d{2}:\d{2}) "
    r"(?P<level>[A-Z]+) (?P<source>[\w.-]+): (?P<message>.*)"
)
'''

_BUGGY_PARSE = r'''

def parse_line(line: str) -> dict | None:
    """A record ``{"timestamp", "level", "source", "message"}``, or None for other lines."""
    match = _CLASSIC.fullmatch(line.strip())
    if match is None or match["level"] not in LEVELS:
        return None
    return {
        "timestamp": f"{match['date']}T{match['time']}",
        "level": match["level"],
        "source": match["source"],
        "message": match["message"],
    }
'''

_FIXED_PARSE = r'''
# [2024-05-01T12:00:03Z] [warn] (api) slow request
_BRACKETED = re.compile(
    r"\[(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})Z?\] "
    r"\[(?P<level>[A-Za-z]+)\] \((?P<source>[\w.-]+)\) (?P<message>.*)"
)
_ALIASES = {"WARN": "WARNING", "ERR": "ERROR", "FATAL": "CRITICAL"}


def parse_line(line: str) -> dict | None:
    """A record ``{"timestamp", "level", "source", "message"}``, or None for other lines."""
    text = line.strip()
    if match := _CLASSIC.fullmatch(text):
        level = match["level"]
    elif match := _BRACKETED.fullmatch(text):
        level = match["level"].upper()
        level = _ALIASES.get(level, level)  # the short names are a v2 thing only
    else:
        return None
    if level not in LEVELS:
        return None
    return {
        "timestamp": f"{match['date']}T{match['time']}",
        "level": level,
        "source": match["source"],
        "message": match["message"],
    }
'''

_COUNT = r'''

def count_levels(text: str) -> dict[str, int]:
    """How many records of each level `text` holds; lines that are not records are skipped."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        record = parse_line(line)
        if record is not None:
            counts[record["level"]] = counts.get(record["level"], 0) + 1
    return counts
'''

SPEC = RepoSpec(
    name="logstats-bracketed-format",
    split="train",
    difficulty="medium",
    change="feature",
    tags=("parsing", "regex", "logs"),
    entry_point="logstats.parse:parse_line",
    issue="""
Support the new log format of the v2 services

The v2 services write log lines like

    [2024-05-01T12:00:03Z] [warn] (api) slow request: 2.3s

which `logstats.parse.parse_line` ignores (it returns None), so `count_levels` undercounts. Please
parse them into the same record as the classic format:
`{"timestamp": "2024-05-01T12:00:03", "level": "WARNING", "source": "api", "message": "slow request: 2.3s"}`.

- the trailing `Z` of the timestamp is optional and is not part of the record's timestamp;
- levels are case-insensitive and normalised to upper case; the v2 short names map to the
  classic ones: `warn` -> `WARNING`, `err` -> `ERROR`, `fatal` -> `CRITICAL`; other unknown
  levels make the line not a record (None), as in the classic format;
- the message is everything after `(source) `, brackets included.

Classic lines must parse exactly as before.
""",
    files={
        "README.md": r"""
# logstats

Counts log records by level for the on-call dashboard.

- `parse_line(line)` -> `{"timestamp", "level", "source", "message"}` or None when the line is
  not a log record (stack traces, blank lines, other formats).
- `count_levels(text)` -> `{level: count}` over the records of `text`.

Classic format: `2024-05-01 12:00:03 ERROR db: connection lost`; levels are DEBUG, INFO,
WARNING, ERROR, CRITICAL.
""",
        "logstats/__init__.py": "",
        "logstats/parse.py": _HEAD + _BUGGY_PARSE + _COUNT,
        "tests/test_parse.py": r"""
from logstats.parse import count_levels, parse_line


def test_classic_line():
    assert parse_line("2024-05-01 12:00:03 ERROR db: connection lost") == {
        "timestamp": "2024-05-01T12:00:03",
        "level": "ERROR",
        "source": "db",
        "message": "connection lost",
    }


def test_not_a_record():
    assert parse_line("Traceback (most recent call last):") is None


def test_bracketed_line():
    assert parse_line("[2024-05-01T12:00:03Z] [warn] (api) slow request: 2.3s") == {
        "timestamp": "2024-05-01T12:00:03",
        "level": "WARNING",
        "source": "api",
        "message": "slow request: 2.3s",
    }


def test_count_mixed():
    text = "2024-05-01 12:00:03 INFO db: up\n[2024-05-01T12:00:04Z] [info] (api) up\n"
    assert count_levels(text) == {"INFO": 2}
""",
    },
    reference_files={"logstats/parse.py": _HEAD + _FIXED_PARSE + _COUNT},
    test_script=r"""
LOG = '''2024-06-01 08:00:00 INFO web: started
[2024-06-01T08:00:01Z] [Info] (worker.1) started [pid 7]
[2024-06-01T08:00:02] [ERR] (db) timeout after 5s
    at connect (db.py:10)
[2024-06-01T08:00:03Z] [fatal] (db) giving up
[2024-06-01T08:00:04Z] [notice] (web) ignored level
2024-06-01 08:00:05 WARNING web: slow
[2024-06-01T08:00:06Z] [WARN] (web) slower
'''


def check(candidate):
    assert candidate("[2024-06-01T08:00:01Z] [Info] (worker.1) started [pid 7]") == {
        "timestamp": "2024-06-01T08:00:01", "level": "INFO", "source": "worker.1", "message": "started [pid 7]"}
    assert candidate("[2024-06-01T08:00:02] [ERR] (db) timeout") == {
        "timestamp": "2024-06-01T08:00:02", "level": "ERROR", "source": "db", "message": "timeout"}
    assert candidate("[2024-06-01T08:00:03Z] [fatal] (db) giving up")["level"] == "CRITICAL"
    assert candidate("[2024-06-01T08:00:03Z] [debug] (x-y) (nested) [parts]")["message"] == "(nested) [parts]"
    assert candidate("[2024-06-01T08:00:04Z] [notice] (web) ignored level") is None
    assert candidate("[2024-06-01 08:00:04] [info] (web) wrong timestamp shape") is None
    assert candidate("2024-06-01 08:00:05 WARNING web: slow")["level"] == "WARNING"
    assert candidate("2024-06-01 08:00:05 WARN web: classic lines have no short names") is None
    count_levels = candidate_function("logstats.parse:count_levels")
    assert count_levels(LOG) == {"INFO": 2, "ERROR": 1, "CRITICAL": 1, "WARNING": 2}
""",
)
