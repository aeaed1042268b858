"""`Task`: one coding problem, and how it turns into sandbox requests.

A task knows its prompt, its public tests (shown to the agent, used for feedback) and its hidden
tests (never shown; used for the reward and for held-out scoring). `grading_request` and
`feedback_request` build the `sandbox` requests for a candidate solution, so environments, the
evaluator and `codegym tasks validate` all grade the same way.

Kinds:
- ``function``: write a Python function `entry_point`. Tests are `CallTest`s, or an assert-style
  `test_script` (HumanEval's ``check(candidate)``) with trusted `setup` code run before it.
- ``stdio``: a program (``python`` or ``cpp``) that reads stdin and writes stdout; tests are
  `IOTest`s compared as `compare` says.
- ``repo``: a small repository (`files`) with a bug or a missing feature. The agent edits files;
  the hidden `test_script` runs in the oracle and reaches the repository's functions through
  ``candidate_function("module.path:function")`` proxies, so nothing the agent writes (tests,
  conftest.py, patched asserts) can change the verdict. A repository mined from a real project
  (`tasks.mining`) is graded by its own pytest tests instead: `runner` runs them in the
  candidate's process and the test script in the oracle records each hidden test's outcome;
  `editable` names the files whose edits are graded, every other file is graded as shipped.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sandbox.base import (
    CallTest,
    CommandRequest,
    ExecRequest,
    FunctionRequest,
    IOTest,
    Limits,
    StdioRequest,
)

SCHEMA_VERSION = 1

Kind = Literal["function", "stdio", "repo"]
Split = Literal["train", "val", "test"]
SPLITS: tuple[Split, ...] = ("train", "val", "test")
"""train: tasks RL trains on. val: unseen tasks of the training families (no prompt a
near-duplicate of a train prompt), the split that shows learning. test: held-out families, the
hard case."""
TestCase = CallTest | IOTest


@dataclass(frozen=True)
class Task:
    id: str
    suite: str
    split: Split
    kind: Kind
    prompt: str
    language: Literal["python", "cpp"] = "python"
    entry_point: str = ""
    public_tests: tuple[TestCase, ...] = ()
    hidden_tests: tuple[TestCase, ...] = ()
    test_script: str = ""
    """Hidden assert-style tests: defines ``check(candidate)``; graded instead of `hidden_tests`."""
    setup: str = ""
    """Trusted code run in the oracle before `test_script` (HumanEval: the prompt)."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Repository tasks: the starting files, path -> text."""
    reference_solution: str = ""
    """function/stdio: a full solution source. repo: unused, see `reference_files`."""
    reference_files: Mapping[str, str] = field(default_factory=dict)
    """Repository tasks: files that, written over `files`, solve the task."""
    public_command: str = ""
    """Repository tasks: the command that runs the public tests (e.g. ``python -m pytest -q``)."""
    editable: tuple[str, ...] = ()
    """Repository tasks: glob patterns (``fnmatch``, ``*`` spans ``/``) of the paths whose edits
    are graded; a pattern starting with ``!`` excludes, and the last pattern that matches wins.
    Every other path is graded as it is in `files`, and new files there are dropped. Empty:
    every edit is graded."""
    runner: str = ""
    """Repository tasks: trusted source run first in the candidate's process as its module,
    whose `entry_point` function the hidden `test_script` calls (mined tasks: a pytest runner)."""
    compare: Literal["lines", "tokens", "exact"] = "lines"
    float_tol: float | None = None
    limits: Limits = field(default_factory=Limits)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """source, difficulty ("easy" | "medium" | "hard"), tags, family, ..."""

    @property
    def difficulty(self) -> str:
        return str(self.metadata.get("difficulty", ""))

    # -- sandbox requests -------------------------------------------------------------------

    def grading_request(self, solution: str | Mapping[str, str]) -> ExecRequest:
        """The request whose verdict is the reward: hidden tests, no details leaked."""
        return self._request(solution, hidden=True)

    def feedback_request(self, solution: str | Mapping[str, str]) -> ExecRequest:
        """The request whose failures are shown to the agent: public tests, with details."""
        return self._request(solution, hidden=False)

    def _request(self, solution: str | Mapping[str, str], *, hidden: bool) -> ExecRequest:
        if self.kind == "function":
            assert isinstance(solution, str)
            if hidden and self.test_script:
                return FunctionRequest(
                    source=solution,
                    entry_point=self.entry_point,
                    test_script=self.test_script,
                    setup=self.setup,
                    float_tol=self.float_tol,
                    limits=self.limits,
                    details=False,
                )
            tests = self.hidden_tests if hidden else self.public_tests
            return FunctionRequest(
                source=solution,
                entry_point=self.entry_point,
                tests=tuple(t for t in tests if isinstance(t, CallTest)),
                float_tol=self.float_tol,
                limits=self.limits,
                details=not hidden,
            )
        if self.kind == "stdio":
            assert isinstance(solution, str)
            tests = self.hidden_tests if hidden else self.public_tests
            return StdioRequest(
                source=solution,
                tests=tuple(t for t in tests if isinstance(t, IOTest)),
                language=self.language,
                compare=self.compare,
                float_tol=self.float_tol,
                limits=self.limits,
                details=not hidden,
            )
        if self.kind == "repo":
            assert not isinstance(solution, str), "repo solutions are a mapping of files"
            if hidden:
                return FunctionRequest(
                    source=self.runner,
                    entry_point=self.entry_point or "main",
                    files=graded_files(self.files, solution, self.editable),
                    test_script=self.test_script,
                    setup=self.setup,
                    float_tol=self.float_tol,
                    limits=self.limits,
                    details=False,
                )
            files = {**self.files, **solution}
            return CommandRequest(files=files, command=self.public_command, limits=self.limits)
        raise ValueError(f"task {self.id}: unknown kind {self.kind!r}")


def graded_files(
    files: Mapping[str, str], solution: Mapping[str, str], editable: tuple[str, ...]
) -> dict[str, str]:
    """The repository a grading request carries: `files` with the edits of `solution` that
    `editable` allows (all of them when it is empty). A path that is not a plain relative path
    (absolute, with ``..``, ``.`` or empty parts, or a backslash) is never graded: pytest would
    otherwise find a ``conftest.py`` written above the repository."""
    if not editable:
        return {**files, **solution}
    graded = dict(files)
    for path, text in solution.items():
        if is_editable(path, editable) and graded.get(path) != text:
            graded[path] = text
    return graded


def is_editable(path: str, editable: tuple[str, ...]) -> bool:
    """Whether `path` matches `editable` (see `Task.editable`), for a plain relative path."""
    if (
        not path
        or "\\" in path
        or path.startswith("/")
        or posixpath.normpath(path) != path
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        return False
    allowed = False
    for pattern in editable:
        negated = pattern.startswith("!")
        if fnmatch.fnmatchcase(path, pattern[1:] if negated else pattern):
            allowed = not negated
    return allowed
