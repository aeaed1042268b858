"""Generation backends: the transformers backend's contract, the vLLM backend's absence."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from conftest import VOCAB, make_model

from grpo_agent.errors import BackendUnavailable
from grpo_agent.generation.base import Generator, SamplingParams
from grpo_agent.generation.hf import TransformersGenerator
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
