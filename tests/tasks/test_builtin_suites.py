"""The built-in ``codegym-functions`` and ``codegym-stdio`` suites: sizes, completeness, no
leakage between splits, a deterministic build, and (with Docker) every reference passes while a
trivially wrong answer fails."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from sandbox.base import CallTest, IOTest
from tasks.builtin import build
from tasks.builtin.spec import FAMILIES, FunctionSpec
from tasks.io import dump_suite, load_suite
from tasks.leakage import near_duplicates
from tasks.schema import Task

FUNCTIONS_PATH = build.DATA_DIR / f"{build.FUNCTION_SUITE}.jsonl"
STDIO_PATH = build.DATA_DIR / f"{build.STDIO_SUITE}.jsonl"


@pytest.fixture(scope="module")
def functions() -> list[Task]:
    return load_suite(FUNCTIONS_PATH)


@pytest.fixture(scope="module")
def stdio() -> list[Task]:
    return load_suite(STDIO_PATH)


def test_sizes_meet_the_minimums(functions: list[Task], stdio: list[Task]) -> None:
    assert {t.kind for t in functions} == {"function"} and {t.kind for t in stdio} == {"stdio"}
    assert len(functions) >= 200
    assert len(stdio) >= 60
    languages = Counter(t.language for t in stdio)
    assert languages["python"] >= 30 and languages["cpp"] >= 20
    for tasks in (functions, stdio):
        splits = Counter(t.split for t in tasks)
        share = splits["test"] / (splits["train"] + splits["test"])
        assert 0.2 <= share <= 0.4, f"test split holds {share:.0%} of train + test"
        difficulties = Counter(t.difficulty for t in tasks)
        assert set(difficulties) == {"easy", "medium", "hard"}
        assert difficulties["easy"] >= len(tasks) // 3  # a tiny policy needs reachable rewards


def test_every_task_is_complete(functions: list[Task], stdio: list[Task]) -> None:
    ids = [t.id for t in functions + stdio]
    assert len(ids) == len(set(ids))
    for task in functions + stdio:
        assert 2 <= len(task.public_tests) <= 4, task.id
        assert len(task.hidden_tests) >= 5, task.id
        assert task.reference_solution.strip(), task.id
        meta = task.metadata
        assert meta["source"] == "codegym" and meta["family"] in FAMILIES, task.id
        assert FAMILIES[meta["family"]].split == task.split, task.id
        assert meta.get("of") == FAMILIES[meta["family"]].of, task.id
        assert meta["difficulty"] in ("easy", "medium", "hard") and meta["tags"], task.id
        if task.kind == "function":
            assert all(isinstance(t, CallTest) for t in task.public_tests + task.hidden_tests)
            public_inputs = {repr(t.args) for t in task.public_tests}  # type: ignore[union-attr]
            hidden_inputs = [repr(t.args) for t in task.hidden_tests]  # type: ignore[union-attr]
            assert task.prompt.rstrip().endswith('"""\n```'), task.id
            assert f"def {task.entry_point}(" in task.prompt, task.id
        else:
            assert all(isinstance(t, IOTest) for t in task.public_tests + task.hidden_tests)
            public_inputs = {t.stdin for t in task.public_tests}  # type: ignore[union-attr]
            hidden_inputs = [t.stdin for t in task.hidden_tests]  # type: ignore[union-attr]
            language_line = "C++17" if task.language == "cpp" else "Python 3"
            assert language_line in task.prompt.splitlines()[0], task.id
        assert not public_inputs & set(hidden_inputs), f"{task.id}: a hidden test is public"
        assert len(set(hidden_inputs)) == len(hidden_inputs), f"{task.id}: repeated hidden test"


# -- leakage between splits -------------------------------------------------------------------


def test_no_prompt_leaks_across_splits(functions: list[Task], stdio: list[Task]) -> None:
    for tasks in (functions, stdio):
        train = [t for t in tasks if t.split == "train"]
        for split in ("val", "test"):
            held_out = [t for t in tasks if t.split == split]
            assert near_duplicates(train, held_out) == [], split
            assert not {t.prompt for t in train} & {t.prompt for t in held_out}, split


def test_val_split_holds_unseen_tasks_of_training_families(
    functions: list[Task], stdio: list[Task]
) -> None:
    # functions: ~95 tasks, so a 10-point greedy pass@1 gain is resolved by a paired 95%
    # interval while fewer than ~8% of the tasks flip the other way (docs/tasks.md, "Splits").
    for tasks, size, families in ((functions, 90, 25), (stdio, 20, 4)):
        val = [t for t in tasks if t.split == "val"]
        assert len(val) >= size
        parents = {t.metadata["of"] for t in val}
        train_families = {t.metadata["family"] for t in tasks if t.split == "train"}
        assert parents <= train_families and len(parents) >= families
        assert Counter(t.difficulty for t in val)["easy"] >= len(val) // 2
    assert Counter(t.language for t in stdio if t.split == "val") == {"python": 10, "cpp": 10}


def test_the_build_refuses_a_val_task_that_is_a_training_variant(functions: list[Task]) -> None:
    train = [t for t in functions if t.split == "train"]
    # The 13th affine variant (train holds the first 12): new constants, labelled val. The build
    # must refuse it, and accept the shipped val split.
    variant = build.generate(dataclasses.replace(FAMILIES["affine"], count=13))[-1]
    assert isinstance(variant, FunctionSpec)
    leaked = build.function_task(FAMILIES["affine-val"], 0, variant)
    assert leaked.split == "val" and leaked.prompt not in {t.prompt for t in train}
    with pytest.raises(
        build.SuiteBuildError, match=r"val leaks: \S+/affine-\d+ ~ \S+affine-val-00"
    ):
        build.check_splits([*train, leaked])
    build.check_splits([t for t in functions if t.split in ("train", "val")])


def test_the_leak_check_catches_variants_of_one_family(functions: list[Task]) -> None:
    affine = [t for t in functions if t.metadata["family"] == "affine"]
    assert len(near_duplicates(affine[:1], affine[1:2])) == 1


def test_test_split_has_held_out_families(functions: list[Task], stdio: list[Task]) -> None:
    for tasks, minimum in ((functions, 5), (stdio, 3)):
        by_split: dict[str, set[str]] = {"train": set(), "val": set(), "test": set()}
        for t in tasks:
            by_split[t.split].add(t.metadata["family"])
        assert len(by_split["test"] - by_split["train"]) >= minimum
        assert len(by_split["train"]) + len(by_split["test"]) >= (25 if tasks is functions else 12)


# -- determinism ------------------------------------------------------------------------------


def test_function_suite_rebuilds_to_the_committed_bytes(tmp_path: Path) -> None:
    # The oracle computes every expected value in-process, so this rebuild is fast; the
    # references themselves are checked by the build (and by the docker test below).
    out = tmp_path / "functions.jsonl"
    dump_suite(build.build_function_tasks(check=False), out)
    assert out.read_bytes() == FUNCTIONS_PATH.read_bytes(), (
        "tasks/data/codegym-functions.jsonl is stale: run `python -m tasks.builtin.build`"
    )


def test_function_references_agree_with_the_oracles() -> None:
    build.build_function_tasks(check=True)  # raises SuiteBuildError on any mismatch


@pytest.mark.slow
def test_full_build_is_deterministic(tmp_path: Path) -> None:
    # Runs every stdio reference (C++ ones compiled with g++): about two minutes on 2 cores.
    paths = build.build(tmp_path)
    assert paths[build.FUNCTION_SUITE].read_bytes() == FUNCTIONS_PATH.read_bytes()
    assert paths[build.STDIO_SUITE].read_bytes() == STDIO_PATH.read_bytes()


# -- through the real sandbox -----------------------------------------------------------------


def _wrong_answer(task: Task) -> str:
    if task.kind == "function":
        return f"def {task.entry_point}(*args, **kwargs):\n    return None\n"
    return "int main() { return 0; }\n" if task.language == "cpp" else ""


@pytest.mark.docker
@pytest.mark.slow
def test_references_pass_and_trivial_answers_fail(
    docker_sandbox: object, functions: list[Task], stdio: list[Task]
) -> None:
    tasks = functions + stdio
    requests = [t.grading_request(t.reference_solution) for t in tasks]
    requests += [t.feedback_request(t.reference_solution) for t in tasks]
    requests += [t.grading_request(_wrong_answer(t)) for t in tasks]
    results = docker_sandbox.run_many(requests)  # type: ignore[attr-defined]
    n = len(tasks)
    infra = [t.id for t, r in zip(tasks * 3, results, strict=True) if r.infra_error]
    assert infra == []
    failing = [
        f"{t.id}: {r.status} {r.message}"
        for t, r in zip(tasks * 2, results[: 2 * n], strict=True)
        if not r.passed
    ]
    assert failing == []
    passing_wrong = [t.id for t, r in zip(tasks, results[2 * n :], strict=True) if r.passed]
    assert passing_wrong == []
