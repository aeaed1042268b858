"""Bug fix: interval merging assumes sorted input and leaves touching intervals apart."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""Closed integer intervals ``(start, end)`` for the room-booking calendar (minutes of a day)."""

from __future__ import annotations

Interval = tuple[int, int]


def _check(intervals: list[Interval]) -> None:
    for start, end in intervals:
        if start > end:
            raise ValueError(f"interval ({start}, {end}) ends before it starts")
'''

_BUGGY = r'''

def merge(intervals: list[Interval]) -> list[Interval]:
    """The union of `intervals` as disjoint intervals, sorted by start."""
    _check(intervals)
    merged: list[Interval] = []
    for start, end in intervals:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
'''

_FIXED = r'''

def merge(intervals: list[Interval]) -> list[Interval]:
    """The union of `intervals` as disjoint intervals, sorted by start."""
    _check(intervals)
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:  # closed intervals: (1, 3) and (3, 5) share 3
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
'''

_TAIL = r'''


def free_slots(busy: list[Interval], day: Interval) -> list[Interval]:
    """The gaps of `day` not covered by `busy`, as open gaps between busy intervals."""
    gaps = []
    cursor = day[0]
    for start, end in merge(busy):
        if start > cursor:
            gaps.append((cursor, min(start, day[1])))
        cursor = max(cursor, end)
    if cursor < day[1]:
        gaps.append((cursor, day[1]))
    return [gap for gap in gaps if gap[0] < gap[1]]
'''

SPEC = RepoSpec(
    name="intervals-merge-unsorted",
    split="test",
    difficulty="easy",
    change="bugfix",
    tags=("intervals", "sorting", "boundary"),
    entry_point="intervals.merge:merge",
    issue="""
Room calendar shows overlapping bookings as separate blocks

`intervals.merge.merge([(5, 8), (1, 3), (2, 6)])` returns `[(5, 8), (1, 6)]`: the input is
processed in the order given, so overlaps are missed and the result is not sorted. It should be
`[(1, 8)]`. Also, intervals are closed, so `(1, 3)` and `(3, 5)` touch and must merge into
`(1, 5)`; today they stay apart. `free_slots` is built on `merge` and is wrong for the same
inputs.
""",
    files={
        "README.md": r"""
# intervals

Booking intervals for the room calendar, as closed `(start, end)` tuples of minutes.

- `merge(intervals)`: the union as disjoint intervals sorted by start (input in any order;
  `start > end` raises `ValueError`).
- `free_slots(busy, day)`: the free gaps of `day` between the busy intervals.
""",
        "intervals/__init__.py": "",
        "intervals/merge.py": _HEAD + _BUGGY + _TAIL,
        "tests/test_merge.py": r"""
import pytest

from intervals.merge import free_slots, merge


def test_sorted_overlaps():
    assert merge([(1, 4), (2, 6), (8, 9)]) == [(1, 6), (8, 9)]


def test_bad_interval():
    with pytest.raises(ValueError):
        merge([(3, 1)])


def test_unsorted():
    assert merge([(5, 8), (1, 3), (2, 6)]) == [(1, 8)]


def test_free_slots():
    assert free_slots([(600, 660), (540, 600)], (480, 720)) == [(480, 540), (660, 720)]
""",
    },
    reference_files={"intervals/merge.py": _HEAD + _FIXED + _TAIL},
    test_script=r"""
def check(candidate):
    assert candidate([(10, 12), (1, 2), (3, 4)]) == [(1, 2), (3, 4), (10, 12)]
    assert candidate([(1, 3), (3, 5)]) == [(1, 5)] and candidate([(3, 5), (1, 3)]) == [(1, 5)]
    assert candidate([(7, 7), (1, 10), (2, 3)]) == [(1, 10)]
    assert candidate([(4, 4), (4, 4)]) == [(4, 4)] and candidate([]) == []
    assert candidate([(0, 1), (2, 3), (1, 2), (9, 9), (5, 6)]) == [(0, 3), (5, 6), (9, 9)]
    free_slots = candidate_function("intervals.merge:free_slots")
    assert free_slots([(700, 720), (480, 500), (490, 600)], (480, 720)) == [(600, 700)]
    assert free_slots([(540, 600), (600, 660)], (480, 720)) == [(480, 540), (660, 720)]
""",
)
