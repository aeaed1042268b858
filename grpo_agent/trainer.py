"""The GRPO trainer: sample tasks -> rollouts (G per task) -> advantages -> mu updates -> log ->
held-out eval -> checkpoint.

Everything a run talks to is injected (`EnvFactory`, task list, `Generator`, `EvalHook`), with
defaults built from the config: ``gymnasium.make(config.env_id, **config.env_kwargs)`` and the
generation backend named by ``config.generation_backend``.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import random
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from types import FrameType
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from grpo_agent.advantages import group_advantages, informative_groups
from grpo_agent.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from grpo_agent.config import GRPOConfig
from grpo_agent.distributed import Distributed
from grpo_agent.errors import ConfigError, RolloutError
from grpo_agent.generation.base import Generator, SamplingParams
from grpo_agent.logprobs import disable_dropout, token_logprobs
from grpo_agent.loss import policy_loss
from grpo_agent.metrics import MetricsLogger, trajectory_metrics
from grpo_agent.models import (
    code_block_end,
    load_policy,
    make_reference,
    pad_token_id,
    resolve_device,
    resolve_model,
    stop_token_ids,
)
from grpo_agent.optim import build_optimizer
from grpo_agent.precision import resolve_compute_dtype
from grpo_agent.rollout import INFRA_ERROR, EnvFactory, RolloutEngine, RolloutSettings
from grpo_agent.sampler import TaskSampler
from grpo_agent.trajectory import Batch, Trajectory, collate
from sandbox.base import Sandbox
from sandbox.registry import SandboxHandle
from tasks.schema import Task

__all__ = ["EvalHook", "TrainResult", "Trainer", "seed_everything"]

log = logging.getLogger("codegym.train")


class EvalHook(Protocol):
    """Held-out evaluation, called every ``eval_every`` steps; returns metrics (logged as eval/…)."""

    def __call__(self, *, model: nn.Module, tokenizer: Any, step: int) -> Mapping[str, float]: ...


@dataclass(frozen=True)
class TrainResult:
    step: int
    """Steps completed (equals max_steps unless interrupted)."""
    interrupted: bool
    history: tuple[dict[str, float], ...]
    """The metrics of each step this process ran."""


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Trainer:
    def __init__(
        self,
        config: GRPOConfig,
        *,
        model: nn.Module | None = None,
        tokenizer: Any = None,
        env_factory: EnvFactory | Callable[[], Any] | None = None,
        tasks: Sequence[Task | str] | None = None,
        generator: Generator | None = None,
        eval_hook: EvalHook | None = None,
        sandbox: Sandbox | None = None,
        distributed: Distributed | None = None,
    ) -> None:
        self.config = config
        # The default environments share one sandbox: `sandbox` if given (it stays the
        # caller's), else one built from the config on first use and closed by `close`.
        # One trainer per rank under torchrun (grpo_agent/distributed.py); else one process.
        self._owns_dist = distributed is None
        self.dist = distributed or Distributed.from_environment(
            resolve_device(config.device), timeout_s=config.dist_timeout_s
        )
        self.device = self.dist.device(resolve_device(config.device))
        options = self.dist.sandbox_options(config.sandbox, config.sandbox_options)  # this node's
        self._sandbox = SandboxHandle(sandbox, config.sandbox, **options)
        seed_everything(config.seed)
        # The environments (and their sandbox) before the model: a missing engine or an
        # unknown env_id is said at once, not after the model has loaded.
        self.env_factory = env_factory or self._default_env_factory()
        if model is None:
            model, tokenizer = load_policy(config, self.device)
        elif tokenizer is None:
            raise ConfigError(
                "an injected model needs its tokenizer: Trainer(model=..., tokenizer=...)"
            )
        self.model = model.to(self.device)
        self.tokenizer = tokenizer
        disable_dropout(self.model)
        if config.gradient_checkpointing or (
            config.gradient_checkpointing is None and self.device.type == "cuda"
        ):
            # transformers >= 5.2x names it activation checkpointing (the old name warns)
            enable = getattr(self.model, "activation_checkpointing_enable", None)
            (enable or self.model.gradient_checkpointing_enable)()  # type: ignore[operator]
        # bf16 matmuls over the fp32 master weights where the CPU has them (grpo_agent.precision)
        self.compute_dtype = resolve_compute_dtype(
            config.compute_dtype, device=self.device, weights=next(self.model.parameters()).dtype
        )
        # DDP over the ranks (broadcasting rank 0's weights first), or the model itself.
        self.train_model = self.dist.wrap(self.model)
        if self.dist.enabled:
            seed_everything(self.dist.seed(config.seed))  # each rank draws its own samples
        self.reference = make_reference(self.model, beta=config.beta, dtype=self.compute_dtype)
        self.optimizer, self.scheduler = build_optimizer(self.model, config)
        self.sampler = TaskSampler(
            list(tasks or config.task_ids or self._env_tasks()), seed=config.seed
        )
        self.pad_token_id = pad_token_id(tokenizer)
        self.generator = generator or self._default_generator()
        self.sampling = SamplingParams(
            max_new_tokens=config.max_new_tokens,
            temperature=config.temperature,
            top_p=config.top_p,
            top_k=config.top_k,
            stop_token_ids=stop_token_ids(self.model, tokenizer),
            **code_block_end(tokenizer, config.stop_after_code_block),
            # The learner recomputes every log-prob it uses (fp32, same weights), so the sampler's
            # would go unread (and vLLM's come from other kernels than the learner's).
            logprobs=False,
        )
        self.rollout = RolloutEngine(
            env_factory=self.env_factory,
            generator=self.generator,
            tokenizer=tokenizer,
            settings=RolloutSettings(
                sampling=self.sampling,
                group_size=config.group_size,
                max_turns=config.max_turns,
                max_seq_len=config.max_seq_len,
                system_prompt=config.system_prompt,
                generation_batch_size=config.generation_batch_size,
                env_workers=config.env_workers,
                overlap=config.overlap_env_steps,
                seed=self.dist.seed(config.seed),
            ),
        )
        # Periodic held-out evaluation: the hook given, else, with eval_every set, the config's
        # own (pass@1 on eval_suite), on the run's sandbox pool.
        if eval_hook is None and config.eval_every:
            from grpo_agent.evaluation import ConfigEvalHook

            eval_hook = ConfigEvalHook(config, self.sandbox)
        self.eval_hook = eval_hook
        self.step = 0
        self._stop_requested = False

    # -- defaults for what was not injected -------------------------------------------------

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox the default environments and the periodic evaluation share: the one
        given, else one built from the config on first use (and closed by `close`)."""
        return self._sandbox.get()

    def _default_env_factory(self) -> Callable[[], Any]:
        """Environments from the config, all sharing one sandbox pool that the trainer owns
        (built on first use, closed by `close`). `env_id` may name a user's own package as
        ``"module:Id"``, as `gymnasium.make` allows."""
        import gymnasium
        from gymnasium.envs.registration import load_env_creator

        from envs.base import CodeEnv
        from envs.errors import UnknownEnvError
        from envs.registration import resolve_env_id

        kwargs = dict(self.config.env_kwargs)
        try:
            env_id = resolve_env_id(self.config.env_id)
            entry_point = gymnasium.spec(env_id).entry_point
        except (UnknownEnvError, gymnasium.error.Error) as exc:
            raise ConfigError(f"env_id={self.config.env_id!r}: {exc}") from exc
        creator = load_env_creator(entry_point) if isinstance(entry_point, str) else entry_point
        # codegym environments run their code in the run's shared sandbox (started now)
        takes_sandbox = isinstance(creator, type) and issubclass(creator, CodeEnv)
        if takes_sandbox and "sandbox" not in kwargs:
            self.sandbox  # noqa: B018  (builds it: the engine is checked before anything else)

        def make_env() -> Any:
            if takes_sandbox and "sandbox" not in kwargs:
                kwargs["sandbox"] = self.sandbox
            return gymnasium.make(env_id, **kwargs)

        return make_env

    def _env_tasks(self) -> list[Task | str]:
        env = self.env_factory()
        try:
            tasks = getattr(getattr(env, "unwrapped", env), "tasks", None)
            if not tasks:
                raise ConfigError(
                    f"{self.config.env_id} does not list its tasks; set task_ids in the config"
                )
            # `tasks.Task`s of the train split; plain task ids too
            return [
                t for t in tasks if isinstance(t, str) or getattr(t, "split", "train") == "train"
            ]
        finally:
            env.close()

    def _default_generator(self) -> Generator:
        if self.config.generation_backend == "vllm":
            from grpo_agent.generation.vllm_backend import VLLMGenerator

            spec = resolve_model(self.config.model, self.config.gguf_file)
            path = f"{spec.path}/{spec.gguf_file}" if spec.gguf_file else spec.path
            return VLLMGenerator(
                model_path=path,
                tokenizer_path=self.config.tokenizer,
                gpu_memory_utilization=self.config.vllm_gpu_memory_utilization,
                sleep=self.config.vllm_sleep,
                max_model_len=self.config.max_seq_len,
                seed=self.dist.seed(self.config.seed),
                external_launcher=self.dist.enabled,
            )
        from grpo_agent.generation.hf import TransformersGenerator

        return TransformersGenerator(
            self.model,
            pad_token_id=self.pad_token_id,
            batch_size=self.config.generation_batch_size,
            compute_dtype=self.compute_dtype,
        )

    # -- the loop -----------------------------------------------------------------------------

    def train(self) -> TrainResult:
        config = self.config
        if config.resume:
            self._restore()
        main = self.dist.is_main  # rank 0 writes the run's files
        if main:
            config.save(f"{config.run_dir}/config.yaml")
        logger = (
            MetricsLogger(config.run_dir, resume_step=self.step if config.resume else None)
            if main
            else None
        )
        history: list[dict[str, float]] = []
        saved_at = self.step
        bar = tqdm(
            total=config.max_steps,
            initial=self.step,
            desc=config.name,
            dynamic_ncols=True,
            disable=None if main else True,
        )
        try:
            with self._sigint_requests_stop():
                while self.step < config.max_steps and not self._stop_requested:
                    began = time.perf_counter()

                    # rollout (this rank's groups)
                    failure: RolloutError | None = None
                    try:
                        trajectories, metrics = self._collect()
                    except RolloutError as exc:
                        failure = exc
                    self.dist.check(failure, f"the rollout of step {self.step + 1}")
                    rollout_s = time.perf_counter() - began

                    # advantages
                    advantages, metrics["loss/advantage_abs_mean"] = self._advantages(trajectories)

                    # update
                    updated = time.perf_counter()
                    metrics.update(self._update(trajectories, advantages))
                    self.step += 1
                    update_s = time.perf_counter() - updated

                    # log
                    step_s = time.perf_counter() - began
                    policy_tokens = sum(t.num_policy_tokens for t in trajectories)
                    metrics.update(
                        {
                            "perf/step_seconds": step_s,
                            "perf/rollout_seconds": rollout_s,
                            "perf/update_seconds": update_s,
                            "perf/train_tokens_per_s": sum(len(t.input_ids) for t in trajectories)
                            * config.num_iterations
                            / max(update_s, 1e-9),
                            "perf/policy_tokens_per_s": policy_tokens / step_s,
                            "perf/peak_rss_mb": _peak_rss_mb(),
                            "sandbox/time_share": metrics.get("sandbox/wait_seconds", 0.0) / step_s,
                        }
                    )
                    if torch.cuda.is_available() and self.device.type == "cuda":
                        metrics["perf/cuda_peak_mem_mb"] = (
                            torch.cuda.max_memory_allocated(self.device) / 2**20
                        )

                    metrics = self.dist.reduce_metrics(metrics, weight=len(trajectories))
                    # Ctrl-C reaches the ranks at different moments: all stop after the same step.
                    self._stop_requested = self.dist.any(self._stop_requested, "stop request")

                    # eval (rank 0; the others wait at their next collective)
                    if (
                        self.eval_hook is not None
                        and main
                        and config.eval_every
                        and self.step % config.eval_every == 0
                    ):
                        results = self.eval_hook(
                            model=self.model, tokenizer=self.tokenizer, step=self.step
                        )
                        metrics.update({f"eval/{k}": float(v) for k, v in results.items()})

                    history.append(metrics)
                    if logger is not None and (
                        self.step % config.log_every == 0 or self.step == config.max_steps
                    ):
                        logger.log(self.step, metrics)
                    bar.update(1)
                    bar.set_postfix(
                        reward=f"{metrics['reward/mean']:.3f}", kl=f"{metrics['loss/kl']:.4f}"
                    )
                    if main and bar.disable and self.step % config.log_every == 0:
                        # No terminal (a log file, CI): one line per logged step instead.
                        print(
                            _progress_line(config, self.step, metrics), file=sys.stderr, flush=True
                        )

                    # checkpoint
                    if (
                        config.save_every and self.step % config.save_every == 0
                    ) or self._stop_requested:
                        self.save()
                        saved_at = self.step
            if saved_at != self.step:
                self.save()
        finally:
            bar.close()
            if logger is not None:
                logger.close()
        if self._stop_requested and main:
            print(
                f"interrupted: checkpoint saved at step {self.step}; continue with --set resume=true",
                file=sys.stderr,
            )
        return TrainResult(step=self.step, interrupted=self._stop_requested, history=tuple(history))

    def close(self) -> None:
        self.rollout.close()
        self.generator.close()
        self._sandbox.close()
        if self._owns_dist:
            # DDP's reducer holds the process group: dropped first, the group is destroyed in
            # `Distributed.close`, not whenever the reducer happens to be freed (see there)
            self.train_model = self.model
            gc.collect()
            self.dist.close()

    # -- rollout ------------------------------------------------------------------------------

    def _collect(self) -> tuple[list[Trajectory], dict[str, float]]:
        """This rank's share of N groups of G trajectories; with dynamic sampling, only groups
        with reward spread.

        Every rank draws the same tasks from its sampler (seeded alike) and rolls out its `shard`
        of them, so the samplers stay in step and group numbers are global.
        """
        config = self.config
        tasks = self.sampler.take(config.tasks_per_step)
        share = self.dist.shard(config.tasks_per_step)
        wanted = share.stop - share.start  # this rank's groups
        trajectories, stats = self.rollout.collect(tasks[share], group_offset=share.start)
        all_stats = [stats]
        sampled_groups = wanted
        offset = config.tasks_per_step  # groups drawn by all ranks so far
        refills = 0
        trajectories, dropped = self._without_infra_errors(trajectories)
        if config.dynamic_sampling:
            kept = self._informative(trajectories)
            while refills < config.max_refill_rounds:
                # Refill rounds are collective: all ranks draw the missing groups of all ranks
                # (the samplers stay in step) and each rolls out its own.
                missing = wanted - len(kept) // config.group_size
                counts = self.dist.all_gather(missing, "dynamic sampling")
                if not any(counts):
                    break
                first = sum(counts[: self.dist.rank])
                more_tasks = self.sampler.take(sum(counts))[first : first + missing]
                refills += 1
                if missing:
                    more, stats = self.rollout.collect(more_tasks, group_offset=offset + first)
                    all_stats.append(stats)
                    sampled_groups += missing
                    more, lost = self._without_infra_errors(more)
                    dropped += lost
                    kept += self._informative(more)
                offset += sum(counts)
            if kept:  # with no informative group at all, train on the batch (KL term only)
                trajectories = kept[: wanted * config.group_size]
        if not trajectories:
            raise RolloutError(
                f"the sandbox failed on every group of step {self.step + 1} ({dropped} groups); "
                "is the Docker engine healthy? `codegym sandbox doctor` checks it"
            )
        metrics = trajectory_metrics(trajectories)
        metrics["rollout/infra_dropped_groups"] = float(dropped)
        metrics["rollout/kept_groups_frac"] = (
            len(trajectories) // config.group_size
        ) / sampled_groups
        metrics["rollout/refill_rounds"] = float(refills)
        gen_s = sum(s.generation_seconds for s in all_stats)
        metrics["perf/generation_tokens_per_s"] = sum(s.generated_tokens for s in all_stats) / max(
            gen_s, 1e-9
        )
        metrics["perf/generation_seconds"] = gen_s
        metrics["sandbox/step_seconds"] = sum(s.env_seconds for s in all_stats)
        metrics["sandbox/wait_seconds"] = sum(s.env_wait_seconds for s in all_stats)
        return trajectories, metrics

    def _without_infra_errors(self, trajectories: list[Trajectory]) -> tuple[list[Trajectory], int]:
        """The trajectories of the groups on which the sandbox never failed, and how many groups
        were dropped (each with a warning): a sandbox failure says nothing about the policy, and
        the group's advantages need all of its samples."""
        g = self.config.group_size
        bad = {i // g for i, t in enumerate(trajectories) if t.status == INFRA_ERROR}
        for group in sorted(bad):
            task = trajectories[group * g].task_id
            log.warning(
                "step %d: the sandbox failed on a sample of task %s; its group is left out of "
                "this step's update",
                self.step + 1,
                task,
            )
        return [t for i, t in enumerate(trajectories) if i // g not in bad], len(bad)

    def _informative(self, trajectories: list[Trajectory]) -> list[Trajectory]:
        g = self.config.group_size
        rewards = torch.tensor([t.reward for t in trajectories]).view(-1, g)
        keep = informative_groups(rewards).tolist()
        return [t for i, t in enumerate(trajectories) if keep[i // g]]

    # -- update -------------------------------------------------------------------------------

    def _advantages(self, trajectories: list[Trajectory]) -> tuple[torch.Tensor, float]:
        """(B,) advantages of this rank's trajectories, computed over the whole step's batch
        (every rank's rewards: batch scaling needs them all), and their global mean |A|."""
        rewards = [t.reward for t in trajectories]
        everyone = self.dist.all_gather(rewards, "advantages")
        offset = sum(len(r) for r in everyone[: self.dist.rank])
        advantages = group_advantages(
            torch.tensor([r for rank in everyone for r in rank]).view(-1, self.config.group_size),
            scale=self.config.advantage_scale,
            eps=self.config.advantage_eps,
        ).flatten()
        return advantages[offset : offset + len(rewards)], advantages.abs().mean().item()

    def _micro_batches(self, batch: Batch) -> Iterator[tuple[slice, Batch]]:
        size = self.config.micro_batch_size
        keep_width = self.config.aggregation == "seq-mean-token-sum-norm"  # T is part of the loss
        for start in range(0, batch.input_ids.shape[0], size):
            rows = slice(start, start + size)
            yield rows, batch.slice(rows, trim=not keep_width).to(self.device)

    @torch.no_grad()
    def _frozen_logprobs(self, batch: Batch, *, reference: bool) -> torch.Tensor:
        """(B, T) log-probs under the reference policy, or under the current one (old log-probs)."""
        out = torch.zeros(batch.input_ids.shape, dtype=torch.float32)
        for rows, mb in self._micro_batches(batch):
            if reference and self.reference is None:  # LoRA: the base model with adapters off
                with self.model.disable_adapter():  # type: ignore[operator]
                    lp = token_logprobs(
                        self.model,
                        mb.input_ids,
                        mb.attention_mask,
                        temperature=self.config.temperature,
                        start=mb.first_policy_column,
                        compute_dtype=self.compute_dtype,
                    )
            else:
                model = self.reference if reference else self.model
                assert model is not None
                lp = token_logprobs(
                    model,
                    mb.input_ids,
                    mb.attention_mask,
                    temperature=self.config.temperature,
                    start=mb.first_policy_column,
                    compute_dtype=self.compute_dtype,
                )
            out[rows, : mb.input_ids.shape[1]] = lp.logprobs.cpu()
        return out

    def _update(self, trajectories: list[Trajectory], advantages: torch.Tensor) -> dict[str, float]:
        config = self.config
        # Micro-batches of sequences of like length pad less (each is trimmed to its longest);
        # the loss sums over sequences with global denominators, so their order does not matter.
        order = sorted(range(len(trajectories)), key=lambda i: len(trajectories[i].input_ids))
        trajectories = [trajectories[i] for i in order]
        advantages = advantages[torch.tensor(order, dtype=torch.long)]
        batch = collate(trajectories, pad_token_id=self.pad_token_id)
        ref = self._frozen_logprobs(batch, reference=True) if config.beta > 0 else None
        # With one update per batch the policy *is* the old policy: its detached log-probs serve.
        old = self._frozen_logprobs(batch, reference=False) if config.num_iterations > 1 else None
        params = [p for p in self.model.parameters() if p.requires_grad]
        # The loss's denominators over every rank's batch: the objective of a step does not
        # depend on how many ranks share it.
        totals = self.dist.batch_totals(batch.loss_mask)
        last = -(-batch.input_ids.shape[0] // config.micro_batch_size) - 1
        self.model.train()
        sums: dict[str, float] = {}
        ratio_min, ratio_max, tokens_seen, loss_total = float("inf"), 0.0, 0.0, 0.0
        first_dev = 0.0
        grad_norm = torch.tensor(0.0)
        for iteration in range(config.num_iterations):
            self.optimizer.zero_grad(set_to_none=True)
            for index, (rows, mb) in enumerate(self._micro_batches(batch)):
                width = mb.input_ids.shape[1]
                # Gradients are summed over ranks once per optimizer step, in the last backward.
                self.dist.reduce_next_backward(self.train_model, index == last)
                lp = self.dist.forward(
                    partial(
                        token_logprobs,
                        self.train_model,
                        mb.input_ids,
                        mb.attention_mask,
                        temperature=config.temperature,
                        start=mb.first_policy_column,
                        with_entropy=iteration == 0,
                        compute_dtype=self.compute_dtype,
                    ),
                    "the forward pass",
                )
                old_mb = (
                    old[rows, :width].to(self.device) if old is not None else lp.logprobs.detach()
                )
                ref_mb = ref[rows, :width].to(self.device) if ref is not None else None
                loss, m = policy_loss(
                    lp.logprobs,
                    old_mb,
                    ref_mb,
                    advantages[rows].to(self.device),
                    mb.loss_mask,
                    clip_low=config.clip_low,
                    clip_high=config.clip_high,
                    beta=config.beta,
                    aggregation=config.aggregation,
                )
                weight = self.dist.loss_weight(config.aggregation, mb.loss_mask, totals)
                self.dist.backward(loss * weight)
                loss_total += loss.item() * weight / self.dist.world_size / config.num_iterations
                n = float(mb.loss_mask.sum())
                tokens_seen += n
                for key in (
                    "pg_loss",
                    "kl",
                    "clip_frac_low",
                    "clip_frac_high",
                    "clip_frac",
                    "ratio_mean",
                ):
                    sums[key] = sums.get(key, 0.0) + m[key] * n
                ratio_min, ratio_max = (
                    min(ratio_min, m["ratio_min"]),
                    max(ratio_max, m["ratio_max"]),
                )
                if iteration == 0:  # before any optimizer step the ratio must be 1 (pi == pi_old)
                    first_dev = max(first_dev, m["ratio_max"] - 1.0, 1.0 - m["ratio_min"])
                if lp.entropy is not None:
                    sums["entropy"] = sums.get("entropy", 0.0) + float(
                        (lp.entropy * mb.loss_mask).sum()
                    )
            clip = config.max_grad_norm if config.max_grad_norm > 0 else float("inf")
            grad_norm = torch.nn.utils.clip_grad_norm_(params, clip)
            self.optimizer.step()
        self.scheduler.step()
        self.generator.update_weights(self.model)
        denom = max(tokens_seen, 1.0)
        metrics = {f"loss/{k}": v / denom for k, v in sums.items() if k != "entropy"}
        metrics["loss/entropy"] = sums.get("entropy", 0.0) / max(float(batch.loss_mask.sum()), 1.0)
        metrics.update(
            {
                "loss/total": loss_total,
                "loss/ratio_min": ratio_min,
                "loss/ratio_max": ratio_max,
                "loss/ratio_max_dev": first_dev,
                "loss/grad_norm": float(grad_norm),
                "loss/lr": float(self.scheduler.get_last_lr()[0]),
            }
        )
        metrics["loss/pg"] = metrics.pop("loss/pg_loss")
        return metrics

    # -- checkpoint ---------------------------------------------------------------------------

    def save(self) -> None:
        """Rank 0 writes the checkpoint (weights and optimizer are alike on every rank); each
        other rank then adds its RNG state to it."""
        if self.dist.is_main:
            save_checkpoint(
                self.config.run_dir,
                step=self.step,
                model=self.model,
                tokenizer=self.tokenizer,
                optimizer=self.optimizer,
                scheduler=self.scheduler,
                sampler_state=self.sampler.state_dict(),
                keep=self.config.keep_checkpoints,
            )
        self.dist.save_rank_state(self.config.run_dir, self.step)

    def _restore(self) -> None:
        path = latest_checkpoint(self.config.run_dir)
        if path is None:
            print(
                f"resume: no checkpoint in {self.config.run_dir}; starting from step 0",
                file=sys.stderr,
            )
            return
        state = load_checkpoint(
            path, model=self.model, optimizer=self.optimizer, scheduler=self.scheduler
        )
        self.dist.restore_rank_state(path)
        self.sampler.load_state_dict(state["sampler"])
        self.step = state["step"]
        self.generator.update_weights(self.model)

    @contextlib.contextmanager
    def _sigint_requests_stop(self) -> Iterator[None]:
        """First Ctrl-C: finish the step, save a checkpoint, return. Second: abort at once."""
        if not _in_main_thread():
            yield
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            if self._stop_requested:
                signal.signal(signal.SIGINT, previous)
                raise KeyboardInterrupt
            self._stop_requested = True
            print(
                "\nCtrl-C: saving a checkpoint after this step (press again to abort)",
                file=sys.stderr,
            )

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _progress_line(config: GRPOConfig, step: int, metrics: Mapping[str, float]) -> str:
    nan = float("nan")
    return (
        f"[{config.name}] step {step}/{config.max_steps}  "
        f"reward {metrics.get('reward/mean', nan):.3f}  "
        f"pass {metrics.get('reward/pass_rate', nan):.3f}  "
        f"kl {metrics.get('loss/kl', nan):.4f}  "
        f"{metrics.get('perf/step_seconds', nan):.1f} s/step"
    )
