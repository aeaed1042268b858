"""Checkpoints: everything needed to continue a run exactly, plus an exported model.

Layout of ``<run_dir>/checkpoints/step_000050/``::

    trainer_state.pt   trainable weights, optimizer, scheduler, RNG (python, numpy, torch, CUDA),
                       task-sampler position, step
    model/             the policy in Hugging Face format (adapters only under LoRA) + tokenizer

A checkpoint is written to a temporary folder and renamed into place, so a crash mid-save never
leaves a half-written "latest" checkpoint.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from grpo_agent.errors import CheckpointError

__all__ = ["latest_checkpoint", "load_checkpoint", "rng_state", "save_checkpoint", "set_rng_state"]

STATE_FILE = "trainer_state.pt"


def rng_state() -> dict[str, Any]:
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Full state dict, or only the trainable tensors when most are frozen (LoRA)."""
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    state = model.state_dict()
    if len(trainable) < len(list(model.parameters())):
        state = {k: v for k, v in state.items() if k in trainable}
    return {k: v.detach().cpu().clone() for k, v in state.items()}


def save_checkpoint(
    run_dir: str | Path,
    *,
    step: int,
    model: nn.Module,
    tokenizer: Any,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    sampler_state: dict[str, Any],
    keep: int = 0,
    export: bool = True,
) -> Path:
    root = Path(run_dir) / "checkpoints"
    final = root / f"step_{step:06d}"
    tmp = root / f".tmp_step_{step:06d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    torch.save(
        {
            "step": step,
            "model": _trainable_state(model),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": rng_state(),
            "sampler": sampler_state,
        },
        tmp / STATE_FILE,
    )
    if export and hasattr(model, "save_pretrained"):
        model.save_pretrained(tmp / "model")  # type: ignore[operator]
        if hasattr(tokenizer, "save_pretrained"):
            tokenizer.save_pretrained(tmp / "model")
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    if keep > 0:
        for old in sorted(root.glob("step_*"))[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    found = sorted((Path(run_dir) / "checkpoints").glob("step_*"))
    found = [p for p in found if (p / STATE_FILE).is_file()]
    return found[-1] if found else None


def load_checkpoint(
    path: str | Path,
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
) -> dict[str, Any]:
    """Restore model, optimizer, scheduler and RNG in place; returns the rest (step, sampler)."""
    file = Path(path) / STATE_FILE
    if not file.is_file():
        raise CheckpointError(f"no {STATE_FILE} in {path}; is it a codegym checkpoint folder?")
    # Our own file: it holds numpy RNG state and python tuples, which weights_only refuses.
    state = torch.load(file, map_location="cpu", weights_only=False)
    missing, unexpected = model.load_state_dict(state["model"], strict=False)
    saved = set(state["model"])
    if unexpected or (saved == set(model.state_dict()) and missing):
        raise CheckpointError(
            f"{path} does not match the model: unexpected {unexpected[:3]}, missing {missing[:3]}"
        )
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    return {"step": int(state["step"]), "sampler": state["sampler"]}
