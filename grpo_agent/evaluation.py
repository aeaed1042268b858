"""Held-out evaluation of a policy: generate through the environments, score in the sandbox.

The policy is evaluated exactly as it is trained: each task is an episode of its kind's
environment (``codegym/Function-v0``, ``Stdio-v0``, ``Repo-v0``), with the same chat template,
action parsing and hidden-test grading, so a training reward and an eval pass rate measure the
same thing. A sample passes when every hidden test passed at its last grading.

`evaluate_policy` returns one row per sample, in the format of ``codegym eval --samples``'
results file, so `tasks.evaluate.summarize` gives pass@k with bootstrap intervals for both. Each
row also records its task's split and, per turn, whether the hidden tests passed after it
(``turn_passed``), which `grpo_agent.turn_metrics` turns into first- and final-turn pass@1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from torch import nn

from envs.errors import UnknownEnvError
from grpo_agent.config import GRPOConfig
from grpo_agent.generation.base import Generator, SamplingParams
from grpo_agent.generation.hf import TransformersGenerator
from grpo_agent.models import code_block_end, pad_token_id, stop_token_ids
from grpo_agent.precision import resolve_compute_dtype
from grpo_agent.rollout import RolloutEngine, RolloutSettings
from grpo_agent.trajectory import Trajectory
from sandbox.base import Sandbox
from tasks.schema import Task

__all__ = ["EvalSettings", "evaluate_policy", "evaluation_order"]


@dataclass(frozen=True)
class EvalSettings:
    """How samples are drawn. The defaults measure greedy pass@1, single turn."""

    n_samples: int = 1
    """Samples per task (n of the pass@k estimator); with temperature 0 use 1."""
    temperature: float = 0.0
    """0: greedy decoding."""
    top_p: float = 1.0
    max_new_tokens: int = 512
    max_turns: int = 1
    """Turns per episode: 1 is the usual pass@k; more lets the policy use test feedback."""
    stop_after_code_block: bool = False
    """End each turn where its first fenced code block closes (`GRPOConfig.stop_after_code_block`)."""
    max_seq_len: int = 4096
    system_prompt: str | None = None
    generation_batch_size: int = 64
    """Episodes per generation call (bounds memory). Larger is faster: an answer that runs to
    `max_new_tokens` keeps decoding after the others of its call have finished, and a step with
    few rows costs almost what a full one does (on 2 CPU cores, SmolLM2-135M's 95 val tasks x 4
    samples took 136 s in calls of 16, 73 s in calls of 64)."""
    tasks_per_chunk: int = 32
    """Tasks per rollout call; progress is reported after each. Calls of one chunk overlap each
    other's grading, so a chunk should hold a few generation calls."""
    compute_dtype: str = "auto"
    """Dtype of the sampler's matmuls when `evaluate_policy` builds it (`GRPOConfig.compute_dtype`:
    "auto" is bf16 on a CPU with native bf16, as the trainer samples)."""
    env_workers: int = 8
    seed: int = 0
    """Keys each episode's random stream (`RolloutSettings.seeded_streams`): two evaluations with
    one seed draw the same random numbers for the same (task, sample, turn). An answer does not
    depend on its batch, so a resumed evaluation writes the rows an uninterrupted one would.
    (As common random numbers for a before/after pair they narrow the interval only while the
    two policies still sample the same text: docs/learner.md.)"""

    def __post_init__(self) -> None:
        if self.n_samples < 1:
            raise ValueError(f"n_samples must be >= 1, got {self.n_samples}")


def evaluate_policy(
    model: nn.Module,
    tokenizer: Any,
    tasks: Sequence[Task],
    *,
    sandbox: Sandbox,
    settings: EvalSettings = EvalSettings(),
    env_kwargs: Mapping[str, Any] | None = None,
    on_rows: Callable[[list[dict[str, Any]]], None] | None = None,
    generator: Generator | None = None,
    env_id: str | None = None,
) -> list[dict[str, Any]]:
    """Roll out `settings.n_samples` episodes per task and return one row per sample.

    Rows (task order, then sample order): ``task_id``, ``split``, ``sample``, ``completion``
    (the last answer), ``passed`` (at the final turn), ``status``, ``tests_passed``,
    ``tests_total``, ``reward``, ``turns``, ``turn_passed`` (per turn), ``duration_s`` (the
    episode's time in the environment). `on_rows` gets each chunk's rows
    as soon as they are scored (for progress and incremental writes). `generator` replaces
    the default transformers backend (a vLLM engine, or a scripted one in tests). `env_id`
    (``"codegym/Name-vN"`` or ``"module:Id"``) runs every task in that environment; by default
    each task goes to the environment registered for its kind (`envs.env_for_kind`), and a kind
    none claims is
    an error.
    """
    import envs  # registers the environments

    was_training = model.training
    model.eval()
    owns_generator = generator is None
    if generator is None:
        weights = next(model.parameters())
        generator = TransformersGenerator(
            model,
            pad_token_id=pad_token_id(tokenizer),
            batch_size=settings.generation_batch_size,
            compute_dtype=resolve_compute_dtype(
                settings.compute_dtype, device=weights.device, weights=weights.dtype
            ),
        )
    sampling = SamplingParams(
        max_new_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        stop_token_ids=stop_token_ids(model, tokenizer),
        **code_block_end(tokenizer, settings.stop_after_code_block),
        logprobs=False,
    )
    rows: list[dict[str, Any]] = []
    splits = {task.id: task.split for task in tasks}
    try:
        for kind_env, kind_tasks in _by_env(tasks, env_id).items():
            kwargs = dict(
                env_kwargs or {}, suite=kind_tasks, sandbox=sandbox, max_turns=settings.max_turns
            )

            def make_env(name: str = kind_env, kwargs: dict = kwargs) -> Any:
                return envs.make(name, **kwargs)

            engine = RolloutEngine(
                env_factory=make_env,
                generator=generator,
                tokenizer=tokenizer,
                settings=RolloutSettings(
                    sampling=sampling,
                    group_size=settings.n_samples,
                    max_turns=settings.max_turns,
                    max_seq_len=settings.max_seq_len,
                    system_prompt=settings.system_prompt,
                    generation_batch_size=settings.generation_batch_size,
                    env_workers=settings.env_workers,
                    seed=settings.seed,
                    seeded_streams=True,
                ),
            )
            try:
                step = settings.tasks_per_chunk
                for start in range(0, len(kind_tasks), step):
                    trajectories, _ = engine.collect(kind_tasks[start : start + step])
                    chunk = [
                        _row(t, i % settings.n_samples, splits[t.task_id])
                        for i, t in enumerate(trajectories)
                    ]
                    rows.extend(chunk)
                    if on_rows is not None:
                        on_rows(chunk)
            finally:
                engine.close()
    finally:
        if owns_generator:
            generator.close()
        model.train(was_training)
    return rows


