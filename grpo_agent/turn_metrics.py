"""Multi-turn evaluation: pass@1 at the first and at the final turn, and how often feedback fixes
a failed first attempt. Pure functions of evaluation rows (`grpo_agent.evaluation`).

Each row holds ``turn_passed``: per turn, whether the solution as it stood after that turn passed
every hidden test; ``passed`` is the verdict at the final turn. From them:

- **first-turn pass@1**: the rows with ``passed`` replaced by ``turn_passed[0]`` (`first_turn_rows`),
  scored like any rows: this is the single-turn pass@1 of the same samples;
- **final-turn pass@1**: the rows as they are;
- **repair share**: among samples whose first attempt failed, the share that passed at the end
  (`repair_share`). Its interval resamples tasks (a task's samples stay together, as for pass@1)
  and takes the ratio of sums in each resample, so tasks with more failed first attempts weigh
  more, as they do in the point estimate.

A row with status ``infra_error`` counts as a failed attempt that was not fixed, as
`tasks.evaluate.summarize` counts it in n: a sample must not leave the denominator. Rows
without ``turn_passed`` (a samples file) count as one turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tasks.metrics import Interval

__all__ = ["RepairCounts", "first_turn_rows", "max_turns_of", "repair_counts", "repair_share"]


def _turns(row: Mapping[str, Any]) -> list[bool]:
    turns = row.get("turn_passed")
    return [bool(t) for t in turns] if turns else [bool(row["passed"])]


def max_turns_of(rows: Sequence[Mapping[str, Any]]) -> int:
    """The most turns any row took (1 for single-turn rows)."""
    return max((len(_turns(r)) for r in rows), default=0)


def first_turn_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Copies of `rows` whose ``passed`` is the verdict after the first turn."""
    return [{**row, "passed": _turns(row)[0]} for row in rows]


@dataclass(frozen=True)
class RepairCounts:
    """Per task: samples whose first attempt failed, and how many of those passed at the end."""

    failed_first: Mapping[str, int]
    fixed_later: Mapping[str, int]

    @property
    def total_failed_first(self) -> int:
        return sum(self.failed_first.values())

    @property
    def total_fixed_later(self) -> int:
        return sum(self.fixed_later.values())


def repair_counts(rows: Sequence[Mapping[str, Any]]) -> RepairCounts:
    failed: dict[str, int] = {}
    fixed: dict[str, int] = {}
    for row in rows:
        task = str(row["task_id"])
        failed.setdefault(task, 0)
        fixed.setdefault(task, 0)
        if not _turns(row)[0]:
            failed[task] += 1
            fixed[task] += bool(row["passed"])
    return RepairCounts(failed_first=failed, fixed_later=fixed)


def repair_share(
    rows: Sequence[Mapping[str, Any]],
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval | None:
    """Share of failed first attempts that passed by the final turn, with a percentile-bootstrap
    interval over tasks (ratio of sums per resample); None when no first attempt failed."""
    counts = repair_counts(rows)
    tasks = sorted(counts.failed_first)
    failed = np.array([counts.failed_first[t] for t in tasks], dtype=np.float64)  # (T,)
    fixed = np.array([counts.fixed_later[t] for t in tasks], dtype=np.float64)  # (T,)
    if failed.sum() == 0:
        return None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(tasks), size=(resamples, len(tasks)))  # (B, T)
    num, den = fixed[picks].sum(axis=1), failed[picks].sum(axis=1)  # (B,), (B,)
    shares = num[den > 0] / den[den > 0]  # resamples without a failed first attempt say nothing
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(shares, [tail, 1.0 - tail])
    return Interval(float(fixed.sum() / failed.sum()), float(low), float(high), confidence)
