"""codegym's GRPO learner on CPU against the machine's ceilings and TRL's GRPOTrainer.

One command reports, for one batch shape (N prompts x G completions x L new tokens, beta):

- the machine's ceilings, measured here: fp32 and bf16 matmul GFLOP/s, memory read GB/s;
- per side: seconds per step, generation tokens/s, update seconds and tokens/s, peak RSS;
- the ratios: codegym against TRL (time, memory), and codegym's fast path against its fp32
  reference path (generation and update speed-ups).

Sides, each in its own subprocess so that its peak RSS is its own, taking turns for `--rounds`
rounds so that a busy spell of a shared machine hits all of them; medians are reported:

- ``trl``: TRL's GRPOTrainer (`pip install 'codegym[bench]'`), fp32, no gradient checkpointing;
- ``fp32``: codegym with ``compute_dtype: float32``, the reference implementation;
- ``codegym``: codegym with its defaults (``compute_dtype: auto``: bf16 matmuls on a CPU with
  AVX-512 BF16 or AMX);
- ``before`` (with ``--before DIR``): the fp32 side run from another checkout of codegym, e.g. an
  earlier commit (``git worktree add DIR <commit>``), so that a change is measured in one run.

All sides train the same weights on the same prompts with a plain reward function (no sandbox),
and every completion runs to the full L tokens (TRL's ``min_new_tokens``, no stop ids in
codegym), so all sides do the same work. The model is SmolLM2-135M-Instruct (``--model
default``, the demo's model) saved once as safetensors for all sides, or a 2-layer 128-wide
random-init Qwen2 with its 49k vocabulary (``--model tiny``), where per-call overheads dominate.

    python benchmarks/learner_vs_trl.py                      # the demo's batch: 2 x 6 x 160
    python benchmarks/learner_vs_trl.py --prompts 1 --completions 8 --max-new-tokens 64
    python benchmarks/learner_vs_trl.py --sides fp32,codegym --rounds 3
    python benchmarks/learner_vs_trl.py --before /tmp/old --sides before,fp32,codegym
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPTS = (
    "Write a Python function `running_median(xs: list[int]) -> list[float]` that returns, for "
    "each prefix of xs, the median of that prefix. Explain your approach, then give the code.",
    "Write a Python function `parse_duration(text: str) -> int` that turns strings such as "
    "'1h 30m', '45s' or '2h5m10s' into a number of seconds, raising ValueError on bad input.",
)
SIDES = ("trl", "before", "fp32", "codegym")


def reward(text: str) -> float:
    """A plain, cheap reward: the share of characters that are code-like (letters, digits, ()=:)."""
    return sum(c.isalnum() or c in "()=:+ " for c in text) / max(len(text), 1)


def build_model(kind: str, folder: Path) -> None:
    """Save the benchmark's model and the SmolLM2 tokenizer to `folder` (safetensors)."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from grpo_agent.config import GRPOConfig
    from grpo_agent.models import default_model_path, load_policy

    if kind == "default":
        model, tokenizer = load_policy(GRPOConfig(device="cpu"), torch.device("cpu"))
        model.save_pretrained(folder)  # type: ignore[operator]
        tokenizer.save_pretrained(folder)
        return
    gguf = default_model_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=128,
        intermediate_size=512,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the machine's ceilings ------------------------------------------------------------------------


def ceilings(threads: int) -> dict[str, float]:
    """Best-of-several fp32 and bf16 matmul GFLOP/s (1024 x 1024 x 1024) and memory read GB/s
    (a sum over 256 MB), with `threads` torch threads."""
    import torch

    torch.set_num_threads(threads)

    def best(fn: Any, repeat: int = 7) -> float:
        fn()
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            fn()
            times.append(time.perf_counter() - began)
        return min(times)

    out = {}
    n = 1024
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
        out[f"{name}_gflops"] = 2 * n**3 / best(lambda a=a, b=b: a @ b) / 1e9
    big = torch.ones(64 * 2**20)  # 256 MB of fp32, far past any cache
    out["read_gbs"] = big.numel() * 4 / best(lambda: big.sum()) / 1e9
    return out


# -- the sides, each run in a fresh process ----------------------------------------------------------


