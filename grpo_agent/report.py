"""A run's report: held-out pass@1 before and after training, curves, timings, the config.

`write_report` writes ``<run_dir>/report.md`` and ``<run_dir>/curves.png``. Every figure in
them comes from the rows and metrics handed in, so the report says what the run measured. For
each evaluated split (`SplitEval`: val, the unseen tasks of the training families, shows
learning; test, the held-out families, is the hard case):

- pass@1 before and after with 95% percentile-bootstrap intervals over tasks, and the gain
  with a *paired* bootstrap interval (tasks resampled together, before and after), which is
  the interval that says whether training helped on these tasks, with its width;
- the same for the share of each sample's tests that passed (partial credit), which moves
  long before pass@1 does for a weak model;
- with two or more turns per episode: pass@1 at the first and at the final turn, and the share
  of failed first attempts fixed later (`grpo_agent.turn_metrics`).

Then the mean training reward per step and the parts of the reward (``reward/<part>``
metrics), each drawn as raw points with a trailing moving average beside them, wall-clock time
of each phase, and the full config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grpo_agent.turn_metrics import first_turn_rows, max_turns_of, repair_share
from tasks.evaluate import summarize, task_counts
from tasks.metrics import Interval, bootstrap_ci

__all__ = [
    "SPLIT_MEANING",
    "Comparison",
    "SplitEval",
    "compare",
    "compare_test_share",
    "gain_line",
    "moving_average",
    "smoothing_window",
    "write_report",
]

SPLIT_MEANING = {
    "val": "unseen tasks of the training families: did training teach what it trained?",
    "test": "held-out families, never trained on: transfer to unseen problems (the hard case)",
    "train": "the training tasks themselves",
}


@dataclass(frozen=True)
class SplitEval:
    """One split's evaluation rows before and after training, and how they were drawn."""

    split: str
    before: Sequence[Mapping[str, Any]]
    after: Sequence[Mapping[str, Any]]
    description: str = ""
    """e.g. "codegym-functions, 1 sample(s) per task at temperature 0.0, up to 160 new tokens"."""


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
        f"[{100 * cmp.gain.low:+.1f}, {100 * cmp.gain.high:+.1f}] (width {100 * cmp.gain.width:.1f}) |",
    ]


def _verdict(cmp: Comparison) -> str:
    if cmp.gain.low > 0 or cmp.gain.high < 0:
        return "the 95% interval of the gain excludes zero"
    return "the 95% interval of the gain includes zero: no change shown on this evaluation"


def gain_line(cmp: Comparison) -> str:
    """``"3.3% -> 14.7% (gain +11.4 points, 95% CI [+4.2, +18.9], width 14.7)"``."""
    return (
        f"{100 * cmp.before.estimate:.1f}% -> {100 * cmp.after.estimate:.1f}% "
        f"(gain {100 * cmp.gain.estimate:+.1f} points, 95% CI [{100 * cmp.gain.low:+.1f}, "
        f"{100 * cmp.gain.high:+.1f}], width {100 * cmp.gain.width:.1f})"
    )


def _interval(value: Interval | None) -> str:
    if value is None:
        return "n/a (no failed first attempt)"
    return f"{100 * value.estimate:.1f}% [{100 * value.low:.1f}, {100 * value.high:.1f}]"


def _split_section(ev: SplitEval, *, seed: int) -> list[str]:
    cmp = compare(ev.before, ev.after, seed=seed)
    share = compare_test_share(ev.before, ev.after, seed=seed)
    meaning = SPLIT_MEANING.get(ev.split, "")
    lines = [
        f"## Held-out pass@1: `{ev.split}`" + (f" ({meaning})" if meaning else ""),
        "",
        f"{ev.description}; {cmp.tasks} tasks. Intervals: 95%, percentile bootstrap over "
        "tasks (the gain: paired, tasks resampled with their before and after together).",
        "",
        "| | pass@1 | 95% CI |",
        "|---|---|---|",
        *_rows(cmp, "points"),
        "",
        f"Verdict: {_verdict(cmp)}. With {cmp.tasks} tasks the gain's interval is "
        f"{100 * cmp.gain.width:.1f} points wide.",
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
    ]
    turns = max_turns_of([*ev.before, *ev.after])
    if turns >= 2:
        first = compare(first_turn_rows(ev.before), first_turn_rows(ev.after), seed=seed)
        lines += [
            f"Multi-turn (up to {turns} turns; feedback: the failing public tests): pass@1 at the "
            "first and at the final turn, and the share of failed first attempts that a later "
            "turn fixed.",
            "",
            "| | before | after | gain (paired) |",
            "|---|---|---|---|",
        ]
        for label, c in (("pass@1, first turn", first), ("pass@1, final turn", cmp)):
            lines.append(
                f"| {label} | {_interval(c.before)} | {_interval(c.after)} | "
                f"{100 * c.gain.estimate:+.1f} [{100 * c.gain.low:+.1f}, {100 * c.gain.high:+.1f}] |"
            )
        lines += [
            f"| failed first attempts fixed later | {_interval(repair_share(ev.before, seed=seed))}"
            f" | {_interval(repair_share(ev.after, seed=seed))} | |",
            "",
        ]
    return lines


