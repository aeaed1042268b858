"""``codegym eval``: pass@k of a samples file, or of a model that generates the samples.

    codegym eval --suite humaneval --samples samples.jsonl --out results.jsonl
    codegym eval --suite humaneval --model default --out results.jsonl
    codegym eval --suite codegym-functions --split test --model runs/demo --n-samples 10 \\
        --temperature 0.8 --k 1,10 --out results.jsonl

With ``--samples`` the file is scored as it is (see `tasks.eval_cli`). With ``--model`` (a
Hugging Face path or id, a ``.gguf`` file, ``default`` for SmolLM2-135M-Instruct, or a codegym
run or checkpoint folder) the model answers each task through its environment and the answers
are scored the same way; the results file then also holds each answer.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from tasks import eval_cli as samples_cli
from tasks.io import json_line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    samples_cli.add_common_arguments(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--samples", help=samples_cli.SAMPLES_HELP)
    source.add_argument(
        "--model",
        help="HF path or id, .gguf file, 'default' (SmolLM2-135M-Instruct), or a codegym "
        "run/checkpoint folder",
    )
    samples_cli.add_samples_options(parser.add_argument_group("with --samples"))
    group = parser.add_argument_group("with --model")
    group.add_argument("--n-samples", type=int, default=1, help="samples per task (default 1)")
    group.add_argument(
        "--temperature", type=float, default=0.0, help="0: greedy (default); >0: sampling"
    )
    group.add_argument("--top-p", type=float, default=1.0)
    group.add_argument("--max-new-tokens", type=int, default=512)
    group.add_argument(
        "--max-turns", type=int, default=1, help="turns per task; >1 lets the model use feedback"
    )
    group.add_argument("--limit", type=int, help="only the first N tasks (quick checks)")
    group.add_argument("--gguf-file", help="GGUF file inside the --model folder")
    group.add_argument("--device", default="auto", help="cpu, cuda, or auto")
    group.add_argument(
        "--generation-batch-size", type=int, default=16, help="episodes per generation call"
    )


def run(args: argparse.Namespace) -> int:
    if args.samples is not None:
        return samples_cli.run(args)
    return run_model(args)


def run_model(args: argparse.Namespace) -> int:
    from tasks.errors import TaskError
    from tasks.evaluate import summarize
    from tasks.metrics import parse_ks
    from tasks.registry import load_tasks

    try:
        ks = parse_ks(args.k)
        tasks = load_tasks(args.suite, split=args.split)
    except (TaskError, ValueError) as exc:
        print(f"codegym eval: {exc}", file=sys.stderr)
        return 2
    if args.limit:
        tasks = tasks[: args.limit]
    if args.temperature == 0 and args.n_samples > 1:
        print(
            "codegym eval: greedy decoding (--temperature 0) gives the same answer every time; "
            "use --temperature > 0 with --n-samples > 1",
            file=sys.stderr,
        )
        return 2
    from grpo_agent.errors import ModelLoadError
    from grpo_agent.evaluation import EvalSettings, evaluate_policy
    from sandbox import make_sandbox
    from sandbox.errors import SandboxError

    try:
        model, tokenizer = load_model(args.model, gguf_file=args.gguf_file, device=args.device)
    except ModelLoadError as exc:
        print(f"codegym eval: {exc}", file=sys.stderr)
        return 2
    settings = EvalSettings(
        n_samples=args.n_samples,
        temperature=args.temperature,
        top_p=args.top_p,
        max_new_tokens=args.max_new_tokens,
        max_turns=args.max_turns,
        generation_batch_size=args.generation_batch_size,
        seed=args.seed,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bar = _progress(len(tasks) * args.n_samples)
    try:
        with make_sandbox(args.sandbox) as sandbox, out.open("w", encoding="utf-8") as fh:

            def write(rows: list[dict[str, Any]]) -> None:
                for row in rows:
                    fh.write(json_line(row))
                fh.flush()
                os.fsync(fh.fileno())
                bar.update(len(rows))

            rows = evaluate_policy(
                model, tokenizer, tasks, sandbox=sandbox, settings=settings, on_rows=write
            )
    except SandboxError as exc:
        print(f"codegym eval: sandbox: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    summary = summarize(rows, ks, seed=args.seed)
    samples_cli.print_summary(summary, suite=args.suite, out=args.out, suite_size=len(tasks))
    print(f"  {args.model}: {len(rows)} samples in {time.perf_counter() - started:.0f} s")
    return 1 if summary.infra_errors else 0


def load_model(
    model: str, *, gguf_file: str | None = None, device: str = "auto"
) -> tuple[Any, Any]:
    """The model and tokenizer for inference (see `grpo_agent.models.load_policy`)."""
    from grpo_agent.config import GRPOConfig
    from grpo_agent.models import load_policy
    from grpo_agent.trainer import _device

    config = GRPOConfig(model=model, gguf_file=gguf_file, device=device, beta=0.0)
    return load_policy(config, _device(device))


def _progress(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="sample", desc="evaluating", dynamic_ncols=True)
