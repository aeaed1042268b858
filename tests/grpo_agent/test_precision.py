"""bf16 compute over fp32 master weights: choosing the dtype, the bf16 copies, and agreement of
the fast path with the fp32 reference path (log-probs, greedy decoding, the first ratio)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import AddEnv, make_model, make_tokenizer

from grpo_agent import precision
from grpo_agent.config import GRPOConfig
from grpo_agent.errors import ConfigError
from grpo_agent.generation.base import SamplingParams
from grpo_agent.generation.hf import TransformersGenerator
from grpo_agent.logprobs import token_logprobs
from grpo_agent.precision import cast_copy, copy_parameters, cpuinfo_has_bf16
from grpo_agent.trainer import Trainer

CPU = torch.device("cpu")
BF16_TOLERANCE = 0.05
"""Largest |log p_bf16 - log p_fp32| allowed on the tiny model: bf16 keeps 8 bits of mantissa,
so each matmul's output carries a relative error of ~2^-9 that the layers compound."""


def test_cpuinfo_flags_decide_native_bf16() -> None:
    head = "processor\t: 0\nmodel name\t: Some CPU\n"
    assert cpuinfo_has_bf16(head + "flags\t\t: fpu sse2 avx512f avx512_bf16 avx512_vnni\n")
    assert cpuinfo_has_bf16(head + "flags\t\t: fpu amx_bf16 amx_tile\n")
    assert not cpuinfo_has_bf16(head + "flags\t\t: fpu sse2 avx2 avx512f\n")
    assert not cpuinfo_has_bf16(head)


@pytest.mark.parametrize("native", [True, False])
def test_auto_is_bf16_only_on_a_cpu_with_native_bf16(
    monkeypatch: pytest.MonkeyPatch, native: bool
) -> None:
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    resolve = precision.resolve_compute_dtype
    want = torch.bfloat16 if native else torch.float32
    assert resolve("auto", device=CPU, weights=torch.float32) == want
    assert resolve("auto", device=CPU, weights=torch.bfloat16) == torch.bfloat16  # weights' own
    assert resolve("auto", device=torch.device("cuda"), weights=torch.float32) == torch.float32
    assert resolve("float32", device=CPU, weights=torch.float32) == torch.float32
    assert resolve("bfloat16", device=CPU, weights=torch.float32) == torch.bfloat16


def test_unknown_compute_dtype_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"compute_dtype='fp8'.*bfloat16"):
        GRPOConfig(compute_dtype="fp8")


def test_cast_copy_narrows_parameters_not_buffers_and_follows_the_source() -> None:
    model = make_model(0)
    copy = cast_copy(model, torch.bfloat16)
    assert all(p.dtype == torch.bfloat16 and not p.requires_grad for p in copy.parameters())
    # rotary frequencies stay fp32: in bf16, positions past a few hundred would drift
    assert all(b.dtype == torch.float32 for b in copy.buffers() if b.is_floating_point())
    assert all(p.dtype == torch.float32 and p.requires_grad for p in model.parameters())
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.5)
    copy_parameters(model, copy)
    for p, c in zip(model.parameters(), copy.parameters(), strict=True):
        torch.testing.assert_close(c, p.to(torch.bfloat16), atol=0, rtol=0)


def test_bf16_log_probs_agree_with_the_fp32_reference_path() -> None:
    model = make_model(0, hidden=64, layers=2)
    torch.manual_seed(1)
    ids = torch.randint(0, 21, (3, 12))
    mask = torch.ones_like(ids)
    fp32 = token_logprobs(model, ids, mask, temperature=0.7, start=3).logprobs
    fast = token_logprobs(model, ids, mask, temperature=0.7, start=3, compute_dtype=torch.bfloat16)
    assert fast.logprobs.dtype == torch.float32
    assert 0 < (fast.logprobs - fp32).abs().max() <= BF16_TOLERANCE  # bf16 did run, and agrees
    copy = cast_copy(model, torch.bfloat16)
    frozen = token_logprobs(copy, ids, mask, temperature=0.7, start=3).logprobs
    assert (frozen - fp32).abs().max() <= BF16_TOLERANCE  # the bf16 reference copy too


def _sharp_model() -> Any:
    """A tiny model whose greedy choices have clear margins: the random-init logits are scaled
    up x30 so that bf16 rounding (~1e-2 on a logit) cannot swap the top two ids."""
    model = make_model(3)
    with torch.no_grad():
        model.model.norm.weight.mul_(30.0)
    return model