def evaluation_order(tasks: Sequence[Task], env_id: str | None = None) -> list[Task]:
    """`tasks` in the order `evaluate_policy` runs them (and writes their rows)."""
    return [task for group in _by_env(tasks, env_id).values() for task in group]


def _by_env(tasks: Sequence[Task], env_id: str | None) -> dict[str, list[Task]]:
    """The tasks each environment runs: all in `env_id` if given, else by kind."""
    if env_id is not None:
        return {env_id: list(tasks)}
    from envs.registration import env_for_kind

    groups: dict[str, list[Task]] = {}
    for task in tasks:
        env = env_for_kind(task.kind)
        if env is None:
            raise UnknownEnvError(
                f"task {task.id}: no environment claims kind {task.kind!r}; name one with "
                "--env (codegym eval) or env_id"
            )
        groups.setdefault(env, []).append(task)
    return groups


def _row(trajectory: Trajectory, sample: int, split: str) -> dict[str, Any]:
    answers = [m.content for m in trajectory.messages if m.role == "assistant"]
    passed = trajectory.tests_total > 0 and trajectory.tests_passed == trajectory.tests_total
    return {
        "task_id": trajectory.task_id,
        "split": split,
        "sample": sample,
        "completion": answers[-1] if answers else "",
        "passed": passed,
        "status": trajectory.status or ("passed" if passed else "failed"),
        "tests_passed": trajectory.tests_passed,
        "tests_total": trajectory.tests_total,
        "reward": trajectory.reward,
        "turns": trajectory.num_turns,
        "turn_passed": list(trajectory.turn_passed),
        "duration_s": round(trajectory.env_seconds, 4),
    }


def eval_settings(config: GRPOConfig) -> EvalSettings:
    """The evaluation settings a `GRPOConfig` asks for."""
    return EvalSettings(
        n_samples=config.eval_n_samples,
        temperature=config.eval_temperature,
        max_new_tokens=config.eval_max_new_tokens or config.max_new_tokens,
        max_turns=config.eval_max_turns or config.max_turns,
        stop_after_code_block=config.stop_after_code_block,
        max_seq_len=config.max_seq_len,
        system_prompt=config.system_prompt,
        seed=config.seed,
    )


def eval_tasks(config: GRPOConfig) -> dict[str, list[Task]]:
    """The held-out tasks a `GRPOConfig` names, per split (`eval_suite`, `eval_splits`,
    `eval_limit` per split), in the order of `eval_splits`."""
    from tasks.registry import load_tasks

    if not config.eval_suite:
        raise ValueError("set eval_suite in the config to evaluate (e.g. codegym-functions)")
    if not config.eval_splits:
        raise ValueError("set eval_splits in the config (e.g. [val, test])")
    chosen = {}
    for split in config.eval_splits:
        tasks = load_tasks(config.eval_suite, split=split)
        chosen[split] = tasks[: config.eval_limit] if config.eval_limit else tasks
    return chosen


class ConfigEvalHook:
    """The trainer's periodic held-out eval, built from the config: pass@1 with its interval,
    per split (metrics ``<split>/pass@1``, ``<split>/pass@1_low``, ``<split>/pass@1_high``)."""

    def __init__(self, config: GRPOConfig, sandbox: Sandbox) -> None:
        self.tasks = eval_tasks(config)
        self.settings = eval_settings(config)
        self.sandbox = sandbox
        self.seed = config.seed
        self.last_rows: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, *, model: nn.Module, tokenizer: Any, step: int) -> Mapping[str, float]:
        from tasks.evaluate import summarize

        metrics = {}
        for split, tasks in self.tasks.items():
            rows = evaluate_policy(
                model, tokenizer, tasks, sandbox=self.sandbox, settings=self.settings
            )
            self.last_rows[split] = rows
            interval = summarize(rows, [1], seed=self.seed).pass_at_k[1]
            metrics[f"{split}/pass@1"] = interval.estimate
            metrics[f"{split}/pass@1_low"] = interval.low
            metrics[f"{split}/pass@1_high"] = interval.high
        return metrics
