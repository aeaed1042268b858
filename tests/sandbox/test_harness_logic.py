"""Pure pieces of the in-sandbox executor: output comparison, assert splitting, exceptions."""

from __future__ import annotations

import ast
from typing import Any, cast

import pytest

from sandbox.harness import oracle, testcode, verdict, wire
from sandbox.harness.messages import Request


@pytest.mark.parametrize(
    ("got", "expected", "mode", "tol", "match"),
    [
        ("5\n", "5", "lines", None, True),
        ("5  \n\n\n", "5\n", "lines", None, True),
        ("1 2\r\n3\n", "1 2\n3\n", "lines", None, True),
        ("1  2\n", "1 2\n", "lines", None, False),  # inner spacing is significant per line
        ("1  2\n", "1 2\n", "tokens", None, True),
        ("1\n2\n", "1 2", "tokens", None, True),
        ("5\n", "5", "exact", None, False),
        ("0.3333333\n", "0.333333333\n", "lines", 1e-6, True),
        ("0.3334\n", "0.3333\n", "lines", 1e-6, False),
        ("1e9 x\n", "1000000000.5 x\n", "tokens", 1e-6, True),
        ("abc\n", "abd\n", "lines", 1e-6, False),
        ("", "", "lines", None, True),
        ("\n", "", "lines", None, True),
        ("x\ny\n", "x\n", "lines", None, False),
    ],
)
def test_outputs_match(got: str, expected: str, mode: str, tol: float | None, match: bool) -> None:
    assert verdict.outputs_match(got, expected, mode, tol) is match


def _run_split(src: str, candidate) -> tuple[int, list]:
    tree = ast.parse(src)
    n = testcode.split_check(tree, "check")
    rec = oracle._Recorder(max(n, 1))
    ns: dict[str, Any] = {"__cg_record": rec}
    exec(compile(tree, "t", "exec"), ns)
    try:
        ns["check"](candidate)
    except AssertionError:
        pass
    return n, rec.outcomes


def test_split_check_records_each_top_level_assert() -> None:
    src = "def check(c):\n    x = 2\n    assert c(1) == 1\n    assert c(x) == 3\n    assert c(3) == 3\n"
    n, outcomes = _run_split(src, lambda v: v)
    assert n == 3
    assert [o["passed"] for o in outcomes] == [True, False, True]
    assert outcomes[1]["status"] == "failed"


def test_split_check_leaves_nested_asserts_alone() -> None:
    src = "def check(c):\n    for i in range(3):\n        assert c(i) == i\n"
    n, outcomes = _run_split(src, lambda v: v)
    assert n == 0


def test_split_check_exception_is_runtime_error() -> None:
    src = "def check(c):\n    assert c(1) == 1\n"
    n, outcomes = _run_split(src, lambda v: 1 / 0)
    assert n == 1 and outcomes[0]["status"] == "runtime_error"
    assert "ZeroDivisionError" in outcomes[0]["message"]


def test_rebuild_exception_keeps_builtin_types_only() -> None:
    assert type(wire.rebuild_exception(["MyError", "ValueError", "Exception"], "m")) is ValueError
    err = wire.rebuild_exception(["SkipTest", "Exception"], "skip")
    assert type(err) is wire.CandidateError  # unittest.SkipTest is not builtin: it cannot skip
    assert type(wire.rebuild_exception(["StopIteration", "Exception"], "")) is wire.CandidateError
    assert type(wire.rebuild_exception(["SystemExit", "BaseException"], "")) is wire.CandidateError


def test_candidate_stop_is_not_an_exception() -> None:
    # a test's own `except Exception:` must not swallow a timeout or a dead candidate
    assert not issubclass(wire.CandidateTimeout, Exception)
    assert not issubclass(wire.CandidateGone, Exception)


def request(**fields: Any) -> Request:
    """A request of the harness's own shape, from keyword fields."""
    return cast(Request, fields)


def test_count_asserts_is_cached_and_defaults_to_one() -> None:
    req = request(test_script="def check(c):\n    pass\n", setup="", check_name="check")
    assert testcode.count_asserts(req) == 1
    req2 = request(**{**req, "test_script": "def check(c):\n    assert c(1)\n    assert c(2)\n"})
    assert testcode.count_asserts(req2) == 2
    assert testcode.count_asserts(request(**{**req2, "split_asserts": False})) == 1


def test_only_requests_with_the_same_tests_and_limits_share_an_oracle() -> None:
    base: dict[str, Any] = {
        "setup": "from typing import List\n",
        "test_script": "def check(candidate):\n    assert candidate(1) == 2\n",
        "entry_point": "f",
        "limits": {"timeout_s": 10.0, "memory_mb": 512},
        "source": "def f(x):\n    return x + 1\n",
    }
    other = request(**{**base, "source": "def f(x):\n    return 2\n"})
    assert testcode.same_tests(request(**base), other)
    for key, value in [
        ("setup", ""),
        ("test_script", base["test_script"] + "\n"),
        ("entry_point", "g"),
        ("limits", dict(base["limits"], timeout_s=9.0)),
        ("tests", [{"args": [1], "expected": 2}]),
        ("check_name", "verify"),
        ("split_asserts", False),
    ]:
        assert not testcode.same_tests(request(**base), request(**{**base, key: value})), key


def test_oracle_cpu_seconds_are_exact_under_rlimit_cpu() -> None:
    # The oracle runs under RLIMIT_CPU, where time.process_time lags by up to a tick: measured
    # in a child (the limit stays there), short stretches of work must read the same as the
    # thread's exact clock.
    import os
    import resource
    import time

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (10_000, 10_001))
            worst = 0.0
            for _ in range(5):
                time.sleep(0.001)
                exact0 = time.thread_time()  # reading it brings the process timer up to date
                cpu0 = oracle.cpu_seconds()
                sum(range(50_000))  # a few ms of work that reads no clock
                cpu = oracle.cpu_seconds() - cpu0
                exact = time.thread_time() - exact0
                worst = max(worst, abs(cpu - exact))
            os.write(write, repr(worst).encode())
        finally:
            os._exit(0)
    os.close(write)
    worst = float(os.read(read, 100) or "nan")
    os.close(read)
    os.waitpid(pid, 0)
    assert worst < 0.0003


def test_each_harness_module_stays_under_400_lines() -> None:
    """The harness is split by job (docs/sandbox.md); a module past 400 lines holds two."""
    from pathlib import Path

    import sandbox.harness

    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in Path(sandbox.harness.__file__).parent.glob("*.py")
    }
    assert len(sizes) > 10, sizes
    assert not {name: n for name, n in sizes.items() if n > 400}
