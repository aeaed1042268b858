"""Generation backends: the transformers backend's contract and decode loop, its sampler's
distribution, the vLLM backend's absence."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from conftest import VOCAB, make_model

from grpo_agent.errors import BackendUnavailable
from grpo_agent.generation.base import Completion, Generator, SamplingParams, cut_at_end
from grpo_agent.generation.hf import TransformersGenerator, sample_next
from grpo_agent.generation.vllm_backend import INSTALL_HINT

EOS = VOCAB["<|im_end|>"]
HAS_VLLM = importlib.util.find_spec("vllm") is not None


def test_sequences_end_at_the_first_stop_by_position() -> None:
    torch.manual_seed(0)
    model = make_model(0)
    gen = TransformersGenerator(model, pad_token_id=EOS)  # pad == eos
    assert isinstance(gen, Generator)
    prompts = [[2, 5, 7, 8, 17, 3, 2, 6], [2, 6]]  # different lengths: left padding
    params = SamplingParams(max_new_tokens=6, temperature=1.0, stop_token_ids=(EOS,))
    for completion in gen.generate(prompts * 8, params):
        ids = completion.token_ids
        assert 1 <= len(ids) <= 6
        assert completion.logprobs is not None and len(completion.logprobs) == len(ids)
        assert all(lp <= 0 for lp in completion.logprobs)
        if completion.finish_reason == "stop":
            assert ids[-1] == EOS and EOS not in ids[:-1]
        else:
            assert len(ids) == 6 and EOS not in ids
    assert model.training  # mode restored


def test_greedy_is_deterministic_and_batching_does_not_change_it() -> None:
    model = make_model(1)
    params = SamplingParams(max_new_tokens=5, temperature=0.0, stop_token_ids=(EOS,))
    prompts = [[2, 5, 7, 8, 16, 3, 2, 6], [2, 5, 7, 8, 18, 3, 2, 6], [2, 6]]
    together = TransformersGenerator(model, pad_token_id=0).generate(prompts, params)
    alone = [TransformersGenerator(model, pad_token_id=0).generate([p], params)[0] for p in prompts]
    assert [c.token_ids for c in together] == [c.token_ids for c in alone]


def test_decoding_stops_once_every_sequence_has_stopped() -> None:
    model = make_model(0)
    calls = []
    model.register_forward_pre_hook(lambda module, args: calls.append(1))
    # +1e4 on the EOS logit: every row samples EOS at its first step.
    model.lm_head.register_forward_hook(lambda module, args, out: out.index_add(
        -1, torch.tensor([EOS]), torch.full((*out.shape[:-1], 1), 1e4)
    ))  # fmt: skip
    params = SamplingParams(max_new_tokens=6, stop_token_ids=(EOS,))
    out = TransformersGenerator(model, pad_token_id=0).generate([[2, 5, 7], [2, 6]], params)
    assert [(c.token_ids, c.finish_reason) for c in out] == [((EOS,), "stop")] * 2
    assert out[0].logprobs is not None and out[0].logprobs[0] == pytest.approx(0.0, abs=1e-4)
    assert len(calls) == 1  # no forward pass after the last sequence stopped


def test_end_after_cuts_each_sequence_at_its_nth_end_id() -> None:
    model = make_model(0)
    prompts = [[2, 5, 7, 8, 17, 3, 2, 6], [2, 6], [2, 5, 7], [2, 8, 9, 6], [2, 7, 7, 7, 6]]
    free = SamplingParams(max_new_tokens=10, temperature=0.0)
    whole = TransformersGenerator(model, pad_token_id=0).generate(prompts, free)
    # greedy, this model repeats one id per row: 6 for every row but the third (7)
    assert [set(c.token_ids) for c in whole] == [{6}, {6}, {7}, {6}, {6}]
    ends = (6,)
    params = SamplingParams(max_new_tokens=10, temperature=0.0, end_ids=ends, end_after=2)
    widths: list[int] = []
    model.register_forward_pre_hook(lambda module, args, kwargs: widths.append(
        kwargs["input_ids"].shape[0]), with_kwargs=True)  # fmt: skip
    cut = TransformersGenerator(model, pad_token_id=0).generate(prompts, params)
    batched = list(widths)
    alone = [TransformersGenerator(model, pad_token_id=0).generate([p], params)[0] for p in prompts]
    # rows that left the batch early change no other row's tokens (log-probs: up to rounding)
    assert [(c.token_ids, c.finish_reason) for c in cut] == [
        (c.token_ids, c.finish_reason) for c in alone
    ]
    for a, b in zip(cut, alone, strict=True):
        assert a.logprobs == pytest.approx(b.logprobs, abs=1e-5)
    assert batched[0] == len(prompts) and batched[-1] < len(prompts)  # it shrank as rows ended
    reasons = set()
    for short, long in zip(cut, whole, strict=True):
        reasons.add(short.finish_reason)
        assert long.token_ids[: len(short.token_ids)] == short.token_ids
        count = sum(t in ends for t in short.token_ids)
        if short.finish_reason == "end":
            assert count == 2 and short.token_ids[-1] in ends and short.stop_token_id is None
        else:
            assert count < 2 and short.token_ids == long.token_ids
    assert "end" in reasons


def test_cut_at_end_matches_the_decode_loop() -> None:
    params = SamplingParams(max_new_tokens=8, end_ids=(4, 5), end_after=2)
    assert cut_at_end(Completion((1, 4, 2, 5, 3), (-0.1,) * 5, "length"), params) == Completion(
        (1, 4, 2, 5), (-0.1,) * 4, "end"
    )
    once = Completion((1, 4, 2, EOS), None, "stop")
    assert cut_at_end(once, params) == once
    with pytest.raises(ValueError, match="end_after"):
        SamplingParams(max_new_tokens=8, end_after=2)


def _frequencies(logits: torch.Tensor, params: SamplingParams, draws: int) -> torch.Tensor:
    ids, _ = sample_next(logits.expand(draws, -1), params)
    return torch.bincount(ids, minlength=logits.shape[-1]).double() / draws


def test_sampler_draws_from_the_temperature_scaled_distribution() -> None:
    torch.manual_seed(0)
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0, -30.0, 0.5]])
    params = SamplingParams(max_new_tokens=1, temperature=0.7)
    expected = torch.softmax(logits[0].double() / 0.7, dim=-1)
    draws = 40_000
    freq = _frequencies(logits, params, draws)
    # 5 standard errors of a binomial frequency: fails by chance with probability < 1e-5
    tolerance = 5 * (expected * (1 - expected) / draws).sqrt() + 1e-9
    assert ((freq - expected).abs() <= tolerance).all(), (freq, expected)
    ids, logprobs = sample_next(logits.expand(8, -1), params)
    assert logprobs is not None
    torch.testing.assert_close(logprobs, torch.log_softmax(logits / 0.7, dim=-1)[0, ids])


def test_top_k_and_top_p_only_draw_from_their_set_renormalised() -> None:
    torch.manual_seed(0)
    logits = torch.tensor([[0.4, 0.3, 0.2, 0.1]]).log()  # probabilities 0.4, 0.3, 0.2, 0.1
    top_k = _frequencies(logits, SamplingParams(max_new_tokens=1, top_k=2), 20_000)
    # top_p = 0.5: 0.4 < 0.5 so the second id is needed too; 0.4 + 0.3 reaches it
    top_p = _frequencies(logits, SamplingParams(max_new_tokens=1, top_p=0.5), 20_000)
    for freq in (top_k, top_p):
        assert freq[2:].sum() == 0
        assert abs(freq[0] - 0.4 / 0.7) < 0.02
    greedy, _ = sample_next(logits, SamplingParams(max_new_tokens=1, temperature=0.0))
    assert greedy.tolist() == [0]


@pytest.mark.skipif(HAS_VLLM, reason="vllm is installed: the missing-dependency path cannot run")
def test_vllm_backend_fails_politely_without_vllm() -> None:
    from grpo_agent.generation.vllm_backend import VLLMGenerator

    with pytest.raises(BackendUnavailable) as info:
        VLLMGenerator(model_path="unused")
    assert INSTALL_HINT in str(info.value) and INSTALL_HINT == "pip install 'codegym[vllm]'"


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_VLLM, reason="vllm is not installed (pip install 'codegym[vllm]')")
@pytest.mark.skipif(not torch.cuda.is_available(), reason="the vLLM backend needs a CUDA GPU")
def test_vllm_backend_samples_and_takes_new_weights(tmp_path: object) -> None:
    from conftest import make_tokenizer

    from grpo_agent.generation.vllm_backend import VLLMGenerator

    model = make_model(0)
    model.save_pretrained(f"{tmp_path}/m")
    make_tokenizer().save_pretrained(f"{tmp_path}/m")
    gen = VLLMGenerator(model_path=f"{tmp_path}/m", gpu_memory_utilization=0.2, sleep=False)
    params = SamplingParams(max_new_tokens=4, temperature=0.0, stop_token_ids=(EOS,))
    before = gen.generate([[2, 5, 7, 8, 16, 3, 2, 6]], params)[0]
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    gen.update_weights(model)
    after = gen.generate([[2, 5, 7, 8, 16, 3, 2, 6]], params)[0]
    assert before.token_ids != after.token_ids
    gen.close()


def test_preallocated_kv_cache_decodes_as_transformers_growing_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The in-place cache changes no value: ids and log-probs equal those decoded with
    transformers' own `DynamicCache`, which grows by concatenation."""
    from transformers import DynamicCache

    from grpo_agent.generation import hf

    model = make_model(2)
    cache = hf._new_cache(model, capacity=12)
    assert [type(layer).__name__ for layer in cache.layers] == ["PreallocatedLayer"] * 2
    prompts = [[2, 5, 7, 8, 16, 3, 2, 6], [2, 6]]
    params = SamplingParams(max_new_tokens=6, temperature=0.0, stop_token_ids=(EOS,))
    fast = TransformersGenerator(model, pad_token_id=0).generate(prompts, params)
    monkeypatch.setattr(hf, "_new_cache", lambda model, capacity: DynamicCache())
    plain = TransformersGenerator(model, pad_token_id=0).generate(prompts, params)
    assert fast == plain
    with pytest.raises(RuntimeError, match="KV cache of 12 positions cannot take 13"):
        key = torch.zeros(1, 2, 13, 16)
        cache.layers[0].update(key, key)


