"""Build the built-in suites: ``python -m tasks.builtin.build`` rewrites ``tasks/data/codegym-*.jsonl``.

Steps, in order:

1. every registered family generates its specs from ``random.Random(f"{seed}/{family}")``;
2. function tasks: the oracle computes the expected values, the references are run against them
   in a child interpreter, and any mismatch stops the build;
3. stdio tasks: each reference (Python, or C++17 via ``g++ -O2 -std=c++17``) runs on every case
   and its output becomes the expected output; a crash or timeout stops the build;
4. sanity rules that make reward hacking harder: 2-4 public tests shown in the prompt, at least 5
   hidden tests with inputs that are not public ones, and hidden answers that are not all the same
   (so a constant answer or a lookup of the public cases fails);
5. no leakage between splits: every val family belongs to a training family of its kind, and no
   val or test prompt is a near-duplicate of a train prompt (`tasks.leakage`);
6. the suites are written with `tasks.io.dump_suite`.

The output depends only on the seed and the code: two runs give the same bytes.
"""

from __future__ import annotations

import argparse
import copy
import random
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sandbox.base import CallTest, IOTest
from tasks.builtin import (  # noqa: F401  (importing a family module registers its families)
    fn_algo,
    fn_basic,
    fn_classic,
    fn_heldout,
    fn_val,
    stdio_algo,
    stdio_basic,
    stdio_heldout,
    stdio_val,
)
from tasks.builtin.runner import (
    FunctionCheck,
    ReferenceSolutionError,
    check_functions,
    run_stdio,
)
from tasks.builtin.spec import (
    FAMILIES,
    Family,
    FunctionSpec,
    StdioSpec,
    function_prompt,
    stdio_prompt,
)
from tasks.io import dump_suite
from tasks.leakage import near_duplicates
from tasks.schema import Task

SEED = 20240611
FUNCTION_SUITE = "codegym-functions"
STDIO_SUITE = "codegym-stdio"
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
_RETRIES = 50
T = TypeVar("T")


class SuiteBuildError(ReferenceSolutionError):
    """A generated task breaks a rule of the built-in suites (see the module docstring)."""


def generate(family: Family, *, seed: int = SEED) -> list[FunctionSpec | StdioSpec]:
    """`family.count` specs, none repeating another's text.

    A repeat is drawn again with fresh randomness and a shifted variant number
    (``index + attempt``), so a family whose modes are partly fixed moves on to a mode
    with parameters instead of failing.
    """
    rng = random.Random(f"{seed}/{family.name}")
    specs: list[FunctionSpec | StdioSpec] = []
    seen: set[tuple[str, ...]] = set()
    for index in range(family.count):
        for attempt in range(_RETRIES):
            spec = family.make(rng, index + attempt)
            key = _identity(spec)
            if key not in seen:
                break
        else:
            raise SuiteBuildError(
                f"family {family.name!r}: variant {index} repeats an earlier one {_RETRIES} times; "
                "give the family more modes or parameters, or lower its count"
            )
        seen.add(key)
        specs.append(spec)
    return specs


def _identity(spec: FunctionSpec | StdioSpec) -> tuple[str, ...]:
    if isinstance(spec, FunctionSpec):
        return (spec.name, spec.params, spec.doc)
    return (spec.title, spec.statement, spec.language)


def _metadata(family: Family, spec: FunctionSpec | StdioSpec) -> dict[str, object]:
    meta: dict[str, object] = {
        "source": "codegym",
        "family": family.name,
        "difficulty": spec.difficulty,
        "tags": list(spec.tags),
    }
    if family.of is not None:
        meta["of"] = family.of
    return meta


def check_splits(tasks: Sequence[Task]) -> None:
    """Rule 5 of the module docstring; raises `SuiteBuildError` naming every offending pair."""
    problems = []
    for fam in {FAMILIES[t.metadata["family"]] for t in tasks}:
        if fam.of is None:
            continue
        parent = FAMILIES.get(fam.of)
        if parent is None or parent.split != "train" or parent.kind != fam.kind:
            problems.append(f"val family {fam.name!r}: `of` must name a {fam.kind} training family")
    train = [t for t in tasks if t.split == "train"]
    for split in ("val", "test"):
        held_out = [t for t in tasks if t.split == split]
        problems += [f"{split} leaks: {pair}" for pair in near_duplicates(train, held_out)]
    if problems:
        raise SuiteBuildError(
            f"{len(problems)} leaks between splits (reword the held-out task, change its examples, "
            "or move it to another family):\n" + "\n".join(problems)
        )


def _hidden_only(public: Sequence[T], hidden: Sequence[T]) -> list[T]:
    """Hidden inputs minus the public ones and minus repeats, in order."""
    out: list[T] = []
    for item in hidden:
        if item not in public and item not in out:
            out.append(item)
    return out


def _check_rules(task_id: str, n_public: int, hidden_answers: Sequence[str]) -> None:
    if not 2 <= n_public <= 4:
        raise SuiteBuildError(f"{task_id}: needs 2-4 public tests, has {n_public}")
    if len(hidden_answers) < 5:
        raise SuiteBuildError(f"{task_id}: needs >= 5 hidden tests unlike the public ones")
    if len(set(hidden_answers)) < 2:
        raise SuiteBuildError(f"{task_id}: every hidden test expects {hidden_answers[0]}")


# -- function tasks ---------------------------------------------------------------------------


