"""One rank of the data-parallel tests (`test_distributed.py` starts it once per rank with the
environment torchrun would set: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT).

    python dist_worker.py update  BATCH.pkl OUT.pt   one update per case on this rank's groups
    python dist_worker.py train   CONFIG.yaml        the training loop on `AddEnv` (rank 0 logs)
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).parent))
from conftest import AddEnv, make_model, make_tokenizer  # noqa: E402

from grpo_agent.config import GRPOConfig, load_config  # noqa: E402
from grpo_agent.distributed import Distributed  # noqa: E402
from grpo_agent.trainer import Trainer  # noqa: E402


def update_params(
    cfg: GRPOConfig, trajectories: list[Any], dist: Distributed | None = None
) -> dict[str, torch.Tensor]:
    """The policy's parameters after one `_update` on this rank's share of `trajectories`
    (whole groups, as the training loop shards them)."""
    trainer = Trainer(
        cfg,
        model=make_model(cfg.seed),
        tokenizer=make_tokenizer(),
        env_factory=lambda: AddEnv(max_turns=2),
        tasks=list(AddEnv.TASKS),
        distributed=dist,
    )
    try:
        g = cfg.group_size
        share = trainer.dist.shard(len(trajectories) // g)
        mine = trajectories[share.start * g : share.stop * g]
        advantages, _ = trainer._advantages(mine)
        trainer._update(mine, advantages)
        return {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
    finally:
        trainer.close()


class FlatOnRank1(AddEnv):
    """`AddEnv`, except that on rank 1 task add-2 always scores 0.5: its groups carry no signal,
    so dynamic sampling refills on rank 1 only and the ranks keep different numbers of groups."""

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        obs, reward, done, truncated, info = super().step(action)
        if os.environ.get("RANK") == "1" and self.task_id == "add-2":
            done, reward = True, 0.5
        return obs, reward, done, truncated, info


def main() -> None:
    mode = sys.argv[1]
    if mode == "update":
        batch, out = sys.argv[2], sys.argv[3]
        with open(batch, "rb") as f:
            cases, trajectories = pickle.load(f)
        dist = Distributed.from_environment(torch.device("cpu"), timeout_s=900)
        try:
            results = [update_params(GRPOConfig(**case), trajectories, dist) for case in cases]
        finally:
            dist.close()
        if dist.rank == 0:
            torch.save(results, out)
    elif mode == "train":
        cfg = load_config(sys.argv[2])
        trainer = Trainer(
            cfg,
            model=make_model(cfg.seed),
            tokenizer=make_tokenizer(),
            env_factory=lambda: FlatOnRank1(max_turns=2),
            tasks=list(AddEnv.TASKS),
        )
        try:
            result = trainer.train()
        finally:
            trainer.close()
        print(f"rank {os.environ.get('RANK')} finished at step {result.step}", flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
