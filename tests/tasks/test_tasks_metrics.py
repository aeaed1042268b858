"""pass@k and intervals against values computed by hand."""

from __future__ import annotations

import math

import pytest

from tasks.metrics import (
    bootstrap_ci,
    normal_ci,
    parse_ks,
    pass_at_k,
    per_task_pass_at_k,
    suite_pass_at_k,
)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (1, 1, 1, 1.0),
        (1, 0, 1, 0.0),
        (10, 3, 1, 0.3),  # pass@1 = c / n
        (5, 2, 2, 1 - 3 / 10),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (4, 1, 2, 1 - 3 / 6),  # 1 - C(3,2)/C(4,2)
        (10, 2, 5, 1 - 56 / 252),  # 1 - C(8,5)/C(10,5)
        (5, 4, 2, 1.0),  # n - c < k: every pair holds a correct sample
        (3, 0, 3, 0.0),
    ],
)
def test_pass_at_k_hand_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_matches_binomials_where_they_do_not_overflow() -> None:
    for n, c, k in [(20, 7, 10), (30, 1, 29), (50, 25, 1)]:
        exact = 1 - math.comb(n - c, k) / math.comb(n, k)
        assert pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-12)


def test_pass_at_k_is_stable_for_large_n() -> None:
    # C(2000, 1000) overflows a float; the product form does not
    value = pass_at_k(2000, 1, 1000)
    assert value == pytest.approx(0.5, abs=1e-12)  # one correct among n, k = n/2: exactly 1/2


@pytest.mark.parametrize(("n", "c", "k"), [(3, 4, 1), (3, -1, 1), (3, 1, 0), (3, 1, 4)])
def test_pass_at_k_rejects_impossible_counts(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_suite_pass_at_k_skips_k_above_some_tasks_n() -> None:
    counts = [(10, 5), (2, 1)]
    assert per_task_pass_at_k(counts, 1) == [0.5, 0.5]
    assert suite_pass_at_k(counts, 2) == pytest.approx((1 - 10 / 45 + 1.0) / 2)
    assert suite_pass_at_k(counts, 3) is None


def test_normal_ci_by_hand() -> None:
    # values .25, .75, .25, .75: mean 0.5, sample sd sqrt(4 * .25**2 / 3) = sqrt(1/12),
    # half width 1.959964 * sqrt(1/12) / sqrt(4)
    interval = normal_ci([0.25, 0.75, 0.25, 0.75])
    half = 1.959963984540054 * math.sqrt(1 / 12) / 2
    assert interval.estimate == 0.5
    assert interval.low == pytest.approx(0.5 - half, abs=1e-6)
    assert interval.high == pytest.approx(0.5 + half, abs=1e-6)
    assert normal_ci([1.0, 1.0]).low == 1.0  # degenerate and clipped, not above 1
    assert normal_ci([0.0, 1.0], confidence=0.5).high < normal_ci([0.0, 1.0]).high


def test_bootstrap_ci_two_tasks() -> None:
    # resampled means of [0, 1] are 0, 0.5, 1 with chances 1/4, 1/2, 1/4: the 2.5% and 97.5%
    # quantiles are 0 and 1
    interval = bootstrap_ci([0.0, 1.0], resamples=4000, seed=1)
    assert (interval.estimate, interval.low, interval.high) == (0.5, 0.0, 1.0)


def test_bootstrap_ci_is_reproducible_and_brackets_the_mean() -> None:
    values = [i % 3 / 2 for i in range(50)]
    a = bootstrap_ci(values, seed=7)
    assert a == bootstrap_ci(values, seed=7)
    assert a.low < a.estimate < a.high
    assert bootstrap_ci([0.25] * 9).low == bootstrap_ci([0.25] * 9).high == 0.25


def test_parse_ks() -> None:
    assert parse_ks("10,1, 100,1") == (1, 10, 100)
    for bad in ("", "0", "1,x", "-1"):
        with pytest.raises(ValueError):
            parse_ks(bad)
