"""First- and final-turn pass@1 and the repair share, on hand-made evaluation rows."""

from __future__ import annotations

import pytest

from grpo_agent.report import compare
from grpo_agent.turn_metrics import first_turn_rows, max_turns_of, repair_counts, repair_share


def row(task: str, turns: list[bool], status: str = "") -> dict:
    return {
        "task_id": task,
        "passed": turns[-1],
        "turn_passed": turns,
        "status": status or ("passed" if turns[-1] else "failed"),
    }


ROWS = [
    row("a", [False, False, True]),  # fixed at turn 3
    row("a", [True]),
    row("b", [False, False, False]),  # never fixed
    row("b", [False, True]),  # fixed at turn 2
    row("c", [True]),
    row("c", [False, False], status="infra_error"),  # counts as failed, never fixed
]


def test_first_turn_rows_take_the_first_verdict() -> None:
    first = first_turn_rows(ROWS)
    assert [r["passed"] for r in first] == [False, True, False, False, True, False]
    assert [r["passed"] for r in ROWS] == [True, True, False, True, True, False]  # not mutated
    # rows of a samples file have no turn_passed: their verdict is their only turn
    assert first_turn_rows([{"task_id": "z", "passed": True, "status": "passed"}])[0]["passed"]
    assert max_turns_of(ROWS) == 3 and max_turns_of([]) == 0


def test_first_and_final_pass_at_1_by_hand() -> None:
    final = compare(ROWS, ROWS)
    first = compare(first_turn_rows(ROWS), first_turn_rows(ROWS))
    # final: a 2/2, b 1/2, c 1/2 -> (1 + 0.5 + 0.5) / 3; first: a 1/2, b 0/2, c 1/2 -> 1/3
    assert final.before.estimate == pytest.approx(2 / 3)
    assert first.before.estimate == pytest.approx(1 / 3)


def test_repair_share_by_hand() -> None:
    counts = repair_counts(ROWS)
    assert dict(counts.failed_first) == {"a": 1, "b": 2, "c": 1}
    assert dict(counts.fixed_later) == {"a": 1, "b": 1, "c": 0}
    share = repair_share(ROWS, seed=1)
    assert share is not None
    assert share.estimate == pytest.approx(2 / 4)  # 2 of the 4 failed first attempts fixed
    # resampling tasks: {a} alone gives 1, {b} alone 0.5, {c} alone 0
    assert 0.0 <= share.low <= share.estimate <= share.high <= 1.0


def test_repair_share_is_none_without_failed_first_attempts() -> None:
    assert repair_share([row("a", [True]), row("b", [True, True])]) is None


def test_training_batch_turn_rates_by_hand() -> None:
    from grpo_agent.metrics import trajectory_metrics, turn_rates
    from grpo_agent.trajectory import Trajectory

    def traj(turns: tuple[bool, ...]) -> Trajectory:
        return Trajectory(
            task_id="t", group=0, input_ids=(1, 2), loss_mask=(0, 1), sampler_logprobs=None,
            reward=float(turns[-1]), num_turns=len(turns), turn_passed=turns,
        )  # fmt: skip

    batch = [traj(t) for t in [(True,), (False, True), (False, False), (False,), (False, True)]]
    # first answers: 1 of 5 pass; failed first answers: 4, of which 2 end passing (the episode
    # cut after one turn counts as not fixed)
    assert turn_rates(batch) == {
        "rollout/first_turn_pass_rate": 0.2,
        "rollout/repaired_frac": 0.5,
    }
    assert trajectory_metrics(batch)["rollout/repaired_frac"] == 0.5
    # single-turn batches log neither; a batch whose first answers all pass has no repair share
    assert turn_rates([traj((False,)), traj((True,))]) == {}
    assert turn_rates([traj((True,)), traj((True, True))]) == {"rollout/first_turn_pass_rate": 1.0}
