"""The run report: paired before/after comparison and the written report (pure, no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grpo_agent.report import (
    SplitEval,
    compare,
    compare_test_share,
    moving_average,
    smoothing_window,
    write_report,
)


def rows(passed: dict[str, list[bool]], status_fail: str = "failed") -> list[dict]:
    return [
        {"task_id": t, "sample": i, "passed": p, "status": "passed" if p else status_fail}
        for t, outcomes in passed.items()
        for i, p in enumerate(outcomes)
    ]


def test_compare_pairs_tasks_and_computes_the_gain() -> None:
    before = rows({"a": [False], "b": [False], "c": [True], "d": [False]})
    after = rows({"a": [True], "b": [False], "c": [True], "d": [True]})
    cmp = compare(before, after)
    assert cmp.tasks == 4
    assert cmp.before.estimate == pytest.approx(0.25)
    assert cmp.after.estimate == pytest.approx(0.75)
    assert cmp.gain.estimate == pytest.approx(0.5)  # per-task gains 1, 0, 0, 1
    assert 0.0 <= cmp.gain.low <= 0.5 <= cmp.gain.high <= 1.0


def test_compare_uses_sample_shares_and_counts_infra_errors_as_failed() -> None:
    before = rows({"a": [True, False], "b": [False, False]})
    after = rows({"a": [True, True], "b": [True, False]})
    after.append({"task_id": "b", "sample": 2, "passed": False, "status": "infra_error"})
    cmp = compare(before, after)
    assert cmp.before.estimate == pytest.approx(0.25)  # (1/2 + 0) / 2
    assert cmp.after.estimate == pytest.approx((1 + 1 / 3) / 2)  # b: 1 of 3, infra included
    assert cmp.gain.estimate == pytest.approx((0.5 + 1 / 3) / 2)


def test_test_share_counts_partial_credit_and_pairs_tasks() -> None:
    def row(task: str, passed: int, total: int, status: str = "failed") -> dict:
        return {"task_id": task, "passed": passed == total > 0, "status": status,
                "tests_passed": passed, "tests_total": total}  # fmt: skip

    before = [row("a", 0, 0, "compile_error"), row("a", 1, 4), row("b", 0, 5)]
    after = [
        row("a", 2, 4),
        row("a", 4, 4, "passed"),
        row("b", 1, 5),
        row("b", 0, 0, "infra_error"),
    ]
    share = compare_test_share(before, after)
    assert share.tasks == 2
    assert share.before.estimate == pytest.approx((0.125 + 0.0) / 2)  # a: (0 + 1/4) / 2
    assert share.after.estimate == pytest.approx((0.75 + 0.1) / 2)  # b's infra error counts 0
    assert share.gain.estimate == pytest.approx(((0.75 - 0.125) + 0.1) / 2)
    assert 0 < share.gain.low <= share.gain.estimate <= share.gain.high


def test_compare_needs_common_tasks() -> None:
    with pytest.raises(ValueError, match="no task"):
        compare(rows({"a": [True]}), rows({"b": [True]}))


def test_write_report(tmp_path: Path) -> None:
    history = [
        {"step": s, "reward/mean": 0.1 * s, "reward/std": 0.05, "reward/pass_rate": 0.05 * s,
         "reward/compile": 0.1, "reward/hidden_fraction": 0.02 * s, "loss/kl": 0.001 * s}
        for s in range(1, 6)
    ]  # fmt: skip
    before = rows({"a": [False], "b": [False], "c": [True]}, status_fail="compile_error")
    after = rows({"a": [True], "b": [True], "c": [True]})
    hard = rows({"x": [False], "y": [False]})
    path = write_report(
        tmp_path,
        title="codegym run `t`",
        command="codegym demo",
        evaluations=[
            SplitEval("val", before, after, description="suite x, split val"),
            SplitEval("test", hard, hard, description="suite x, split test"),
        ],
        history=history,
        timings={"training": 12.3, "total": 20.0},
        config_yaml="name: t\n",
    )
    text = path.read_text()
    assert "## Held-out pass@1: `val` (unseen tasks of the training families" in text
    assert "## Held-out pass@1: `test` (held-out families" in text
    assert text.index("`val`") < text.index("`test`")
    assert "| val | 3 | 33.3% | 100.0% | +66.7 [" in text  # the summary table, one row a split
    assert "| test | 2 | 0.0% | 0.0% | +0.0 [+0.0, +0.0] (0.0) |" in text
    assert "| before training | 33.3% |" in text
    assert "| after training | 100.0% |" in text
    assert "| gain (points) | +66.7 |" in text
    assert "With 3 tasks the gain's interval is" in text
    assert "| | tests passed | 95% CI |" in text  # rows without test counts: shares of 0
    assert "Multi-turn" not in text  # single-turn rows
    assert "| val | compile_error | 2 | 0 |" in text
    assert "5 steps. Last step: reward 0.500" in text
    assert "| training | 12 |" in text and "name: t" in text
    assert (tmp_path / "curves.png").stat().st_size > 10_000


def test_write_report_shows_first_and_final_turns(tmp_path: Path) -> None:
    def row(task: str, turns: list[bool]) -> dict:
        return {"task_id": task, "sample": 0, "passed": turns[-1], "turn_passed": turns,
                "status": "passed" if turns[-1] else "failed"}  # fmt: skip

    before = [row("a", [False, False]), row("b", [True]), row("c", [False, True])]
    after = [row("a", [False, True]), row("b", [True]), row("c", [True])]
    path = write_report(
        tmp_path,
        title="t",
        command="c",
        evaluations=[SplitEval("val", before, after)],
        history=[],
        timings={},
        config_yaml="",
    )
    text = path.read_text()
    assert "Multi-turn (up to 2 turns" in text
    assert "| pass@1, first turn | 33.3% [" in text and "| 66.7% [" in text
    assert "| pass@1, final turn | 66.7% [" in text
    # failed first attempts: before a, c (c fixed) -> 50%; after a (fixed) -> 100%
    assert "| failed first attempts fixed later | 50.0% [" in text
    assert "| 100.0% [100.0, 100.0] | |" in text


def test_moving_average_is_a_trailing_mean_that_skips_nans() -> None:
    nan = float("nan")
    assert moving_average([1.0, 3.0, 5.0, 7.0], 2) == [1.0, 2.0, 4.0, 6.0]
    assert moving_average([1.0, 3.0, 5.0], 1) == [1.0, 3.0, 5.0]
    out = moving_average([nan, 2.0, nan, 4.0], 3)
    assert out[0] != out[0] and out[1:] == [2.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        moving_average([1.0], 0)
    assert [smoothing_window(n) for n in (3, 12, 40, 100, 1000)] == [2, 2, 8, 10, 10]
