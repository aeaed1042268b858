"""Checking a suite through the sandbox: references pass, trivially wrong solutions fail.

A task whose reference fails is broken; a task that an empty body passes rewards nothing and
can be hacked for free. For each task:

- ``function``: the reference must pass the hidden tests (and the public ones, if any); the
  reference with the entry point's body replaced by ``pass``, ``return None`` and
  ``raise NotImplementedError`` must fail the hidden tests.
- ``stdio``: the reference must pass; an empty program and one that reads its input and prints
  nothing must fail.
- ``repo``: the unchanged starting files must fail; `reference_files` written over them must
  pass (and make `public_command` exit 0, when there is one).

All requests go through `Sandbox.run_many` in batches.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sandbox.base import (
    CommandRequest,
    ExecRequest,
    ExecResult,
    FunctionRequest,
    Sandbox,
    Status,
    StdioRequest,
)
from tasks.schema import Task

__all__ = [
    "Check",
    "Problem",
    "ValidationReport",
    "build_checks",
    "validate_tasks",
    "wrong_solutions",
]

WRONG_BODIES = ("pass", "return None", "raise NotImplementedError")


@dataclass(frozen=True)
class Check:
    """One request of the validation and the verdict it must get."""

    task_id: str
    name: str
    must_pass: bool
    request: ExecRequest

    def problem(self, result: ExecResult) -> str:
        """What is wrong with the task given `result`, or ''."""
        if result.status is Status.INFRA_ERROR:
            return f"sandbox infrastructure error: {result.message}"
        if isinstance(self.request, CommandRequest):
            ok = result.exit_code == 0
            return (
                ""
                if ok
                else f"exit code {result.exit_code}: {_tail(result.stdout + result.stderr)}"
            )
        if result.passed == self.must_pass:
            return ""
        if self.must_pass:
            detail = result.message or _tail(result.stderr) or _first_failure(result)
            return f"{result.status} ({result.tests_passed}/{result.tests_total} tests) {detail}".rstrip()
        return f"passed ({result.tests_passed}/{result.tests_total} tests): the tests accept it"


@dataclass(frozen=True)
class Problem:
    task_id: str
    check: str
    detail: str


@dataclass(frozen=True)
class ValidationReport:
    tasks: int
    checks: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def wrong_solutions(task: Task) -> dict[str, str]:
    """Trivially wrong candidates for a function or stdio task, by name."""
    if task.kind == "stdio":
        if task.language == "cpp":
            return {"empty main": "int main() { return 0; }\n"}
        return {"empty program": "", "prints nothing": "import sys\nsys.stdin.read()\n"}
    stubs = {}
    for body in WRONG_BODIES:
        stubs[f"body `{body}`"] = _with_body(task, body)
    return stubs


def build_checks(task: Task) -> tuple[list[Check], list[Problem]]:
    """The requests validating `task`, and the problems visible without running anything."""
    checks: list[Check] = []
    problems: list[Problem] = []
    if task.kind == "repo":
        if not task.reference_files:
            problems.append(Problem(task.id, "reference", "no reference_files"))
        else:
            reference = dict(task.reference_files)
            checks.append(Check(task.id, "reference files", True, _detailed(task, reference)))
            if task.public_command:
                checks.append(
                    Check(task.id, "public command", True, task.feedback_request(reference))
                )
        checks.append(Check(task.id, "unchanged files", False, task.grading_request({})))
        return checks, problems
    if not task.reference_solution:
        problems.append(Problem(task.id, "reference", "no reference_solution"))
    else:
        checks.append(Check(task.id, "reference", True, _detailed(task, task.reference_solution)))
        if task.public_tests:
            request = task.feedback_request(task.reference_solution)
            checks.append(Check(task.id, "reference (public tests)", True, request))
    for name, source in wrong_solutions(task).items():
        checks.append(Check(task.id, name, False, task.grading_request(source)))
    return checks, problems


def validate_tasks(
    tasks: Iterable[Task],
    sandbox: Sandbox,
    *,
    batch_size: int = 64,
    on_batch: Callable[[int], object] | None = None,
) -> ValidationReport:
    """Run every check of every task; `on_batch` gets the number of checks done per batch."""
    checks: list[Check] = []
    problems: list[Problem] = []
    count = 0
    for task in tasks:
        count += 1
        task_checks, task_problems = build_checks(task)
        checks += task_checks
        problems += task_problems
    for start in range(0, len(checks), batch_size):
        batch = checks[start : start + batch_size]
        results = sandbox.run_many([c.request for c in batch])
        for check, result in zip(batch, results, strict=True):
            detail = check.problem(result)
            if detail:
                problems.append(Problem(check.task_id, check.name, detail))
        if on_batch is not None:
            on_batch(len(batch))
    return ValidationReport(tasks=count, checks=len(checks), problems=tuple(problems))


def _with_body(task: Task, body: str) -> str:
    """The reference with the entry point's body replaced by `body`, keeping its signature and
    the module's helpers; a bare ``def entry(*args, **kwargs)`` when there is no reference."""
    statement = ast.parse(body).body
    source = task.reference_solution or (task.prompt if task.metadata.get("prompt_is_code") else "")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    tree = copy.deepcopy(tree)
    for node in tree.body:
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == task.entry_point
        ):
            node.body = list(statement)
            return ast.unparse(tree) + "\n"
    return f"def {task.entry_point}(*args, **kwargs):\n    {body}\n"


def _detailed(task: Task, solution: str | Mapping[str, str]) -> ExecRequest:
    """The grading request of a reference, with the failing tests' input, expected and got
    values reported (the reference is trusted: nothing leaks to a candidate)."""
    request = task.grading_request(solution)
    if isinstance(request, (FunctionRequest, StdioRequest)):
        return dataclasses.replace(request, details=True)
    return request


def _first_failure(result: ExecResult) -> str:
    failing = next((t for t in result.tests if not t.passed), None)
    if failing is None:
        return ""
    detail = f"first failing test {failing.name or '?'}: {failing.message or failing.status}"
    if failing.input is not None:
        detail += f"; input {failing.input}"
    if failing.expected is not None:
        detail += f", expected {failing.expected}, got {failing.got}"
    return detail


def _tail(text: str, limit: int = 200) -> str:
    text = text.strip().replace("\n", " | ")
    return text if len(text) <= limit else "..." + text[-limit:]
