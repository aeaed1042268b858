"""`TaskSampler`: the order in which training tasks are drawn, resumable.

Tasks are drawn without replacement from a seeded permutation; a new permutation starts each
epoch. The position (epoch, cursor) is part of every checkpoint, so a resumed run draws the same
tasks an uninterrupted one would have.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from grpo_agent.errors import ConfigError

__all__ = ["TaskSampler"]


class TaskSampler:
    def __init__(self, tasks: Sequence[Any], *, seed: int) -> None:
        if not tasks:
            raise ConfigError("no training tasks: pass tasks= or set task_ids in the config")
        self.tasks = list(tasks)
        self.seed = seed
        self.epoch = 0
        self.cursor = 0
        self._order = self._permutation(0)

    def _permutation(self, epoch: int) -> list[int]:
        order = list(range(len(self.tasks)))
        random.Random(f"{self.seed}:{epoch}").shuffle(order)
        return order

    def take(self, n: int) -> list[Any]:
        """The next `n` tasks, crossing into a fresh permutation when the epoch ends."""
        out = []
        for _ in range(n):
            if self.cursor == len(self._order):
                self.epoch += 1
                self.cursor = 0
                self._order = self._permutation(self.epoch)
            out.append(self.tasks[self._order[self.cursor]])
            self.cursor += 1
        return out

    def state_dict(self) -> dict[str, int]:
        return {
            "epoch": self.epoch,
            "cursor": self.cursor,
            "seed": self.seed,
            "size": len(self.tasks),
        }

    def load_state_dict(self, state: dict[str, int]) -> None:
        if state["size"] != len(self.tasks) or state["seed"] != self.seed:
            raise ValueError(
                f"checkpointed task order ({state['size']} tasks, seed {state['seed']}) does not "
                f"match this run ({len(self.tasks)} tasks, seed {self.seed})"
            )
        self.epoch, self.cursor = state["epoch"], state["cursor"]
        self._order = self._permutation(self.epoch)
