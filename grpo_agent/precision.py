"""Compute precision on CPU: bf16 matmuls over fp32 master weights, where the CPU has them.

A CPU with AVX-512 BF16 (or AMX) multiplies bf16 matrices about 3x faster than fp32 ones, and a
bf16 weight is half the bytes to stream per decode step. The learner keeps what needs the range
and the precision in fp32 and moves only the matmuls to bf16:

- master weights, gradients and AdamW state: fp32 (a 1e-5 update to a bf16 weight rounds away);
- the policy's forward and backward in the update: ``torch.autocast`` to bf16, which casts each
  weight once per forward (autocast's cast cache) and leaves norms and softmaxes to fp32 kernels;
- log-softmax, log-probs, ratio and loss: fp32 (`grpo_agent.logprobs` casts each logit chunk);
- the sampler and the frozen reference: copies whose *parameters* are bf16. Buffers stay fp32:
  a bf16 rotary ``inv_freq`` would turn positions past a few hundred into other angles.

`compute_dtype` "auto" picks bf16 on a CPU whose flags (``/proc/cpuinfo``) list avx512_bf16 or
amx_bf16, and fp32 elsewhere, where bf16 matmuls are emulated and slower than fp32 ones. On a GPU
"auto" leaves the weights' own dtype (``dtype``) to decide.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

__all__ = [
    "COMPUTE_DTYPES",
    "autocast",
    "cast_copy",
    "copy_parameters",
    "cpu_has_native_bf16",
    "cpuinfo_has_bf16",
    "release_parameters",
    "resolve_compute_dtype",
]

COMPUTE_DTYPES = ("auto", "float32", "bfloat16")

_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


@functools.cache
def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX-512 BF16 or AMX), read from Linux's
    ``/proc/cpuinfo``; False where that file is absent (macOS, Windows)."""
    try:
        return cpuinfo_has_bf16(Path("/proc/cpuinfo").read_text())
    except OSError:
        return False


def cpuinfo_has_bf16(cpuinfo: str) -> bool:
    """Whether the first ``flags`` line of a ``/proc/cpuinfo`` text lists a bf16 matmul flag."""
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return bool(_BF16_FLAGS & set(line.split(":", 1)[1].split()))
    return False


def resolve_compute_dtype(name: str, *, device: torch.device, weights: torch.dtype) -> torch.dtype:
    """The dtype of the matmuls for the config's ``compute_dtype`` `name`.

    "auto": on CPU, bf16 when the CPU has native bf16 and the weights are fp32, else the weights'
    dtype; on other devices, the weights' dtype. An explicit name is taken as given.
    """
    if name == "auto":
        if device.type == "cpu" and weights == torch.float32 and cpu_has_native_bf16():
            return torch.bfloat16
        return weights
    if name not in COMPUTE_DTYPES:
        raise ValueError(f"compute_dtype={name!r}: choose one of {list(COMPUTE_DTYPES)}")
    return getattr(torch, name)


@contextlib.contextmanager
def autocast(model: nn.Module, dtype: torch.dtype) -> Iterator[None]:
    """Run `model`'s matmuls in `dtype` when its parameters are wider; a no-op otherwise."""
    param = next(model.parameters())
    if dtype == param.dtype or not param.is_floating_point():
        yield
        return
    with torch.autocast(param.device.type, dtype=dtype):
        yield


def cast_copy(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """A frozen copy of `model` whose floating-point parameters are `dtype` (buffers untouched)."""
    clone = copy.deepcopy(model)
    clone.requires_grad_(False)
    for param in clone.parameters():
        if param.is_floating_point():
            param.data = param.data.to(dtype)
    return clone


@torch.no_grad()
def copy_parameters(source: nn.Module, target: nn.Module) -> None:
    """Give `target` (same structure) `source`'s parameter values cast to `target`'s dtypes, in
    fresh storage (so a `release_parameters`-ed copy is whole again).

    Tied weights appear once in ``parameters()`` on both sides, so each is copied once.
    """
    src, dst = list(source.parameters()), list(target.parameters())
    if len(src) != len(dst):
        raise ValueError(
            f"parameter lists differ: {len(src)} in the source, {len(dst)} in the copy"
        )
    for s, d in zip(src, dst, strict=True):
        d.data = s.detach().to(d.dtype)


def release_parameters(module: nn.Module) -> None:
    """Free the storage of `module`'s parameters (each becomes an empty tensor of its dtype)
    until `copy_parameters` fills them again."""
    for param in module.parameters():
        param.data = torch.empty(0, dtype=param.dtype, device=param.device)
