"""The sandbox contract: requests, results, limits and the `Sandbox` protocol.

Every backend (``docker``, ``local``) turns an `ExecRequest` into an `ExecResult`. A request is
one of three kinds:

- `FunctionRequest`: a Python module from the candidate plus either calls with expected results
  or an assert-style test script (HumanEval's ``check(candidate)``). The tests run in a trusted
  oracle process; the candidate runs in another, less privileged one and is reached through a
  proxy that carries plain builtin data only.
- `StdioRequest`: a program (Python or C++) run once per (stdin, expected stdout) case; the
  comparison happens outside the candidate's process.
- `CommandRequest`: files plus a command, for exploring a repository; exit code and output.

A candidate's failure is a result (`Status.FAILED`, `Status.TIMEOUT`, ...). A broken sandbox is an
exception from `sandbox.errors` or, inside `run_many`, a result with `Status.INFRA_ERROR` after the
backend's retries: never a silent zero reward.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "CallTest",
    "CommandRequest",
    "ExecRequest",
    "ExecResult",
    "FunctionRequest",
    "IOTest",
    "Limits",
    "Sandbox",
    "Status",
    "StdioRequest",
    "TestOutcome",
]


class Status(str, enum.Enum):
    """Outcome of one request (or one test inside it)."""

    PASSED = "passed"
    FAILED = "failed"  # ran, but a test did not pass
    COMPILE_ERROR = "compile_error"  # syntax error, g++ failure, or the entry point is missing
    RUNTIME_ERROR = "runtime_error"  # the candidate raised or exited non-zero
    TIMEOUT = "timeout"  # wall-clock or CPU limit
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    CRASHED = "crashed"  # killed by a signal (segfault, abort)
    INFRA_ERROR = "infra_error"  # the sandbox itself failed; never a candidate's fault

    def __str__(self) -> str:
        return self.value


Language = Literal["python", "cpp"]


@dataclass(frozen=True)
class Limits:
    """Resource limits of one request. All are enforced from outside the candidate's process.

    The defaults suit unit-test-sized problems; competitive-programming suites usually raise
    `test_timeout_s` and `memory_mb`.
    """

    timeout_s: float = 30.0
    """Wall-clock budget of the whole request (all tests, compile step included)."""
    test_timeout_s: float = 5.0
    """Wall-clock budget of one test: one proxied call, one stdio case, or one command."""
    cpu_s: float = 10.0
    """CPU seconds of each candidate process (RLIMIT_CPU)."""
    memory_mb: int = 512
    """Address space of each candidate process (RLIMIT_AS); the container's cgroup caps the sum."""
    processes: int = 32
    """Processes and threads the candidate may have at once (RLIMIT_NPROC on its own uid)."""
    output_bytes: int = 1 << 20
    """stdout + stderr (and proxied return values) per process; past it: `Status.OUTPUT_LIMIT`."""
    file_size_mb: int = 16
    """Largest file the candidate may write (RLIMIT_FSIZE); the work dir is a capped tmpfs."""
    compile_timeout_s: float = 30.0
    """Wall-clock budget of the C++ compile step."""
    compile_memory_mb: int = 1536
    """Address space of the compiler."""

    def __post_init__(self) -> None:
        for name in ("timeout_s", "test_timeout_s", "cpu_s", "compile_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("memory_mb", "processes", "output_bytes", "file_size_mb", "compile_memory_mb"):
            if not getattr(self, name) >= 1:
                raise ValueError(f"Limits.{name} must be >= 1, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class CallTest:
    """One call of the candidate's entry point and the value it must return.

    Arguments and results cross the process boundary as plain builtin data: None, bool, int (any
    size), float (nan/inf too), complex, str, bytes, list, tuple, dict, set, frozenset. Types are
    kept (a tuple is not a list) and the comparison is type-strict: ``1 != 1.0 != True``. Floats
    compare with `FunctionRequest.float_tol` where set.
    """

    args: tuple[Any, ...] = ()
    expected: Any = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""


@dataclass(frozen=True)
class IOTest:
    """One run of a stdio program: what it reads and what it must print."""

    stdin: str = ""
    expected_stdout: str = ""
    name: str = ""


@dataclass(frozen=True)
class FunctionRequest:
    """Grade a Python module by calling one of its functions from a trusted oracle.

    Give either `tests` (calls with expected values, compared by the sandbox) or `test_script`
    (trusted code that defines `check_name`, called as ``check(candidate)`` where ``candidate``
    is a proxy to the candidate's entry point, as in HumanEval). `setup` is trusted code that
    runs in the oracle before the test script (HumanEval's prompt, whose helpers the tests use).
    """

    source: str
    entry_point: str
    """A function defined by `source`, or ``"package.module:function"`` inside `files`."""
    tests: tuple[CallTest, ...] = ()
    test_script: str = ""
    check_name: str = "check"
    files: Mapping[str, str] = field(default_factory=dict)
    """Extra files (a small repository) written to the candidate's work dir, importable by
    `source`. The test script reaches their functions with
    ``candidate_function("package.module:function")``."""
    setup: str = ""
    float_tol: float | None = None
    split_asserts: bool = True
    """Count each top-level ``assert`` of the check function as its own test (partial credit).
    The request passes only when all of them pass, as in the reference harness."""
    limits: Limits = field(default_factory=Limits)
    details: bool = True
    """Report input, expected and actual values of failing tests (public tests only)."""
    kind: Literal["function"] = field(default="function", init=False)

    def __post_init__(self) -> None:
        module, _, name = self.entry_point.rpartition(":")
        if not name.isidentifier() or not all(
            p.isidentifier() for p in module.split(".") if module
        ):
            raise ValueError(
                f"entry_point must be a function name or 'module:function', got {self.entry_point!r}"
            )
        _check_paths(self.files)
        if bool(self.tests) == bool(self.test_script):
            raise ValueError("FunctionRequest needs exactly one of `tests` and `test_script`")


@dataclass(frozen=True)
class StdioRequest:
    """Run a program once per case and compare what it prints.

    Comparison (`compare`): ``"lines"`` (default) ignores trailing whitespace on each line and
    trailing blank lines; ``"tokens"`` compares whitespace-separated tokens; ``"exact"`` compares
    bytes. With `float_tol`, tokens that both parse as numbers compare within that absolute or
    relative tolerance.
    """

    source: str
    tests: tuple[IOTest, ...]
    language: Language = "python"
    compare: Literal["lines", "tokens", "exact"] = "lines"
    float_tol: float | None = None
    limits: Limits = field(default_factory=Limits)
    details: bool = True
    kind: Literal["stdio"] = field(default="stdio", init=False)

    def __post_init__(self) -> None:
        if self.language not in ("python", "cpp"):
            raise ValueError(f"language must be 'python' or 'cpp', got {self.language!r}")
        if not self.tests:
            raise ValueError("StdioRequest needs at least one test")


@dataclass(frozen=True)
class CommandRequest:
    """Write `files` into a fresh work dir and run `command` there (argv list, or a shell line).

    The exit code and output are reported; a command is never a grade by itself.
    """

    files: Mapping[str, str]
    command: str | Sequence[str]
    stdin: str = ""
    limits: Limits = field(default_factory=Limits)
    kind: Literal["command"] = field(default="command", init=False)

    def __post_init__(self) -> None:
        _check_paths(self.files)
        if not self.command:
            raise ValueError("CommandRequest needs a command")


def _check_paths(files: Mapping[str, str]) -> None:
    for path in files:
        parts = path.split("/")
        if path.startswith("/") or ".." in parts or "" in parts or "\0" in path:
            raise ValueError(f"file paths must be relative and inside the work dir: {path!r}")


ExecRequest = FunctionRequest | StdioRequest | CommandRequest


@dataclass(frozen=True)
class TestOutcome:
    """What happened to one test. `input`, `expected` and `got` are filled for failing tests of
    requests with ``details=True``, for feedback to the agent."""

    passed: bool
    status: Status
    name: str = ""
    input: str | None = None
    expected: str | None = None
    got: str | None = None
    message: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class ExecResult:
    """The verdict on one request.

    `passed` holds only when the status is `Status.PASSED` and every expected test was recorded
    as passed by the oracle.
    """

    status: Status
    tests: tuple[TestOutcome, ...] = ()
    tests_total: int = 0
    stdout: str = ""
    stderr: str = ""
    compile_output: str = ""
    exit_code: int | None = None
    message: str = ""
    duration_s: float = 0.0
    """Time spent inside the sandbox on this request (spawning, tests, clean-up)."""
    latency_s: float = 0.0
    """Time from submission to result as seen by the caller, retries included."""
    cpu_s: Mapping[str, float] = field(default_factory=dict)
    """CPU seconds spent on this request inside the sandbox: ``candidate`` (its processes),
    ``oracle`` (the tests) and ``executor`` (the harness itself)."""
    attempts: int = 1
    worker: str = ""

    @property
    def tests_passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def passed(self) -> bool:
        return (
            self.status is Status.PASSED
            and self.tests_total > 0
            and len(self.tests) == self.tests_total
            and self.tests_passed == self.tests_total
        )

    @property
    def fraction(self) -> float:
        """Share of expected tests that passed (0.0 when none were expected)."""
        return self.tests_passed / self.tests_total if self.tests_total else 0.0

    @property
    def infra_error(self) -> bool:
        return self.status is Status.INFRA_ERROR


@runtime_checkable
class Sandbox(Protocol):
    """Runs untrusted code. One required method, `run`; `run_many` runs concurrently and keeps
    the order of its input. Both may be called from several threads at once (an evaluation keeps
    two batches in flight; a trainer steps environments from worker threads). Use as a context
    manager, or call `close()`."""

    def run(self, request: ExecRequest) -> ExecResult: ...

    def run_many(self, requests: Sequence[ExecRequest]) -> list[ExecResult]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Sandbox: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