def test_sampler_over_many_blocks_of_a_large_vocabulary() -> None:
    """A vocabulary past one block of the two-level CDF (and not a multiple of it): draws follow
    the softmax, and ids filtered by top-k are never drawn."""
    torch.manual_seed(0)
    logits = torch.full((1, 1000), -50.0)
    logits[0, [3, 255, 256, 511, 700, 999]] = torch.tensor([1.0, 0.0, 2.0, -0.5, 0.5, 1.5])
    params = SamplingParams(max_new_tokens=1)
    expected = torch.softmax(logits[0].double(), dim=-1)
    draws = 40_000
    freq = _frequencies(logits, params, draws)
    tolerance = 5 * (expected * (1 - expected) / draws).sqrt() + 1e-9
    assert ((freq - expected).abs() <= tolerance).all()
    top = _frequencies(logits, SamplingParams(max_new_tokens=1, top_k=2), 5_000)
    assert set(top.nonzero().flatten().tolist()) == {256, 999}


def test_a_repeated_prompt_is_prefilled_once_and_decodes_as_if_alone() -> None:
    """Rows that share a prompt share its prefill (one forward row per distinct prompt), and
    every row then decodes exactly as it would have on its own."""
    model = make_model(1)
    widths: list[int] = []
    model.register_forward_pre_hook(lambda module, args, kwargs: widths.append(
        kwargs["input_ids"].shape[0]), with_kwargs=True)  # fmt: skip
    params = SamplingParams(max_new_tokens=5, temperature=0.0, stop_token_ids=(EOS,))
    a, b = [2, 5, 7, 8, 16, 3, 2, 6], [2, 6]
    prompts = [a, a, b, a, b, b]
    shared = TransformersGenerator(model, pad_token_id=0).generate(prompts, params)
    assert widths[0] == 2 and widths[1] == len(prompts)  # the prefill, then every row
    alone = {tuple(p): TransformersGenerator(model, pad_token_id=0).generate([p], params)[0]
             for p in (a, b)}  # fmt: skip
    for prompt, completion in zip(prompts, shared, strict=True):
        expected = alone[tuple(prompt)]
        assert completion.token_ids == expected.token_ids
        assert completion.logprobs == pytest.approx(expected.logprobs, abs=1e-5)


