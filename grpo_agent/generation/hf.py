"""Generation with transformers' ``generate``: CPU or GPU, batched, left-padded, KV cache.

The backend samples from the very module being trained, so `update_weights` has nothing to copy.
It switches the model to eval mode for the duration of a call and restores the previous mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn
from transformers import GenerationConfig

from grpo_agent.generation.base import Completion, SamplingParams

__all__ = ["TransformersGenerator"]


class TransformersGenerator:
    """Batched sampling through ``model.generate``.

    Args:
        model: a transformers causal LM (or a peft model around one).
        pad_token_id: used for left padding; may equal the EOS id (positions decide, not ids).
        batch_size: most prompts per ``generate`` call (0: all at once). Bounds the KV cache.
    """

    def __init__(self, model: nn.Module, *, pad_token_id: int, batch_size: int = 0) -> None:
        self.model = model
        self.pad_token_id = pad_token_id
        self.batch_size = batch_size

    def update_weights(self, model: nn.Module) -> None:
        self.model = model  # same parameters: nothing to copy

    def close(self) -> None:
        pass

    def generate(
        self, prompts: Sequence[Sequence[int]], params: SamplingParams
    ) -> list[Completion]:
        if not prompts:
            return []
        step = self.batch_size or len(prompts)
        out: list[Completion] = []
        for i in range(0, len(prompts), step):
            out.extend(self._generate_batch(prompts[i : i + step], params))
        return out

    @torch.inference_mode()
    def _generate_batch(
        self, prompts: Sequence[Sequence[int]], params: SamplingParams
    ) -> list[Completion]:
        device = next(self.model.parameters()).device
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_token_id, dtype=torch.long)
        attention = torch.zeros(len(prompts), width, dtype=torch.long)
        for row, prompt in enumerate(prompts):  # left padding: every prompt ends at column width-1
            ids[row, width - len(prompt) :] = torch.tensor(list(prompt), dtype=torch.long)
            attention[row, width - len(prompt) :] = 1
        greedy = params.temperature == 0
        config = GenerationConfig(
            max_new_tokens=params.max_new_tokens,
            do_sample=not greedy,
            temperature=None if greedy else params.temperature,
            top_p=None if greedy else params.top_p,
            top_k=None if greedy else params.top_k,
            eos_token_id=list(params.stop_token_ids) or None,
            pad_token_id=self.pad_token_id,
            return_dict_in_generate=True,
            output_logits=params.logprobs,
            use_cache=True,
        )
        was_training = self.model.training
        self.model.eval()
        try:
            result = self.model.generate(  # type: ignore[operator]
                input_ids=ids.to(device),
                attention_mask=attention.to(device),
                generation_config=config,
            )
        finally:
            self.model.train(was_training)
        new = result.sequences[:, width:].cpu()  # (B, steps)
        logprobs = None
        if params.logprobs:
            logits = torch.stack(result.logits, dim=1).float()  # (B, steps, V), raw logits
            if not greedy:
                logits = logits / params.temperature
            logprobs = (
                logits.gather(-1, new.to(logits.device).unsqueeze(-1)).squeeze(-1)
                - logits.logsumexp(dim=-1)
            ).cpu()
        stops = set(params.stop_token_ids)
        completions = []
        for row in range(new.shape[0]):
            tokens = new[row].tolist()
            # The first stop id ends the sequence; whatever follows is padding from generate.
            end = next((k + 1 for k, tok in enumerate(tokens) if tok in stops), None)
            finish: Literal["stop", "length"] = "stop" if end is not None else "length"
            tokens = tokens[: end if end is not None else len(tokens)]
            row_logprobs = (
                tuple(logprobs[row, : len(tokens)].tolist()) if logprobs is not None else None
            )
            completions.append(Completion(tuple(tokens), row_logprobs, finish))
        return completions
