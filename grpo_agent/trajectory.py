"""`Trajectory`: one multi-turn episode as the learner sees it, and batching them into tensors.

A trajectory is one token stream: the rendered chat (system, user observations, assistant turns
and the template's scaffolding) with a loss mask that is 1 exactly on the tokens the policy
sampled. The mask is built from positions while the stream is assembled, never by searching for
token ids afterwards: the pad token may equal the end-of-sequence token, and a model can emit any
id, scaffolding ones included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch

__all__ = ["Batch", "Message", "Trajectory", "collate"]


@dataclass(frozen=True)
class Message:
    """One chat message; ``role`` is ``system``, ``user`` or ``assistant``."""

    role: str
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class Trajectory:
    """One episode of one task: the token stream, its loss mask, and how it was scored."""

    task_id: str
    group: int
    """Index of the task in the rollout batch: trajectories of a group share a task."""
    input_ids: tuple[int, ...]
    loss_mask: tuple[int, ...]
    """1 on policy-sampled tokens, 0 on prompt, observations and template scaffolding."""
    sampler_logprobs: tuple[float, ...] | None
    """Log-probs the generation backend reported for each token (0.0 where the mask is 0)."""
    reward: float
    """Undiscounted return: the sum of the environment's rewards over the episode's turns."""
    reward_components: Mapping[str, float] = field(default_factory=dict)
    """The last step's decomposed reward (compile, format, tests, ...), for logging."""
    messages: tuple[Message, ...] = ()
    num_turns: int = 0
    terminated: bool = False
    """The environment ended the episode."""
    truncated: bool = False
    """The episode was cut: by the environment, the turn cap or the context budget."""
    tests_passed: int = 0
    tests_total: int = 0
    status: str = ""
    turn_passed: tuple[bool, ...] = ()
    """Per turn: whether the solution as it stood after that turn passed every hidden test
    (multi-turn evaluation reads the first and the last)."""
    env_seconds: float = 0.0
    """Wall-clock time spent inside ``env.step`` (sandbox calls) for this episode."""

    def __post_init__(self) -> None:
        if len(self.input_ids) != len(self.loss_mask):
            raise ValueError(
                f"task {self.task_id}: {len(self.input_ids)} ids but {len(self.loss_mask)} mask entries"
            )
        if self.sampler_logprobs is not None and len(self.sampler_logprobs) != len(self.input_ids):
            raise ValueError(f"task {self.task_id}: sampler_logprobs length differs from input_ids")

    @property
    def num_policy_tokens(self) -> int:
        return sum(self.loss_mask)


@dataclass(frozen=True)
class Batch:
    """Right-padded tensors of a list of trajectories, all (B, T)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    loss_mask: torch.Tensor
    first_policy_column: int
    """Smallest column holding a policy token: logits before it are never needed."""

    def slice(self, rows: slice, *, trim: bool = False) -> Batch:
        """Rows of the batch; with `trim`, also drop the columns that are padding in all of them."""
        width = self.input_ids.shape[1]
        if trim:
            width = max(int(self.attention_mask[rows].sum(dim=1).max()), 2)
        return Batch(
            input_ids=self.input_ids[rows, :width],
            attention_mask=self.attention_mask[rows, :width],
            loss_mask=self.loss_mask[rows, :width],
            first_policy_column=min(self.first_policy_column, width - 1),
        )

    def to(self, device: torch.device | str) -> Batch:
        return Batch(
            input_ids=self.input_ids.to(device),
            attention_mask=self.attention_mask.to(device),
            loss_mask=self.loss_mask.to(device),
            first_policy_column=self.first_policy_column,
        )


def collate(trajectories: Sequence[Trajectory], *, pad_token_id: int) -> Batch:
    """Stack trajectories into right-padded tensors; padding is masked by position."""
    if not trajectories:
        raise ValueError("cannot collate an empty list of trajectories")
    width = max(len(t.input_ids) for t in trajectories)
    n = len(trajectories)
    input_ids = torch.full((n, width), pad_token_id, dtype=torch.long)
    attention = torch.zeros(n, width, dtype=torch.long)
    loss_mask = torch.zeros(n, width, dtype=torch.float32)
    first = width
    for i, t in enumerate(trajectories):
        length = len(t.input_ids)
        input_ids[i, :length] = torch.tensor(t.input_ids, dtype=torch.long)
        attention[i, :length] = 1
        loss_mask[i, :length] = torch.tensor(t.loss_mask, dtype=torch.float32)
        if 1 in t.loss_mask:
            first = min(first, t.loss_mask.index(1))
    return Batch(
        input_ids=input_ids,
        attention_mask=attention,
        loss_mask=loss_mask,
        first_policy_column=max(1, min(first, width - 1)),
    )
