"""Scoring bookkeeping: graded source, order, batches, resume after a crash, summary."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import pytest

from sandbox import base as sb
from sandbox.base import ExecRequest, ExecResult, FunctionRequest, Status
from tasks.errors import EvaluationError, TaskFormatError
from tasks.evaluate import (
    ResultsFile,
    Sample,
    ScoredSample,
    graded_solution,
    read_samples,
    score_samples,
    summarize,
)
from tasks.loaders import load_humaneval
from tasks.schema import Task

FIXTURES = Path(__file__).parent / "fixtures"


class VerdictBySource:
    """A stand-in sandbox for bookkeeping tests: the verdict is written in the source
    (``# verdict: passed``), so order, batching and row contents can be checked exactly."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.ran: list[str] = []  # the verdicts, in the order their requests ran

    def run(self, request: ExecRequest) -> ExecResult:
        return self.run_many([request])[0]

    def run_many(self, requests: Sequence[ExecRequest]) -> list[ExecResult]:
        self.batches.append(len(requests))
        results = []
        for request in requests:
            assert isinstance(request, FunctionRequest)
            status = Status(request.source.rsplit("# verdict: ", 1)[1].split()[0])
            self.ran.append(status.value)
            passed = status is Status.PASSED
            tests = (sb.TestOutcome(passed, status), sb.TestOutcome(True, Status.PASSED))
            results.append(ExecResult(status=status, tests=tests, tests_total=2, duration_s=0.5))
        return results

    def close(self) -> None:
        pass

    def __enter__(self) -> VerdictBySource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@pytest.fixture
def tasks() -> list[Task]:
    return load_humaneval(FIXTURES / "humaneval_mini.jsonl.gz")


def _samples(verdicts: list[tuple[str, str]]) -> list[Sample]:
    return [
        Sample.from_row({"task_id": t, "completion": f"    return 0  # verdict: {v}\n", "seed": i})
        for i, (t, v) in enumerate(verdicts)
    ]


def test_completion_continues_code_prompts_only(tasks: list[Task]) -> None:
    add = tasks[0]
    assert graded_solution(add, Sample("Mini/0", completion="    return a + b\n")) == (
        add.prompt + "    return a + b\n"
    )
    assert graded_solution(add, Sample("Mini/0", completion="x", solution="full")) == "full"
    prose = Task(id="p", suite="s", split="test", kind="function", prompt="Add.",
                 entry_point="add", test_script="def check(c): pass")  # fmt: skip
    assert graded_solution(prose, Sample("p", completion="def add(): ...")) == "def add(): ..."


def test_score_samples_runs_by_task_and_answers_in_sample_order(tasks: list[Task]) -> None:
    samples = _samples([("Mini/0", "passed"), ("Mini/1", "timeout"), ("Mini/0", "failed")])
    sandbox = VerdictBySource()
    seen: list[list[ScoredSample]] = []
    scored = score_samples(tasks, samples, sandbox, batch_size=2, in_flight=1, on_batch=seen.append)
    # Mini/0's two samples run together (one oracle), then Mini/1
    assert sandbox.batches == [2, 1] and sandbox.ran == ["passed", "failed", "timeout"]
    # rows go out in sample order, each as soon as every row before it is in
    assert [len(b) for b in seen] == [1, 2]
    assert [s for b in seen for s in b] == scored
    assert [s.status for s in scored] == ["passed", "timeout", "failed"]
    row = scored[1].row()
    assert row["seed"] == 1 and row["task_id"] == "Mini/1"
    assert (row["passed"], row["tests_passed"], row["tests_total"], row["duration_s"]) == (
        False, 1, 2, 0.5,
    )  # fmt: skip


class SecondBatchFirst(VerdictBySource):
    """Holds the first batch until the second one has started: a caller that waits for one
    batch before sending the next deadlocks here (the test times the wait out)."""

    def __init__(self) -> None:
        super().__init__()
        self.second_started = threading.Event()
        self.calls = 0
        self.lock = threading.Lock()

    def run_many(self, requests: Sequence[ExecRequest]) -> list[ExecResult]:
        with self.lock:
            self.calls += 1
            call = self.calls
        if call == 1:
            assert self.second_started.wait(10), "the second batch never started"
        else:
            self.second_started.set()
        return super().run_many(requests)


def test_score_samples_keeps_two_batches_in_flight_and_rows_in_order(tasks: list[Task]) -> None:
    verdicts = ["passed", "failed", "timeout", "passed", "failed"]
    samples = _samples([(f"Mini/{i % 2}", v) for i, v in enumerate(verdicts)])
    seen: list[ScoredSample] = []
    scored = score_samples(
        tasks, samples, SecondBatchFirst(), batch_size=2, in_flight=2, on_batch=seen.extend
    )
    assert [s.status for s in scored] == verdicts
    assert seen == scored  # the first batch finished last, yet rows went out in sample order


class FailsOnSecond(VerdictBySource):
    def __init__(self) -> None:
        super().__init__()
        self.calls = itertools.count()

    def run_many(self, requests: Sequence[ExecRequest]) -> list[ExecResult]:
        if next(self.calls):  # atomic under the GIL
            raise RuntimeError("engine gone")
        return super().run_many(requests)


def test_score_samples_raises_a_failed_batch(tasks: list[Task]) -> None:
    seen: list[ScoredSample] = []
    samples = _samples([("Mini/0", "passed")] * 6)
    with pytest.raises(RuntimeError, match="engine gone"):
        score_samples(tasks, samples, FailsOnSecond(), batch_size=2, on_batch=seen.extend)
    assert len(seen) <= 2  # nothing after the failed batch was written


def test_unknown_task_fails_before_anything_runs(tasks: list[Task]) -> None:
    sandbox = VerdictBySource()
    with pytest.raises(EvaluationError, match="did you mean 'Mini/1'"):
        score_samples(tasks, _samples([("Mini/0", "passed"), ("Mini/11", "passed")]), sandbox)
    assert sandbox.batches == []


def test_read_samples_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text('{"task_id": "a", "completion": "x"}\n{"task_id": "b"}\n')
    with pytest.raises(TaskFormatError, match=r"samples.jsonl:2: a sample needs 'completion'"):
        read_samples(path)


def test_results_file_resumes_after_a_torn_write(tasks: list[Task], tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    samples = _samples([("Mini/0", "passed"), ("Mini/1", "infra_error"), ("Mini/1", "failed")])
    with ResultsFile(out, samples) as results:
        score_samples(tasks, samples[:1], VerdictBySource(), on_batch=results.append)
    with out.open("a") as fh:
        fh.write('{"task_id": "Mini/1", "comp')  # the crash
    with ResultsFile(out, samples) as results:
        assert results.done == 1
        score_samples(tasks, samples[1:], VerdictBySource(), on_batch=results.append)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["passed", "infra_error", "failed"]
    # an infrastructure error is scored again; what follows it too (rows stay in sample order)
    assert ResultsFile(out, samples).done == 1


def test_results_file_refuses_other_samples(tasks: list[Task], tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    first = _samples([("Mini/0", "passed")])
    with ResultsFile(out, first) as results:
        score_samples(tasks, first, VerdictBySource(), on_batch=results.append)
    other = _samples([("Mini/1", "passed")])
    with pytest.raises(EvaluationError, match="--overwrite"):
        ResultsFile(out, other)
    assert ResultsFile(out, other, overwrite=True).done == 0


def test_summarize_counts_infra_errors_as_failed_and_names_them() -> None:
    rows = [
        {"task_id": "a", "passed": True, "status": "passed"},
        {"task_id": "a", "passed": False, "status": "failed"},
        {"task_id": "b", "passed": False, "status": "timeout"},
        {"task_id": "b", "passed": False, "status": "infra_error"},
        {"task_id": "b", "passed": True, "status": "passed"},
    ]
    summary = summarize(rows, [1, 2, 3, 4])
    assert summary.tasks == 2 and summary.samples == 5 and summary.infra_errors == 1
    assert summary.infra_samples == ("b (row 4)",)
    # n stays 3 for task b: an infra error cannot take a sample out of the denominator
    assert summary.pass_at_k[1].estimate == pytest.approx((1 / 2 + 1 / 3) / 2)
    assert summary.pass_at_k[2].estimate == pytest.approx((1.0 + 2 / 3) / 2)
    assert summary.skipped_k == (3, 4)
    assert summary.statuses == {"passed": 2, "failed": 1, "timeout": 1, "infra_error": 1}
