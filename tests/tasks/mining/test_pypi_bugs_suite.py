"""The shipped ``codegym-pypi-bugs`` suite: its size, licences, splits by package, statements
that leak nothing, bounded hidden tests; and (Docker) a sample of it validates."""

from __future__ import annotations

import ast
import re
from collections import Counter

import pytest

from sandbox.base import Sandbox
from tasks.registry import DATA_DIR, load_tasks
from tasks.schema import Task, is_editable
from tasks.validate import validate_tasks
from tests.tasks.test_builtin_suites import near_duplicates

PERMISSIVE = ("MIT", "BSD", "Apache", "ISC", "PSF", "Python Software Foundation")


@pytest.fixture(scope="module")
def suite() -> list[Task]:
    return load_tasks("codegym-pypi-bugs")


def test_size_packages_and_licences(suite: list[Task]) -> None:
    assert len(suite) >= 150
    packages = Counter(t.metadata["package"] for t in suite)
    assert len(packages) >= 6, packages
    for task in suite:
        assert task.kind == "repo" and task.metadata["source"] == "pypi"
        assert any(word in task.metadata["license"] for word in PERMISSIVE), task.id
    shipped = sum(p.stat().st_size for p in DATA_DIR.glob("codegym-pypi-bugs*")) + sum(
        p.stat().st_size for p in (DATA_DIR / "codegym-pypi-bugs.files").iterdir()
    )
    assert shipped < 4_000_000  # the snapshots are shared, not repeated per task


def test_splits_are_by_package_and_prompts_do_not_leak(suite: list[Task]) -> None:
    train = [t for t in suite if t.split == "train"]
    test = [t for t in suite if t.split == "test"]
    assert train and test
    train_packages = {t.metadata["package"] for t in train}
    test_packages = {t.metadata["package"] for t in test}
    assert not train_packages & test_packages
    assert near_duplicates(train, test) == []


def test_statements_hold_no_diff_no_changed_line_no_location(suite: list[Task]) -> None:
    for task in suite:
        ((path, original),) = task.reference_files.items()
        buggy = task.files[path]
        changed = {ln.strip() for ln in set(original.splitlines()) ^ set(buggy.splitlines())}
        lines = task.prompt.splitlines()
        assert not [ln for ln in lines if ln.startswith(("+", "-", "@@", "diff --git"))], task.id
        assert not [c for c in changed if len(c) >= 6 and c in task.prompt], task.id
        assert not re.search(rf"(?<![\w/]){re.escape(path)}", task.prompt), task.id
        assert not re.search(r"\.py:\d", task.prompt), task.id


def test_hidden_tests_are_bounded_and_the_fix_is_editable(suite: list[Task]) -> None:
    for task in suite:
        f2p, p2p = task.metadata["fail_to_pass"], task.metadata["pass_to_pass"]
        assert 1 <= len(f2p) <= 10 and len(p2p) <= 10, task.id
        check = next(n for n in ast.parse(task.test_script).body if isinstance(n, ast.FunctionDef))
        assert sum(isinstance(s, ast.Assert) for s in check.body) == len(f2p) + len(p2p)
        assert all(is_editable(p, task.editable) for p in task.reference_files), task.id
        assert task.limits.timeout_s <= 60


@pytest.mark.docker
def test_a_sample_validates(suite: list[Task], docker_sandbox: Sandbox) -> None:
    """The first task of each package (the whole suite: `codegym tasks validate
    codegym-pypi-bugs`, docs/results.md)."""
    sample: dict[str, Task] = {}
    for task in suite:
        sample.setdefault(task.metadata["package"], task)
    report = validate_tasks(sample.values(), docker_sandbox)
    assert report.problems == ()
