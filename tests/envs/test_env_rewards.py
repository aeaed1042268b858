"""envs.rewards: the score, the per-step terms, and the telescoping return."""

from __future__ import annotations

import math

import pytest

from envs.rewards import Grade, RewardComponents, RewardConfig, step_reward
from sandbox import base as sb
from sandbox.base import ExecResult, Status

CONFIG = RewardConfig()


def test_default_score_is_one_for_a_full_solution_and_zero_for_nothing() -> None:
    assert CONFIG.score(Grade(compiled=True, hidden_fraction=1.0, all_pass=True)) == pytest.approx(
        1.0
    )
    assert CONFIG.score(Grade()) == 0.0


def test_partial_credit_stays_well_below_a_full_solution() -> None:
    nine_of_ten = CONFIG.score(Grade(compiled=True, hidden_fraction=0.9, all_pass=False))
    assert nine_of_ten == pytest.approx(0.1 + 0.3 * 0.9)


def test_rewards_telescope_to_final_score_minus_costs() -> None:
    config = RewardConfig(turn_cost=0.02, format_penalty=0.1)
    grades = [
        Grade(compiled=False),
        None,  # unparseable action: nothing graded
        Grade(compiled=True, hidden_fraction=0.5),
        Grade(compiled=True, hidden_fraction=0.25),  # a regression costs reward
        Grade(compiled=True, hidden_fraction=1.0, all_pass=True),
    ]
    previous, total = Grade(), 0.0
    for grade in grades:
        current = previous if grade is None else grade
        terms = step_reward(config, previous=previous, current=current, format_ok=grade is not None)
        total += terms.total
        previous = current
    expected = config.score(grades[-1]) - len(grades) * 0.02 - 0.1  # type: ignore[arg-type]
    assert total == pytest.approx(expected)


def test_regression_is_negative() -> None:
    terms = step_reward(
        CONFIG,
        previous=Grade(compiled=True, hidden_fraction=1.0, all_pass=True),
        current=Grade(compiled=True, hidden_fraction=0.5),
        format_ok=True,
    )
    assert terms == RewardComponents(all_pass=-0.6, hidden_fraction=-0.15)
    assert terms.total == pytest.approx(-0.75)


def test_format_failure_costs_the_penalty_and_keeps_the_grade() -> None:
    grade = Grade(compiled=True, hidden_fraction=0.5)
    terms = step_reward(CONFIG, previous=grade, current=grade, format_ok=False)
    assert terms.as_dict() == {
        "all_pass": 0.0,
        "hidden_fraction": 0.0,
        "compile": 0.0,
        "format": -0.1,
        "turn_cost": 0.0,
    }


def test_components_sum_to_total() -> None:
    terms = RewardComponents(
        all_pass=0.6, hidden_fraction=0.3, compile=0.1, format=-0.1, turn_cost=-0.01
    )
    assert math.fsum(terms.as_dict().values()) == pytest.approx(terms.total)
    assert terms.as_dict() is not terms.as_dict()  # a fresh dict each time


@pytest.mark.parametrize(
    "kwargs", [{"format_penalty": -0.1}, {"turn_cost": -1.0}, {"all_pass": float("nan")}]
)
def test_invalid_configs_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="RewardConfig"):
        RewardConfig(**kwargs)


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        CONFIG.all_pass = 2.0  # type: ignore[misc]


def _outcome(passed: bool) -> sb.TestOutcome:
    return sb.TestOutcome(passed=passed, status=Status.PASSED if passed else Status.FAILED)


def test_grade_of_results() -> None:
    passed = ExecResult(status=Status.PASSED, tests=(_outcome(True),) * 4, tests_total=4)
    assert Grade.of(passed) == Grade(compiled=True, hidden_fraction=1.0, all_pass=True)
    half = ExecResult(status=Status.FAILED, tests=(_outcome(True), _outcome(False)), tests_total=2)
    assert Grade.of(half) == Grade(compiled=True, hidden_fraction=0.5, all_pass=False)
    broken = ExecResult(status=Status.COMPILE_ERROR, tests_total=4)
    assert Grade.of(broken) == Grade(compiled=False, hidden_fraction=0.0, all_pass=False)


def test_a_run_that_stopped_early_is_not_a_pass() -> None:
    """Two of four tests recorded, both passed, status claims PASSED (an exit at import after
    partial output): the fraction counts expected tests and all_pass needs all of them."""
    early = ExecResult(status=Status.PASSED, tests=(_outcome(True),) * 2, tests_total=4)
    assert Grade.of(early) == Grade(compiled=True, hidden_fraction=0.5, all_pass=False)
