"""Group-relative advantages (GRPO) and the dynamic-sampling filter.

GRPO has no critic: the baseline of a sample is the mean reward of the other samples drawn for the
same task (its *group*). With rewards ``r`` of shape (N tasks, G samples)::

    A[i, j] = (r[i, j] - mean_j r[i, :]) / (s + eps)

where the scale ``s`` is one of

- ``"group"``: the group's sample standard deviation (unbiased, as ``torch.std``), as in
  DeepSeekMath (Shao et al., 2024, eq. 3's outcome supervision);
- ``"batch"``: the standard deviation of all N x G rewards of the batch (group mean, batch std:
  "Tricks or Traps", Liu et al., 2025), which keeps near-uniform groups from being blown up;
- ``"none"``: no division at all (Dr. GRPO, Liu et al., 2025), which removes the bias towards
  questions that are too easy or too hard.

Every sample of a completion's tokens shares its sequence's advantage (outcome reward).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch

__all__ = ["SCALES", "group_advantages", "informative_groups"]

Scale = Literal["group", "batch", "none"]


def _group_std(rewards: torch.Tensor) -> torch.Tensor:
    return rewards.std(dim=1, keepdim=True)  # (N, 1), unbiased


def _batch_std(rewards: torch.Tensor) -> torch.Tensor:
    return rewards.std().expand(rewards.shape[0], 1)  # (N, 1), unbiased over all N*G rewards


def _no_std(rewards: torch.Tensor) -> torch.Tensor:
    return torch.ones(rewards.shape[0], 1, dtype=rewards.dtype, device=rewards.device)


SCALES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "group": _group_std,
    "batch": _batch_std,
    "none": _no_std,
}
"""Scale functions, (N, G) rewards -> (N, 1) divisor before ``eps`` is added."""


def group_advantages(
    rewards: torch.Tensor, *, scale: Scale | str = "group", eps: float = 1e-4
) -> torch.Tensor:
    """Advantages of shape (N, G) from rewards of shape (N, G), one row per task.

    ``(reward - group mean) / (std + eps)``; with ``scale="none"`` the divisor is ``1`` and
    ``eps`` is not added, so the advantage is exactly the centred reward.
    """
    if rewards.ndim != 2:
        raise ValueError(
            f"rewards must have shape (N tasks, G samples), got {tuple(rewards.shape)}"
        )
    if scale not in SCALES:
        raise ValueError(f"unknown advantage scale {scale!r}; choose one of {sorted(SCALES)}")
    if scale != "none" and rewards.numel() < 2:
        raise ValueError("a standard deviation needs at least 2 rewards; use scale='none'")
    if scale == "group" and rewards.shape[1] < 2:
        raise ValueError(
            f"scale='group' needs at least 2 samples per task, got G={rewards.shape[1]}; "
            "raise group_size or use scale='batch'"
        )
    rewards = rewards.to(torch.float32)
    centred = rewards - rewards.mean(dim=1, keepdim=True)  # (N, G)
    if scale == "none":
        return centred
    return centred / (SCALES[scale](rewards) + eps)


def informative_groups(rewards: torch.Tensor) -> torch.Tensor:
    """Boolean (N,) mask of groups whose rewards are not all equal.

    A group where every sample got the same reward has zero advantage everywhere and contributes
    nothing but the KL term; dynamic sampling (DAPO, Yu et al., 2025) drops such groups and
    refills the batch from more tasks.
    """
    if rewards.ndim != 2:
        raise ValueError(f"rewards must have shape (N, G), got {tuple(rewards.shape)}")
    return rewards.amax(dim=1) > rewards.amin(dim=1)