def test_bf16_sampler_decodes_greedily_as_the_fp32_model_does() -> None:
    model = _sharp_model()
    params = SamplingParams(max_new_tokens=8, temperature=0.0)
    prompts = [[2, 5, 7, 8, 16, 3, 2, 6], [2, 5, 7, 8, 18, 3, 2, 6], [2, 6]]
    fp32 = TransformersGenerator(model, pad_token_id=0).generate(prompts, params)
    fast = TransformersGenerator(model, pad_token_id=0, compute_dtype=torch.bfloat16)
    assert fast.model is not model
    assert all(p.dtype == torch.bfloat16 and p.numel() == 0 for p in fast.model.parameters())
    assert [c.token_ids for c in fast.generate(prompts, params)] == [c.token_ids for c in fp32]
    torch.manual_seed(4)
    with torch.no_grad():  # an update: the copy follows once told
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    fp32_after = TransformersGenerator(model, pad_token_id=0).generate(prompts, params)
    assert [c.token_ids for c in fp32_after] != [c.token_ids for c in fp32]
    fast.update_weights(model)
    assert [c.token_ids for c in fast.generate(prompts, params)] == [
        c.token_ids for c in fp32_after
    ]


def _train(tmp_path: Path, compute_dtype: str, **overrides: Any) -> tuple[Trainer, list[Any]]:
    values: dict[str, Any] = dict(
        name=compute_dtype, output_dir=str(tmp_path), max_steps=2, save_every=0,
        tasks_per_step=3, group_size=4, max_turns=1, max_new_tokens=6, max_seq_len=64,
        learning_rate=1e-3, micro_batch_size=6, overlap_env_steps=False, env_workers=1,
        device="cpu", task_ids=list(AddEnv.TASKS[:3]), num_iterations=2,
        compute_dtype=compute_dtype,
    )  # fmt: skip
    values.update(overrides)
    trainer = Trainer(
        GRPOConfig(**values),
        model=make_model(0),
        tokenizer=make_tokenizer(),
        env_factory=lambda: AddEnv(max_turns=1),
    )
    result = trainer.train()
    trainer.close()
    return trainer, list(result.history)


@pytest.mark.parametrize(("compute_dtype", "bound"), [("float32", 1e-5), ("bfloat16", 1e-2)])
def test_the_importance_ratio_starts_at_one(
    tmp_path: Path, compute_dtype: str, bound: float
) -> None:
    """With mu = 2 the old log-probs come from a no-grad forward before the first update; the
    first update's forward must give the same values (ratio 1) up to the compute dtype's noise.
    The second iteration, after an optimizer step, moves the ratio."""
    trainer, history = _train(tmp_path, compute_dtype)
    for metrics in history:
        assert metrics["loss/ratio_max_dev"] <= bound
        assert metrics["loss/ratio_max"] - 1 > bound or 1 - metrics["loss/ratio_min"] > bound


def test_compute_dtype_picks_the_copies_and_the_update_path(tmp_path: Path) -> None:
    fp32, fp32_history = _train(tmp_path, "float32", num_iterations=1)
    fast, fast_history = _train(tmp_path, "bfloat16", num_iterations=1)
    assert fp32.reference is not None and fast.reference is not None
    assert next(fp32.reference.parameters()).dtype == torch.float32
    assert next(fast.reference.parameters()).dtype == torch.bfloat16
    gen_fp32, gen_fast = fp32.generator, fast.generator
    assert isinstance(gen_fp32, TransformersGenerator) and gen_fp32.model is fp32.model
    assert isinstance(gen_fast, TransformersGenerator) and gen_fast.model is not fast.model
    assert all(p.dtype == torch.float32 for p in fast.model.parameters())  # fp32 master weights
    # between generate calls (during the update) the bf16 copy holds no memory ...
    assert all(c.numel() == 0 for c in gen_fast.model.parameters())
    # ... and each call samples from the trained weights, cast
    seen = []
    gen_fast.model.register_forward_pre_hook(
        lambda module, args: seen.append([p.clone() for p in module.parameters()])
    )
    gen_fast.generate([[2, 6]], SamplingParams(max_new_tokens=1))
    for p, c in zip(fast.model.parameters(), seen[0], strict=True):
        torch.testing.assert_close(c, p.detach().to(torch.bfloat16), atol=0, rtol=0)
    # same seed, same first batch: the losses differ only by the compute dtype's rounding
    first_fp32, first_fast = fp32_history[0]["loss/kl"], fast_history[0]["loss/kl"]
    assert first_fp32 != first_fast and abs(first_fp32 - first_fast) < 1e-2
