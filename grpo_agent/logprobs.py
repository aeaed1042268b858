"""Per-token log-probabilities of a causal LM, in fp32 from temperature-scaled logits.

The sampler drew token t from ``softmax(logits[t-1] / temperature)``, so the importance ratio and
the KL must use that same distribution: the logits are cast to fp32 *before* the temperature
division and the log-softmax (bf16 log-probs drift by ~1e-2, enough to bias the ratio).

Only the sampled ids' log-probs are needed, never the (B, T, V) log-softmax. With z = logits / τ,

    log p(y) = z[y] − logsumexp(z)
    ∂ log p(y) / ∂logits = (onehot(y) − softmax(z)) / τ

`selected_logprobs` computes both in row chunks of fp32 (bounded scratch memory even for bf16
logits) and keeps a single (B, T, V) buffer between forward and backward: the softmax, turned into
the gradient in place. Autograd through the textbook expression instead materialises the
log-softmax, the gather's scattered gradient, the temperature division's gradient and their sum,
each as large as the logits; over a 49k vocabulary that traffic costs more than the model.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from grpo_agent.precision import autocast

__all__ = ["TokenLogProbs", "disable_dropout", "selected_logprobs", "token_logprobs"]

_CHUNK_ELEMENTS = 1 << 22
"""Logit entries per fp32 scratch chunk (16 MB): rows per chunk = this // vocabulary size."""


@dataclass(frozen=True)
class TokenLogProbs:
    """Log-probs (B, T) of ``input_ids[:, t]`` given ``input_ids[:, :t]``; 0 before `start`."""

    logprobs: torch.Tensor
    entropy: torch.Tensor | None
    """(B, T) entropy of the sampling distribution at each position (no gradient), if asked."""


