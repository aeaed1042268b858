"""``codegym eval``: score a samples file against a suite's hidden tests and report pass@k.

    codegym eval --suite humaneval --samples samples.jsonl --out results.jsonl --k 1,10

Rows go to ``--out`` as each batch finishes; after a crash the same command picks up where it
stopped. Exit status: 0 when every sample was graded, 1 when the sandbox failed or some samples hit an
infrastructure error (they are left out of pass@k and scored again by the next run), 2 for bad
input.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from tasks.errors import TaskError
from tasks.evaluate import (
    ResultsFile,
    ScoredSample,
    Summary,
    read_samples,
    score_samples,
    summarize,
)
from tasks.metrics import parse_ks
from tasks.registry import load_tasks
from tasks.schema import SPLITS, Task


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--samples", required=True, help=SAMPLES_HELP)
    add_samples_options(parser)


SAMPLES_HELP = (
    "JSONL of {task_id, completion | solution | files}; completions of HumanEval-like "
    "tasks continue the prompt"
)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every form of ``codegym eval`` takes (`grpo_agent.eval_cli` adds --model)."""
    parser.add_argument(
        "--suite", required=True, help="suite name, suite file (.jsonl[.gz]) or FORMAT:FILE"
    )
    parser.add_argument(
        "--out", required=True, help="results JSONL; an interrupted run resumes where it stopped"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="start over instead of resuming --out"
    )
    parser.add_argument("--sandbox", default="docker", help="sandbox backend (docker | local)")
    parser.add_argument("--k", default="1,10,100", help="pass@k values (default: 1,10,100)")
    parser.add_argument(
        "--split",
        type=parse_splits,
        help=f"only tasks of these splits, comma-separated ({', '.join(SPLITS)}); each is "
        "summarised apart, e.g. --split val,test",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the bootstrap interval (and of sampling)"
    )


def add_samples_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--batch-size", type=int, default=64, help="samples per run_many call (and per fsync)"
    )


def parse_splits(text: str) -> tuple[str, ...]:
    """``"val,test"`` -> ``("val", "test")``; each must be a known split, named once."""
    splits = tuple(part.strip() for part in text.split(",") if part.strip())
    if not splits or len(set(splits)) != len(splits) or not set(splits) <= set(SPLITS):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated splits among {', '.join(SPLITS)}, each once; got {text!r}"
        )
    return splits


def load_split_tasks(
    suite: str, splits: Sequence[str] | None, *, limit: int | None = None
) -> list[Task]:
    """The suite's tasks, or those of `splits` in that order; with `limit`, the first `limit`
    tasks of each split (of the suite, when no split is named)."""
    if not splits:
        return load_tasks(suite)[:limit]
    return [task for split in splits for task in load_tasks(suite, split=split)[:limit]]


def run(args: argparse.Namespace) -> int:
    try:
        ks = parse_ks(args.k)
        tasks = load_split_tasks(args.suite, args.split)
        samples = read_samples(args.samples)
        results = ResultsFile(args.out, samples, overwrite=args.overwrite)
    except (TaskError, ValueError) as exc:
        print(f"codegym eval: {exc}", file=sys.stderr)
        return 2
    with results:
        todo = samples[results.done :]
        if results.done:
            print(f"resuming: {results.done} of {len(samples)} samples already scored")
        if todo:
            from sandbox import make_sandbox
            from sandbox.errors import SandboxError

            bar = progress_bar(len(samples), initial=results.done)
            try:
                with make_sandbox(args.sandbox) as sandbox:

                    def write(batch: list[ScoredSample]) -> None:
                        results.append(batch)
                        bar.update(len(batch))

                    score_samples(tasks, todo, sandbox, batch_size=args.batch_size, on_batch=write)
            except TaskError as exc:
                print(f"codegym eval: {exc}", file=sys.stderr)
                return 2
            except SandboxError as exc:
                print(f"codegym eval: sandbox: {exc}", file=sys.stderr)
                return 1
            finally:
                bar.close()
        rows = results.rows
    summary = summarize(rows, ks, seed=args.seed)
    print_summary(summary, suite=args.suite, out=args.out, suite_size=len(tasks))
    print_split_summaries(rows, tasks, ks, seed=args.seed)
    return 1 if summary.infra_errors else 0