def moving_average(values: Sequence[float], window: int) -> list[float]:
    """Trailing mean of the last `window` finite values at each position (fewer at the start;
    NaN where none is finite yet)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    out = []
    for i in range(len(values)):
        recent = [v for v in values[max(0, i - window + 1) : i + 1] if v == v]  # v == v: not NaN
        out.append(sum(recent) / len(recent) if recent else float("nan"))
    return out


def smoothing_window(steps: int) -> int:
    """About a fifth of the run, at least 2 and at most 10 steps."""
    return max(2, min(10, steps // 5))


def _plot(history: Sequence[Mapping[str, float]], path: Path) -> bool:
    """Reward curve and reward parts per step, raw points and a moving average beside them;
    False when there is nothing to plot."""
    if not history:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [h.get("step", i + 1) for i, h in enumerate(history)]
    window = smoothing_window(len(history))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))

    def draw(ax: Any, key: str, label: str, color: str) -> None:
        raw = [h.get(key, float("nan")) for h in history]
        ax.plot(steps, raw, "o", ms=3, alpha=0.35, color=color)
        ax.plot(steps, moving_average(raw, window), "-", lw=2, color=color,
                label=f"{label} ({window}-step mean)")  # fmt: skip

    draw(ax1, "reward/mean", "reward", "C0")
    if any("reward/pass_rate" in h for h in history):
        draw(ax1, "reward/pass_rate", "pass rate", "C1")
    ax1.set_xlabel("step")
    ax1.set_title("training reward (dots: each step)")
    ax1.legend(fontsize=8)
    skip = {"reward/mean", "reward/std", "reward/max", "reward/pass_rate"}
    parts = sorted({k for h in history for k in h if k.startswith("reward/") and k not in skip})
    for i, key in enumerate(parts):
        draw(ax2, key, key[7:], f"C{i}")
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
    evaluations: Sequence[SplitEval],
    history: Sequence[Mapping[str, float]],
    timings: Mapping[str, float],
    config_yaml: str,
    seed: int = 0,
) -> Path:
    """Write report.md (and curves.png) into `run_dir`; returns the report's path."""
    if not evaluations:
        raise ValueError("write_report needs at least one split's evaluation")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    plotted = _plot(history, run_dir / "curves.png")
    last = history[-1] if history else {}
    lines = [
        f"# {title}",
        "",
        f"Command: `{command}`",
        "",
        "| split | tasks | pass@1 before | pass@1 after | gain, paired 95% CI (width) |",
        "|---|---|---|---|---|",
    ]
    for ev in evaluations:
        cmp = compare(ev.before, ev.after, seed=seed)
        lines.append(
            f"| {ev.split} | {cmp.tasks} | {100 * cmp.before.estimate:.1f}% | "
            f"{100 * cmp.after.estimate:.1f}% | {100 * cmp.gain.estimate:+.1f} "
            f"[{100 * cmp.gain.low:+.1f}, {100 * cmp.gain.high:+.1f}] ({100 * cmp.gain.width:.1f}) |"
        )
    lines.append("")
    for ev in evaluations:
        lines += _split_section(ev, seed=seed)
    lines += [
        "## Training",
        "",
        f"{len(history)} steps. Last step: reward {last.get('reward/mean', float('nan')):.3f} "
        f"(pass rate {last.get('reward/pass_rate', float('nan')):.3f}), KL to the reference "
        f"{last.get('loss/kl', float('nan')):.4f}.",
        "",
    ]
    if plotted:
        lines += ["![training reward and its parts](curves.png)", ""]
    lines += ["Outcome of the held-out samples:", ""]
    lines += ["| split | status | before | after |", "|---|---|---|---|"]
    for ev in evaluations:
        statuses_before = summarize(ev.before, [1], seed=seed).statuses
        statuses_after = summarize(ev.after, [1], seed=seed).statuses
        for status in sorted(set(statuses_before) | set(statuses_after)):
            lines.append(
                f"| {ev.split} | {status} | {statuses_before.get(status, 0)} | "
                f"{statuses_after.get(status, 0)} |"
            )
    lines += ["", "## Timings", "", "| phase | seconds |", "|---|---|"]
    lines += [f"| {name} | {seconds:.0f} |" for name, seconds in timings.items()]
    lines += ["", "## Config", "", "```yaml", config_yaml.rstrip(), "```", ""]
    path = run_dir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
