"""Per-token log-probabilities of a causal LM, in fp32 from temperature-scaled logits.

The sampler drew token t from ``softmax(logits[t-1] / temperature)``, so the importance ratio and
the KL must use that same distribution: the logits are cast to fp32 *before* the temperature
division and the log-softmax (bf16 log-probs drift by ~1e-2, enough to bias the ratio).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

__all__ = ["TokenLogProbs", "disable_dropout", "token_logprobs"]


@dataclass(frozen=True)
class TokenLogProbs:
    """Log-probs (B, T) of ``input_ids[:, t]`` given ``input_ids[:, :t]``; 0 before `start`."""

    logprobs: torch.Tensor
    entropy: torch.Tensor | None
    """(B, T) entropy of the sampling distribution at each position (no gradient), if asked."""


def _accepts_logits_to_keep(model: nn.Module) -> bool:
    base: Any = model.get_base_model() if hasattr(model, "get_base_model") else model  # type: ignore[operator]
    return "logits_to_keep" in inspect.signature(base.forward).parameters


def token_logprobs(
    model: nn.Module,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    *,
    temperature: float = 1.0,
    start: int = 1,
    with_entropy: bool = False,
) -> TokenLogProbs:
    """Log-probs of the tokens of right-padded sequences under `model`.

    Args:
        input_ids, attention_mask: (B, T), sequences starting at column 0.
        temperature: the sampling temperature; 0 (greedy) is treated as 1.
        start: the first column whose log-prob is needed (the earliest policy token of the
            batch). Logits are only computed from column ``start - 1`` on: with a 49k vocabulary
            the prompt's logits would otherwise dominate the memory of the forward pass.
        with_entropy: also return the entropy of each position's distribution (for logging).
    """
    batch, width = input_ids.shape
    start = max(1, min(start, width - 1)) if width > 1 else 1
    keep = width - start + 1  # logits of columns start-1 .. T-1
    kwargs = {"logits_to_keep": keep} if _accepts_logits_to_keep(model) else {}
    logits = model(
        input_ids=input_ids, attention_mask=attention_mask, use_cache=False, **kwargs
    ).logits
    logits = logits[:, -keep:-1, :].float()  # (B, T - start, V): column c predicts token c + 1
    if temperature > 0:
        logits = logits / temperature
    targets = input_ids[:, start:]  # (B, T - start)
    picked = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(dim=-1)
    out = torch.zeros(batch, width, dtype=torch.float32, device=input_ids.device)
    out[:, start:] = picked
    entropy = None
    if with_entropy:
        with torch.no_grad():
            logp = torch.log_softmax(logits.detach(), dim=-1)
            entropy = torch.zeros_like(out)
            entropy[:, start:] = -(logp.exp() * logp).sum(dim=-1)
    return TokenLogProbs(logprobs=out, entropy=entropy)


def disable_dropout(model: nn.Module) -> None:
    """Set every dropout probability of `model` to 0.

    The ratio ``pi / pi_old`` must compare the same function: with dropout on, two forward passes
    over the same tokens disagree and the ratio is noise. Zeroing the probabilities (rather than
    calling ``model.eval()``) keeps training mode, which gradient checkpointing needs.
    """
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
        for name in ("attention_dropout", "dropout_p"):
            if isinstance(getattr(module, name, None), float):
                setattr(module, name, 0.0)
    config = getattr(model, "config", None)
    for name in ("attention_dropout", "hidden_dropout", "resid_pdrop", "embd_pdrop", "attn_pdrop"):
        if config is not None and isinstance(getattr(config, name, None), float):
            setattr(config, name, 0.0)
