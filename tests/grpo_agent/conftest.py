"""Fixtures of the learner's tests: a word-level tokenizer with a ChatML-like template, tiny
random-init models, and `AddEnv`, a small multi-turn coding environment that follows the codegym
env protocol without a sandbox.

`AddEnv` task ``add-k``: write the body of ``f(x) = x + k`` in a four-word expression language
(``x``, digits, ``+``, ``-``). The program is the longest valid prefix of the action; it is run
on x = 0, 5, 10, 15. The reward is graded so that a tiny random-init model can climb it: besides
compiling and passing tests, it credits each slot of the reference solution ``x + k`` that the
action fills (a dense similarity-to-reference part, as code RL uses with BLEU-like rewards), so
every step towards the solution pays::

    reward = 0.1 * compiles + 0.4 * slots of "x + k" matched / 3 + 0.5 * tests passed / 4

A wrong answer gets feedback and another turn until ``max_turns``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium
import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

SPECIALS = ["<pad>", "<unk>", "<|im_start|>", "<|im_end|>"]
WORDS = [*SPECIALS, "system", "user", "assistant", "task", "add", "feedback", "wrong", "got"]
WORDS += ["x", "+", "-", *[str(d) for d in range(10)]]
VOCAB = {w: i for i, w in enumerate(WORDS)}

# Content sits right against <|im_end|> so the sampled stop token stands for the template's own.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }}<|im_end|> {% endfor %}"
    "{% if add_generation_prompt %}<|im_start|> assistant {% endif %}"
)


def make_tokenizer() -> PreTrainedTokenizerFast:
    backend = Tokenizer(models.WordLevel(VOCAB, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        unk_token="<unk>",
        eos_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"],
    )
    tok.chat_template = CHAT_TEMPLATE
    return tok


def make_model(
    seed: int = 0, *, hidden: int = 64, layers: int = 2, vocab_size: int = len(WORDS)
) -> Qwen2ForCausalLM:
    """A random-init Qwen2. `vocab_size` is for tokenizers other than `make_tokenizer`'s; they
    must put `SPECIALS` first, in that order (the pad and eos ids are taken from `VOCAB`)."""
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        tie_word_embeddings=True,
        pad_token_id=VOCAB["<pad>"],
        eos_token_id=VOCAB["<|im_end|>"],
        bos_token_id=None,
    )
    return Qwen2ForCausalLM(config)


def parse_program(action: str) -> list[str]:
    """The longest prefix of `action` of the form ``term (op term)*``, term = x | digit."""
    program: list[str] = []
    for word in action.split():
        expects_term = len(program) % 2 == 0
        if expects_term and (word == "x" or word.isdigit()):
            program.append(word)
        elif not expects_term and word in ("+", "-"):
            program.append(word)
        else:
            break
    return program if len(program) % 2 == 1 else program[:-1]


def reference_match(action: str, k: int) -> float:
    """Share of the slots of the reference solution ``x + k`` that the action's words fill."""
    words = [*action.split()[:3], "", "", ""]
    return sum(w == r for w, r in zip(words, ("x", "+", str(k)), strict=False)) / 3


def evaluate(program: list[str], x: int) -> int:
    value = x if program[0] == "x" else int(program[0])
    for op, term in zip(program[1::2], program[2::2], strict=True):
        operand = x if term == "x" else int(term)
        value = value + operand if op == "+" else value - operand
    return value


INPUTS = (0, 5, 10, 15)


class AddEnv(gymnasium.Env):
    """Multi-turn toy coding env; options={"task": "add-k"} picks the task."""

    TASKS = ("add-1", "add-2", "add-3")

    def __init__(self, *, max_turns: int = 2) -> None:
        self.max_turns = max_turns
        self.k = 1
        self.turn = 0
        self.task_id = ""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        task = (options or {}).get("task") or self.TASKS[int(self.np_random.integers(3))]
        self.task_id = str(getattr(task, "id", task))
        self.k = int(self.task_id.split("-")[1])
        self.turn = 0
        return f"task add {self.k}", {"task_id": self.task_id, "turn": 0}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        self.turn += 1
        program = parse_program(action)
        passed = 0
        if program:
            passed = sum(evaluate(program, x) == x + self.k for x in INPUTS)
        parts = {"compile": float(bool(program)), "match": reference_match(action, self.k)}
        parts.update(tests=passed / 4, all_pass=float(passed == 4))
        reward = 0.1 * parts["compile"] + 0.4 * parts["match"] + 0.5 * parts["tests"]
        status = "passed" if passed == 4 else ("failed" if program else "compile_error")
        done = passed == 4 or self.turn >= self.max_turns
        info = {
            "task_id": self.task_id,
            "turn": self.turn,
            "reward_components": parts,
            "tests_passed": passed,
            "tests_total": 4,
            "status": status,
        }
        got = str(evaluate(program, 0)) if program else "wrong"
        # Intermediate turns earn nothing: the return is the last attempt's score.
        return f"feedback wrong got {got}", reward if done else 0.0, done, False, info


@pytest.fixture
def tokenizer() -> PreTrainedTokenizerFast:
    return make_tokenizer()


@pytest.fixture
def tiny_model() -> Callable[..., Qwen2ForCausalLM]:
    return make_model


@pytest.fixture
def add_env_factory() -> Callable[..., Callable[[], AddEnv]]:
    def factory(**kwargs: Any) -> Callable[[], AddEnv]:
        return lambda: AddEnv(**kwargs)

    return factory


@pytest.fixture
def tiny_model_folder(tmp_path: Path) -> str:
    """A folder holding `make_model(0)` and `make_tokenizer()`, as a user's model folder."""
    folder = tmp_path / "tiny"
    make_model(0).save_pretrained(folder)
    make_tokenizer().save_pretrained(folder)
    return str(folder)
