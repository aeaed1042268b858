"""A run's report: held-out pass@1 before and after training, curves, timings, the config.

`write_report` writes ``<run_dir>/report.md`` and ``<run_dir>/curves.png``. Every figure in
them comes from the rows and metrics handed in, so the report says what the run measured:

- pass@1 before and after with 95% percentile-bootstrap intervals over tasks, and the gain
  with a *paired* bootstrap interval (tasks resampled together, before and after), which is
  the interval that says whether training helped on these tasks;
- the same for the share of each sample's tests that passed (partial credit), which moves
  long before pass@1 does for a weak model;
- the mean training reward per step with its spread, and the parts of the reward
  (``reward/<part>`` metrics), as a plot;
- wall-clock time of each phase and the full config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.evaluate import summarize, task_counts
from tasks.metrics import Interval, bootstrap_ci

__all__ = ["Comparison", "compare", "compare_test_share", "write_report"]


@dataclass(frozen=True)
class Comparison:
    before: Interval
    after: Interval
    gain: Interval
    tasks: int
    """Tasks present in both evaluations (the paired set)."""


def _per_task(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """pass@1 of each task: the share of its samples that passed (an infra error counts as
    not passed, see `tasks.evaluate.task_counts`)."""
    return {task: c / n for task, (n, c) in task_counts(rows).items()}


def compare(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]], *, seed: int = 0
) -> Comparison:
    """pass@1 before/after with bootstrap intervals, and the paired gain."""
    return _paired(_per_task(before), _per_task(after), seed=seed)


def _paired(before: Mapping[str, float], after: Mapping[str, float], *, seed: int) -> Comparison:
    """Intervals of two per-task measures over all their tasks, and of the gain over the tasks
    they share (each task's before and after resampled together)."""
    common = sorted(set(before) & set(after))
    if not common:
        raise ValueError("the two evaluations share no task")
    return Comparison(
        before=bootstrap_ci(list(before.values()), seed=seed),
        after=bootstrap_ci(list(after.values()), seed=seed),
        gain=bootstrap_ci([after[t] - before[t] for t in common], seed=seed),
        tasks=len(common),
    )


def _test_share_per_task(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Mean over a task's samples of tests passed / tests run (a sample that ran no test, e.g.
    one that did not compile or hit an infra error, counts 0)."""
    sums: dict[str, list[float]] = {}
    for row in rows:
        total = int(row.get("tests_total") or 0)
        share = int(row.get("tests_passed") or 0) / total if total else 0.0
        acc = sums.setdefault(str(row["task_id"]), [0.0, 0.0])
        acc[0] += share
        acc[1] += 1
    return {task: total / n for task, (total, n) in sums.items()}


def compare_test_share(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]], *, seed: int = 0
) -> Comparison:
    """Share of tests passed before/after with bootstrap intervals, and the paired gain."""
    return _paired(_test_share_per_task(before), _test_share_per_task(after), seed=seed)


def _rows(cmp: Comparison, unit: str) -> list[str]:
    return [
        f"| before training | {100 * cmp.before.estimate:.1f}% | "
        f"[{100 * cmp.before.low:.1f}, {100 * cmp.before.high:.1f}] |",
        f"| after training | {100 * cmp.after.estimate:.1f}% | "
        f"[{100 * cmp.after.low:.1f}, {100 * cmp.after.high:.1f}] |",
        f"| gain ({unit}) | {100 * cmp.gain.estimate:+.1f} | "
        f"[{100 * cmp.gain.low:+.1f}, {100 * cmp.gain.high:+.1f}] |",
    ]


def _verdict(cmp: Comparison) -> str:
    if cmp.gain.low > 0 or cmp.gain.high < 0:
        return "the 95% interval of the gain excludes zero"
    return "the 95% interval of the gain includes zero: no change shown on this evaluation"


def _plot(history: Sequence[Mapping[str, float]], path: Path) -> bool:
    """Reward curve and reward parts per step; False when there is nothing to plot."""
    if not history:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [h.get("step", i + 1) for i, h in enumerate(history)]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    mean = [h.get("reward/mean", float("nan")) for h in history]
    std = [h.get("reward/std", 0.0) for h in history]
    ax1.plot(steps, mean, label="reward (mean)", color="C0")
    low = [m - s for m, s in zip(mean, std, strict=True)]
    high = [m + s for m, s in zip(mean, std, strict=True)]
    ax1.fill_between(steps, low, high, color="C0", alpha=0.2, label="± 1 std")
    if any("reward/pass_rate" in h for h in history):
        ax1.plot(steps, [h.get("reward/pass_rate", float("nan")) for h in history],
                 label="pass rate", color="C1")  # fmt: skip
    ax1.set_xlabel("step")
    ax1.set_title("training reward")
    ax1.legend()
    skip = {"reward/mean", "reward/std", "reward/max", "reward/pass_rate"}
    parts = sorted({k for h in history for k in h if k.startswith("reward/") and k not in skip})
    for i, key in enumerate(parts):
        ax2.plot(steps, [h.get(key, float("nan")) for h in history], label=key[7:], color=f"C{i}")
    ax2.set_xlabel("step")
    ax2.set_title("reward parts (mean per step)")
    if parts:
        ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(
    run_dir: str | Path,
    *,
    title: str,
    command: str,
    eval_description: str,
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
    history: Sequence[Mapping[str, float]],
    timings: Mapping[str, float],
    config_yaml: str,
    seed: int = 0,
) -> Path:
    """Write report.md (and curves.png) into `run_dir`; returns the report's path."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    cmp = compare(before, after, seed=seed)
    share = compare_test_share(before, after, seed=seed)
    plotted = _plot(history, run_dir / "curves.png")
    last = history[-1] if history else {}
    lines = [
        f"# {title}",
        "",
        f"Command: `{command}`",
        "",
        "## Held-out pass@1",
        "",
        f"{eval_description}; {cmp.tasks} tasks. Intervals: 95%, percentile bootstrap over "
        "tasks (the gain: paired, tasks resampled with their before and after together).",
        "",
        "| | pass@1 | 95% CI |",
        "|---|---|---|",
        *_rows(cmp, "points"),
        "",
        f"Verdict: {_verdict(cmp)}.",
        "",
        "Share of the hidden tests passed (per sample, averaged per task; a sample that does not "
        "compile counts 0), same samples and intervals:",
        "",
        "| | tests passed | 95% CI |",
        "|---|---|---|",
        *_rows(share, "points"),
        "",
        f"Verdict: {_verdict(share)}.",
        "",
        "## Training",
        "",
        f"{len(history)} steps. Last step: reward {last.get('reward/mean', float('nan')):.3f} "
        f"(pass rate {last.get('reward/pass_rate', float('nan')):.3f}), KL to the reference "
        f"{last.get('loss/kl', float('nan')):.4f}.",
        "",
    ]
    if plotted:
        lines += ["![training reward and its parts](curves.png)", ""]
    statuses_before = summarize(before, [1], seed=seed).statuses
    statuses_after = summarize(after, [1], seed=seed).statuses
    lines += [
        "Outcome of the held-out samples:",
        "",
        "| status | before | after |",
        "|---|---|---|",
    ]
    for status in sorted(set(statuses_before) | set(statuses_after)):
        lines.append(
            f"| {status} | {statuses_before.get(status, 0)} | {statuses_after.get(status, 0)} |"
        )
    lines += ["", "## Timings", "", "| phase | seconds |", "|---|---|"]
    lines += [f"| {name} | {seconds:.0f} |" for name, seconds in timings.items()]
    lines += ["", "## Config", "", "```yaml", config_yaml.rstrip(), "```", ""]
    path = run_dir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