def function_task(family: Family, index: int, spec: FunctionSpec) -> Task:
    task_id = f"{FUNCTION_SUITE}/{family.name}-{index:02d}"
    hidden_args = _hidden_only(spec.public, spec.hidden)
    public = [CallTest(args=a, expected=spec.solve(*copy.deepcopy(a))) for a in spec.public]
    hidden = [CallTest(args=a, expected=spec.solve(*copy.deepcopy(a))) for a in hidden_args]
    _check_rules(task_id, len(public), [repr(t.expected) for t in hidden])
    if all(t.expected is None for t in hidden):
        raise SuiteBuildError(f"{task_id}: a function returning None would pass")
    return Task(
        id=task_id,
        suite=FUNCTION_SUITE,
        split=family.split,
        kind="function",
        prompt=function_prompt(spec, [(t.args, t.expected) for t in public]),
        language="python",
        entry_point=spec.name,
        public_tests=tuple(public),
        hidden_tests=tuple(hidden),
        reference_solution=spec.reference,
        float_tol=spec.float_tol,
        metadata=_metadata(family, spec),
    )


def build_function_tasks(*, seed: int = SEED, check: bool = True) -> list[Task]:
    tasks = _collect(
        (function_task, fam, index, spec)
        for fam in FAMILIES.values()
        if fam.kind == "function"
        for index, spec in enumerate(generate(fam, seed=seed))
    )
    if check:
        failures = check_functions(
            [
                FunctionCheck(
                    task_id=t.id,
                    source=t.reference_solution,
                    entry_point=t.entry_point,
                    cases=tuple((c.args, c.expected) for c in (*t.public_tests, *t.hidden_tests)),  # type: ignore[union-attr]
                    float_tol=t.float_tol,
                )
                for t in tasks
            ]
        )
        if failures:
            raise SuiteBuildError(
                f"{len(failures)} reference/oracle mismatches:\n" + "\n".join(failures[:40])
            )
    check_splits(tasks)
    return tasks


# -- stdio tasks ------------------------------------------------------------------------------


def stdio_task(family: Family, index: int, spec: StdioSpec) -> Task:
    task_id = f"{STDIO_SUITE}/{family.name}-{index:02d}"
    hidden_in = _hidden_only(spec.public, spec.hidden)
    outputs = run_stdio(spec.language, spec.reference, [*spec.public, *hidden_in], task_id=task_id)
    public = [
        IOTest(stdin=s, expected_stdout=o) for s, o in zip(spec.public, outputs, strict=False)
    ]
    hidden = [
        IOTest(stdin=s, expected_stdout=o)
        for s, o in zip(hidden_in, outputs[len(public) :], strict=True)
    ]
    _check_rules(task_id, len(public), [t.expected_stdout.strip() for t in hidden])
    if not any(t.expected_stdout.strip() for t in hidden):
        raise SuiteBuildError(f"{task_id}: an empty program would pass")
    return Task(
        id=task_id,
        suite=STDIO_SUITE,
        split=family.split,
        kind="stdio",
        prompt=stdio_prompt(spec, [(t.stdin, t.expected_stdout) for t in public]),
        language=spec.language,
        public_tests=tuple(public),
        hidden_tests=tuple(hidden),
        reference_solution=spec.reference,
        float_tol=spec.float_tol,
        metadata=_metadata(family, spec),
    )


def build_stdio_tasks(*, seed: int = SEED, workers: int = 2) -> list[Task]:
    jobs = [
        (fam, index, spec)
        for fam in FAMILIES.values()
        if fam.kind == "stdio"
        for index, spec in enumerate(generate(fam, seed=seed))
    ]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        tasks = _collect(pool.map(_try, [(stdio_task, *job) for job in jobs]))
    check_splits(tasks)
    return tasks


def _try(job: tuple[Any, ...]) -> Task | str:
    make, *args = job
    try:
        task: Task = make(*args)
    except ReferenceSolutionError as exc:  # SuiteBuildError included
        return str(exc)
    return task


def _collect(jobs: Iterable[Any]) -> list[Task]:
    """Tasks from `jobs` (``(make, *args)`` tuples, or results of `_try`); every failure is
    reported at once rather than one per build."""
    results = [job if isinstance(job, (Task, str)) else _try(job) for job in jobs]
    problems = [r for r in results if isinstance(r, str)]
    if problems:
        raise SuiteBuildError(f"{len(problems)} tasks break the rules:\n" + "\n".join(problems))
    return [r for r in results if isinstance(r, Task)]


# -- entry point ------------------------------------------------------------------------------


def build(out_dir: Path = DATA_DIR, *, seed: int = SEED, check: bool = True) -> dict[str, Path]:
    """Write both suites into `out_dir`; returns suite name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        FUNCTION_SUITE: out_dir / f"{FUNCTION_SUITE}.jsonl",
        STDIO_SUITE: out_dir / f"{STDIO_SUITE}.jsonl",
    }
    dump_suite(build_function_tasks(seed=seed, check=check), paths[FUNCTION_SUITE])
    dump_suite(build_stdio_tasks(seed=seed), paths[STDIO_SUITE])
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tasks.builtin.build", description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=DATA_DIR, help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int, default=SEED, help="generator seed (default: %(default)s)"
    )
    parser.add_argument(
        "--no-check", action="store_true",
        help="skip running the function references against the oracles (stdio references always run)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    for suite, path in build(args.out, seed=args.seed, check=not args.no_check).items():
        print(f"{suite}: {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
