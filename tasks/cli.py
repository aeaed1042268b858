"""``codegym tasks``: list suites, show a task, validate a suite through the sandbox.

    codegym tasks list                      # every suite, with counts per split and kind
    codegym tasks list mbpp:mbpp.jsonl      # one suite (any name load_tasks accepts)
    codegym tasks show humaneval HumanEval/38
    codegym tasks validate humaneval --sandbox docker
    codegym tasks mine --package toolz==1.2.0 --out my-bugs.jsonl

``validate`` exits 1 when any task has a problem (reference fails, trivial solution passes).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence

from tasks.errors import TaskError
from tasks.io import task_to_record
from tasks.registry import available_suites, describe_suite, load_tasks
from tasks.schema import SPLITS, Task


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="tasks_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="suites with their task counts per split and kind")
    listing.add_argument("suite", nargs="?", help="only this suite (name, file or FORMAT:FILE)")

    show = sub.add_parser("show", help="print one task")
    show.add_argument("suite")
    show.add_argument("task_id", nargs="?", help="default: the suite's first task")
    show.add_argument("--json", action="store_true", help="print the suite-file record instead")

    check = sub.add_parser(
        "validate", help="references must pass and trivially wrong solutions fail, in the sandbox"
    )
    check.add_argument("suite")
    check.add_argument("--split", choices=SPLITS)
    check.add_argument("--task", action="append", default=[], help="only this task id (repeat)")
    check.add_argument("--sandbox", default="docker", help="sandbox backend (docker | local)")
    check.add_argument("--batch-size", type=int, default=64, help="requests per run_many call")

    mine = sub.add_parser(
        "mine",
        help="mine bug-fix repo tasks from PyPI source distributions (docs/tasks.md, Mining)",
    )
    mine.add_argument(
        "--package", action="append", required=True, metavar="NAME[==VERSION]",
        help="a package whose sdist ships its tests (repeat); pin versions to reproduce a suite",
    )  # fmt: skip
    mine.add_argument("--out", required=True, help="the suite file to write (.jsonl or .jsonl.gz)")
    mine.add_argument("--suite", default="", help="suite name in the tasks (default: file stem)")
    mine.add_argument(
        "--test-package", action="append", default=[], metavar="NAME",
        help="put this package's tasks in split 'test' (repeat); the rest are 'train'",
    )  # fmt: skip
    mine.add_argument("--seed", type=int, default=0, help="mutant order, test sample, wording")
    mine.add_argument("--max-tasks", type=int, default=25, help="tasks per package at most")
    mine.add_argument("--max-trials", type=int, default=120, help="mutants run per package")
    mine.add_argument("--pass-to-pass", type=int, default=10, help="PASS_TO_PASS tests per task")
    mine.add_argument("--cache-dir", default=None, help="sdists and resumable state")
    mine.add_argument("--sandbox", default="docker", help="sandbox backend (docker | local)")
    mine.add_argument("--pool-size", type=int, default=None, help="sandbox containers")
    mine.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from sandbox.errors import SandboxError

    action = {"list": _list, "show": _show, "validate": _validate, "mine": _mine}[
        args.tasks_command
    ]
    try:
        return action(args)
    except TaskError as exc:
        print(f"codegym tasks {args.tasks_command}: {exc}", file=sys.stderr)
        return 2
    except SandboxError as exc:
        print(f"codegym tasks {args.tasks_command}: sandbox: {exc}", file=sys.stderr)
        return 1


def _list(args: argparse.Namespace) -> int:
    names = [args.suite] if args.suite else available_suites()
    status = 0
    print(f"{'suite':<24} {'tasks':>6}  {'splits':<22} {'kinds':<28} description")
    for name in names:
        try:
            tasks = load_tasks(name)
        except TaskError as exc:
            print(f"{name:<24} {'?':>6}  error: {exc}")
            status = 1
            continue
        splits = _counts(t.split for t in tasks)
        kinds = _counts(t.kind for t in tasks)
        print(f"{name:<24} {len(tasks):>6}  {splits:<22} {kinds:<28} {describe_suite(name)}")
    return status


def _show(args: argparse.Namespace) -> int:
    tasks = load_tasks(args.suite)
    task = _find(tasks, args.task_id) if args.task_id else tasks[0] if tasks else None
    if task is None:
        return 2
    if args.json:
        print(json.dumps(task_to_record(task), ensure_ascii=False, indent=2))
        return 0
    print(format_task(task))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from sandbox import make_sandbox
    from tasks.validate import validate_tasks

    tasks = load_tasks(args.suite, split=args.split)
    if args.task:
        tasks = [t for t in (_find(tasks, i) for i in args.task) if t is not None]
        if len(tasks) != len(args.task):
            return 2
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(desc="validating", unit="check", file=sys.stderr)
    try:
        with make_sandbox(args.sandbox) as sandbox:
            report = validate_tasks(
                tasks,
                sandbox,
                batch_size=args.batch_size,
                on_batch=bar.update if bar is not None else None,
            )
    finally:
        if bar is not None:
            bar.close()
    for problem in report.problems:
        print(f"PROBLEM {problem.task_id} [{problem.check}]: {problem.detail}")
    verdict = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    bad = len({p.task_id for p in report.problems})
    print(
        f"{args.suite}: {report.tasks} tasks, {report.checks} sandbox checks, "
        f"{bad} task(s) with problems: {verdict}"
    )
    return 0 if report.ok else 1


def _mine(args: argparse.Namespace) -> int:
    import dataclasses
    from pathlib import Path

    from sandbox import make_sandbox
    from tasks.mining.mine import MineConfig, mine

    config = MineConfig(
        packages=tuple(args.package),
        out=Path(args.out),
        suite=args.suite,
        test_packages=tuple(args.test_package),
        seed=args.seed,
        max_tasks=args.max_tasks,
        max_trials=args.max_trials,
        pass_to_pass=args.pass_to_pass,
    )
    if args.cache_dir:
        config = dataclasses.replace(config, cache_dir=Path(args.cache_dir))
    options = {"pool_size": args.pool_size} if args.pool_size else {}
    with make_sandbox(args.sandbox, **options) as sandbox:
        pool = args.pool_size or os.cpu_count() or 1
        summary = mine(config, sandbox, progress=not args.no_progress, batch_size=2 * pool)
    for key, stats in summary.per_package.items():
        print(f"{key}: {json.dumps(stats)}")
    lat = sorted(summary.grading_latency_s)
    median = f"{lat[len(lat) // 2]:.2f}s" if lat else "n/a"
    print(f"{summary.tasks} tasks -> {args.out} (graded request median {median})")
    return 0 if summary.tasks else 1


def format_task(task: Task) -> str:
    """A readable view of a task: identity, prompt, tests (hidden ones counted, not shown)."""
    lines = [
        f"{task.id}  [{task.suite} / {task.split} / {task.kind} / {task.language}]",
        f"entry point: {task.entry_point or '-'}    difficulty: {task.difficulty or '-'}",
        f"limits: test {task.limits.test_timeout_s}s, request {task.limits.timeout_s}s, "
        f"{task.limits.memory_mb} MB",
        "",
        "prompt:",
        _indent(task.prompt),
    ]
    if task.public_tests:
        lines += ["", f"public tests ({len(task.public_tests)}):"]
        lines += [f"  {t}" for t in task.public_tests[:5]]
    hidden = f"{len(task.hidden_tests)} cases" if task.hidden_tests else ""
    if task.test_script:
        hidden = f"test script ({task.test_script.count(chr(10)) + 1} lines)"
    lines += ["", f"hidden tests: {hidden or 'none'}"]
    if task.files:
        lines += ["", "files: " + ", ".join(sorted(task.files))]
    if task.metadata:
        lines += ["", "metadata: " + json.dumps(dict(task.metadata), ensure_ascii=False)]
    return "\n".join(lines)


def _find(tasks: Sequence[Task], task_id: str) -> Task | None:
    for task in tasks:
        if task.id == task_id:
            return task
    import difflib

    close = difflib.get_close_matches(task_id, [t.id for t in tasks], n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    print(f"no task {task_id!r} in this suite.{hint}", file=sys.stderr)
    return None


def _counts(values: object) -> str:
    counter = Counter(values)  # type: ignore[call-overload]
    return " ".join(f"{k}:{n}" for k, n in sorted(counter.items()))


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
