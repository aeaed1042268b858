"""AdamW: the fused kernel on CPU, with the same update as the reference loop implementation."""

from __future__ import annotations

import torch
from conftest import make_model

from grpo_agent.config import GRPOConfig
from grpo_agent.optim import build_optimizer


def test_fused_adamw_on_cpu_matches_the_reference_loop() -> None:
    config = GRPOConfig(learning_rate=1e-2, weight_decay=0.1)
    fused_model, plain_model = make_model(0), make_model(0)
    fused, _ = build_optimizer(fused_model, config)
    assert fused.param_groups[0]["fused"]
    plain = torch.optim.AdamW(
        plain_model.parameters(), lr=1e-2, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1,
        foreach=False,
    )  # fmt: skip
    for step in range(3):
        torch.manual_seed(step)
        grads = [torch.randn_like(p) for p in fused_model.parameters()]
        for model, optimizer in ((fused_model, fused), (plain_model, plain)):
            for p, g in zip(model.parameters(), grads, strict=True):
                p.grad = g.clone()
            optimizer.step()
    for a, b in zip(fused_model.parameters(), plain_model.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