def test_seeded_rows_draw_their_own_streams() -> None:
    """With a seed per prompt a row's sample depends on its seed alone: not on the global
    generator, its position or what else shares the batch; distinct seeds give distinct draws."""
    model = make_model(0)
    gen = TransformersGenerator(model, pad_token_id=0)
    params = SamplingParams(max_new_tokens=8, temperature=1.0)
    a, b = [2, 5, 7, 8, 17, 3, 2, 6], [2, 6]
    torch.manual_seed(0)
    first = gen.generate([a, b, a], params, seeds=[11, 12, 13])
    torch.manual_seed(99)
    again = gen.generate([b, a], params, seeds=[12, 11])
    assert again[0].token_ids == first[1].token_ids and again[1].token_ids == first[0].token_ids
    assert again[1].logprobs == pytest.approx(first[0].logprobs, abs=1e-5)
    many = gen.generate([a] * 16, params, seeds=list(range(16)))
    assert len({c.token_ids for c in many}) > 8  # distinct seeds: independent draws
    with pytest.raises(ValueError, match="one per prompt"):
        gen.generate([a, b], params, seeds=[1])


def test_seeded_streams_follow_the_sampling_distribution() -> None:
    """Uniforms from per-row streams give the same distribution as the global generator's."""
    logits = torch.tensor([[2.0, 0.0, 1.0, -1.0, 0.5]])
    draws = 20_000
    from grpo_agent.generation.hf import _uniforms

    uniforms = _uniforms(range(draws), 1)  # (draws, 1)
    ids, _ = sample_next(logits.expand(draws, -1), SamplingParams(max_new_tokens=1), uniforms)
    freq = torch.bincount(ids, minlength=5).double() / draws
    expected = torch.softmax(logits[0].double(), dim=-1)
    assert ((freq - expected).abs() <= 5 * (expected * (1 - expected) / draws).sqrt()).all()
