"""The built-in ``codegym-functions`` and ``codegym-stdio`` suites: sizes, completeness, no
leakage between splits, a deterministic build, and (with Docker) every reference passes while a
trivially wrong answer fails."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from pathlib import Path

import pytest

from sandbox.base import CallTest, IOTest
from tasks.builtin import build
from tasks.builtin.spec import FAMILIES
from tasks.io import dump_suite, load_suite
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
        share = Counter(t.split for t in tasks)["test"] / len(tasks)
        assert 0.2 <= share <= 0.4, f"test split holds {share:.0%} of the suite"
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


def _tokens(prompt: str) -> frozenset[str]:
    """Word tokens of a prompt with every number replaced by 0, so two variants of one family
    that differ only in their constants look the same."""
    return frozenset(re.findall(r"[a-z_]+|0", re.sub(r"\d+", "0", prompt.lower())))


def near_duplicates(train: list[Task], test: list[Task], *, threshold: float = 0.8) -> list[str]:
    """Pairs (train, test) whose prompts are near-duplicates: token-set Jaccard >= threshold,
    or, for pairs passing a cheap Jaccard >= 0.5 pre-filter, a difflib ratio >= 0.9 of the
    digit-normalised text."""
    found = []
    train_tokens = [(t, _tokens(t.prompt)) for t in train]
    for b in test:
        tb = _tokens(b.prompt)
        for a, ta in train_tokens:
            jaccard = len(ta & tb) / len(ta | tb)
            if jaccard < 0.5:
                continue
            ratio = difflib.SequenceMatcher(
                None, re.sub(r"\d+", "0", a.prompt), re.sub(r"\d+", "0", b.prompt)
            ).ratio()
            if jaccard >= threshold or ratio >= 0.9:
                found.append(f"{a.id} ~ {b.id} (jaccard {jaccard:.2f}, ratio {ratio:.2f})")
    return found


def test_no_prompt_leaks_across_splits(functions: list[Task], stdio: list[Task]) -> None:
    for tasks in (functions, stdio):
        train = [t for t in tasks if t.split == "train"]
        test = [t for t in tasks if t.split == "test"]
        assert near_duplicates(train, test) == []
        assert not {t.prompt for t in train} & {t.prompt for t in test}


def test_the_leak_check_catches_variants_of_one_family(functions: list[Task]) -> None:
    affine = [t for t in functions if t.metadata["family"] == "affine"]
    assert len(near_duplicates(affine[:1], affine[1:2])) == 1


def test_test_split_has_held_out_families(functions: list[Task], stdio: list[Task]) -> None:
    for tasks, minimum in ((functions, 5), (stdio, 3)):
        by_split: dict[str, set[str]] = {"train": set(), "test": set()}
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
