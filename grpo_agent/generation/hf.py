"""Generation with a transformers causal LM: CPU or GPU, batched, left-padded, KV cache.

The decode loop is written out here rather than delegated to ``model.generate``: one forward call
per new token on the last position only, sampling from the fp32 temperature-scaled logits, and
the log-prob of the sampled id read off the same logits. For the small models the learner trains
on CPU, ``generate``'s per-step machinery (logits processors, stopping criteria, ``multinomial``
over the full vocabulary, kept full-vocabulary logits when log-probs are asked for) cost more than
the model itself.

By default the backend samples from the very module being trained, so `update_weights` has
nothing to copy; it switches the model to eval mode for the duration of a call and restores the
previous mode. Given a `compute_dtype` narrower than the model's weights (bf16 over fp32 master
weights on CPU, see `grpo_agent.precision`), it samples from a copy whose parameters are that
dtype instead: half the bytes to read per decode step and native bf16 matmuls. The copy's
parameters exist only during `generate`: cast from the trained model at the start of each call
(~0.1 s for 135M parameters) and freed at its end, so the learner's update, where a step's
memory peaks, does not also hold them (270 MB for SmolLM2-135M).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import nn

from grpo_agent.generation.base import Completion, SamplingParams
from grpo_agent.precision import cast_copy, copy_parameters, release_parameters

__all__ = ["TransformersGenerator", "sample_next"]


def sample_next(
    logits: torch.Tensor, params: SamplingParams, uniforms: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Draw one id per row from ``softmax(logits / temperature)`` after top-k / top-p filtering.

    Args:
        logits: (B, V) raw logits of the next position.
        params: temperature 0 means greedy (argmax).
        uniforms: (B, 1) fp64 draws in [0, 1), one per row, that pick the ids (inverse CDF);
            None draws them from torch's global generator.

    Returns:
        ids (B,) and, if ``params.logprobs``, their log-probs (B,) in fp32 under the *unfiltered*
        temperature-scaled distribution: the one the learner recomputes, so the importance ratio
        starts at 1 when top-k / top-p are off.
    """
    scaled = logits.float()  # fp32 before the division, as in `grpo_agent.logprobs`
    if params.temperature > 0:
        scaled = scaled / params.temperature
        ids = _draw(_filtered(scaled, top_k=params.top_k, top_p=params.top_p), uniforms)
    else:
        ids = scaled.argmax(dim=-1)
    if not params.logprobs:
        return ids, None
    # The same fp32 kernel as the learner's `grpo_agent.logprobs.selected_logprobs`.
    picked = scaled.log_softmax(dim=-1).gather(-1, ids.unsqueeze(-1)).squeeze(-1)
    return ids, picked


def _filtered(scaled: torch.Tensor, *, top_k: int, top_p: float) -> torch.Tensor:
    """(B, V) logits with the ids outside the top-k and the nucleus set to -inf."""
    if 0 < top_k < scaled.shape[-1]:
        kth = scaled.topk(top_k, dim=-1).values[:, -1:]  # (B, 1)
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    if top_p < 1.0:
        # Keep the smallest prefix of the sorted distribution whose mass reaches top_p: an id is
        # dropped when the mass *before* it already does (so the most likely id always stays).
        sorted_logits, order = scaled.sort(dim=-1, descending=True)
        probs = sorted_logits.softmax(dim=-1)
        drop_sorted = (probs.cumsum(dim=-1) - probs) >= top_p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        scaled = scaled.masked_fill(drop, float("-inf"))
    return scaled


_BLOCK = 256
"""Ids per block of the two-level inverse CDF in `_draw` (49152 = 192 blocks of 256)."""


