"""Conformance checks of an environment: the ones codegym runs on its own environments, for
yours too (``codegym envs check ID``, or `check` from Python).

An environment conforms when Gymnasium's `check_env` passes with its warnings as errors, its
observations and actions are open text (any length, newlines, any Unicode), `reset` reports
the info keys the learner and the evaluation read, and `close` may be called twice."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from envs.registration import make, resolve_env_id

__all__ = ["INFO_KEYS", "check"]

INFO_KEYS = frozenset(
    {"task_id", "turn", "reward_components", "tests_passed", "tests_total", "status"}
)
"""Keys of `reset`'s and `step`'s info that rollouts and `codegym eval` read."""

OPEN_TEXT = "a multi-line\naction with ünïcode"


def check(env_id: str, *, suite: Any = None, sandbox: Any = None, **kwargs: Any) -> None:
    """Raise AssertionError (or the environment's own error) where `env_id` does not conform.

    `env_id` may be ``"module:Id"``. `suite` (a suite name or a list of tasks) and `sandbox` go
    to the environment's constructor when given; other `kwargs` too.
    """
    from gymnasium.utils.env_checker import check_env

    env_id = resolve_env_id(env_id)
    if suite is not None:
        kwargs["suite"] = suite
    if sandbox is not None:
        kwargs["sandbox"] = sandbox
    env = make(env_id, **kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a Gymnasium warning is a failure here
            check_env(env.unwrapped)
        obs, info = env.reset(seed=1)
        assert isinstance(obs, str) and obs in env.observation_space, (
            f"{env_id}: observations must be text in an open text space, got {type(obs).__name__}"
        )
        assert OPEN_TEXT in env.action_space, f"{env_id}: actions must be open text"
        missing = sorted(INFO_KEYS - set(info))
        assert not missing, f"{env_id}: reset's info lacks {missing}"
    finally:
        env.close()
    env.close()  # twice is fine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="envs_command", metavar="COMMAND", required=True)
    sub.add_parser("list", help="the registered environment ids")
    p = sub.add_parser("check", help="run codegym's conformance checks on an environment")
    p.add_argument(
        "env_id", help="'codegym/Name-vN', or 'module:Id' for one your package registers"
    )
    p.add_argument("--suite", help="tasks to build it with (default: its own)")
    p.add_argument("--sandbox", default="docker", help="sandbox backend (docker or local)")


def run(args: argparse.Namespace) -> int:
    from envs.errors import UnknownEnvError
    from envs.registration import registered_envs

    if args.envs_command == "list":
        print("\n".join(registered_envs()))
        return 0
    from sandbox import make_sandbox
    from sandbox.errors import SandboxError

    try:
        with make_sandbox(args.sandbox) as sandbox:
            check(args.env_id, suite=args.suite, sandbox=sandbox)
    except (UnknownEnvError, SandboxError) as exc:
        print(f"codegym envs check: {exc}", file=sys.stderr)
        return 2
    except AssertionError as exc:
        print(f"codegym envs check: {args.env_id} does not conform: {exc}", file=sys.stderr)
        return 1
    print(f"{args.env_id}: conforms")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="codegym envs")
    add_arguments(parser)
    return run(parser.parse_args(argv))
