"""Generation with a colocated vLLM engine (GPU).

The engine lives in the training process and shares the GPU with the policy; after each optimizer
step `update_weights` pushes the policy's parameters into the engine. With ``sleep=True`` the
engine frees its KV cache and weights between rollouts (vLLM's sleep mode) so the optimizer step
has the memory, and wakes before the next rollout.

vLLM is an optional dependency, imported only when this backend is built.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from typing import Any, Literal

from torch import nn

from grpo_agent.errors import BackendUnavailable
from grpo_agent.generation.base import Completion, SamplingParams, cut_at_end

__all__ = ["INSTALL_HINT", "VLLMGenerator", "vllm_available"]

INSTALL_HINT = "pip install 'codegym[vllm]'"


def vllm_available() -> bool:
    return importlib.util.find_spec("vllm") is not None


def _import_vllm() -> Any:
    try:
        return importlib.import_module("vllm")
    except ImportError as exc:
        raise BackendUnavailable(
            f"the vLLM generation backend needs vllm, which is not installed: {INSTALL_HINT} "
            "(a CUDA GPU is required); or set generation_backend=transformers"
        ) from exc


class VLLMGenerator:
    """Sampling through a colocated ``vllm.LLM``.

    Args:
        model_path: what vLLM loads at start-up (the same weights the policy starts from).
        tokenizer_path: the tokenizer directory or id (defaults to `model_path`).
        gpu_memory_utilization: share of GPU memory vLLM may take; the rest is the trainer's.
        sleep: release the engine's memory between rollouts (needs vLLM's sleep mode).
        dtype, max_model_len, seed: passed to ``vllm.LLM``.
        external_launcher: one engine per torchrun rank, in the rank's process and on its GPU
            (``distributed_executor_backend="external_launcher"``).
    """

    def __init__(
        self,
        *,
        model_path: str,
        tokenizer_path: str | None = None,
        gpu_memory_utilization: float = 0.3,
        sleep: bool = True,
        dtype: str = "auto",
        max_model_len: int | None = None,
        seed: int = 0,
        external_launcher: bool = False,
    ) -> None:
        vllm = _import_vllm()
        # Under torchrun each rank holds its own engine on its own GPU: vLLM's external_launcher
        # executor runs the engine in this process on the rank's device (docs/scale.md, untested).
        launcher = (
            {"distributed_executor_backend": "external_launcher"} if external_launcher else {}
        )
        self._vllm = vllm
        self.sleep = sleep
        self.llm = vllm.LLM(
            model=model_path,
            tokenizer=tokenizer_path or model_path,
            gpu_memory_utilization=gpu_memory_utilization,
            enable_sleep_mode=sleep,
            dtype=dtype,
            max_model_len=max_model_len,
            seed=seed,
            **launcher,
        )
        self._asleep = False

    def generate(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        seeds: Sequence[int] | None = None,
    ) -> list[Completion]:
        if not prompts:
            return []
        if seeds is not None and len(seeds) != len(prompts):
            raise ValueError(f"{len(seeds)} seeds for {len(prompts)} prompts: give one per prompt")
        self._wake()

        def sampling(seed: int | None) -> Any:
            return self._vllm.SamplingParams(
                n=1,
                temperature=params.temperature,
                top_p=params.top_p,
                top_k=params.top_k if params.top_k > 0 else -1,
                max_tokens=params.max_new_tokens,
                stop_token_ids=list(params.stop_token_ids),
                logprobs=0 if params.logprobs else None,  # 0: the sampled token's log-prob only
                detokenize=False,
                seed=seed,  # vLLM's per-request generator
            )

        requests = [{"prompt_token_ids": list(p)} for p in prompts]
        per_request = (
            [sampling(int(seed) & (2**63 - 1)) for seed in seeds]
            if seeds is not None
            else sampling(None)
        )
        outputs = self.llm.generate(requests, per_request, use_tqdm=False)
        completions = []
        for output in outputs:
            sample = output.outputs[0]
            ids = tuple(int(t) for t in sample.token_ids)
            logprobs = None
            if params.logprobs and sample.logprobs is not None:
                # vLLM reports log-probs of the processed (temperature-scaled) distribution
                logprobs = tuple(
                    float(step[tok].logprob)
                    for step, tok in zip(sample.logprobs, ids, strict=False)
                )
            finish: Literal["stop", "length"] = (
                "stop" if sample.finish_reason == "stop" else "length"
            )
            completions.append(cut_at_end(Completion(ids, logprobs, finish), params))
        if self.sleep:
            self.llm.sleep(level=1)
            self._asleep = True
        return completions

    def update_weights(self, model: nn.Module) -> None:
        """Copy the policy's parameters into the engine.

        Under LoRA the adapters are merged into the base weights for the copy and unmerged
        afterwards, so vLLM serves the same function as the policy without adapter support.
        """
        self._wake()
        self.llm.collective_rpc(_load_weights, args=(_plain_weights(model),))
        self.llm.reset_prefix_cache()

    def _wake(self) -> None:
        if self._asleep:
            self.llm.wake_up()
            self._asleep = False

    def close(self) -> None:
        del self.llm


def _load_weights(worker: Any, weights: list[tuple[str, Any]]) -> None:
    """Runs inside the vLLM worker: loads named tensors into its model."""
    worker.model_runner.model.load_weights(weights=weights)


def _plain_weights(model: nn.Module) -> list[tuple[str, Any]]:
    """(name, tensor) pairs under the base model's names; LoRA merged in when present."""
    if not hasattr(model, "merge_adapter"):
        return [(name, p.detach()) for name, p in model.state_dict().items()]
    peft_model: Any = model
    peft_model.merge_adapter()
    try:
        base = peft_model.get_base_model()
        return [
            (name.replace(".base_layer.", "."), p.detach().clone())
            for name, p in base.state_dict().items()
            if "lora_" not in name
        ]
    finally:
        peft_model.unmerge_adapter()
