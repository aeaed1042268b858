"""Run the built-in suites' own reference solutions on this machine, at build time.

These are trusted programs written alongside the generators, so plain subprocesses with a
timeout are enough; candidate code never comes near this module (it goes through `sandbox`).

- `check_functions` execs each reference in a child interpreter and compares its return values
  type-strictly with the oracle's expected values; it returns the failures.
- `run_stdio` runs one reference program (Python, or C++17 compiled with g++) on each stdin and
  returns what it printed; this is where stdio expected outputs come from.

``python -m tasks.builtin.runner`` is the child side of `check_functions`: it reads a pickled
list of checks on stdin and writes a pickled list of failure messages on stdout.
"""

from __future__ import annotations

import copy
import math
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.errors import TaskError
from tasks.literals import same_value

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ReferenceSolutionError(TaskError):
    """A reference solution failed, crashed or timed out while the suites were being built."""


@dataclass(frozen=True)
class FunctionCheck:
    task_id: str
    source: str
    entry_point: str
    cases: tuple[tuple[tuple[Any, ...], Any], ...]
    """(args, expected) pairs."""
    float_tol: float | None = None


def check_functions(
    checks: Sequence[FunctionCheck], *, timeout_s: float = 120.0, call_timeout_s: int = 5
) -> list[str]:
    """Failure messages (empty when every reference returns every expected value)."""
    payload = pickle.dumps((list(checks), call_timeout_s))
    proc = subprocess.run(
        [sys.executable, "-m", "tasks.builtin.runner"],
        input=payload,
        capture_output=True,
        timeout=timeout_s,
        cwd=PROJECT_ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise ReferenceSolutionError(
            f"reference checker exited with {proc.returncode}: {proc.stderr.decode()[-2000:]}"
        )
    failures: list[str] = pickle.loads(proc.stdout)
    return failures


def _close(got: Any, expected: Any, tol: float | None) -> bool:
    if tol is not None and type(got) is float and type(expected) is float:
        return math.isclose(got, expected, rel_tol=tol, abs_tol=tol)
    return same_value(got, expected)


def _alarm(signum: int, frame: Any) -> None:
    raise TimeoutError("reference call timed out")


def _child() -> None:
    checks, call_timeout_s = pickle.loads(sys.stdin.buffer.read())
    signal.signal(signal.SIGALRM, _alarm)
    failures = []
    for check in checks:
        namespace: dict[str, Any] = {"__name__": "reference"}
        try:
            exec(compile(check.source, f"<{check.task_id}>", "exec"), namespace)
            function = namespace[check.entry_point]
        except Exception as exc:  # noqa: BLE001 - report, do not stop the other checks
            failures.append(f"{check.task_id}: reference does not load: {exc!r}")
            continue
        for args, expected in check.cases:
            signal.alarm(call_timeout_s)
            try:
                got = function(*copy.deepcopy(args))
            except Exception as exc:  # noqa: BLE001
                got = exc
            finally:
                signal.alarm(0)
            if not _close(got, expected, check.float_tol):
                failures.append(
                    f"{check.task_id}: {check.entry_point}{args!r} returned {got!r}, "
                    f"the oracle expects {expected!r}"
                )
    sys.stdout.buffer.write(pickle.dumps(failures))


def run_stdio(
    language: str, source: str, stdins: Sequence[str], *, task_id: str, timeout_s: float = 10.0
) -> list[str]:
    """stdout of the reference on each stdin; raises `ReferenceSolutionError` on a crash or timeout."""
    with tempfile.TemporaryDirectory(prefix="codegym-ref-") as tmp:
        if language == "python":
            path = Path(tmp, "main.py")
            path.write_text(source)
            argv = [sys.executable, "-I", str(path)]
        elif language == "cpp":
            gxx = shutil.which("g++")
            if gxx is None:
                raise ReferenceSolutionError("building the C++ references needs g++ on PATH")
            Path(tmp, "main.cpp").write_text(source)
            compiled = subprocess.run(
                [gxx, "-O2", "-std=c++17", "-o", "main", "main.cpp"],
                cwd=tmp, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            if compiled.returncode != 0:
                raise ReferenceSolutionError(
                    f"{task_id}: reference does not compile:\n{compiled.stderr}"
                )
            argv = [str(Path(tmp, "main"))]
        else:
            raise ValueError(f"{task_id}: unknown language {language!r}")
        outputs = []
        for n, stdin in enumerate(stdins):
            try:
                proc = subprocess.run(
                    argv,
                    input=stdin,
                    capture_output=True,
                    text=True,
                    timeout=timeout_s,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise ReferenceSolutionError(
                    f"{task_id}: reference timed out on case {n}"
                ) from None
            if proc.returncode != 0:
                raise ReferenceSolutionError(
                    f"{task_id}: reference exited with {proc.returncode} on case {n}: "
                    f"{proc.stderr[-1000:]}"
                )
            outputs.append(proc.stdout)
        return outputs


if __name__ == "__main__":
    _child()
