"""The generation contract: token-id prompts in, sampled token ids (and their log-probs) out.

Backends take and return token ids, never text: the rollout splices the sampled ids verbatim into
the chat stream (see `grpo_agent.chat`), so a backend must not re-tokenize anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from torch import nn

__all__ = ["Completion", "Generator", "SamplingParams"]


@dataclass(frozen=True)
class SamplingParams:
    """How to sample one completion per prompt."""

    max_new_tokens: int
    temperature: float = 1.0
    """0 means greedy decoding."""
    top_p: float = 1.0
    top_k: int = 0
    """0 disables top-k filtering."""
    stop_token_ids: tuple[int, ...] = ()
    """Generation of a sequence ends after the first of these ids (it is kept in the output)."""
    logprobs: bool = True
    """Also return the log-prob of each sampled id under the temperature-scaled distribution."""

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")


@dataclass(frozen=True)
class Completion:
    """The ids sampled for one prompt, ending with the stop id when ``finish_reason == "stop"``."""

    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...] | None
    finish_reason: Literal["stop", "length"]

    @property
    def stop_token_id(self) -> int | None:
        return self.token_ids[-1] if self.finish_reason == "stop" and self.token_ids else None


@runtime_checkable
class Generator(Protocol):
    """A generation backend. Implementations: `TransformersGenerator`, `VLLMGenerator`."""

    def generate(
        self, prompts: Sequence[Sequence[int]], params: SamplingParams
    ) -> list[Completion]:
        """One completion per prompt, in order."""
        ...

    def update_weights(self, model: nn.Module) -> None:
        """Make the next `generate` use `model`'s current weights (after an optimizer step)."""
        ...

    def close(self) -> None: ...
