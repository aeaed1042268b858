"""``codegym train``: run GRPO from a YAML config with ``--set key=value`` overrides.

codegym train --config configs/quickstart.yaml --set learning_rate=2e-6 --set name=try2
codegym train --config configs/quickstart.yaml --resume
codegym train --list-options
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import traceback

__all__ = ["add_arguments", "add_config_arguments", "run"]


def add_config_arguments(parser: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """``--config`` and the repeatable ``--set KEY=VALUE`` (into ``args.overrides``), as every
    command that builds a `GRPOConfig` takes them."""
    where = f"default {default}" if default else "see configs/"
    parser.add_argument("--config", "-c", default=default, help=f"YAML run config ({where})")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field; VALUE is read as YAML (1e-6, true, [a, b], {k: v})",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument(
        "--resume", action="store_true", help="continue from the newest checkpoint of the run"
    )
    parser.add_argument(
        "--list-options",
        action="store_true",
        help="print every config field with its help and exit",
    )


def run(args: argparse.Namespace) -> int:
    from grpo_agent.config import GRPOConfig, field_help, load_config
    from grpo_agent.errors import GRPOError, RolloutError
    from sandbox.errors import SandboxError

    if args.list_options:
        helps = field_help()
        defaults = GRPOConfig()
        for f in dataclasses.fields(GRPOConfig):
            tag = "" if f.init else " (derived)"
            print(f"{f.name} = {getattr(defaults, f.name)!r}{tag}\n    {helps.get(f.name, '')}")
        return 0
    overrides = list(args.overrides) + (["resume=true"] if args.resume else [])
    try:
        config = load_config(args.config, overrides)
        from grpo_agent.trainer import Trainer

        trainer = Trainer(config)
        try:
            result = trainer.train()
        finally:
            trainer.close()
    except GRPOError as exc:
        print(f"codegym train: {exc}", file=sys.stderr)
        if isinstance(exc, RolloutError) and exc.__cause__ is not None:
            # an environment's own error: its type and where it was raised
            print("".join(traceback.format_exception(exc.__cause__)).rstrip(), file=sys.stderr)
        return 2
    except SandboxError as exc:
        print(f"codegym train: sandbox: {exc}", file=sys.stderr)
        return 1
    print(
        f"{'stopped' if result.interrupted else 'finished'} at step {result.step}; outputs in {config.run_dir}"
    )
    return 130 if result.interrupted else 0
