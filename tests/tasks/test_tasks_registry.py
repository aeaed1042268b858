"""Suites by name, format:path and file path; hints for typos; built-in data files found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.base import IOTest
from tasks import registry
from tasks.errors import UnknownSplitError, UnknownSuiteError
from tasks.io import dump_suite
from tasks.registry import available_suites, load_tasks, register_suite, unregister_suite
from tasks.schema import Task

FIXTURES = Path(__file__).parent / "fixtures"


def _task(i: int, split: str) -> Task:
    return Task(
        id=f"toy/{i}",
        suite="toy",
        split=split,  # type: ignore[arg-type]
        kind="stdio",
        prompt="echo",
        hidden_tests=(IOTest(stdin="x", expected_stdout="x"),),
    )


@pytest.fixture
def toy_suite() -> Iterator[list[int]]:
    tasks = [_task(0, "train"), _task(1, "test"), _task(2, "train")]
    calls: list[int] = []

    def loader() -> list[Task]:
        calls.append(1)
        return tasks

    register_suite("toy-suite", loader, description="three toys")
    yield calls
    unregister_suite("toy-suite")


def test_registered_suite_is_lazy_cached_and_split(toy_suite: list[int]) -> None:
    assert toy_suite == []
    assert "toy-suite" in available_suites()
    assert [t.id for t in load_tasks("toy-suite", split="train")] == ["toy/0", "toy/2"]
    assert len(load_tasks("toy-suite")) == 3
    assert toy_suite == [1]


def test_unknown_name_suggests_close_one(toy_suite: list[int]) -> None:
    with pytest.raises(UnknownSuiteError, match="Did you mean 'toy-suite'"):
        load_tasks("toy-suit")
    with pytest.raises(UnknownSuiteError, match="Did you mean 'humaneval'"):
        load_tasks("humaneva")
    with pytest.raises(UnknownSuiteError, match="unknown dataset format 'mbp'.*'mbpp'"):
        load_tasks("mbp:x.jsonl")
    with pytest.raises(UnknownSuiteError, match="no suite file at"):
        load_tasks("missing/suite.jsonl")


def test_missing_split_says_which_exist(toy_suite: list[int]) -> None:
    with pytest.raises(UnknownSplitError, match="it has: test"):
        load_tasks("humaneval", split="train")
    with pytest.raises(UnknownSplitError, match="one of train, val, test"):
        load_tasks("toy-suite", split="dev")


def test_register_refuses_clashes_and_bad_names(toy_suite: list[int]) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_suite("toy-suite", list)
    with pytest.raises(ValueError, match="cannot contain"):
        register_suite("a:b", list)
    with pytest.raises(ValueError, match="package.module:function"):
        register_suite("other", "not_an_entry_point")


def test_path_and_format_prefix(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl.gz"
    dump_suite([_task(0, "test")], path)
    assert [t.id for t in load_tasks(str(path))] == ["toy/0"]
    assert [t.id for t in load_tasks(path)] == ["toy/0"]
    assert len(load_tasks(f"mbpp:{FIXTURES / 'mbpp.jsonl'}")) == 2


def test_data_files_register_by_stem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "DATA_DIR", tmp_path)
    dump_suite([_task(0, "train")], tmp_path / "shipped.jsonl.gz")
    (tmp_path / ".hidden.jsonl").write_text("")
    try:
        assert "shipped" in available_suites()
        assert ".hidden" not in available_suites()
        assert [t.id for t in load_tasks("shipped")] == ["toy/0"]
    finally:
        unregister_suite("shipped")


def test_humaneval_is_registered_and_complete() -> None:
    tasks = load_tasks("humaneval")
    assert len(tasks) == 164
    assert {t.split for t in tasks} == {"test"}
