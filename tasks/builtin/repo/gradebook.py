"""Bug fix: floor division truncates means and even-length medians."""

from tasks.builtin.repo._spec import RepoSpec

_BUGGY = r'''
"""Statistics for the course gradebook."""


def mean(scores: list[int]) -> float:
    if not scores:
        raise ValueError("mean of no scores")
    return sum(scores) // len(scores)


def median(scores: list[int]) -> float:
    if not scores:
        raise ValueError("median of no scores")
    ordered = sorted(scores)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) // 2
'''

_FIXED = r'''
"""Statistics for the course gradebook."""


def mean(scores: list[int]) -> float:
    if not scores:
        raise ValueError("mean of no scores")
    return sum(scores) / len(scores)


def median(scores: list[int]) -> float:
    if not scores:
        raise ValueError("median of no scores")
    ordered = sorted(scores)
    mid = len(ordered) // 2  # an index: floor division is right here
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2
'''

_REPORT = r'''

LETTERS = ((90, "A"), (80, "B"), (70, "C"), (60, "D"))


def letter(score: float) -> str:
    """Letter grade: A from 90, B from 80, C from 70, D from 60, else F."""
    return next((grade for bound, grade in LETTERS if score >= bound), "F")


def report(gradebook: dict[str, list[int]]) -> dict[str, dict]:
    """Per student: mean, median and the letter grade of the mean."""
    return {
        name: {"mean": mean(s), "median": median(s), "letter": letter(mean(s))}
        for name, s in gradebook.items()
    }
'''

SPEC = RepoSpec(
    name="gradebook-true-division",
    split="train",
    difficulty="easy",
    change="bugfix",
    tags=("integer-division", "statistics"),
    entry_point="gradebook.stats:report",
    issue="""
Averages in the gradebook report are rounded down

A student with scores 90 and 85 is shown with a mean of 87 instead of 87.5, and the median of
[70, 75, 80, 91] comes out as 77 instead of 77.5. `mean`, `median` and therefore `report` must
return exact (float) values; letter grades follow from the exact mean.
""",
    files={
        "README.md": r"""
# gradebook

`gradebook.stats`: `mean(scores)`, `median(scores)` (both floats; empty lists raise
`ValueError`), `letter(score)` (A >= 90, B >= 80, C >= 70, D >= 60, else F) and
`report({student: scores})` -> `{student: {"mean", "median", "letter"}}`.
""",
        "gradebook/__init__.py": "",
        "gradebook/stats.py": _BUGGY + _REPORT,
        "tests/test_stats.py": r"""
import pytest

from gradebook.stats import letter, mean, median


def test_letters():
    assert [letter(s) for s in (95, 85, 75, 65, 10)] == ["A", "B", "C", "D", "F"]


def test_empty():
    with pytest.raises(ValueError):
        mean([])


def test_exact_values():
    assert mean([90, 85]) == 87.5
    assert median([70, 75, 80, 91]) == 77.5
""",
    },
    reference_files={"gradebook/stats.py": _FIXED + _REPORT},
    test_script=r"""
def check(candidate):
    mean = candidate_function("gradebook.stats:mean")
    median = candidate_function("gradebook.stats:median")
    assert mean([1, 2]) == 1.5 and mean([100]) == 100.0
    assert abs(mean([88, 89, 91]) - 268 / 3) < 1e-9
    assert median([3, 1, 2]) == 2.0 and median([4, 1, 3, 2]) == 2.5
    assert median([89, 90]) == 89.5
    assert candidate({"ana": [90, 89]}) == {"ana": {"mean": 89.5, "median": 89.5, "letter": "B"}}
    assert candidate({"bo": [59, 60, 60, 60]})["bo"]["mean"] == 59.75
    assert candidate({"cy": [100, 79], "di": [80, 80]}) == {
        "cy": {"mean": 89.5, "median": 89.5, "letter": "B"},
        "di": {"mean": 80.0, "median": 80.0, "letter": "B"},
    }
""",
)
