"""AdamW and the learning-rate schedule (linear warmup, then constant or cosine)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from grpo_agent.config import GRPOConfig

__all__ = ["build_optimizer", "lr_multiplier"]


def lr_multiplier(config: GRPOConfig) -> Callable[[int], float]:
    """Step -> factor of the peak learning rate.

    Warmup: ``(step + 1) / warmup_steps``. Cosine: ``min + (1 - min) * (1 + cos(pi * p)) / 2``
    with ``p`` the progress from the end of warmup to ``max_steps``.
    """
    warmup, total, floor = config.warmup_steps, config.max_steps, config.min_lr_ratio

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if config.lr_schedule == "constant":
            return 1.0
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


def build_optimizer(
    model: nn.Module, config: GRPOConfig
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters")
    # The fused kernel (CPU and CUDA, torch >= 2.4) updates each tensor in one pass. The foreach
    # one allocates temporaries as large as all parameters together: on SmolLM2-135M on 2 CPU
    # cores it took 7x longer per step and 0.5 GB more peak memory.
    fused = all(p.device.type in ("cpu", "cuda") for p in params)
    optimizer = torch.optim.AdamW(
        params,
        lr=config.learning_rate,
        betas=(config.adam_beta1, config.adam_beta2),
        eps=config.adam_eps,
        weight_decay=config.weight_decay,
        **({"fused": True} if fused else {"foreach": True}),
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_multiplier(config))
    return optimizer, scheduler