def run_trl(args: argparse.Namespace, model_dir: Path, out_dir: Path) -> dict[str, Any]:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    step_times: list[float] = []

    class Timer(TrainerCallback):
        def on_step_begin(self, *a: Any, **k: Any) -> None:
            self.began = time.perf_counter()

        def on_step_end(self, *a: Any, **k: Any) -> None:
            step_times.append(time.perf_counter() - self.began)

    def reward_fn(completions: list[Any], **kwargs: Any) -> list[float | None]:
        return [reward(c[0]["content"] if isinstance(c, list) else c) for c in completions]

    config = GRPOConfig(
        output_dir=str(out_dir),
        per_device_train_batch_size=args.prompts * args.completions,
        num_generations=args.completions,
        max_completion_length=args.max_new_tokens,
        generation_kwargs={"min_new_tokens": args.max_new_tokens},  # full length, as codegym's
        beta=args.beta,
        loss_type="grpo",  # seq-mean-token-mean, codegym's default
        learning_rate=1e-6,
        max_steps=args.steps,
        use_cpu=True,
        bf16=False,
        gradient_checkpointing=False,  # codegym leaves it off on CPU too
        disable_dropout=True,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=0,
    )
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.prompts)]
    dataset = Dataset.from_list(
        [{"prompt": [{"role": "user", "content": p}]} for p in prompts] * (args.steps * 2)
    )
    trainer = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir),
        processing_class=AutoTokenizer.from_pretrained(model_dir),
        reward_funcs=reward_fn,
        args=config,
        train_dataset=dataset,
        callbacks=[Timer()],
    )
    trainer.train()
    return {"s_per_step": step_times}


class PromptEnv:
    """One-turn env around the plain reward function: no sandbox, so only the learner is timed."""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        task = str((options or {}).get("task", "p0"))
        return PROMPTS[int(task[1:]) % len(PROMPTS)], {"task_id": task}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        return "", reward(action), True, False, {"turn": 1}

    def close(self) -> None:
        pass


def run_codegym(args: argparse.Namespace, model_dir: Path, out_dir: Path) -> dict[str, Any]:
    from grpo_agent.config import GRPOConfig
    from grpo_agent.trainer import Trainer

    # an earlier checkout (side "before") may predate compute_dtype: its fp32 path is its only one
    dtype: dict[str, Any] = {"compute_dtype": "float32" if args.side == "fp32" else "auto"}
    config = GRPOConfig(
        **(dtype if "compute_dtype" in GRPOConfig.__dataclass_fields__ else {}),
        name="bench",
        output_dir=str(out_dir),
        model=str(model_dir),
        device="cpu",
        tasks_per_step=args.prompts,
        group_size=args.completions,
        max_new_tokens=args.max_new_tokens,
        max_seq_len=args.max_new_tokens + 512,
        beta=args.beta,
        learning_rate=1e-6,
        max_steps=args.steps,
        micro_batch_size=args.micro_batch_size or args.completions,
        save_every=0,
        task_ids=[f"p{i}" for i in range(args.prompts)],
        env_workers=1,
    )
    trainer = Trainer(config, env_factory=PromptEnv)
    trainer.save = lambda: None  # type: ignore[method-assign]  # TRL side saves nothing either
    # Full-length completions on every side: no stop ids.
    sampling = replace(trainer.rollout.settings.sampling, stop_token_ids=())
    trainer.rollout.settings = replace(trainer.rollout.settings, sampling=sampling)
    result = trainer.train()
    trainer.close()
    keys = {
        "s_per_step": "perf/step_seconds",
        "gen_tok_s": "perf/generation_tokens_per_s",
        "update_s": "perf/update_seconds",
        "update_tok_s": "perf/train_tokens_per_s",
        "ratio_max_dev": "loss/ratio_max_dev",
    }
    history = result.history
    return {name: [m[key] for m in history] for name, key in keys.items() if key in history[0]}


