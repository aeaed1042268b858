"""How a mined repository's own pytest tests are run in the sandbox: for grading, through the
oracle; for mining, as a command.

Grading (a `Task`'s hidden request, docs/sandbox.md "Repository tasks mined from real
projects"): the request's source is the pytest runner (`RUNNER_SOURCE`), loaded in the
candidate's process before any file of the repository is imported; the test script, in the
oracle, calls its ``run`` once with the hidden test ids and turns each id into one ``assert``,
so the oracle itself records every hidden test and the count of tests is fixed by the task. A
test that did not run (collection error, nothing collected, the process gone) has no outcome
and fails. The files come from `Task.editable`: the tests, conftest.py, pytest configuration
and anything outside the package are graded as shipped.

Mining: the same runner as ``python3 _codegym_runner.py`` in a `CommandRequest`, which prints
its report between marker lines (`parse_report`): the project's code is not the adversary there.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from sandbox.base import CommandRequest, ExecResult, Limits

__all__ = [
    "ENTRY_POINT",
    "RUNNER_SOURCE",
    "RunReport",
    "check_script",
    "mining_request",
    "parse_report",
]

RUNNER_SOURCE = resources.files("tasks.mining").joinpath("pytest_runner.py").read_text("utf-8")
ENTRY_POINT = "run"
_MARK = "=====codegym-pytest-report====="
_RUNNER_FILE = "_codegym_runner.py"
_SPEC_FILE = "_codegym_spec.json"


def check_script(
    test_ids: Sequence[str],
    pythonpath: Sequence[str] = (),
    *,
    files: Mapping[str, str] | None = None,
) -> str:
    """The hidden test script: one ``assert`` per test id (the oracle counts each as a test).
    `files` (paths in the repository -> text) are written by the runner before pytest starts:
    hidden test files, such as a SWE-bench test patch's, that the agent never sees."""
    spec: dict = {"tests": list(test_ids), "pythonpath": list(pythonpath), "details": 0}
    if files:
        spec["files"] = dict(files)
    lines = [
        f"SPEC = {spec!r}",
        "",
        "",
        "def check(candidate):",
        "    report = candidate(SPEC)",
        "    outcomes = report.get('outcomes') if type(report) is dict else None",
        "    outcomes = outcomes if type(outcomes) is dict else {}",
    ]
    for test_id in test_ids:
        lines.append(f"    assert outcomes.get({test_id!r}) == 'passed', {test_id!r}")
    return "\n".join(lines) + "\n"


def mining_request(
    files: Mapping[str, str],
    tests: Sequence[str],
    *,
    pythonpath: Sequence[str] = (),
    details: int = 0,
    failures_only: bool = False,
    hash_seed: int = 0,
    limits: Limits,
) -> CommandRequest:
    """Run `tests` (ids or paths) over `files` with the runner, as a command: keep `details`
    failure messages; `failures_only` reports passed tests as a count (`RunReport.n_passed`),
    which keeps a large suite's report within what the sandbox returns of a command's output.
    `hash_seed` is the run's PYTHONHASHSEED: commands run with 0, but a grading request runs in
    a worker whose seed is its container's, so the miner runs the baseline under several seeds
    to find the tests whose ids or outcomes follow set and dict order."""
    spec = {
        "tests": list(tests),
        "pythonpath": list(pythonpath),
        "details": details,
        "failures_only": failures_only,
    }
    payload = {**files, _RUNNER_FILE: RUNNER_SOURCE, _SPEC_FILE: json.dumps(spec)}
    command = ["python3", _RUNNER_FILE]
    if hash_seed:
        command = ["env", f"PYTHONHASHSEED={hash_seed}", *command]
    return CommandRequest(files=payload, command=command, limits=limits)


@dataclass(frozen=True)
class RunReport:
    """What one run of the runner saw; `ok` is False when it produced no report."""

    ok: bool
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    n_passed: int = 0
    status: str = ""
    duration_s: float = 0.0

    @property
    def passed(self) -> set[str]:
        return {t for t, o in self.outcomes.items() if o == "passed"}


def parse_report(result: ExecResult) -> RunReport:
    """The runner's report from a `mining_request` result."""
    parts = result.stdout.split(_MARK)
    if len(parts) < 3:
        return RunReport(ok=False, status=str(result.status), duration_s=result.duration_s)
    try:
        data = json.loads(zlib.decompress(base64.b64decode(parts[-2].strip())))
    except (ValueError, zlib.error):
        return RunReport(ok=False, status="bad_report", duration_s=result.duration_s)
    return RunReport(
        ok=True,
        outcomes={str(k): str(v) for k, v in data.get("outcomes", {}).items()},
        messages={str(k): str(v) for k, v in data.get("messages", {}).items()},
        errors={str(k): str(v) for k, v in data.get("errors", {}).items()},
        n_passed=int(data.get("n_passed", 0)),
        status=str(result.status),
        duration_s=result.duration_s,
    )
