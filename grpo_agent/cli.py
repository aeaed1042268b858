"""The ``codegym`` command. Each subcommand lives in its own module, imported only when used,
so ``codegym sandbox doctor`` does not pay for importing torch."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module, one-line help). Each module defines `add_arguments(parser)` and `run(args)`.
COMMANDS: dict[str, tuple[str, str]] = {
    "sandbox": ("sandbox.cli", "build, check and start the code sandbox"),
    "tasks": ("tasks.cli", "list, show and validate task suites"),
    "envs": ("envs.conformance", "list environments; check yours against codegym's conformance"),
    "eval": (
        "grpo_agent.eval_cli",
        "pass@k on a suite's hidden tests, of a samples file or a model",
    ),
    "train": ("grpo_agent.train_cli", "train a coding policy with GRPO from a YAML config"),
    "demo": ("grpo_agent.demo", "evaluate, train with GRPO, evaluate again, write a report"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="codegym",
        description="Train and evaluate coding agents with sandboxed rewards and GRPO.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:  # only the command being run pays for its imports
            modules[name] = importlib.import_module(module_name)
            modules[name].add_arguments(p)
    args = parser.parse_args(argv)
    return int(modules[args.command].run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
