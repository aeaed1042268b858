"""The oracle kept between requests (sandbox/harness/oracle.py, `oracle_main`).

Consecutive function requests with the same limits on a container are graded by one oracle
process, each against its own fresh worker; other tests are handed to it with the request. What must hold: the kept oracle grades
exactly as a fresh one would (the test code runs in a fresh namespace every time); task code
that changes the interpreter ends the reuse; a candidate can neither reach the kept oracle
nor leave anything in it for the next sample; an oracle that overran its time is replaced.

Each test script ends with ``assert False, os.getpid()``: the last outcome's message names the
oracle process that graded the request.
"""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import FunctionRequest, Limits, Sandbox, Status

pytestmark = pytest.mark.docker

SOLUTION = "def f(x):\n    return x + 1\n"

TESTS = """
import os

def check(candidate):
    assert candidate(1) == 2
    assert False, os.getpid()
"""


def request(tests: str = TESTS, source: str = SOLUTION, **limits: Any) -> FunctionRequest:
    return FunctionRequest(
        source=source, entry_point="f", test_script=tests, limits=Limits(**limits)
    )


def graded(box: Sandbox, req: FunctionRequest) -> tuple[bool, str]:
    """(whether the real tests passed, the pid of the oracle that graded the request)."""
    result = box.run(req)
    assert result.tests_total >= 2, f"{result.status}: {result.message}"
    *real, last = result.tests
    assert last.message.startswith("AssertionError: "), last.message
    return all(t.passed for t in real), last.message.removeprefix("AssertionError: ")


def oracles(box: Sandbox, req: FunctionRequest, n: int = 3) -> list[str]:
    """The oracle pids of `n` runs of `req`, each of which must pass its real test."""
    runs = [graded(box, req) for _ in range(n)]
    assert all(passed for passed, _ in runs)
    return [pid for _, pid in runs]


def test_requests_with_the_same_tests_share_one_oracle(solo_sandbox: Sandbox) -> None:
    assert len(set(oracles(solo_sandbox, request()))) == 1


def test_other_tests_under_the_same_limits_go_to_the_kept_oracle(solo_sandbox: Sandbox) -> None:
    """The next task's tests are handed to the kept oracle, and they, not the last ones, grade:
    each script below fails one assert of its own, which the verdict must show."""

    def script(name: str, expect: int) -> str:
        return TESTS.replace(
            "assert candidate(1) == 2\n",
            f"assert candidate(1) == {expect}, {name!r}\n    assert candidate(2) == 3\n",
        )

    pids = []
    for name, expect, passed in [("a", 2, True), ("b", 5, False), ("a", 2, True), ("c", 7, False)]:
        result = solo_sandbox.run(request(script(name, expect)))
        first, second, last = result.tests
        assert first.passed is passed and second.passed, (name, first.message)
        assert passed or first.message == f"AssertionError: {name}", first.message
        pids.append(last.message.removeprefix("AssertionError: "))
    assert len(set(pids)) == 1, pids


def test_other_limits_or_tests_too_large_to_hand_over_get_a_fresh_oracle(
    solo_sandbox: Sandbox,
) -> None:
    from sandbox.harness.testcode import SWITCH_MAX

    (before,) = oracles(solo_sandbox, request(), n=1)
    (other_limits,) = oracles(solo_sandbox, request(timeout_s=9), n=1)
    (again,) = oracles(solo_sandbox, request(), n=1)
    large = TESTS + "\n# " + "x" * SWITCH_MAX + "\n"
    (fresh, kept) = oracles(solo_sandbox, request(large), n=2)
    assert len({before, other_limits, again, fresh}) == 4
    assert kept == fresh  # the same large tests again: the oracle that has them


def test_tests_that_do_not_compile_are_reported_by_a_fresh_oracle(solo_sandbox: Sandbox) -> None:
    oracles(solo_sandbox, request(), n=1)
    broken = solo_sandbox.run(request(TESTS + "\ndef broken(:\n"))
    assert not broken.passed and "SyntaxError" in broken.message, broken.message
    assert all(oracles(solo_sandbox, request()))


