"""The GRPO policy loss: clipped importance-ratio surrogate plus a k3 KL penalty.

Per policy token t of completion i (DeepSeekMath, Shao et al., 2024, eq. 3)::

    rho   = exp(logp - old_logp)                                   importance ratio
    pg    = -min(rho * A_i, clip(rho, 1 - clip_low, 1 + clip_high) * A_i)
    k3    = exp(ref_logp - logp) - (ref_logp - logp) - 1           (Schulman, 2020), >= 0
    l_t   = pg + beta * k3

and the per-token losses are reduced by one of `AGGREGATIONS`. ``clip_high > clip_low`` is DAPO's
"clip-higher", which leaves more room to raise the probability of unlikely tokens.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["AGGREGATIONS", "global_microbatch_weight", "microbatch_weight", "policy_loss"]


def seq_mean_token_mean(per_token: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over each completion's tokens, then over completions (DeepSeekMath, GRPO paper).

    Every completion weighs the same, so each token of a long completion weighs less.
    """
    tokens = mask.sum(dim=1).clamp(min=1)  # (B,)
    return ((per_token * mask).sum(dim=1) / tokens).mean()


def token_mean(per_token: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over all policy tokens of the batch (DAPO): every token weighs the same."""
    return (per_token * mask).sum() / mask.sum().clamp(min=1)


def seq_mean_token_sum_norm(per_token: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sum over tokens divided by B x T, T the mask's width (Dr. GRPO).

    A constant normaliser removes the length bias of per-sequence means.
    """
    return (per_token * mask).sum() / (mask.shape[0] * mask.shape[1])


AGGREGATIONS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "seq-mean-token-mean": seq_mean_token_mean,
    "token-mean": token_mean,
    "seq-mean-token-sum-norm": seq_mean_token_sum_norm,
}
"""Aggregations, ``(per_token (B, T), mask (B, T)) -> scalar``."""


def policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    ref_logprobs: torch.Tensor | None,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
    beta: float = 0.04,
    aggregation: str = "seq-mean-token-mean",
) -> tuple[torch.Tensor, dict[str, float]]:
    """The GRPO loss of one batch and its diagnostics.

    Args:
        logprobs: (B, T) log-probs of the taken tokens under the policy being trained.
        old_logprobs: (B, T) log-probs under the policy that sampled the batch (no gradient).
        ref_logprobs: (B, T) log-probs under the reference policy, or None when ``beta == 0``.
        advantages: (B,) one advantage per completion.
        mask: (B, T) 1 on policy-generated tokens, 0 elsewhere.

    Returns:
        The scalar loss and float metrics: ``pg_loss``, ``kl`` (token mean of k3),
        ``clip_frac_low`` / ``clip_frac_high`` (share of policy tokens whose gradient the clip
        removed on that side), ``clip_frac``, ``ratio_mean``, ``ratio_min``, ``ratio_max``.
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(
            f"unknown aggregation {aggregation!r}; choose one of {sorted(AGGREGATIONS)}"
        )
    if beta != 0 and ref_logprobs is None:
        raise ValueError(f"beta={beta} needs ref_logprobs; pass them or set beta=0")
    if advantages.ndim != 1 or advantages.shape[0] != logprobs.shape[0]:
        raise ValueError(
            f"advantages must have shape (B,) = ({logprobs.shape[0]},), got {tuple(advantages.shape)}"
        )
    reduce = AGGREGATIONS[aggregation]
    mask = mask.to(logprobs.dtype)
    adv = advantages.to(logprobs.dtype).unsqueeze(1)  # (B, 1)

    ratio = torch.exp(logprobs - old_logprobs.detach())  # (B, T)
    clipped = torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high)
    pg = -torch.minimum(ratio * adv, clipped * adv)  # (B, T)
    per_token = pg
    if ref_logprobs is not None:
        delta = ref_logprobs.detach() - logprobs  # (B, T)
        kl = torch.exp(delta) - delta - 1.0  # k3 estimator of KL(pi || pi_ref)
        if beta != 0:
            per_token = pg + beta * kl
    else:
        kl = torch.zeros_like(logprobs)
    loss = reduce(per_token, mask)

    with torch.no_grad():
        on = mask > 0
        n = on.sum().clamp(min=1)
        low = (ratio < 1.0 - clip_low) & (adv < 0) & on  # clipped branch chosen, no gradient
        high = (ratio > 1.0 + clip_high) & (adv > 0) & on
        ratios = ratio[on]
        metrics = {
            "pg_loss": float(reduce(pg, mask)),
            "kl": float((kl * mask).sum() / n),
            "clip_frac_low": float(low.sum() / n),
            "clip_frac_high": float(high.sum() / n),
            "clip_frac": float((low | high).sum() / n),
            "ratio_mean": float(ratios.mean()) if ratios.numel() else 1.0,
            "ratio_min": float(ratios.min()) if ratios.numel() else 1.0,
            "ratio_max": float(ratios.max()) if ratios.numel() else 1.0,
        }
    return loss, metrics


def microbatch_weight(aggregation: str, mask_micro: torch.Tensor, mask_full: torch.Tensor) -> float:
    """Factor that makes the sum of micro-batch losses equal the full-batch loss.

    Gradient accumulation computes ``policy_loss`` on slices of the batch. Each aggregation is a
    mean with a different denominator, so each slice is weighted by its share of it: its share of
    sequences (``seq-mean-*``, when every slice is padded to the full batch's width T) or its
    share of policy tokens (``token-mean``).
    """
    if aggregation == "token-mean":
        return float(mask_micro.sum()) / max(float(mask_full.sum()), 1.0)
    if aggregation in AGGREGATIONS:
        return mask_micro.shape[0] / mask_full.shape[0]
    raise ValueError(f"unknown aggregation {aggregation!r}; choose one of {sorted(AGGREGATIONS)}")


def global_microbatch_weight(
    aggregation: str, mask_micro: torch.Tensor, *, sequences: int, tokens: float, width: int
) -> float:
    """Factor that makes the sum of micro-batch losses, over every micro-batch of every rank,
    equal the loss of the whole batch of `sequences` rows, `tokens` policy tokens and `width`
    columns (the widest row of any rank).

    Like `microbatch_weight`, with the denominators of the global batch instead of the local
    one: its share of sequences (``seq-mean-token-mean``), of policy tokens (``token-mean``), or
    of the B x T cells (Dr. GRPO: a micro-batch's loss divides by its own B_mb x T_mb, the
    whole batch's by B x T). With one rank and micro-batches as wide as the batch, it equals
    `microbatch_weight`.
    """
    rows, cols = mask_micro.shape
    if aggregation == "token-mean":
        return float(mask_micro.sum()) / max(tokens, 1.0)
    if aggregation == "seq-mean-token-mean":
        return rows / max(sequences, 1)
    if aggregation == "seq-mean-token-sum-norm":
        return rows * cols / max(sequences * width, 1)
    raise ValueError(f"unknown aggregation {aggregation!r}; choose one of {sorted(AGGREGATIONS)}")
