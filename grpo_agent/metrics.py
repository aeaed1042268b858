"""Metrics sinks (JSONL and TensorBoard) and the per-step rollout summaries.

Names are namespaced: ``reward/…`` (scores and their parts), ``rollout/…`` (lengths, turns,
dynamic sampling), ``loss/…`` (objective and optimiser), ``sandbox/…`` (environment time),
``perf/…`` (throughput), ``eval/…`` (the held-out hook).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from grpo_agent.trajectory import Trajectory

__all__ = ["MetricsLogger", "trajectory_metrics"]


class MetricsLogger:
    """Appends one JSON object per logged step to ``metrics.jsonl`` and mirrors it to TensorBoard."""

    def __init__(
        self, run_dir: str | Path, *, tensorboard: bool = True, resume_step: int | None = None
    ) -> None:
        self.path = Path(run_dir) / "metrics.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is not None and self.path.exists():
            # Drop lines of steps after the checkpoint: the resumed run logs them again.
            lines = self.path.read_text().splitlines()
            kept = [
                line for line in lines if line and json.loads(line).get("step", 0) <= resume_step
            ]
            self.path.write_text("".join(f"{line}\n" for line in kept))
        # A fresh run starts a fresh file; a resumed one continues the kept lines.
        self._file = self.path.open("a" if resume_step is not None else "w")
        self._tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(log_dir=str(Path(run_dir) / "tb"), purge_step=resume_step)

    def log(self, step: int, metrics: Mapping[str, float]) -> None:
        self._file.write(json.dumps({"step": step, **metrics}) + "\n")
        self._file.flush()
        if self._tb is not None:
            for key, value in metrics.items():
                self._tb.add_scalar(key, value, step)

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def trajectory_metrics(trajectories: Sequence[Trajectory]) -> dict[str, float]:
    """Reward, pass-rate and length statistics of one rollout batch."""
    rewards = [t.reward for t in trajectories]
    out = {
        "reward/mean": statistics.fmean(rewards),
        "reward/std": statistics.pstdev(rewards) if len(rewards) > 1 else 0.0,
        "reward/max": max(rewards),
        "reward/pass_rate": statistics.fmean(
            float(t.tests_total > 0 and t.tests_passed == t.tests_total) for t in trajectories
        ),
        "reward/tests_passed_frac": statistics.fmean(
            t.tests_passed / t.tests_total if t.tests_total else 0.0 for t in trajectories
        ),
        "rollout/completion_tokens_mean": statistics.fmean(
            t.num_policy_tokens for t in trajectories
        ),
        "rollout/completion_tokens_max": float(max(t.num_policy_tokens for t in trajectories)),
        "rollout/seq_len_mean": statistics.fmean(len(t.input_ids) for t in trajectories),
        "rollout/turns_mean": statistics.fmean(t.num_turns for t in trajectories),
        "rollout/truncated_frac": statistics.fmean(float(t.truncated) for t in trajectories),
    }
    out.update(turn_rates(trajectories))
    parts: dict[str, list[float]] = defaultdict(list)
    for t in trajectories:
        for key, value in t.reward_components.items():
            parts[key].append(value)
    for key, values in parts.items():
        out[f"reward/{key}"] = statistics.fmean(values)
    return out


def turn_rates(trajectories: Sequence[Trajectory]) -> dict[str, float]:
    """The multi-turn view of a rollout batch, as evaluation reports it (`grpo_agent.turn_metrics`),
    once any episode ran a second turn: ``rollout/first_turn_pass_rate``, the share of episodes
    whose first answer passed every hidden test, and ``rollout/repaired_frac``, among episodes
    whose first answer failed, the share whose final answer passed (absent when none failed).
    An episode cut after its first turn counts as a failed attempt that was not fixed."""
    scored = [t.turn_passed for t in trajectories if t.turn_passed]
    if not any(len(turns) > 1 for turns in scored):
        return {}
    out = {"rollout/first_turn_pass_rate": statistics.fmean(float(t[0]) for t in scored)}
    failed_first = [turns for turns in scored if not turns[0]]
    if failed_first:
        out["rollout/repaired_frac"] = statistics.fmean(float(t[-1]) for t in failed_first)
    return out
