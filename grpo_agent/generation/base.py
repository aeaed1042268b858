"""The generation contract: token-id prompts in, sampled token ids (and their log-probs) out.

Backends take and return token ids, never text: the rollout splices the sampled ids verbatim into
the chat stream (see `grpo_agent.chat`), so a backend must not re-tokenize anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from torch import nn

__all__ = ["Completion", "Generator", "SamplingParams", "cut_at_end"]


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
    end_ids: tuple[int, ...] = ()
    end_after: int = 0
    """Generation of a sequence also ends once it has sampled `end_after` ids of `end_ids` (the
    last is kept; finish reason ``"end"``); 0 turns this off. With the ids of a code fence and 2,
    a completion ends where its first fenced block closes."""
    logprobs: bool = True
    """Also return the log-prob of each sampled id under the temperature-scaled distribution."""

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.end_after < 0 or (self.end_after and not self.end_ids):
            raise ValueError(f"end_after must be 0, or >= 1 with end_ids; got {self.end_after}")


@dataclass(frozen=True)
class Completion:
    """The ids sampled for one prompt, ending with the stop id when ``finish_reason == "stop"``.

    ``"end"``: the completion reached `SamplingParams.end_after` (its last id is text of the
    answer, not a stop id); ``"length"``: it ran `max_new_tokens`."""

    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...] | None
    finish_reason: Literal["stop", "end", "length"]

    @property
    def stop_token_id(self) -> int | None:
        return self.token_ids[-1] if self.finish_reason == "stop" and self.token_ids else None


@runtime_checkable
class Generator(Protocol):
    """A generation backend. Implementations: `TransformersGenerator`, `VLLMGenerator`."""

    def generate(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        seeds: Sequence[int] | None = None,
    ) -> list[Completion]:
        """One completion per prompt, in order.

        `seeds` (one per prompt) gives each completion a random stream of its own: the same
        prompt, seed and weights give the same completion whatever else shares the batch, and
        two policies sampled with the same seeds draw the same random numbers (common random
        numbers). None: the backend's global generator."""
        ...

    def update_weights(self, model: nn.Module) -> None:
        """Make the next `generate` use `model`'s current weights (after an optimizer step)."""
        ...

    def close(self) -> None: ...


def cut_at_end(completion: Completion, params: SamplingParams) -> Completion:
    """`completion` cut after its `end_after`-th id of `end_ids`, for a backend that cannot stop
    there itself: sampling is causal, so the kept ids have the distribution they would have had
    if generation had stopped at that point (only the compute spent past it is wasted)."""
    if not params.end_after:
        return completion
    ends, seen = set(params.end_ids), 0
    for n, token in enumerate(completion.token_ids, start=1):
        seen += token in ends
        if seen == params.end_after:
            if n == len(completion.token_ids) and completion.finish_reason == "stop":
                return completion  # its stop id is an end id too: it stopped
            logprobs = completion.logprobs[:n] if completion.logprobs is not None else None
            return Completion(completion.token_ids[:n], logprobs, "end")
    return completion
