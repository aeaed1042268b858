"""Issue-style statements for mined bugs, written from what a user would see.

A statement names the failing tests and quotes their assertion or exception output (pytest's
``E`` lines), trimmed. It never holds the diff, the changed line, the test's source or a file
location: `scrub` drops every line that quotes the changed code or names a source location,
and every line shaped like a diff (``+``, ``-``, ``?``, ``@@``), which pytest prints when it
compares long values.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

__all__ = ["build_statement", "scrub"]

MAX_LINES = 8
MAX_LINE = 200
MAX_TESTS = 3

_TITLES = (
    "{test} fails in {package} {version}",
    "Wrong result from {package}: {test} breaks",
    "Regression in {package} {version} ({test})",
    "{package}: {test} no longer passes",
)
_INTROS = (
    "Running the project's test suite against the current code gives failures.",
    "After building {package} {version} from this checkout, some behaviour is wrong: the "
    "test suite reports the failures below.",
    "Something in {package} misbehaves. Here is what the test run shows.",
    "I ran the tests of {package} and they do not all pass.",
)
_CLOSINGS = (
    "Please fix the library so that these tests pass again, without changing the tests.",
    "The tests are right; the library code needs fixing.",
    "Expected: the whole test suite passes. Fix the package code, not the tests.",
)
_LOCATION = re.compile(r"(\.py\b|line \d+|File \")")
_DIFF = re.compile(r"^\s*(\+|-|\?|@@|Full diff|Use -v|Omitting \d+ identical)")


def scrub(message: str, *, forbidden: Sequence[str] = ()) -> list[str]:
    """The lines of a failure `message` fit for a statement: no file locations, no diff-shaped
    lines, no line containing any of `forbidden` (the changed code, stripped), at most
    `MAX_LINES` lines of at most `MAX_LINE` characters."""
    out: list[str] = []
    for raw in message.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("+  where") or stripped.startswith("+    where"):
            stripped = stripped.lstrip("+ ")
            line = "  " + stripped
        if not stripped or _LOCATION.search(line) or _DIFF.match(line):
            continue
        if any(f and f in line for f in forbidden):
            continue
        if len(line) > MAX_LINE:
            line = line[: MAX_LINE - 3] + "..."
        out.append(line)
        if len(out) == MAX_LINES:
            break
    return out


def build_statement(
    *,
    package: str,
    version: str,
    failures: Sequence[tuple[str, str]],
    total_failing: int,
    forbidden: Sequence[str],
    rng: random.Random,
) -> str:
    """The statement for a bug whose failing tests are `failures` (test id, pytest message),
    `total_failing` of them in all."""
    shown = list(failures[:MAX_TESTS])
    first = shown[0][0].rpartition("::")[2] if shown else "a test"
    fmt = {"package": package, "version": version, "test": f"`{first}`"}
    parts = [rng.choice(_TITLES).format(**fmt), "", rng.choice(_INTROS).format(**fmt), ""]
    for test_id, message in shown:
        lines = scrub(message, forbidden=forbidden)
        parts.append(f"`{test_id}`")
        if lines:
            parts.append("```")
            parts.extend(lines)
            parts.append("```")
        else:
            parts.append("(fails without a readable message)")
        parts.append("")
    if total_failing > len(shown):
        more = total_failing - len(shown)
        parts.append(
            f"{more} other test{'s' if more > 1 else ''} fail{'' if more > 1 else 's'} too."
        )
        parts.append("")
    parts.append(rng.choice(_CLOSINGS))
    return "\n".join(parts).strip() + "\n"
