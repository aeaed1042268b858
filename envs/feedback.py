"""Turning sandbox results into the text an agent reads next turn.

Feedback comes from the public tests only (requests built by `Task.feedback_request`, which carry
input, expected and actual values of failing tests). Hidden-test results are reduced to a status:
showing their cases would turn the held-out tests into training data.
"""

from __future__ import annotations

from sandbox.base import ExecResult, Status, TestOutcome

__all__ = ["clip", "describe_failure", "describe_hidden", "describe_tests"]

_STATUS_TEXT = {
    Status.PASSED: "passed",
    Status.FAILED: "wrong answer",
    Status.COMPILE_ERROR: "compile error",
    Status.RUNTIME_ERROR: "runtime error",
    Status.TIMEOUT: "time limit exceeded",
    Status.MEMORY_LIMIT: "memory limit exceeded",
    Status.OUTPUT_LIMIT: "output limit exceeded",
    Status.CRASHED: "crashed (killed by a signal)",
    Status.INFRA_ERROR: "sandbox error",
}


def clip(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters, keeping its head and tail (where errors are)."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    cut = len(text) - head - tail
    return f"{text[:head]}\n... [{cut} characters cut] ...\n{text[len(text) - tail :]}"


def describe_failure(result: ExecResult, *, limit: int = 2000) -> str | None:
    """A compile error or a crash that stopped every test, else None."""
    if result.status is Status.COMPILE_ERROR:
        detail = result.compile_output or result.message or result.stderr
        return "Compilation failed:\n" + clip(detail.strip() or "(no compiler output)", limit)
    if not result.tests and result.status is not Status.PASSED:
        detail = (result.message or result.stderr).strip()
        text = f"The program did not run to the tests: {_STATUS_TEXT[result.status]}."
        return text + ("\n" + clip(detail, limit) if detail else "")
    return None


def describe_tests(
    result: ExecResult, *, kind: str = "public", max_tests: int = 3, limit: int = 2000
) -> str:
    """A summary line and the first `max_tests` failing tests with input, expected and got."""
    failure = describe_failure(result, limit=limit)
    if failure is not None:
        return failure
    total = result.tests_total or len(result.tests)
    failing = [t for t in result.tests if not t.passed]
    missing = total - len(result.tests)
    if not failing and missing <= 0:
        return f"All {total} {kind} tests passed."
    lines = [f"{len(failing) + max(missing, 0)} of {total} {kind} tests failed."]
    for index, test in enumerate(failing[:max_tests], start=1):
        lines.append(_describe_test(index, test, limit=limit // max(1, max_tests)))
    if len(failing) > max_tests:
        lines.append(f"({len(failing) - max_tests} more failing tests not shown.)")
    if missing > 0:
        lines.append(f"{missing} tests did not run (the program stopped early).")
    return "\n".join(lines)


def _describe_test(index: int, test: TestOutcome, *, limit: int) -> str:
    name = test.name or f"test {index}"
    title = f"{name[:1].upper()}{name[1:]}: {_STATUS_TEXT[test.status]}"
    parts = [title]
    for label, value in (("input", test.input), ("expected", test.expected), ("got", test.got)):
        if value is not None:
            parts.append(f"  {label + ':':10}" + clip(value, limit // 3).replace("\n", "\n    "))
    if test.message:
        parts.append("  " + clip(test.message.strip(), limit // 3).replace("\n", "\n  "))
    return "\n".join(parts)


def describe_hidden(result: ExecResult) -> str:
    """The verdict of the hidden tests without their content."""
    if result.passed:
        return "All hidden tests passed."
    return f"The hidden tests do not pass yet ({_STATUS_TEXT[result.status]})."
