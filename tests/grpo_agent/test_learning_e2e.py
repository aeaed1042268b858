"""A tiny random-init model learns verifiable coding tasks through the real stack:
`grpo_agent.trainer.Trainer` -> ``codegym/Function-v0`` -> the docker sandbox's trusted oracle.

The tasks are HumanEval-shaped: the prompt is ``def f(x):`` with a docstring that states the
answer (``Return x + 1.``), the hidden tests a ``check(candidate)`` script of four asserts, each
counted as a test. The env accepts the body alone (it prepends the prompt), so the one-line
reply ``return x + 1`` solves that task. The rewards are the env's defaults (`envs.rewards`,
max_turns=1), nothing shaped for this test::

    unparseable reply                    -0.1   (format penalty)
    runs, no assert passes                0.1   (compiled)
    runs, j of 4 asserts pass             0.1 + 0.3 * j / 4
    all 4 pass                            1.0

The policy's vocabulary is a handful of Python tokens plus the chat scaffolding; every other
prompt word is ``<unk>``, so the docstring's code tokens are what tell the tasks apart. A
random-init model writes mostly unparseable token soup (mean reward about -0.07). What it
learns first, within ~60 steps, is to write a body that runs and returns a value the oracle
credits for some asserts (``return 2`` passes one assert of every task); solving tasks outright
(``return x`` for the identity) comes later and varies by seed, so only the climb and the
oracle's share of it are asserted.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CHAT_TEMPLATE, SPECIALS, make_model
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

import envs
from grpo_agent.config import GRPOConfig
from grpo_agent.trainer import Trainer
from sandbox.base import Sandbox
from tasks.schema import Task

pytestmark = [pytest.mark.docker, pytest.mark.slow]

# Few words, so that random samples are valid Python often enough to learn from (~12% at init,
# mostly expression statements such as "+ x" that compile but return None).
CODE_WORDS = ["return", "x", "+", "0", "1", "2"]
WORDS = [*SPECIALS, *CODE_WORDS]

INPUTS = (0, 1, 2, 3)
"""Arguments of the hidden asserts. Small, so constants earn partial credit: a ladder from
"runs" to "solved" (``return 2`` passes one assert of each task, ``return x + 1`` all of add-1)."""


def make_code_tokenizer() -> PreTrainedTokenizerFast:
    """Word-level over `WORDS`. Punctuation and digits are split one character each, so the
    prompt's ``def f(x):`` and ``x + 1.`` reach the model as code tokens. Decoding joins tokens
    with spaces, which Python reads fine (``return x + 1``)."""
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Punctuation(behavior="isolated"),
            pre_tokenizers.Digits(individual_digits=True),
        ]
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        unk_token="<unk>",
        eos_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"],
        clean_up_tokenization_spaces=False,
    )
    tok.chat_template = CHAT_TEMPLATE
    return tok


def spec_task(name: str, expression: str, function: Callable[[int], int]) -> Task:
    """``f(x)`` must return `expression` (the docstring says so); `function` computes it."""
    check = "def check(candidate):\n" + "".join(
        f"    assert candidate({x}) == {function(x)}\n" for x in INPUTS
    )
    return Task(
        id=name,
        suite="e2e-spec",
        split="train",
        kind="function",
        prompt=f'def f(x):\n    """Return {expression}."""\n',
        entry_point="f",
        test_script=check,
        reference_solution=f"def f(x):\n    return {expression}\n",
    )


TASKS = (
    spec_task("identity", "x", lambda x: x),
    spec_task("add-1", "x + 1", lambda x: x + 1),
    spec_task("add-2", "x + 2", lambda x: x + 2),
    spec_task("double", "x + x", lambda x: x + x),
)


def config(tmp_path: Path, **overrides: Any) -> GRPOConfig:
    values: dict[str, Any] = dict(
        name="e2e",
        output_dir=str(tmp_path),
        seed=0,
        max_steps=120,
        save_every=0,
        tasks_per_step=4,
        group_size=8,
        max_turns=1,
        max_new_tokens=4,  # "return x + 1" is 4 tokens; a reply may also end at <|im_end|>
        max_seq_len=96,
        temperature=1.0,
        # A strong pull to the (random, high-entropy) reference keeps the policy exploring: with
        # beta=0.04 it settles on the first thing that compiles ("+ + + x") and stays there.
        beta=0.2,
        learning_rate=2e-3,
        micro_batch_size=32,
        env_workers=4,
        device="cpu",
    )
    values.update(overrides)
    return GRPOConfig(**values)


def train(cfg: GRPOConfig, sandbox: Sandbox) -> list[dict[str, float]]:
    def make_env() -> Any:
        return envs.make("codegym/Function-v0", suite=TASKS, sandbox=sandbox, max_turns=1)

    trainer = Trainer(
        cfg,
        model=make_model(cfg.seed, vocab_size=len(WORDS)),
        tokenizer=make_code_tokenizer(),
        env_factory=make_env,
        tasks=TASKS,
    )
    try:
        return list(trainer.train().history)
    finally:
        trainer.close()


def window_means(history: list[dict[str, float]], key: str, n: int = 10) -> tuple[float, float]:
    values = [m[key] for m in history]
    return statistics.fmean(values[:n]), statistics.fmean(values[-n:])


def test_tiny_model_learns_through_function_env_and_docker_sandbox(
    docker_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Mean reward of the last 10 steps beats the first 10 by >= 0.1 (seed 0: -0.072 -> 0.075;
    seed 1: -0.061 -> 0.095), and the sandbox's verdicts carry part of the climb: the share of
    hidden asserts passed rises by >= 0.04 (seed 0: 0.005 -> 0.068; seed 1: 0.009 -> 0.099), so
    it is not only the format and compile terms."""
    history = train(config(tmp_path), docker_sandbox)
    first, last = window_means(history, "reward/mean")
    assert last >= first + 0.1, f"reward/mean {first:.3f} -> {last:.3f}"
    tests_first, tests_last = window_means(history, "reward/tests_passed_frac")
    assert tests_last >= tests_first + 0.04, f"tests passed {tests_first:.3f} -> {tests_last:.3f}"
    formats_first, formats_last = window_means(history, "reward/format")
    assert formats_last > formats_first  # fewer unparseable replies
