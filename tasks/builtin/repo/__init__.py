"""The ``codegym-repo`` suite: small Python repositories with a bug to fix or a feature to add.

Each module of this package is one task (``SPEC``, a `RepoSpec`); `SPECS` lists them in suite
order, train split first. ``python -m tasks.builtin.repo`` regenerates
``tasks/data/codegym-repo.jsonl`` from them, byte for byte the same on every run.
"""

from __future__ import annotations

from pathlib import Path

from tasks.builtin.repo import (
    calc,
    cart,
    config,
    deps,
    duration,
    gradebook,
    intervals,
    logstats,
    lru,
    matrix,
    minigrep,
    paginate,
    ratelimit,
    roman,
    semver,
    shellsplit,
    slugify,
    splitbill,
    tinyjson,
    wordfreq,
    workdays,
    wraptext,
)
from tasks.builtin.repo._spec import SUITE, RepoSpec
from tasks.schema import Task

__all__ = ["DATA_PATH", "SPECS", "SUITE", "build_tasks"]

DATA_PATH = Path(__file__).resolve().parents[2] / "data" / f"{SUITE}.jsonl"

SPECS: tuple[RepoSpec, ...] = (
    # train
    slugify.SPEC,
    paginate.SPEC,
    cart.SPEC,
    calc.SPEC,
    config.SPEC,
    ratelimit.SPEC,
    matrix.SPEC,
    wordfreq.SPEC,
    gradebook.SPEC,
    duration.SPEC,
    roman.SPEC,
    splitbill.SPEC,
    minigrep.SPEC,
    deps.SPEC,
    logstats.SPEC,
    # test
    lru.SPEC,
    tinyjson.SPEC,
    semver.SPEC,
    workdays.SPEC,
    shellsplit.SPEC,
    intervals.SPEC,
    wraptext.SPEC,
)


def build_tasks() -> list[Task]:
    """Every task of the suite, in file order."""
    return [spec.to_task() for spec in SPECS]
