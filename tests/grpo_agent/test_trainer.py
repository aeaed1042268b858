"""The trainer end to end on `AddEnv` with a tiny random-init model: it learns, it resumes
exactly, and its variants (LoRA, mu > 1, dynamic sampling) run and log what they should.

`AddEnv` is a toy (no sandbox, a shaped reward) that keeps these tests fast;
`test_learning_e2e.py` trains through ``codegym/Function-v0`` and the docker sandbox.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from conftest import AddEnv, make_model, make_tokenizer

from envs.errors import SandboxInfraError
from grpo_agent.config import GRPOConfig
from grpo_agent.errors import RolloutError
from grpo_agent.trainer import Trainer

ENV_FACTORY = lambda: AddEnv(max_turns=2)  # noqa: E731  (one line to swap for the real env)
TASKS = list(AddEnv.TASKS)


def config(tmp_path: Path, **overrides: Any) -> GRPOConfig:
    values: dict[str, Any] = dict(
        name="run",
        output_dir=str(tmp_path),
        seed=0,
        max_steps=150,
        save_every=0,
        tasks_per_step=6,
        group_size=8,
        max_turns=2,
        max_new_tokens=4,
        max_seq_len=64,
        temperature=1.0,
        beta=0.04,
        learning_rate=1e-3,
        micro_batch_size=48,
        overlap_env_steps=False,  # bit-reproducible batches
        env_workers=2,
        device="cpu",
        task_ids=TASKS,
    )
    values.update(overrides)
    return GRPOConfig(**values)


def trainer(cfg: GRPOConfig, **kwargs: Any) -> Trainer:
    return Trainer(
        cfg,
        model=make_model(cfg.seed),
        tokenizer=make_tokenizer(),
        env_factory=ENV_FACTORY,
        **kwargs,
    )


@pytest.mark.slow
def test_tiny_model_learns_on_the_toy_env(tmp_path: Path) -> None:
    """Mean reward of the last 10 steps beats the first 10 by >= 0.25 (seed 0: 0.092 -> 0.591,
    pass rate 0.385), on the fp32 path the thresholds were set on. With bf16 compute the same
    seed went 0.092 -> 0.370 with pass rate 0.09: on this 64-wide model bf16 learns more slowly
    (the docker e2e run in test_learning_e2e learns under the default path)."""
    t = trainer(config(tmp_path, compute_dtype="float32"))
    result = t.train()
    t.close()
    rewards = [m["reward/mean"] for m in result.history]
    first, last = statistics.fmean(rewards[:10]), statistics.fmean(rewards[-10:])
    assert last >= first + 0.25, f"reward {first:.3f} -> {last:.3f}"
    assert statistics.fmean(m["reward/pass_rate"] for m in result.history[-10:]) > 0.1
    assert result.history[-1]["loss/kl"] > 0  # the policy moved away from the reference


def _params(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    """Ctrl-C at step 3 of 6, then resume: same weights and rewards as 6 straight steps.

    Tolerance: exact (atol=0) on CPU, where every kernel is deterministic for fixed shapes.
    """
    cfg = dict(max_steps=6, lr_schedule="cosine", warmup_steps=2, eval_every=3)

    def no_eval(*, model: Any, tokenizer: Any, step: int) -> dict[str, float]:
        return {"step_seen": float(step)}

    straight = trainer(config(tmp_path / "a", **cfg), eval_hook=no_eval)
    full = straight.train()
    straight.close()

    def ctrl_c_at_3(*, model: Any, tokenizer: Any, step: int) -> dict[str, float]:
        if step == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return no_eval(model=model, tokenizer=tokenizer, step=step)

    first = trainer(config(tmp_path / "b", **cfg), eval_hook=ctrl_c_at_3)
    part1 = first.train()
    first.close()
    assert part1.interrupted and part1.step == 3
    assert (tmp_path / "b/run/checkpoints/step_000003/trainer_state.pt").is_file()

    second = trainer(config(tmp_path / "b", resume=True, **cfg), eval_hook=no_eval)
    part2 = second.train()
    second.close()
    assert part2.step == 6 and not part2.interrupted
    for key, value in _params(straight.model).items():
        torch.testing.assert_close(_params(second.model)[key], value, atol=0, rtol=0)
    resumed = [m["reward/mean"] for m in part1.history + part2.history]
    assert resumed == [m["reward/mean"] for m in full.history]
    lines = (tmp_path / "b/run/metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 2, 3, 4, 5, 6]


def test_run_folder_holds_config_metrics_and_checkpoints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = trainer(
        config(tmp_path, max_steps=2, save_every=1, keep_checkpoints=1, dynamic_sampling=True)
    )
    t.train()
    t.close()
    # stderr is not a terminal here: no progress bar, one line per step instead
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("[run] step")]
    assert [ln.split()[2] for ln in lines] == ["1/2", "2/2"]
    assert all(" reward " in ln and " kl " in ln and ln.endswith(" s/step") for ln in lines)
    run = tmp_path / "run"
    saved = yaml.safe_load((run / "config.yaml").read_text())
    assert (
        saved["batch_size"] == 48 and saved["grad_accum_steps"] == 1 and saved["dynamic_sampling"]
    )
    assert GRPOConfig.from_dict(saved) == t.config  # derived fields are recomputed, not read
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["step_000002"]
    assert (run / "checkpoints/step_000002/model/config.json").is_file()
    assert any((run / "tb").iterdir())
    metrics = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    for key in ("reward/mean", "reward/pass_rate", "reward/match", "loss/kl", "loss/clip_frac",
                "loss/entropy", "rollout/completion_tokens_mean", "rollout/kept_groups_frac",
                "sandbox/time_share", "perf/policy_tokens_per_s"):  # fmt: skip
        assert key in metrics, key


def test_mu_iterations_move_the_ratio_and_lora_keeps_one_model(tmp_path: Path) -> None:
    """With mu=2 the second pass sees ratios != 1 against the stored old log-probs; under LoRA
    the reference is the base with adapters off (no copy), and only adapters train."""
    pytest.importorskip("peft")
    from peft import LoraConfig, get_peft_model

    cfg = config(tmp_path, max_steps=2, num_iterations=2, micro_batch_size=16, learning_rate=1e-2)
    model = get_peft_model(
        make_model(0), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    )
    base_before = {k: v.clone() for k, v in model.state_dict().items() if "lora_" not in k}
    t = Trainer(cfg, model=model, tokenizer=make_tokenizer(), env_factory=ENV_FACTORY)
    assert t.reference is None
    result = t.train()
    t.close()
    assert all(m["loss/ratio_max"] > 1.0 or m["loss/ratio_min"] < 1.0 for m in result.history)
    assert all(m["loss/kl"] > 0 for m in result.history[1:])  # adapters moved the policy
    for key, value in base_before.items():
        torch.testing.assert_close(model.state_dict()[key], value, atol=0, rtol=0)


class FlakySandboxEnv(AddEnv):
    """AddEnv whose sandbox fails on every step of the tasks in `broken`."""

    broken: tuple[str, ...] = ("add-2",)

    def step(self, action: str) -> Any:
        if self.task_id in self.broken:
            raise SandboxInfraError("the container died, and every retry", task_id=self.task_id)
        return super().step(action)


def test_a_sandbox_failure_drops_its_group_not_the_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = config(tmp_path, max_steps=2, tasks_per_step=3, group_size=2, micro_batch_size=6)
    t = Trainer(
        cfg,
        model=make_model(0),
        tokenizer=make_tokenizer(),
        env_factory=lambda: FlakySandboxEnv(max_turns=2),
    )
    with caplog.at_level("WARNING", logger="codegym.train"):
        result = t.train()
    t.close()
    assert result.step == 2
    # the sampler draws every task once per epoch of 3, so each step has one add-2 group
    assert [m["rollout/infra_dropped_groups"] for m in result.history] == [1.0, 1.0]
    assert all(m["rollout/kept_groups_frac"] == pytest.approx(2 / 3) for m in result.history)
    assert "task add-2" in caplog.text


def test_a_sandbox_that_fails_on_everything_stops_the_run(tmp_path: Path) -> None:
    class DeadSandboxEnv(FlakySandboxEnv):
        broken = AddEnv.TASKS

    cfg = config(tmp_path, max_steps=2, tasks_per_step=2, group_size=2, micro_batch_size=4)
    t = Trainer(cfg, model=make_model(0), tokenizer=make_tokenizer(), env_factory=DeadSandboxEnv)
    with pytest.raises(RolloutError, match="failed on every group"):
        t.train()
    t.close()


@pytest.mark.docker
def test_eval_every_runs_the_configs_held_out_evaluation_on_the_runs_sandbox(
    tmp_path: Path, docker_sandbox: Any
) -> None:
    # No hook injected, as `codegym train` builds it: eval_every alone must evaluate.
    cfg = config(
        tmp_path,
        max_steps=2,
        tasks_per_step=1,
        group_size=2,
        micro_batch_size=2,
        eval_every=2,
        eval_suite="codegym-functions",
        eval_limit=2,
        eval_max_new_tokens=4,
    )
    t = Trainer(
        cfg,
        model=make_model(0),
        tokenizer=make_tokenizer(),
        env_factory=ENV_FACTORY,
        sandbox=docker_sandbox,
    )
    result = t.train()
    t.close()
    assert not any(k.startswith("eval/") for k in result.history[0])
    evals = {k: v for k, v in result.history[1].items() if k.startswith("eval/")}
    assert any(k.endswith("pass@1") for k in evals), evals
    assert all(0.0 <= v <= 1.0 for v in evals.values())
    assert t.eval_hook is not None and t.eval_hook.sandbox is docker_sandbox  # type: ignore[attr-defined]
