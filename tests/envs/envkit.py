"""Hand-built tasks and a scripted sandbox for the envs tests (imported by tests and conftest).

`ScriptedSandbox` stands in for the sandbox (not for the environment under test) where a test is
about the environment's own logic: turn counting, reward arithmetic, which requests a step sends
and how many sandbox calls it makes. What code really does in a sandbox is tested with the
Docker backend (the `sandbox` fixture; tests marked ``docker``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import cast

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

from envs import CodeEnv
from sandbox.base import CallTest, ExecRequest, ExecResult, IOTest, Limits, Status, TestOutcome
from tasks.schema import Task

LIMITS = Limits(timeout_s=20.0, test_timeout_s=3.0, cpu_s=5.0)

ADD = Task(
    id="hand/add",
    suite="hand",
    split="train",
    kind="function",
    prompt="Return the sum of `a` and `b`.",
    entry_point="add",
    public_tests=(CallTest(args=(1, 2), expected=3), CallTest(args=(0, 0), expected=0)),
    hidden_tests=(
        CallTest(args=(2, 2), expected=4),
        CallTest(args=(-1, 1), expected=0),
        CallTest(args=(10**20, 1), expected=10**20 + 1),
        CallTest(args=(5, 7), expected=12),
    ),
    reference_solution="def add(a, b):\n    return a + b\n",
    limits=LIMITS,
)

HUMANEVAL_PROMPT = '''def incr_list(l: list):
    """Return list with elements incremented by 1.
    >>> incr_list([1, 2, 3])
    [2, 3, 4]
    """
'''

INCR = Task(
    id="hand/incr_list",
    suite="hand",
    split="test",
    kind="function",
    prompt=HUMANEVAL_PROMPT,
    entry_point="incr_list",
    test_script=(
        "def check(candidate):\n"
        "    assert candidate([]) == []\n"
        "    assert candidate([3, 2, 1]) == [4, 3, 2]\n"
        "    assert candidate([5, 2, 5, 2, 3, 3, 9, 0, 123]) == [6, 3, 6, 3, 4, 4, 10, 1, 124]\n"
    ),
    setup=HUMANEVAL_PROMPT,
    reference_solution=HUMANEVAL_PROMPT + "    return [x + 1 for x in l]\n",
    limits=LIMITS,
)

SUM_STDIO = Task(
    id="hand/sum-stdio",
    suite="hand",
    split="train",
    kind="stdio",
    language="python",
    prompt="Read two integers a and b from one line and print a + b.",
    public_tests=(IOTest(stdin="1 2\n", expected_stdout="3\n"),),
    hidden_tests=(
        IOTest(stdin="2 2\n", expected_stdout="4\n"),
        IOTest(stdin="-5 5\n", expected_stdout="0\n"),
        IOTest(stdin="1000000000 1000000000\n", expected_stdout="2000000000\n"),
    ),
    reference_solution="a, b = map(int, input().split())\nprint(a + b)\n",
    limits=LIMITS,
)

SUM_CPP = Task(
    id="hand/sum-cpp",
    suite="hand",
    split="train",
    kind="stdio",
    language="cpp",
    prompt="Read two integers a and b (|a|, |b| <= 1e9) and print a + b.",
    public_tests=(IOTest(stdin="1 2\n", expected_stdout="3\n"),),
    hidden_tests=(
        IOTest(stdin="2 2\n", expected_stdout="4\n"),
        IOTest(stdin="1000000000 1000000000\n", expected_stdout="2000000000\n"),
    ),
    reference_solution=(
        "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; "
        "std::cout << a + b << std::endl; }\n"
    ),
    limits=LIMITS,
)

CALC_FILES = {
    "calc/__init__.py": "",
    "calc/ops.py": "def mean(xs):\n    return sum(xs) / (len(xs) + 1)\n",
    "tests/test_ops.py": (
        "from calc.ops import mean\n\n\ndef test_mean():\n    assert mean([2, 4]) == 3\n"
    ),
}

CALC = Task(
    id="hand/calc-mean",
    suite="hand",
    split="train",
    kind="repo",
    prompt="`calc.ops.mean` returns wrong values. Fix it. An empty list must raise ValueError.",
    entry_point="calc.ops:mean",
    files=CALC_FILES,
    test_script=(
        "def raises_value_error(f, *args):\n"
        "    try:\n"
        "        f(*args)\n"
        "    except ValueError:\n"
        "        return True\n"
        "    return False\n"
        "\n"
        "def check(candidate):\n"
        "    assert candidate([0, 0]) == 0\n"  # the buggy version passes this one
        "    assert candidate([2, 4]) == 3\n"
        "    assert candidate([1, 2, 3, 4]) == 2.5\n"
        "    assert candidate([-1.5]) == -1.5\n"
        "    assert raises_value_error(candidate, [])\n"
    ),
    reference_files={
        "calc/ops.py": (
            "def mean(xs):\n    if not xs:\n        raise ValueError('empty')\n"
            "    return sum(xs) / len(xs)\n"
        )
    },
    public_command="python3 -m pytest -q -p no:cacheprovider tests",
    limits=LIMITS,
)

SAMPLE_TASKS: dict[str, tuple[Task, ...]] = {
    "function": (ADD, INCR),
    "stdio": (SUM_STDIO, SUM_CPP),
    "repo": (CALC,),
}
"""Hand-built tasks per kind, for tests that need any task an environment runs."""


# -- a scripted sandbox ---------------------------------------------------------------------------

Responder = Callable[[ExecRequest], ExecResult]


def compile_error(_: ExecRequest) -> ExecResult:
    return ExecResult(status=Status.COMPILE_ERROR, compile_output="SyntaxError: invalid syntax")


class ScriptedSandbox:
    """A `Sandbox` that answers each request with ``respond(request)`` and records the calls.

    `calls` holds the requests of each `run_many` call, so tests can check that one step makes
    one call carrying both the grading and the feedback request.
    """

    def __init__(self, respond: Responder = compile_error) -> None:
        self.respond = respond
        self.calls: list[list[ExecRequest]] = []
        self.closed = 0

    def run(self, request: ExecRequest) -> ExecResult:
        return self.run_many([request])[0]

    def run_many(self, requests: Sequence[ExecRequest]) -> list[ExecResult]:
        self.calls.append(list(requests))
        return [self.respond(r) for r in requests]

    def close(self) -> None:
        self.closed += 1

    def __enter__(self) -> ScriptedSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __deepcopy__(self, memo: dict[int, object]) -> ScriptedSandbox:
        # gymnasium.make deep-copies constructor kwargs when re-making an env from its spec
        # (check_env does); a sandbox is a shared resource, so the copy is the same object.
        return self


def outcome(passed: bool, **fields: object) -> TestOutcome:
    return TestOutcome(passed=passed, status=Status.PASSED if passed else Status.FAILED, **fields)  # type: ignore[arg-type]


def result(
    passed: int, total: int, *, status: Status | None = None, **fields: object
) -> ExecResult:
    """An `ExecResult` with `passed` of `total` tests recorded as passed."""
    tests = tuple(outcome(i < passed, name=f"t{i}") for i in range(total))
    if status is None:
        status = Status.PASSED if passed == total else Status.FAILED
    return ExecResult(status=status, tests=tests, tests_total=total, **fields)  # type: ignore[arg-type]


def env_class(env_id: str) -> type[CodeEnv]:
    """The class registered as `env_id`; every codegym environment subclasses CodeEnv."""
    creator = load_env_creator(gym.spec(env_id).entry_point)  # type: ignore[arg-type]
    assert isinstance(creator, type) and issubclass(creator, CodeEnv), (
        f"{env_id} must subclass envs.base.CodeEnv"
    )
    return cast(type[CodeEnv], creator)