def _chunks(logits: torch.Tensor, width: int) -> list[tuple[int, slice]]:
    """(batch row, column slice) pieces of the first `width` columns, ~_CHUNK_ELEMENTS each."""
    rows = max(1, _CHUNK_ELEMENTS // logits.shape[-1])
    return [
        (b, slice(c, min(c + rows, width)))
        for b in range(logits.shape[0])
        for c in range(0, width, rows)
    ]


def _forward(
    logits: torch.Tensor,
    targets: torch.Tensor,
    temperature: float,
    *,
    with_entropy: bool,
    probs: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Log-probs (B, K) of `targets` under ``softmax(logits[:, :K] / temperature)``, the entropy
    (B, K) if asked, and ``softmax`` written into `probs` (B, L, V) if given."""
    batch, width = targets.shape
    out = torch.empty(batch, width, dtype=torch.float32, device=logits.device)
    entropy = torch.empty_like(out) if with_entropy else None
    for b, cols in _chunks(logits, width):
        z = logits[b, cols].float()  # (n, V): a view for fp32 logits, an fp32 copy for bf16
        if temperature != 1.0:
            z = z / temperature
        # Two fused kernels, each ~3x faster on CPU than logsumexp plus an elementwise exp.
        logp = z.log_softmax(dim=-1)  # (n, V)
        out[b, cols] = logp.gather(-1, targets[b, cols].unsqueeze(-1)).squeeze(-1)
        if probs is not None:
            torch.softmax(z, dim=-1, out=probs[b, cols])
        if entropy is not None:
            p = probs[b, cols] if probs is not None else logp.exp()
            entropy[b, cols] = -(p * logp).sum(dim=-1)  # H = -sum_v p_v log p_v
    return out, entropy


class _SelectedLogProbs(torch.autograd.Function):
    """``log softmax(logits / τ)[targets]`` with a gradient that reuses the forward's softmax."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        logits: torch.Tensor,
        targets: torch.Tensor,
        temperature: float,
        with_entropy: bool,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        width = targets.shape[1]
        probs = torch.empty(logits.shape, dtype=torch.float32, device=logits.device)
        probs[:, width:].zero_()  # columns past the targets: no gradient
        out, entropy = _forward(
            logits, targets, temperature, with_entropy=with_entropy, probs=probs
        )
        ctx.probs, ctx.width, ctx.temperature = probs, width, temperature
        ctx.dtype = logits.dtype
        ctx.save_for_backward(targets)
        if entropy is not None:
            ctx.mark_non_differentiable(entropy)
        return out, entropy

    @staticmethod
    def backward(  # type: ignore[override]
        ctx: Any, grad_out: torch.Tensor, _grad_entropy: Any
    ) -> tuple[torch.Tensor, None, None, None]:
        if ctx.probs is None:
            raise RuntimeError(
                "selected_logprobs' backward reuses its softmax buffer in place and runs once; "
                "recompute the forward instead of backward(retain_graph=True)"
            )
        (targets,) = ctx.saved_tensors
        grad, ctx.probs = ctx.probs, None  # (B, L, V); columns >= width stay 0
        g = (grad_out / ctx.temperature).unsqueeze(-1)  # (B, K, 1)
        active = grad[:, : ctx.width]
        active.mul_(-g).scatter_add_(-1, targets.unsqueeze(-1), g)  # (onehot - p) * g / τ
        return grad.to(ctx.dtype), None, None, None


def selected_logprobs(
    logits: torch.Tensor,
    targets: torch.Tensor,
    *,
    temperature: float = 1.0,
    with_entropy: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Log-probs (B, K) of `targets` (B, K) under ``softmax(logits[:, :K] / temperature)`` in fp32.

    Args:
        logits: (B, L, V) with L >= K, any float dtype: column k scores ``targets[:, k]``; columns
            from K on are ignored (their gradient is 0).
        temperature: 1 skips the division; callers map greedy (0) to 1.
        with_entropy: also return the (B, K) entropy of each distribution, without gradient.

    Differentiable in `logits`; the backward may run once per forward.
    """
    if targets.shape[0] != logits.shape[0] or targets.shape[1] > logits.shape[1]:
        raise ValueError(
            f"targets {tuple(targets.shape)} do not fit logits {tuple(logits.shape)}: need "
            "targets (B, K) and logits (B, L, V) with K <= L"
        )
    if torch.is_grad_enabled() and logits.requires_grad:
        out, entropy = _SelectedLogProbs.apply(logits, targets, temperature, with_entropy)
        return out, entropy
    return _forward(logits, targets, temperature, with_entropy=with_entropy, probs=None)


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
    compute_dtype: torch.dtype | None = None,
) -> TokenLogProbs:
    """Log-probs of the tokens of right-padded sequences under `model`.

    Args:
        input_ids, attention_mask: (B, T), sequences starting at column 0.
        temperature: the sampling temperature; 0 (greedy) is treated as 1.
        start: the first column whose log-prob is needed (the earliest policy token of the
            batch). Logits are only computed from column ``start - 1`` on: with a 49k vocabulary
            the prompt's logits would otherwise dominate the memory of the forward pass.
        with_entropy: also return the entropy of each position's distribution (for logging).
        compute_dtype: run the model's matmuls in this dtype under autocast when its weights are
            wider (bf16 over fp32 master weights, `grpo_agent.precision`); the log-softmax and
            the log-probs stay fp32 either way. None: the weights' dtype.
    """
    batch, width = input_ids.shape
    start = max(1, min(start, width - 1)) if width > 1 else 1
    keep = width - start + 1  # logits of columns start-1 .. T-1; the last one predicts nothing
    kwargs = {"logits_to_keep": keep} if _accepts_logits_to_keep(model) else {}
    with autocast(model, compute_dtype or next(model.parameters()).dtype):
        logits = model(
            input_ids=input_ids, attention_mask=attention_mask, use_cache=False, **kwargs
        ).logits[:, -keep:]  # (B, T - start + 1, V): column c scores input_ids[:, start + c]
    picked, entropy_cols = selected_logprobs(
        logits,
        input_ids[:, start:],  # (B, T - start)
        temperature=temperature if temperature > 0 else 1.0,
        with_entropy=with_entropy,
    )
    out = torch.zeros(batch, width, dtype=torch.float32, device=input_ids.device)
    out[:, start:] = picked
    entropy = None
    if entropy_cols is not None:
        entropy = torch.zeros_like(out)
        entropy[:, start:] = entropy_cols
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
