"""envs.feedback: what the agent reads after a failed attempt."""

from __future__ import annotations

from envs.feedback import clip, describe_hidden, describe_tests
from sandbox import base as sb


def failing(n: int) -> sb.TestOutcome:
    return sb.TestOutcome(
        passed=False, status=sb.Status.FAILED, input=f"f({n})", expected=str(n), got="0"
    )


def test_clip_keeps_head_and_tail() -> None:
    text = "HEAD" + "x" * 10_000 + "TAIL"
    clipped = clip(text, 300)
    assert clipped.startswith("HEAD") and clipped.endswith("TAIL") and len(clipped) < 400
    assert "characters cut" in clipped and clip("short", 300) == "short"


def test_failing_tests_are_listed_up_to_the_limit() -> None:
    result = sb.ExecResult(
        status=sb.Status.FAILED, tests=tuple(map(failing, range(5))), tests_total=5
    )
    text = describe_tests(result, max_tests=2)
    assert text.startswith("5 of 5 public tests failed.")
    assert "input:    f(1)" in text and "f(2)" not in text and "3 more failing tests" in text


def test_tests_that_did_not_run_are_counted() -> None:
    ok = sb.TestOutcome(passed=True, status=sb.Status.PASSED)
    result = sb.ExecResult(status=sb.Status.RUNTIME_ERROR, tests=(ok,), tests_total=3)
    assert describe_tests(result).startswith("2 of 3 public tests failed.")
    assert "2 tests did not run" in describe_tests(result)


def test_compile_error_and_crash_before_tests() -> None:
    compile_error = sb.ExecResult(status=sb.Status.COMPILE_ERROR, compile_output="error: x\n")
    assert describe_tests(compile_error) == "Compilation failed:\nerror: x"
    crash = sb.ExecResult(status=sb.Status.RUNTIME_ERROR, message="SystemExit: 0", tests_total=2)
    assert describe_tests(crash).startswith("The program did not run to the tests: runtime error.")


def test_hidden_results_show_only_a_status() -> None:
    hidden = sb.ExecResult(status=sb.Status.FAILED, tests=(failing(7),), tests_total=1)
    assert describe_hidden(hidden) == "The hidden tests do not pass yet (wrong answer)."
    assert "f(7)" not in describe_hidden(hidden)
