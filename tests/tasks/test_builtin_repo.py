"""The ``codegym-repo`` suite is gradable: every task fails at the start and passes when fixed.

Without a sandbox, each task is checked twice over:

- public tests: pytest runs in a subprocess on a temp copy of the repository; the starting files
  must fail and the starting files plus `reference_files` must pass;
- hidden tests: the ``check(candidate)`` script runs here, with ``candidate_function`` emulated by
  importing the repository from a temp dir. Like the sandbox's oracle, each top-level ``assert``
  is its own test, arguments and return values are copied and must be plain builtin data, and a
  repository's exception arrives as its nearest builtin base class. The start must fail at least
  one assert; the reference must pass them all.

The ``docker`` test grades every task through the real sandbox the same way.
"""

from __future__ import annotations

import ast
import builtins
import copy
import difflib
import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tasks.builtin.repo import DATA_PATH, SPECS, build_tasks
from tasks.builtin.repo._spec import PUBLIC_COMMAND, SUITE
from tasks.io import dump_suite, load_suite
from tasks.schema import Task

TASKS = build_tasks()
IDS = [task.id for task in TASKS]


def _write(root: Path, files: Mapping[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _versions(task: Task) -> dict[str, dict[str, str]]:
    return {"start": dict(task.files), "fixed": {**task.files, **task.reference_files}}


# -- the suite as a whole ---------------------------------------------------------------------


def test_suite_shape() -> None:
    assert len(TASKS) >= 20
    assert len(set(IDS)) == len(IDS)
    splits = [task.split for task in TASKS]
    assert splits.count("train") >= 14 and splits.count("test") >= 6
    for task in TASKS:
        assert task.suite == SUITE and task.kind == "repo" and task.language == "python"
        assert task.public_command == PUBLIC_COMMAND
        assert task.metadata["source"] == "codegym"
        assert task.metadata["difficulty"] in ("easy", "medium", "hard")
        assert task.metadata["change"] in ("bugfix", "feature")
        assert task.metadata["tags"], task.id
        assert "README.md" in task.files, task.id
        assert any(p.startswith("tests/test_") for p in task.files), task.id
        assert 3 <= len(task.files) <= 7, f"{task.id}: {len(task.files)} files"
        assert PUBLIC_COMMAND in task.prompt
    assert {t.metadata["difficulty"] for t in TASKS} == {"easy", "medium", "hard"}


def test_reference_files_change_something() -> None:
    for task in TASKS:
        assert task.reference_files, task.id
        for path, text in task.reference_files.items():
            assert task.files.get(path) != text, f"{task.id}: {path} is unchanged"


def test_no_near_duplicate_issues_across_splits() -> None:
    train = [s for s in SPECS if s.split == "train"]
    test = [s for s in SPECS if s.split == "test"]
    for held_out in test:
        for seen in train:
            ratio = difflib.SequenceMatcher(None, held_out.issue, seen.issue).ratio()
            assert ratio < 0.5, f"{held_out.name} (test) reads like {seen.name} (train): {ratio}"
            assert held_out.entry_point.split(".")[0] != seen.entry_point.split(".")[0]


def test_data_file_is_generated_from_the_specs(tmp_path: Path) -> None:
    """``python -m tasks.builtin.repo`` was run after the last edit, and rerunning it is a no-op."""
    dump_suite(build_tasks(), tmp_path / "a.jsonl")
    dump_suite(build_tasks(), tmp_path / "b.jsonl")
    fresh = (tmp_path / "a.jsonl").read_bytes()
    assert fresh == (tmp_path / "b.jsonl").read_bytes()
    assert DATA_PATH.read_bytes() == fresh, "stale data file: run `python -m tasks.builtin.repo`"
    assert load_suite(DATA_PATH) == TASKS


# -- public tests: pytest in a subprocess -----------------------------------------------------


def _run_public(root: Path) -> subprocess.CompletedProcess[str]:
    # Same command as PUBLIC_COMMAND, with this interpreter (the system python3 may lack pytest)
    # and without the plugins installed in this environment, as in the sandbox image.
    argv = [sys.executable, *PUBLIC_COMMAND.split()[1:]]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        argv, cwd=root, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.slow  # ~0.5 s per task, two pytest start-ups each: ~20 s for the suite
@pytest.mark.parametrize("task", TASKS, ids=IDS)
def test_public_tests_fail_at_start_and_pass_with_reference(task: Task, tmp_path: Path) -> None:
    for name, files in _versions(task).items():
        root = tmp_path / name
        _write(root, files)
        proc = _run_public(root)
        report = f"{task.id} ({name}):\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
        if name == "start":
            assert proc.returncode == 1, report  # 1: tests ran and some failed
        else:
            assert proc.returncode == 0, report


# -- hidden tests: an in-process stand-in for the sandbox's oracle ----------------------------

_PLAIN = (type(None), bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset)


def _check_plain(value: Any, where: str) -> None:
    if type(value) not in _PLAIN:
        raise TypeError(f"{where} returned {type(value).__name__}, which cannot leave the sandbox")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_plain(key, where)
            _check_plain(item, where)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _check_plain(item, where)


def _as_builtin(exc: BaseException) -> Exception:
    """The exception the oracle sees: the first builtin class in the MRO, with the message."""
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls and issubclass(cls, Exception):
            try:
                return cls(str(exc))
            except TypeError:
                break
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def _candidate_function(target: str) -> Callable[..., Any]:
    module_name, _, name = target.partition(":")

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            fn = getattr(importlib.import_module(module_name), name)
            value = fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        except (Exception, SystemExit) as exc:  # argparse exits on bad options
            raise _as_builtin(exc) from None
        _check_plain(value, target)
        return copy.deepcopy(value)

    return call


@contextmanager
def _importable(root: Path, files: Mapping[str, str]) -> Iterator[None]:
    """Make the repository at `root` importable, and forget its modules afterwards (tasks share
    package names, and the start and fixed versions share all of them)."""
    tops = {p.split("/")[0].removesuffix(".py") for p in files if p.endswith(".py")} - {"tests"}

    def forget() -> None:
        for mod in [m for m in sys.modules if m.split(".")[0] in tops]:
            del sys.modules[mod]

    forget()
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(root))
        forget()


_RECORD = """
try:
    pass
except Exception as _exc:
    _record({k}, _exc)
else:
    _record({k}, None)
"""


def _run_check(task: Task) -> list[str | None]:
    """Run the hidden script against whatever is importable; one entry per top-level assert:
    None when it passed, else why it failed."""
    tree = ast.parse(task.test_script)
    check = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check")
    body: list[ast.stmt] = []
    n_asserts = 0
    for stmt in check.body:
        if isinstance(stmt, ast.Assert):
            wrapper = ast.parse(_RECORD.format(k=n_asserts)).body[0]
            assert isinstance(wrapper, ast.Try)
            wrapper.body = [stmt]
            stmt = ast.copy_location(wrapper, stmt)
            n_asserts += 1
        body.append(stmt)
    check.body = body
    ast.fix_missing_locations(tree)

    outcomes: list[str | None] = ["not reached"] * n_asserts

    def record(i: int, exc: BaseException | None) -> None:
        outcomes[i] = None if exc is None else f"{type(exc).__name__}: {exc}"

    namespace: dict[str, Any] = {"_record": record, "candidate_function": _candidate_function}
    exec(compile(tree, f"<{task.id} hidden tests>", "exec"), namespace)
    try:
        namespace["check"](_candidate_function(task.entry_point))
    except Exception as exc:  # outside any assert: the remaining ones stay "not reached"
        outcomes.append(f"check raised {type(exc).__name__}: {exc}")
    return outcomes


@pytest.mark.parametrize("task", TASKS, ids=IDS)
def test_hidden_tests_fail_at_start_and_pass_with_reference(task: Task, tmp_path: Path) -> None:
    results = {}
    for name, files in _versions(task).items():
        root = tmp_path / name
        _write(root, files)
        with _importable(root, files):
            results[name] = _run_check(task)
    assert len(results["fixed"]) >= 5, f"{task.id}: only {len(results['fixed'])} hidden asserts"
    failed = {i + 1: why for i, why in enumerate(results["fixed"]) if why is not None}
    assert not failed, f"{task.id}: the reference fails hidden asserts {failed}"
    assert any(why is not None for why in results["start"]), f"{task.id}: the start passes"


def _count_asserts(script: str) -> int:
    tree = ast.parse(script)
    check = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check")
    return sum(isinstance(stmt, ast.Assert) for stmt in check.body)


# -- the real sandbox -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docker_sandbox() -> Iterator[Any]:
    from sandbox import make_sandbox
    from sandbox.errors import EngineUnavailableError

    try:
        box = make_sandbox("docker", pool_size=2)
    except EngineUnavailableError as exc:
        pytest.skip(f"no Docker engine: {exc}")
    try:
        yield box
    finally:
        box.close()


@pytest.mark.docker
@pytest.mark.slow  # a pool start plus 88 requests: ~30 s
def test_sandbox_grades_start_as_failing_and_reference_as_passing(docker_sandbox: Any) -> None:
    """Every task through the Docker sandbox: hidden grading (oracle + proxy) and the public
    command, for the starting files and for the reference."""
    requests = []
    for task in TASKS:
        for solution in ({}, task.reference_files):
            requests += [task.grading_request(solution), task.feedback_request(solution)]
    results = iter(docker_sandbox.run_many(requests))
    problems = []
    for task in TASKS:
        start_hidden, start_public, fixed_hidden, fixed_public = (next(results) for _ in range(4))
        # a wrong answer (failed) or an exception from the buggy code (runtime_error)
        if start_hidden.passed or start_hidden.status.value not in ("failed", "runtime_error"):
            problems.append(f"{task.id}: start graded {start_hidden.status}")
        if not fixed_hidden.passed or fixed_hidden.tests_total != _count_asserts(task.test_script):
            why = [t.message for t in fixed_hidden.tests if not t.passed] or fixed_hidden.message
            problems.append(f"{task.id}: reference graded {fixed_hidden.status}: {why}")
        if start_public.exit_code != 1:
            problems.append(f"{task.id}: start public tests exit {start_public.exit_code}")
        if fixed_public.exit_code != 0:
            tail = (fixed_public.stdout + fixed_public.stderr)[-1500:]
            problems.append(
                f"{task.id}: reference public tests exit {fixed_public.exit_code}\n{tail}"
            )
    assert not problems, "\n".join(problems)
