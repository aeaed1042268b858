"""`policy_loss` against values worked out by hand.

The batch (clip 0.2 on both sides), with ratios chosen so that each case of the clip appears::

    row 0: A = +1, mask [1, 1, 0], ratio [1.5, 1.0, 2.0]
    row 1: A = -2, mask [1, 1, 1], ratio [0.5, 1.1, 1.0]

    pg = -min(rho*A, clip(rho, 0.8, 1.2)*A):
    row 0: -min(1.5, 1.2) = -1.2 (high-clipped),  -1.0,  (masked)
    row 1: -min(-1.0, -1.6) = 1.6 (low-clipped),  -min(-2.2, -2.2) = 2.2,  2.0

    seq-mean-token-mean: ((-1.2 - 1.0)/2 + (1.6 + 2.2 + 2.0)/3) / 2 = (-1.1 + 1.933333) / 2
    token-mean:          (-2.2 + 5.8) / 5 = 0.72
    seq-mean-token-sum-norm: 3.6 / (2 * 3) = 0.6
"""

from __future__ import annotations

import math

import pytest
import torch

from grpo_agent.loss import AGGREGATIONS, microbatch_weight, policy_loss

RATIOS = [[1.5, 1.0, 2.0], [0.5, 1.1, 1.0]]
MASK = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
ADV = torch.tensor([1.0, -2.0])
LN2 = math.log(2.0)
K3_LN2 = 2.0 - LN2 - 1.0  # exp(ln 2) - ln 2 - 1 = 0.306853


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    logp = torch.tensor([[math.log(r) for r in row] for row in RATIOS], requires_grad=True)
    return logp, torch.zeros(2, 3)


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("seq-mean-token-mean", 0.416667), ("token-mean", 0.72), ("seq-mean-token-sum-norm", 0.6)],
)
def test_aggregations_without_kl(aggregation: str, expected: float) -> None:
    logp, old = _batch()
    loss, metrics = policy_loss(logp, old, None, ADV, MASK, beta=0.0, aggregation=aggregation)
    assert loss.item() == pytest.approx(expected, abs=1e-5)
    assert metrics["pg_loss"] == pytest.approx(expected, abs=1e-5)
    assert metrics["kl"] == 0.0


def test_clip_and_ratio_metrics() -> None:
    logp, old = _batch()
    _, m = policy_loss(logp, old, None, ADV, MASK, beta=0.0)
    assert m["clip_frac_low"] == pytest.approx(0.2)  # row 1 token 0 of 5 policy tokens
    assert m["clip_frac_high"] == pytest.approx(0.2)  # row 0 token 0
    assert m["clip_frac"] == pytest.approx(0.4)
    assert m["ratio_mean"] == pytest.approx(1.02)  # (1.5 + 1 + 0.5 + 1.1 + 1) / 5; 2.0 is masked
    assert m["ratio_min"] == pytest.approx(0.5)
    assert m["ratio_max"] == pytest.approx(1.5)


def test_gradient_is_zero_where_clipped_and_masked() -> None:
    logp, old = _batch()
    loss, _ = policy_loss(logp, old, None, ADV, MASK, beta=0.0, aggregation="token-mean")
    loss.backward()
    # d(-rho*A)/dlogp = -rho*A, divided by the 5 policy tokens
    assert logp.grad is not None
    expected = torch.tensor([[0.0, -0.2, 0.0], [0.0, 0.44, 0.4]])
    torch.testing.assert_close(logp.grad, expected, atol=1e-6, rtol=0)


def test_clip_higher_lets_the_ratio_rise_further() -> None:
    logp, old = _batch()
    loss, m = policy_loss(
        logp, old, None, ADV, MASK, clip_high=0.6, beta=0.0, aggregation="token-mean"
    )
    # row 0 token 0 now unclipped: -1.5 instead of -1.2 -> (-2.5 + 5.8) / 5 = 0.66
    assert loss.item() == pytest.approx(0.66, abs=1e-6)
    assert m["clip_frac_high"] == 0.0
    assert m["clip_frac_low"] == pytest.approx(0.2)


def test_k3_kl_penalty() -> None:
    logp, old = _batch()
    # ref - logp: ln 2 at (0, 0) and (1, 2), ln 2 at the masked (0, 2) too, 0 elsewhere
    ref = logp.detach() + torch.tensor([[LN2, 0.0, LN2], [0.0, 0.0, LN2]])
    loss, m = policy_loss(logp, old, ref, ADV, MASK, beta=0.1)
    # rows: (-1.2 + 0.1*0.306853 - 1.0) / 2 = -1.084657; (1.6 + 2.2 + 2.0 + 0.030685) / 3 = 1.943562
    assert loss.item() == pytest.approx((-1.084657 + 1.943562) / 2, abs=1e-5)
    assert m["kl"] == pytest.approx(2 * K3_LN2 / 5, abs=1e-6)  # 0.122741


def test_kl_is_reported_even_when_beta_is_zero() -> None:
    logp, old = _batch()
    ref = logp.detach() + LN2
    loss, m = policy_loss(logp, old, ref, ADV, MASK, beta=0.0)
    assert loss.item() == pytest.approx(0.416667, abs=1e-5)
    assert m["kl"] == pytest.approx(K3_LN2, abs=1e-6)


def test_missing_reference_with_beta_is_an_error() -> None:
    logp, old = _batch()
    with pytest.raises(ValueError, match="ref_logprobs"):
        policy_loss(logp, old, None, ADV, MASK, beta=0.04)
    with pytest.raises(ValueError, match="unknown aggregation"):
        policy_loss(logp, old, None, ADV, MASK, beta=0.0, aggregation="sum")


@pytest.mark.parametrize("aggregation", sorted(AGGREGATIONS))
def test_microbatch_weights_recompose_the_full_loss(aggregation: str) -> None:
    logp, old = _batch()
    full, _ = policy_loss(logp, old, None, ADV, MASK, beta=0.0, aggregation=aggregation)
    parts = 0.0
    for rows in (slice(0, 1), slice(1, 2)):
        part, _ = policy_loss(
            logp[rows], old[rows], None, ADV[rows], MASK[rows], beta=0.0, aggregation=aggregation
        )
        parts += part.item() * microbatch_weight(aggregation, MASK[rows], MASK)
    assert parts == pytest.approx(full.item(), abs=1e-6)
