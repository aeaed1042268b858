"""Errors raised by the learner.

::

    GRPOError
    ├── ConfigError            a config file or ``--set`` override is invalid
    ├── ModelLoadError         a model, tokenizer or GGUF file cannot be found or loaded
    ├── ChatTemplateError      a tokenizer's chat template cannot be spliced around sampled ids
    ├── RolloutError           an environment failed during a rollout (never a silent zero reward)
    ├── BackendUnavailable     an optional generation backend (vLLM) is not installed or unusable
    └── CheckpointError        a checkpoint is missing or does not match the run

Every message says what to do about it.
"""

from __future__ import annotations


class GRPOError(Exception):
    """Base class of the learner's errors."""


class ConfigError(GRPOError, ValueError):
    """A config value is unknown, mistyped or inconsistent with another."""


class ModelLoadError(GRPOError):
    """A model or tokenizer cannot be loaded."""


class ChatTemplateError(GRPOError):
    """The tokenizer's chat template does not allow splicing sampled token ids."""


class RolloutError(GRPOError):
    """An environment raised or reported an infrastructure failure during a rollout."""

    def __init__(self, message: str, *, task_id: str | None = None) -> None:
        super().__init__(message if task_id is None else f"task {task_id}: {message}")
        self.task_id = task_id


class BackendUnavailable(GRPOError, ImportError):
    """An optional generation backend is missing; the message carries the install line."""


class CheckpointError(GRPOError):
    """A checkpoint cannot be found or restored."""