def _draw(scaled: torch.Tensor, uniforms: torch.Tensor | None = None) -> torch.Tensor:
    """(B,) ids drawn from ``softmax(scaled)`` by inverting the CDF with one uniform per row
    (`uniforms`, (B, 1) fp64 in [0, 1), or fresh ones from the global generator).

    Exact sampling, like ``torch.multinomial``, at a fraction of its CPU cost over a 49k
    vocabulary (one uniform per row instead of one exponential per vocabulary entry). The CDF is
    inverted in two levels: over the masses of blocks of `_BLOCK` ids, then inside the chosen
    block. A cumulative sum is sequential work; this way it runs over V / 256 + 256 entries a row
    instead of V (at batch 12 the full fp64 cumsum was ~3 ms of a ~50 ms decode step). Sums are
    fp64 so that rounding cannot shift the mass of rare ids, and an id of zero mass (filtered
    by top-k / top-p) is never returned.
    """
    probs = scaled.softmax(dim=-1)  # (B, V); -inf (filtered) ids get exactly 0
    batch, vocab = probs.shape
    blocks = -(-vocab // _BLOCK)
    if blocks * _BLOCK != vocab:
        probs = torch.nn.functional.pad(probs, (0, blocks * _BLOCK - vocab))  # zero mass
    tiles = probs.view(batch, blocks, _BLOCK)
    mass = tiles.sum(dim=-1, dtype=torch.float64)  # (B, blocks)
    cdf = mass.cumsum(dim=-1)  # (B, blocks)
    if uniforms is None:
        uniforms = torch.rand((batch, 1), dtype=torch.float64, device=cdf.device)
    u = uniforms * cdf[:, -1:]  # (B, 1)
    block = _first_above(cdf, u)  # (B, 1)
    before = (cdf.gather(-1, block) - mass.gather(-1, block)).clamp_(min=0.0)  # mass before it
    inner = tiles.gather(1, block.unsqueeze(-1).expand(-1, -1, _BLOCK)).squeeze(1)  # (B, _BLOCK)
    inner_cdf = inner.cumsum(dim=-1, dtype=torch.float64)
    # u - before in [0, block mass); clamped at 0 so rounding cannot land on a zero-mass id
    offset = _first_above(inner_cdf, (u - before).clamp_(min=0.0))  # (B, 1)
    return (block * _BLOCK + offset).squeeze(-1)


def _first_above(cdf: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """(B, 1) index of the first entry of each non-decreasing row of `cdf` (B, K) above u
    (B, 1): an entry of zero mass can never be it. Where rounding puts u at or past the row's
    total, the last entry with mass."""
    ids = torch.searchsorted(cdf, u, right=True)
    last = torch.searchsorted(cdf, cdf[:, -1:].contiguous(), right=False)
    return torch.minimum(ids, last)


class TransformersGenerator:
    """Batched sampling with a KV cache, one forward call per new token.

    Args:
        model: a transformers causal LM (or a peft model around one).
        pad_token_id: used for left padding and for the inputs of finished rows; may equal the
            EOS id (positions decide, not ids).
        batch_size: most prompts per decode loop (0: all at once). Bounds the KV cache.
        compute_dtype: sample from a copy of `model` with parameters of this dtype, cast from
            the model given last (here or to `update_weights`) at each `generate` call and freed
            after it; None (or the weights' own dtype) samples from `model` itself.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        pad_token_id: int,
        batch_size: int = 0,
        compute_dtype: torch.dtype | None = None,
    ) -> None:
        self.pad_token_id = pad_token_id
        self.batch_size = batch_size
        weights = next(model.parameters()).dtype
        self._copy_dtype = compute_dtype if compute_dtype not in (None, weights) else None
        self._source = model
        self.model = model if self._copy_dtype is None else cast_copy(model, self._copy_dtype)
        if self._copy_dtype is not None:
            release_parameters(self.model)  # filled at each generate call
        self._cache_kwarg, self._forward_kwargs = _forward_kwargs(model)

    def update_weights(self, model: nn.Module) -> None:
        if self._copy_dtype is None:
            self.model = model  # same parameters: nothing to copy
        self._source = model  # the copy, if any, is cast from it at the next generate call
        self._cache_kwarg, self._forward_kwargs = _forward_kwargs(model)

    def close(self) -> None:
        pass

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
        step = self.batch_size or len(prompts)
        out: list[Completion] = []
        if self._copy_dtype is not None:
            copy_parameters(self._source, self.model)
        was_training = self.model.training
        self.model.eval()
        try:
            for i in range(0, len(prompts), step):
                rows = seeds[i : i + step] if seeds is not None else None
                out.extend(self._generate_batch(prompts[i : i + step], params, rows))
        finally:
            self.model.train(was_training)
            if self._copy_dtype is not None:
                release_parameters(self.model)
        return out

    @torch.inference_mode()
    def _generate_batch(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        seeds: Sequence[int] | None,
    ) -> list[Completion]:
        device = next(self.model.parameters()).device
        batch = len(prompts)
        cache = _new_cache(self.model, max(len(p) for p in prompts) + params.max_new_tokens)
        # A prompt that appears several times (a GRPO group, the samples of one task) is
        # prefilled once and its KV cache rows are copied after the prefill. Short answers to
        # long prompts spend much of their time there: 24 rows (4 prompts of ~140 tokens) took
        # 2.4 s to prefill of a 7 s generation on 2 CPU cores, the 4 distinct prompts 0.5 s.
        first: dict[tuple[int, ...], int] = {}
        source = [first.setdefault(tuple(p), len(first)) for p in prompts]
        share = len(first) < batch and hasattr(cache, "batch_select_indices")
        unique = list(first) if share else [tuple(p) for p in prompts]
        rows, width = len(unique), max(len(p) for p in unique)
        ids = torch.full((rows, width), self.pad_token_id, dtype=torch.long)
        attention = torch.zeros(rows, width, dtype=torch.long)
        for row, prompt in enumerate(unique):  # left padding: every prompt ends at column width-1
            ids[row, width - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
            attention[row, width - len(prompt) :] = 1
        ids, attention = ids.to(device), attention.to(device)
        # Positions count real tokens only, so a left-padded prompt sees the same positions as
        # the learner's right-padded stream that starts at column 0.
        positions = (attention.cumsum(dim=-1) - 1).clamp_(min=0)  # (rows, W)
        attention = torch.cat(  # (rows, W + max_new): grown by one column per step via views
            [attention, torch.ones(rows, params.max_new_tokens, dtype=torch.long, device=device)],
            dim=1,
        )
        expand = torch.tensor(source, device=device) if share else None
        uniforms = (  # (B, max_new): each row's own stream, one draw per position
            _uniforms(seeds, params.max_new_tokens).to(device)
            if seeds is not None and params.temperature > 0
            else None
        )

        # Outputs stay on the device until the loop ends: no host sync per token for them.
        tokens = torch.full(  # (B, max_new)
            (batch, params.max_new_tokens), self.pad_token_id, dtype=torch.long, device=device
        )
        logprobs = torch.zeros(tokens.shape, device=device) if params.logprobs else None
        stops = torch.tensor(sorted(set(params.stop_token_ids)), dtype=torch.long, device=device)
        ends = torch.tensor(sorted(set(params.end_ids)), dtype=torch.long, device=device)
        ends_seen = torch.zeros(batch, dtype=torch.long, device=device)
        lengths = torch.full((batch,), params.max_new_tokens, dtype=torch.long, device=device)
        done = torch.zeros(batch, dtype=torch.bool, device=device)
        ended = torch.zeros(batch, dtype=torch.bool, device=device)  # done by `end_after`
        pad = torch.tensor(self.pad_token_id, device=device)
        # `live`: the rows still in the decoded batch (indices into the outputs). Once a quarter
        # of them has finished they leave it, with their KV cache rows, so a few long answers
        # do not keep the whole batch decoding; until then they are fed padding.
        live = torch.arange(batch, device=device)
        compact = hasattr(cache, "batch_select_indices")
        can_finish = bool(stops.numel()) or params.end_after > 0
        step_ids, step_positions = ids, positions
        for t in range(params.max_new_tokens):
            logits = self.model(  # (B', 1, V): the last position only
                input_ids=step_ids,
                attention_mask=attention[:, : width + t],
                position_ids=step_positions,
                use_cache=True,
                **self._forward_kwargs,
                **{self._cache_kwarg: cache},
            ).logits[:, -1, :]
            if t == 0 and expand is not None:  # the shared prefill, copied out to every row
                logits, attention, step_positions = (
                    logits[expand],
                    attention[expand],
                    step_positions[expand],
                )
                cache.batch_select_indices(expand)
            drawn = uniforms[live, t : t + 1] if uniforms is not None else None
            new, new_logprobs = sample_next(logits, params, drawn)  # (B',), (B',) | None
            was_done = done[live]
            new = torch.where(was_done, pad, new)  # finished rows are fed padding from now on
            tokens[live, t] = new
            if logprobs is not None and new_logprobs is not None:
                logprobs[live, t] = new_logprobs
            if stops.numel():
                stopped = torch.isin(new, stops) & ~was_done
                lengths[live] = torch.where(stopped, t + 1, lengths[live])
                done[live] |= stopped
            if params.end_after:
                now_done = done[live]
                ends_seen[live] += torch.isin(new, ends) & ~now_done
                reached = (ends_seen[live] >= params.end_after) & ~now_done
                lengths[live] = torch.where(reached, t + 1, lengths[live])
                done[live] |= reached
                ended[live] |= reached
            step_ids, step_positions = new.unsqueeze(-1), step_positions[:, -1:] + 1
            if not can_finish:
                continue
            open_rows = int((~done[live]).sum())  # one host sync per token, as in `generate`
            if open_rows == 0:
                break
            if compact and open_rows <= 3 * len(live) // 4:
                keep = (~done[live]).nonzero().squeeze(1)
                live = live[keep]
                cache.batch_select_indices(keep)
                attention = attention[keep]
                step_ids, step_positions = step_ids[keep], step_positions[keep]

        # A row that stopped keeps its stop id; one that never did ran all max_new_tokens (the
        # loop only ends early once every row has stopped).
        token_rows, length_rows, done_rows = tokens.tolist(), lengths.tolist(), done.tolist()
        ended_rows = ended.tolist()
        logprob_rows = logprobs.tolist() if logprobs is not None else None
        completions = []
        for row in range(batch):
            n = length_rows[row]
            finish: Literal["stop", "end", "length"] = (
                ("end" if ended_rows[row] else "stop") if done_rows[row] else "length"
            )
            row_logprobs = tuple(logprob_rows[row][:n]) if logprob_rows is not None else None
            completions.append(Completion(tuple(token_rows[row][:n]), row_logprobs, finish))
        return completions


def _uniforms(seeds: Sequence[int], steps: int) -> torch.Tensor:
    """(len(seeds), steps) fp64 uniforms in [0, 1), row i from a generator seeded with seeds[i]."""
    rows = []
    for seed in seeds:
        stream = torch.Generator().manual_seed(int(seed) & (2**63 - 1))
        rows.append(torch.rand(steps, dtype=torch.float64, generator=stream))
    return torch.stack(rows)


def _unwrapped(model: nn.Module) -> Any:
    """The transformers model inside a peft wrapper (or the model itself)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model  # type: ignore[operator]


def _forward_kwargs(model: nn.Module) -> tuple[str, dict[str, int]]:
    """The forward keyword of the KV cache (``cache`` in recent transformers, else the old name)
    and ``logits_to_keep=1`` where the model accepts it (no (B, W, V) logits for the prompt)."""
    params = inspect.signature(_unwrapped(model).forward).parameters
    cache = "cache" if "cache" in params else "past_key_values"
    return cache, ({"logits_to_keep": 1} if "logits_to_keep" in params else {})


def _new_cache(model: nn.Module, capacity: int) -> Any:
    """A KV cache for up to `capacity` positions.

    transformers' `DynamicCache` grows each layer's keys and values by ``torch.cat``: every decode
    step copies the whole cache (30 layers x 2 x (B, kv_heads, L, head_dim)), ~80 MB a step at
    batch 12 and L = 300 for SmolLM2-135M. Where every layer is a plain full-attention one, its
    layers are swapped for `_PreallocatedLayer`s that write each step's keys in place instead.
    """
    from transformers import DynamicCache

    try:
        cache = DynamicCache(config=_unwrapped(model).config)
    except TypeError:  # transformers < 4.56 builds its layers lazily and takes no config
        return DynamicCache()
    layers = getattr(cache, "layers", None)
    if layers and all(type(layer).__name__ == "DynamicLayer" for layer in layers):
        cache.layers = [_preallocated_layer(capacity) for _ in layers]
    return cache


def _preallocated_layer(capacity: int) -> Any:
    layer = _preallocated_layer_class()()
    layer.capacity = capacity
    return layer


@functools.cache
def _preallocated_layer_class() -> type:
    """A transformers `DynamicLayer` whose keys and values live in buffers of ``capacity``
    positions, allocated at the first update; `keys` / `values` are views of the filled part."""
    from transformers.cache_utils import DynamicLayer

    class PreallocatedLayer(DynamicLayer):  # type: ignore[misc]
        capacity: int
        length: int

        def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
            batch, heads, _, dim = key_states.shape
            self.device = key_states.device
            self._keys = key_states.new_empty(batch, heads, self.capacity, dim)
            self._values = value_states.new_empty(batch, heads, self.capacity, dim)
            self.length = 0
            self.keys, self.values = self._keys[:, :, :0], self._values[:, :, :0]
            self.is_initialized = True

        def update(
            self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
        ) -> tuple[torch.Tensor, torch.Tensor]:
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
            begin, end = self.length, self.length + key_states.shape[-2]
            if end > self.capacity:
                raise RuntimeError(f"KV cache of {self.capacity} positions cannot take {end}")
            self.length = end
            self._keys[:, :, begin:end] = key_states
            self._values[:, :, begin:end] = value_states
            self.keys, self.values = self._keys[:, :, :end], self._values[:, :, :end]
            return self.keys, self.values

        def batch_select_indices(self, indices: torch.Tensor) -> None:
            if self.is_initialized:
                self._keys, self._values = self._keys[indices], self._values[indices]
                end = self.length
                self.keys, self.values = self._keys[:, :, :end], self._values[:, :, :end]

    return PreallocatedLayer
