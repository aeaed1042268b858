"""Held-out evaluation through the real environments and Docker sandbox, with a scripted
generator, so the verdicts are known: the rows, their order, pass@1 and the report's maths."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from conftest import make_model
from test_learning_e2e import TASKS, make_code_tokenizer

from grpo_agent.evaluation import EvalSettings, evaluate_policy
from grpo_agent.generation.base import Completion, SamplingParams
from tasks.evaluate import summarize

pytestmark = pytest.mark.docker


class ScriptedGenerator:
    """Answers every prompt with the next reply of a script (cycled), then the stop id."""

    def __init__(self, tokenizer, replies: Sequence[str]) -> None:
        self.tokenizer, self.replies, self.calls = tokenizer, list(replies), 0

    def generate(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        seeds: Sequence[int] | None = None,
    ) -> list[Completion]:
        out = []
        for _ in prompts:
            reply = self.replies[self.calls % len(self.replies)]
            self.calls += 1
            ids = self.tokenizer(reply, add_special_tokens=False)["input_ids"]
            out.append(Completion(tuple(ids) + (self.tokenizer.eos_token_id,), None, "stop"))
        return out

    def update_weights(self, model) -> None:  # noqa: ANN001
        pass

    def close(self) -> None:
        pass


def test_rows_follow_the_oracle(docker_sandbox) -> None:
    tokenizer = make_code_tokenizer()
    identity, add_1 = TASKS[0], TASKS[1]
    # generation is batched over all episodes in task order: identity's 2 samples, then add-1's
    generator = ScriptedGenerator(tokenizer, ["return x", "return 2", "return x + 1", "+ +"])
    rows = evaluate_policy(
        make_model(0, vocab_size=len(tokenizer)),
        tokenizer,
        [identity, add_1],
        sandbox=docker_sandbox,
        settings=EvalSettings(n_samples=2, temperature=1.0, max_new_tokens=8, env_workers=2),
        generator=generator,
    )
    assert [(r["task_id"], r["sample"]) for r in rows] == [
        ("identity", 0), ("identity", 1), ("add-1", 0), ("add-1", 1)
    ]  # fmt: skip
    assert [r["passed"] for r in rows] == [True, False, True, False]
    assert [r["completion"] for r in rows] == ["return x", "return 2", "return x + 1", "+ +"]
    assert rows[1]["tests_passed"] == 1 and rows[1]["tests_total"] == 4  # candidate(2) == 2
    assert rows[3]["status"] == "format_error"  # `+ +` is not code the env can grade
    summary = summarize(rows, [1, 2])
    assert summary.pass_at_k[1].estimate == pytest.approx(0.5)
    assert summary.pass_at_k[2].estimate == pytest.approx(1.0)


def test_rows_record_each_turn_and_the_split(docker_sandbox) -> None:
    from grpo_agent.turn_metrics import first_turn_rows, repair_share

    tokenizer = make_code_tokenizer()
    identity, add_1 = TASKS[0], TASKS[1]
    # turn 1: identity fails, add-1 passes (its episode ends); turn 2: identity is fixed
    generator = ScriptedGenerator(tokenizer, ["return 2", "return x + 1", "return x"])
    rows = evaluate_policy(
        make_model(0, vocab_size=len(tokenizer)),
        tokenizer,
        [identity, add_1],
        sandbox=docker_sandbox,
        settings=EvalSettings(n_samples=1, max_new_tokens=8, max_turns=2, env_workers=2),
        generator=generator,
    )
    assert [r["turn_passed"] for r in rows] == [[False, True], [True]]
    assert [r["passed"] for r in rows] == [True, True]
    assert [r["split"] for r in rows] == [identity.split, add_1.split]
    assert [r["passed"] for r in first_turn_rows(rows)] == [False, True]
    share = repair_share(rows)
    assert share is not None and share.estimate == 1.0
