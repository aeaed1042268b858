"""`RepoSpec`: one built-in repository task as a reviewer reads it, and how it becomes a `Task`.

Each task module of this package defines ``SPEC = RepoSpec(...)`` holding a small repository as
``path -> text``: the package (with the bug or the missing feature), a README, public pytest tests
that fail on the starting files, the files that fix it, and the hidden ``check(candidate)`` script.

Grading only goes through plain module-level functions: the hidden script runs in the sandbox's
trusted oracle process and reaches the repository through
``candidate_function("package.module:function")``, a proxy whose arguments and return values are
plain builtin data. Classes may live inside a repository, but the graded surface never returns
them. Exceptions arrive as their nearest builtin base (a ``ParseError(ValueError)`` is caught as
``ValueError``).

File texts are written flush left after a leading newline (``r'''\\n...'''``) so that they read
like the files they are; `RepoSpec.to_task` drops that first newline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sandbox.base import Limits
from tasks.schema import Split, Task

__all__ = ["PUBLIC_COMMAND", "SUITE", "RepoSpec"]

SUITE = "codegym-repo"
PUBLIC_COMMAND = "python3 -m pytest -q -p no:cacheprovider tests"
"""How the agent (and `Task.feedback_request`) runs a repository's public tests: Debian's python3
with python3-pytest, as in the sandbox image; the repository root is on ``sys.path`` via ``-m``."""

LIMITS = Limits(timeout_s=60.0, test_timeout_s=20.0)
"""A pytest run is one "test" of a command request; 20 s leaves room for interpreter start-up on
a loaded machine. Each hidden proxied call gets the same budget, far above what these need."""

TOOL_HINT = (
    "The repository is checked out in your working directory. You can list, read and edit its "
    f"files and run commands; the public tests run with `{PUBLIC_COMMAND}`. Hidden tests check "
    "the behaviour described above on other inputs than the public tests, so fix the cause "
    "rather than the examples. Only the Python standard library is available."
)

Difficulty = Literal["easy", "medium", "hard"]
Change = Literal["bugfix", "feature"]


@dataclass(frozen=True)
class RepoSpec:
    """A repository task before it is a `Task`.

    The invariants that make it gradable (public tests fail at the start and pass with the
    reference; the hidden script fails at the start and passes with the reference) are checked
    by ``tests/tasks/test_builtin_repo.py``, which runs them.
    """

    name: str
    """Short slug; the task id is ``codegym-repo/<name>``."""
    split: Split
    difficulty: Difficulty
    change: Change
    tags: tuple[str, ...]
    issue: str
    """The issue as a user files it; the prompt is this plus `TOOL_HINT`."""
    entry_point: str
    """The main graded function, ``"package.module:function"``."""
    files: Mapping[str, str]
    """The starting repository: package, README.md and public tests under ``tests/``."""
    reference_files: Mapping[str, str]
    """Only the files the fix changes or adds, with their full new text."""
    test_script: str
    """Hidden tests: ``def check(candidate):`` with one top-level ``assert`` per test."""

    def __post_init__(self) -> None:
        module, _, function = self.entry_point.partition(":")
        module_path = module.replace(".", "/")
        paths = {*self.files, *self.reference_files}
        if not function or not ({f"{module_path}.py", f"{module_path}/__init__.py"} & paths):
            raise ValueError(
                f"{self.name}: entry_point {self.entry_point!r} must be 'package.module:function' "
                "naming a module among the files"
            )
        touched_tests = [p for p in self.reference_files if p.startswith("tests/")]
        if touched_tests:
            raise ValueError(
                f"{self.name}: reference_files must not edit public tests ({touched_tests}); "
                "grading restores them anyway"
            )
        if "def check(candidate)" not in self.test_script:
            raise ValueError(f"{self.name}: test_script must define check(candidate)")

    @property
    def task_id(self) -> str:
        return f"{SUITE}/{self.name}"

    def to_task(self) -> Task:
        return Task(
            id=self.task_id,
            suite=SUITE,
            split=self.split,
            kind="repo",
            prompt=f"{self.issue.strip()}\n\n{TOOL_HINT}\n",
            entry_point=self.entry_point,
            test_script=_text(self.test_script),
            files={path: _text(text) for path, text in sorted(self.files.items())},
            reference_files={path: _text(t) for path, t in sorted(self.reference_files.items())},
            public_command=PUBLIC_COMMAND,
            limits=LIMITS,
            metadata={
                "source": "codegym",
                "difficulty": self.difficulty,
                "change": self.change,
                "tags": list(self.tags),
                "family": self.name,
            },
        )


def _text(text: str) -> str:
    """Drop the newline after the opening quotes; end with exactly one newline."""
    return text.removeprefix("\n").rstrip("\n") + "\n"