def child(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as out:
        runner = run_trl if args.side == "trl" else run_codegym
        result = runner(args, Path(args.model_dir), Path(out))
    # the first step pays one-time costs (allocator growth, kernel selection): left out
    summary = {k: statistics.median(v[1:] or v) for k, v in result.items()}
    print(json.dumps({"side": args.side, **summary, "peak_rss_mb": peak_rss_mb()}))


# -- the parent: build the model, alternate the sides, print the table -----------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", choices=["default", "tiny"], default="default")
    parser.add_argument("--prompts", type=int, default=2, help="N: prompts (tasks) per step")
    parser.add_argument("--completions", type=int, default=6, help="G: completions per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=160, help="L: tokens per completion")
    parser.add_argument("--beta", type=float, default=0.04)
    parser.add_argument("--micro-batch-size", type=int, default=0, help="codegym's (0: G)")
    parser.add_argument("--steps", type=int, default=3, help="per run; the first is left out")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="turns each side takes")
    parser.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated, of {SIDES}")
    parser.add_argument(
        "--before", help="a codegym checkout to run as side 'before' (its fp32 path)"
    )
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        child(args)
        return
    sides = [s for s in args.sides.split(",") if s]
    if unknown := set(sides) - set(SIDES):
        parser.error(f"unknown sides {sorted(unknown)}; choose from {SIDES}")
    if "before" in sides and not args.before:
        sides.remove("before")
    runs: dict[str, list[dict[str, float]]] = {s: [] for s in sides}
    env = {**os.environ, "TQDM_DISABLE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with tempfile.TemporaryDirectory() as tmp:
        build_model(args.model, Path(tmp))
        for _ in range(args.rounds):
            for side in sides:
                # "before" runs this script's child from the other checkout, as its fp32 side
                script = Path(__file__)
                if side == "before":
                    script = Path(args.before) / "benchmarks" / script.name
                    if not script.is_file():
                        sys.exit(f"--before {args.before}: copy {Path(__file__).name} there first")
                cmd = [sys.executable, str(script), "--side", "fp32" if side == "before" else side,
                       "--model-dir", tmp]  # fmt: skip
                for name in ("model", "prompts", "completions", "max_new_tokens", "beta",
                             "micro_batch_size", "steps", "threads"):  # fmt: skip
                    cmd += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
                if proc.returncode != 0:
                    sys.exit(f"{side} failed:\n{proc.stderr[-3000:]}")
                run = {**json.loads(proc.stdout.strip().splitlines()[-1]), "side": side}
                runs[side].append(run)
                print(f"  {side}: {run}", file=sys.stderr)
    limits = ceilings(args.threads)
    report(args, sides, runs, limits)


def report(
    args: argparse.Namespace,
    sides: list[str],
    runs: dict[str, list[dict[str, float]]],
    limits: dict[str, float],
) -> None:
    def median(side: str, key: str) -> float:
        values = [r[key] for r in runs[side] if key in r]
        return statistics.median(values) if values else float("nan")

    model = "SmolLM2-135M-Instruct" if args.model == "default" else "Qwen2 2x128, 49k vocab"
    print(f"model: {model} | {args.prompts} prompts x {args.completions} completions x "
          f"{args.max_new_tokens} new tokens | beta={args.beta} | {args.steps} steps x "
          f"{args.rounds} rounds | {args.threads} threads")  # fmt: skip
    print(f"machine: matmul fp32 {limits['fp32_gflops']:.0f} GFLOP/s, bf16 "
          f"{limits['bf16_gflops']:.0f} GFLOP/s; memory read {limits['read_gbs']:.1f} GB/s")  # fmt: skip
    cols = ("s_per_step", "gen_tok_s", "update_s", "update_tok_s", "peak_rss_mb", "ratio_max_dev")
    print(f"{'side':10}" + "".join(f"{c:>15}" for c in cols))
    for side in sides:
        print(f"{side:10}" + "".join(f"{median(side, c):>15.4g}" for c in cols))
    if "trl" in sides:
        for side in (s for s in sides if s != "trl"):
            t = median(side, "s_per_step") / median("trl", "s_per_step")
            m = median(side, "peak_rss_mb") / median("trl", "peak_rss_mb")
            print(f"{side}/trl: time {t:.2f}x (target <= 0.5x), peak RSS {m:.2f}x (target <= 1x)")
    for base in ("before", "fp32"):
        for side in ("fp32", "codegym"):
            if side == base or not {base, side} <= set(sides):
                continue
            gen = median(side, "gen_tok_s") / median(base, "gen_tok_s")
            upd = median(base, "update_s") / median(side, "update_s")
            step = median(base, "s_per_step") / median(side, "s_per_step")
            mem = median(side, "peak_rss_mb") / median(base, "peak_rss_mb")
            print(f"{side} over {base}: generation {gen:.2f}x, update {upd:.2f}x, "
                  f"step {step:.2f}x faster; peak RSS {mem:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
