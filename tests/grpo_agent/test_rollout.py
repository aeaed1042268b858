"""Rollouts: token streams and loss masks over a multi-turn chat template (golden values),
sampler log-probs against the learner's, and error propagation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import torch
from conftest import VOCAB, AddEnv, make_model, make_tokenizer

from envs.errors import SandboxInfraError
from grpo_agent.errors import ChatTemplateError, RolloutError
from grpo_agent.generation.base import Completion, SamplingParams
from grpo_agent.generation.hf import TransformersGenerator
from grpo_agent.logprobs import token_logprobs
from grpo_agent.rollout import INFRA_ERROR, RolloutEngine, RolloutSettings
from grpo_agent.trajectory import collate

EOS = VOCAB["<|im_end|>"]


class ScriptedGenerator:
    """Returns fixed completions in order; records the prompts it was given."""

    def __init__(self, script: Sequence[Completion]) -> None:
        self.script = list(script)
        self.prompts: list[list[int]] = []

    def generate(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        seeds: Sequence[int] | None = None,
    ) -> list[Completion]:
        self.prompts.extend(list(p) for p in prompts)
        out, self.script = self.script[: len(prompts)], self.script[len(prompts) :]
        return out

    def update_weights(self, model: Any) -> None:
        pass

    def close(self) -> None:
        pass


def ids(*words: str) -> tuple[int, ...]:
    return tuple(VOCAB[w] for w in words)


def engine(generator: Any, *, max_turns: int = 2, **settings: Any) -> RolloutEngine:
    return RolloutEngine(
        env_factory=lambda: AddEnv(max_turns=max_turns),
        generator=generator,
        tokenizer=make_tokenizer(),
        settings=RolloutSettings(
            sampling=SamplingParams(max_new_tokens=4, stop_token_ids=(EOS,)),
            group_size=1,
            max_turns=max_turns,
            **settings,
        ),
    )


def test_two_turn_stream_and_mask_golden() -> None:
    gen = ScriptedGenerator(
        [
            Completion(ids("x", "+", "1", "<|im_end|>"), (-0.1, -0.2, -0.3, -0.4), "stop"),
            Completion(ids("x", "+", "2", "<|im_end|>"), (-0.5, -0.6, -0.7, -0.8), "stop"),
        ]
    )
    rollout = engine(gen)
    [traj], stats = rollout.collect(["add-2"])
    rollout.close()
    # <|im_start|> user task add 2<|im_end|> <|im_start|> assistant
    prompt0 = ids(
        "<|im_start|>", "user", "task", "add", "2", "<|im_end|>", "<|im_start|>", "assistant"
    )
    reply0 = ids("x", "+", "1", "<|im_end|>")  # the sampled <|im_end|> stands for the template's
    # <|im_start|> user feedback wrong got 1<|im_end|> <|im_start|> assistant
    prompt1 = ids(
        "<|im_start|>",
        "user",
        "feedback",
        "wrong",
        "got",
        "1",
        "<|im_end|>",
        "<|im_start|>",
        "assistant",
    )
    reply1 = ids("x", "+", "2", "<|im_end|>")
    assert traj.input_ids == prompt0 + reply0 + prompt1 + reply1
    assert traj.loss_mask == (0,) * 8 + (1,) * 4 + (0,) * 9 + (1,) * 4
    assert traj.sampler_logprobs == (0.0,) * 8 + (-0.1, -0.2, -0.3, -0.4) + (0.0,) * 9 + (
        -0.5,
        -0.6,
        -0.7,
        -0.8,
    )
    assert gen.prompts == [list(prompt0), list(prompt0 + reply0 + prompt1)]
    assert traj.reward == pytest.approx(1.0)
    assert (traj.num_turns, traj.terminated, traj.truncated) == (2, True, False)
    assert (traj.tests_passed, traj.tests_total, traj.status) == (4, 4, "passed")
    assert [m.role for m in traj.messages] == ["user", "assistant", "user", "assistant"]
    assert traj.messages[1].content == "x + 1"
    assert stats.generated_tokens == 8 and stats.generation_calls == 2


def test_cut_reply_gets_the_templates_end_marker_unmasked() -> None:
    gen = ScriptedGenerator([Completion(ids("x", "+", "+", "+"), None, "length")])
    rollout = engine(gen, max_turns=1)
    [traj], _ = rollout.collect(["add-1"])
    rollout.close()
    assert traj.input_ids[8:] == ids("x", "+", "+", "+", "<|im_end|>")
    assert traj.loss_mask[8:] == (1, 1, 1, 1, 0)
    assert traj.sampler_logprobs is None
    assert traj.terminated and not traj.truncated  # the env ended it at its own turn cap
    # program "x" compiles, fills 2 of the 3 slots of "x + 1" ("x", "+"), passes no test
    assert traj.reward == pytest.approx(0.1 + 0.4 * 2 / 3)


def test_mask_comes_from_positions_even_when_the_policy_emits_scaffolding_ids() -> None:
    # The reply contains <|im_start|> and <pad>-like ids: only positions decide the mask.
    gen = ScriptedGenerator(
        [Completion(ids("<|im_start|>", "assistant", "x", "<|im_end|>"), None, "stop")]
    )
    rollout = engine(gen, max_turns=1)
    [traj], _ = rollout.collect(["add-1"])
    rollout.close()
    assert traj.loss_mask == (0,) * 8 + (1,) * 4


def test_context_budget_truncates_before_generating() -> None:
    gen = ScriptedGenerator([Completion(ids("x", "<|im_end|>"), None, "stop")])
    rollout = engine(gen, max_seq_len=16)  # 8 + 2 fit, the second prompt (9) + 4 do not
    [traj], _ = rollout.collect(["add-3"])
    rollout.close()
    assert traj.truncated and traj.num_turns == 1
    assert len(gen.prompts) == 1


class BrokenEnv(AddEnv):
    def step(self, action: str) -> Any:
        obs, reward, term, trunc, info = super().step(action)
        return obs, reward, term, trunc, {**info, "status": "infra_error"}


class RaisingInfraEnv(AddEnv):
    def step(self, action: str) -> Any:
        raise SandboxInfraError("every container died", task_id=self.task_id)


class BuggyEnv(AddEnv):
    def step(self, action: str) -> Any:
        raise KeyError("a bug in the environment")


@pytest.mark.parametrize("env", [BrokenEnv, RaisingInfraEnv])
def test_infra_errors_end_the_episode_marked_not_scored(env: Any) -> None:
    rollout = RolloutEngine(
        env_factory=env,
        generator=ScriptedGenerator([Completion(ids("x", "<|im_end|>"), None, "stop")]),
        tokenizer=make_tokenizer(),
        settings=RolloutSettings(
            sampling=SamplingParams(max_new_tokens=4), group_size=1, max_turns=3
        ),
    )
    [traj], _ = rollout.collect(["add-1"])
    rollout.close()
    assert traj.status == INFRA_ERROR
    assert traj.num_turns == 0  # the failed step is not counted as a turn of the policy's
    assert traj.reward == 0.0


def test_an_environment_bug_is_raised() -> None:
    rollout = RolloutEngine(
        env_factory=BuggyEnv,
        generator=ScriptedGenerator([Completion(ids("x", "<|im_end|>"), None, "stop")]),
        tokenizer=make_tokenizer(),
        settings=RolloutSettings(sampling=SamplingParams(max_new_tokens=4), group_size=1),
    )
    with pytest.raises(RolloutError, match="add-1.*a bug in the environment"):
        rollout.collect(["add-1"])
    rollout.close()


def test_template_without_prefix_stability_is_refused() -> None:
    tok = make_tokenizer()
    tok.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %} assistant"
    with pytest.raises(ChatTemplateError, match="generation prompt"):
        engine(ScriptedGenerator([])).renderer.__class__(tok)


def test_transformers_backend_logprobs_match_the_learners() -> None:
    """Sampled ids' log-probs from generate (left-padded, KV cache) equal those the learner
    recomputes on the right-padded stream: the importance ratio starts at exactly 1."""
    torch.manual_seed(0)
    model = make_model(0)
    gen = TransformersGenerator(model, pad_token_id=EOS)  # pad == eos on purpose
    rollout = RolloutEngine(
        env_factory=lambda: AddEnv(max_turns=2),
        generator=gen,
        tokenizer=make_tokenizer(),
        settings=RolloutSettings(
            sampling=SamplingParams(max_new_tokens=5, temperature=0.7, stop_token_ids=(EOS,)),
            group_size=3,
            max_turns=2,
        ),
    )
    trajs, _ = rollout.collect(["add-1", "add-3"])
    rollout.close()
    assert len(trajs) == 6 and [t.group for t in trajs] == [0, 0, 0, 1, 1, 1]
    batch = collate(trajs, pad_token_id=EOS)
    with torch.no_grad():
        lp = token_logprobs(
            model,
            batch.input_ids,
            batch.attention_mask,
            temperature=0.7,
            start=batch.first_policy_column,
        ).logprobs
    for row, traj in enumerate(trajs):
        assert traj.sampler_logprobs is not None
        policy = torch.tensor(traj.loss_mask, dtype=torch.bool)
        sampled = torch.tensor(traj.sampler_logprobs)[policy]
        torch.testing.assert_close(
            lp[row, : len(traj.loss_mask)][policy], sampled, atol=1e-4, rtol=0
        )


class RandomEnv(AddEnv):
    """AddEnv that draws from its RNG at every reset, as an env that samples which public
    tests to show would."""

    draws: list[int] = []

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        out = super().reset(seed=seed, options=options)
        RandomEnv.draws.append(int(self.np_random.integers(1 << 30)))
        return out


def test_a_seeded_rollout_seeds_its_environments() -> None:
    def draws(seed: int) -> list[int]:
        RandomEnv.draws = []
        rollout = RolloutEngine(
            env_factory=RandomEnv,
            generator=ScriptedGenerator([Completion(ids("x", "<|im_end|>"), None, "stop")] * 8),
            tokenizer=make_tokenizer(),
            settings=RolloutSettings(
                sampling=SamplingParams(max_new_tokens=4), group_size=2, seed=seed, overlap=False
            ),
        )
        rollout.collect(["add-1", "add-2"])  # 4 envs, each reset once with its own seed
        rollout.collect(["add-3", "add-1"])  # the same envs again: their RNGs run on
        rollout.close()
        return sorted(RandomEnv.draws)

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)


def test_seeded_streams_key_each_turn_by_task_sample_and_turn() -> None:
    """With `seeded_streams` an episode's tokens depend on (seed, task, sample, turn) only: the
    same task rolled out in another batch, order or chunking samples the same two turns."""

    def rollout(tasks: list[str], *, seed: int, batch: int) -> dict[tuple[str, int], Any]:
        torch.manual_seed(len(tasks))  # the global generator must not matter
        engine = RolloutEngine(
            env_factory=lambda: AddEnv(max_turns=2),
            generator=TransformersGenerator(make_model(0), pad_token_id=EOS),
            tokenizer=make_tokenizer(),
            settings=RolloutSettings(
                sampling=SamplingParams(max_new_tokens=5, temperature=1.0, stop_token_ids=(EOS,)),
                group_size=3,
                max_turns=2,
                generation_batch_size=batch,
                seed=seed,
                seeded_streams=True,
            ),
        )
        trajs, _ = engine.collect(tasks)
        engine.close()
        return {(t.task_id, i % 3): t.input_ids for i, t in enumerate(trajs)}

    together = rollout(["add-1", "add-3"], seed=5, batch=0)
    apart = rollout(["add-3", "add-2", "add-1"], seed=5, batch=2)
    for key, stream in together.items():
        assert apart[key] == stream
    assert any(t[-4:] != together[("add-1", 0)][-4:] for k, t in together.items() if k[1])
    other = rollout(["add-1", "add-3"], seed=6, batch=0)
    assert other != together
