"""``codegym eval``: pass@k of a samples file, or of a model that generates the samples.

    codegym eval --suite humaneval --samples samples.jsonl --out results.jsonl
    codegym eval --suite humaneval --model default --out results.jsonl
    codegym eval --suite codegym-functions --split test --model runs/demo --n-samples 10 \\
        --temperature 0.8 --k 1,10 --out results.jsonl
    codegym eval --suite codegym-functions --split val,test --model runs/demo --k 1 \\
        --max-turns 3 --out results.jsonl

With ``--samples`` the file is scored as it is (see `tasks.eval_cli`). With ``--model`` (a
Hugging Face path or id, a ``.gguf`` file, ``default`` for SmolLM2-135M-Instruct, or a codegym
run or checkpoint folder) the model answers each task through its environment and the answers
are scored the same way; the results file then also holds each answer. Either way an
interrupted run resumes where it stopped when run again (``--overwrite`` starts over). Several splits
(``--split val,test``) are summarised apart, and with ``--max-turns`` 2 or more pass@1 is also
given at the first turn, with the share of failed first attempts that feedback fixed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from typing import Any

from tasks import eval_cli as samples_cli


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
    group.add_argument(
        "--limit", type=int, help="only the first N tasks of each split (quick checks)"
    )
    group.add_argument(
        "--stop-after-code-block",
        action="store_true",
        help="end each turn where its first fenced code block closes (as a run trained with "
        "stop_after_code_block: true generates)",
    )
    group.add_argument(
        "--env",
        help="environment for every task ('codegym/Name-vN', or 'module:Id' for one a package "
        "of yours registers); default: the one for each task's kind",
    )
    group.add_argument("--gguf-file", help="GGUF file inside the --model folder")
    group.add_argument("--device", default="auto", help="cpu, cuda, or auto")
    group.add_argument(
        "--generation-batch-size", type=int, default=64, help="episodes per generation call"
    )
    group.add_argument(
        "--compute-dtype",
        default="auto",
        choices=("auto", "float32", "bfloat16"),  # grpo_agent.precision.COMPUTE_DTYPES
        help="dtype of the sampler's matmuls; auto: bf16 on a CPU with native bf16 (as training "
        "samples), else the weights' dtype",
    )


def run(args: argparse.Namespace) -> int:
    if args.samples is not None:
        return samples_cli.run(args)
    return run_model(args)


def run_model(args: argparse.Namespace) -> int:
    from tasks.errors import TaskError
    from tasks.evaluate import summarize
    from tasks.metrics import parse_ks

    try:
        ks = parse_ks(args.k)
        tasks = samples_cli.load_split_tasks(args.suite, args.split, limit=args.limit or None)
    except (TaskError, ValueError) as exc:
        print(f"codegym eval: {exc}", file=sys.stderr)
        return 2
    if args.temperature == 0 and args.n_samples > 1:
        print(
            "codegym eval: greedy decoding (--temperature 0) gives the same answer every time; "
            "use --temperature > 0 with --n-samples > 1",
            file=sys.stderr,
        )
        return 2
    from envs.errors import UnknownEnvError
    from grpo_agent.errors import ModelLoadError
    from grpo_agent.evaluation import EvalSettings, evaluate_policy, evaluation_order
    from grpo_agent.models import load_model
    from sandbox import make_sandbox
    from sandbox.errors import SandboxError
    from tasks.errors import EvaluationError
    from tasks.evaluate import ModelSample, ResultsFile

    try:  # the engine first: a missing one is said at once, not after loading the model
        sandbox = make_sandbox(args.sandbox)
    except SandboxError as exc:
        print(f"codegym eval: sandbox: {exc}", file=sys.stderr)
        return 1
    with sandbox:
        try:
            model, tokenizer = load_model(args.model, gguf_file=args.gguf_file, device=args.device)
            model.eval()
        except ModelLoadError as exc:
            print(f"codegym eval: {exc}", file=sys.stderr)
            return 2
        settings = EvalSettings(
            n_samples=args.n_samples,
            temperature=args.temperature,
            top_p=args.top_p,
            max_new_tokens=args.max_new_tokens,
            max_turns=args.max_turns,
            stop_after_code_block=args.stop_after_code_block,
            generation_batch_size=args.generation_batch_size,
            compute_dtype=args.compute_dtype,
            seed=args.seed,
        )
        n = args.n_samples
        try:
            ordered = evaluation_order(tasks, args.env)
            config = run_fingerprint(args)
            expected = [ModelSample(t.id, i, config) for t in ordered for i in range(n)]
            results = ResultsFile(args.out, expected, overwrite=args.overwrite, unit=n)
        except (UnknownEnvError, EvaluationError) as exc:
            print(f"codegym eval: {exc}", file=sys.stderr)
            return 2
        todo = ordered[results.done // n :]
        if results.done:
            print(f"resuming: {results.done} of {len(expected)} samples already scored")
        started = time.perf_counter()
        bar = samples_cli.progress_bar(len(expected), initial=results.done, desc="evaluating")
        try:
            with results:

                def write(rows: list[dict[str, Any]]) -> None:
                    results.append({**row, "eval_config": config} for row in rows)
                    bar.update(len(rows))

                if todo:
                    evaluate_policy(
                        model,
                        tokenizer,
                        todo,
                        sandbox=sandbox,
                        settings=settings,
                        on_rows=write,
                        env_id=args.env,
                    )
                rows = results.rows
        except UnknownEnvError as exc:
            print(f"codegym eval: {exc}", file=sys.stderr)
            return 2
        except SandboxError as exc:
            print(f"codegym eval: sandbox: {exc}", file=sys.stderr)
            return 1
        finally:
            bar.close()
    summary = summarize(rows, ks, seed=args.seed)
    samples_cli.print_summary(summary, suite=args.suite, out=args.out, suite_size=len(tasks))
    samples_cli.print_split_summaries(rows, tasks, ks, seed=args.seed)
    print_turn_summary(rows, tasks, seed=args.seed)
    print(f"  {args.model}: {len(rows)} samples in {time.perf_counter() - started:.0f} s")
    return 1 if summary.infra_errors else 0


def print_turn_summary(rows: list[dict[str, Any]], tasks: list[Any], *, seed: int = 0) -> None:
    """With two or more turns: pass@1 at the first and the final turn, and the repair share,
    per split."""
    from grpo_agent.turn_metrics import first_turn_rows, max_turns_of, repair_share
    from tasks.evaluate import summarize

    if max_turns_of(rows) < 2:
        return
    split_of = {task.id: task.split for task in tasks}
    for split in dict.fromkeys(split_of[r["task_id"]] for r in rows):
        part = [r for r in rows if split_of[r["task_id"]] == split]
        first = summarize(first_turn_rows(part), [1], seed=seed).pass_at_k[1]
        final = summarize(part, [1], seed=seed).pass_at_k[1]
        fixed = repair_share(part, seed=seed)
        print(
            f"  [{split}] pass@1 first turn {first.estimate:.4f} [{first.low:.4f}, {first.high:.4f}]"
            f", final turn {final.estimate:.4f} [{final.low:.4f}, {final.high:.4f}], failed first "
            "attempts fixed later "
            + (f"{fixed.estimate:.4f} [{fixed.low:.4f}, {fixed.high:.4f}]" if fixed else "n/a")
        )


def run_fingerprint(args: argparse.Namespace) -> str:
    """What makes two runs of ``codegym eval --model`` produce the same rows: a resumed run
    keeps rows only of the same model, tasks and settings."""
    fields = ("suite", "split", "limit", "model", "gguf_file", "env", "n_samples", "temperature",
              "top_p", "max_new_tokens", "max_turns", "seed", "compute_dtype")  # fmt: skip
    settings = {f: getattr(args, f, None) for f in fields}
    if getattr(args, "stop_after_code_block", False):  # absent: a file written before it existed
        settings["stop_after_code_block"] = True
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