@pytest.mark.parametrize(
    "change",
    [
        "import builtins\nbuiltins.print = lambda *args: None",
        "import builtins\nbuiltins.extra = 1",
        "import sys\nsys.seen = True",
        "import sys, io\nsys.stdout = io.StringIO()",
        "import sys\nsys.setrecursionlimit(12345)",
        "import threading\nthreading.Thread(target=__import__('time').sleep, args=(60,)).start()",
        "import os\nos.chdir('/usr')",
    ],
    ids=["patch-builtin", "add-builtin", "sys-attribute", "stdout", "recursion", "thread", "cwd"],
)
def test_task_code_that_changes_the_interpreter_ends_the_reuse(
    solo_sandbox: Sandbox, change: str
) -> None:
    tests = TESTS.replace("def check", f"{change}\n\ndef check")
    assert len(set(oracles(solo_sandbox, request(tests)))) == 3
    # and the change is gone for whatever comes next
    clean = "import builtins, os, sys\n\ndef check(candidate):\n" + "".join(
        f"    assert {cond}\n"
        for cond in (
            "candidate(1) == 2",
            "print.__module__ == 'builtins' and not hasattr(builtins, 'extra')",
            "not hasattr(sys, 'seen') and sys.stdout is sys.__stdout__",
            "sys.getrecursionlimit() != 12345",
            "os.getcwd() == '/'",
        )
    )
    result = solo_sandbox.run(request(clean))
    assert result.passed, [(t.name, t.message) for t in result.tests]


def test_the_test_code_starts_from_a_fresh_namespace_every_time(solo_sandbox: Sandbox) -> None:
    tests = TESTS.replace(
        "def check(candidate):\n",
        "seen = []\n\ndef check(candidate):\n    seen.append(1)\n    assert len(seen) == 1\n",
    )
    pids = [graded(solo_sandbox, request(tests)) for _ in range(3)]
    assert all(passed for passed, _ in pids)
    assert len({pid for _, pid in pids}) == 1


KILLER = """
import os, signal
for entry in os.listdir("/proc"):
    if entry.isdigit() and int(entry) != os.getpid():
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.kill(int(entry), sig)
            except OSError:
                pass
        try:
            with open(f"/proc/{entry}/mem", "r+b") as mem:
                mem.write(b"x")
        except OSError:
            pass
try:
    os.kill(-1, signal.SIGKILL)
finally:
    pass
"""


def test_a_candidate_cannot_reach_the_kept_oracle(solo_sandbox: Sandbox) -> None:
    (kept,) = oracles(solo_sandbox, request(), n=1)
    # kill -1 ends the candidate itself: the request fails, but the oracle must live on
    attacked = solo_sandbox.run(request(source=KILLER + SOLUTION))
    assert not attacked.passed
    assert oracles(solo_sandbox, request()) == [kept] * 3


def test_a_sample_cannot_leave_anything_for_the_next_one(solo_sandbox: Sandbox) -> None:
    hoarder = "def f(x):\n    return [x + 1] * 100_000\n"
    tests = TESTS.replace("assert candidate(1) == 2", "assert len(candidate(1)) == 100_000")
    assert graded(solo_sandbox, request(tests, source=hoarder))[0]
    # the next sample of the same tests is wrong: it must fail, whatever the last one returned
    wrong = "def f(x):\n    return []\n"
    assert not graded(solo_sandbox, request(tests, source=wrong))[0]


def test_an_oracle_that_overran_its_time_is_replaced(solo_sandbox: Sandbox) -> None:
    # the oracle spins for good once the candidate answers 0: the request times out with the
    # oracle still busy, so the next sample of the same tests needs a fresh one
    spin = TESTS.replace(
        "def check(candidate):\n",
        "def check(candidate):\n    if candidate(0) == 0:\n        while True:\n            pass\n",
    )
    zero = "def f(x):\n    return 0\n"
    first = solo_sandbox.run(request(spin, source=zero, timeout_s=2, test_timeout_s=1))
    assert first.status is Status.TIMEOUT, first.message
    passed, _ = graded(solo_sandbox, request(spin, timeout_s=2, test_timeout_s=1))
    assert passed


def test_a_kept_oracle_grades_with_each_requests_own_tolerance(solo_sandbox: Sandbox) -> None:
    """The float tolerance is part of what the oracle grades with: a request without one must
    not inherit the one of the request before it (same tests, same limits)."""
    from sandbox import CallTest

    def near(tol: float | None) -> FunctionRequest:
        return FunctionRequest(
            source="def f(x):\n    return x + 0.25\n",
            entry_point="f",
            tests=(CallTest(args=(1.0,), expected=1.0),),
            float_tol=tol,
        )

    assert solo_sandbox.run(near(0.5)).passed
    assert not solo_sandbox.run(near(None)).passed
    assert solo_sandbox.run(near(0.5)).passed
