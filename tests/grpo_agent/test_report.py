"""The run report: paired before/after comparison and the written report (pure, no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grpo_agent.report import compare, compare_test_share, write_report


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
    path = write_report(
        tmp_path,
        title="codegym run `t`",
        command="codegym demo",
        eval_description="suite x, split test",
        before=before,
        after=after,
        history=history,
        timings={"training": 12.3, "total": 20.0},
        config_yaml="name: t\n",
    )
    text = path.read_text()
    assert "| before training | 33.3% |" in text
    assert "| after training | 100.0% |" in text
    assert "| gain (points) | +66.7 |" in text
    assert "| | tests passed | 95% CI |" in text  # rows without test counts: shares of 0
    assert text.count("| before training | 0.0% | [0.0, 0.0] |") == 1
    assert "| compile_error | 2 | 0 |" in text
    assert "5 steps. Last step: reward 0.500" in text
    assert "| training | 12 |" in text and "name: t" in text
    assert (tmp_path / "curves.png").stat().st_size > 10_000