def print_summary(
    summary: Summary, *, suite: str, out: str, suite_size: int, file: TextIO | None = None
) -> None:
    file = file or sys.stdout
    print(
        f"{suite}: {summary.samples} samples on {summary.tasks} of {suite_size} tasks -> {out}",
        file=file,
    )
    for k, interval in summary.pass_at_k.items():
        print(
            f"  pass@{k:<4} {interval.estimate:.4f}   95% CI [{interval.low:.4f}, "
            f"{interval.high:.4f}] (bootstrap over tasks)",
            file=file,
        )
    if summary.skipped_k:
        skipped = ", ".join(map(str, summary.skipped_k))
        print(f"  pass@{{{skipped}}} skipped: some task has fewer samples than k", file=file)
    statuses = ", ".join(f"{s} {n}" for s, n in sorted(summary.statuses.items()))
    print(f"  statuses: {statuses}", file=file)
    if summary.infra_errors:
        named = ", ".join(summary.infra_samples[:10])
        more = len(summary.infra_samples) - 10
        print(
            f"  WARNING: {summary.infra_errors} samples hit sandbox infrastructure errors "
            f"({named}{f' and {more} more' if more > 0 else ''}); pass@k counts them as failed. "
            "Run the same command again to score them.",
            file=file,
        )


def print_split_summaries(
    rows: Sequence[Mapping[str, Any]],
    tasks: Sequence[Task],
    ks: Sequence[int],
    *,
    seed: int = 0,
    file: TextIO | None = None,
) -> None:
    """pass@k of each split apart, when the rows span more than one."""
    split_of = {task.id: task.split for task in tasks}
    splits = list(dict.fromkeys(split_of[str(r["task_id"])] for r in rows))
    if len(splits) < 2:
        return
    for split in splits:
        part = [r for r in rows if split_of[str(r["task_id"])] == split]
        size = sum(1 for t in tasks if t.split == split)
        for k, interval in summarize(part, ks, seed=seed).pass_at_k.items():
            print(
                f"  [{split}] pass@{k:<4} {interval.estimate:.4f}   95% CI [{interval.low:.4f}, "
                f"{interval.high:.4f}] (width {interval.width:.4f}; {size} tasks)",
                file=file or sys.stdout,
            )


def progress_bar(total: int, *, initial: int = 0, desc: str = "scoring") -> Any:
    """The progress of every evaluation command: a bar on a terminal's stderr; elsewhere (a log
    file, CI) a line now and then (`LineProgress`)."""
    if not sys.stderr.isatty():
        return LineProgress(total, initial=initial, desc=desc)
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="sample",
        desc=desc,
        file=sys.stderr,
        dynamic_ncols=True,
        disable=None,
    )


class LineProgress:
    """Progress for a stderr that is not a terminal: ``[desc] 96/380 samples (25%), 41 s`` after
    an update, at most one line every `every_s` seconds, and a last one when `total` is reached
    (the part of a bar that `update`, `close` and `n` offer)."""

    def __init__(
        self, total: int, *, initial: int = 0, desc: str = "scoring", every_s: float = 30.0
    ) -> None:
        self.total, self.n, self.desc, self.every_s = total, initial, desc, every_s
        self.t0 = self.last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if self.n >= self.total or now - self.last >= self.every_s:
            self.last = now
            share = f" ({100 * self.n // self.total}%)" if self.total else ""
            print(
                f"[{self.desc}] {self.n}/{self.total} samples{share}, {now - self.t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        pass
