"""Data-parallel training on torch.distributed: one trainer per rank, started by ``torchrun``.

``torchrun --nproc_per_node P -m grpo_agent.cli train --config C`` (or ``codegym train`` under
torchrun) sets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK and MASTER_ADDR/PORT;
`Distributed.from_environment` reads them and joins the process group (gloo on CPU, nccl on
CUDA). Without them the trainer is one process and every method here is a no-op.

What each rank does with a step's N tasks (docs/scale.md):

- every rank draws the same N tasks (the task sampler is seeded alike on all ranks) and keeps
  the contiguous share `shard` gives it, whole groups only: a group's advantages compare its own
  samples, so a group never spans two ranks;
- it generates, scores and computes log-probs for its own groups; the rewards of all ranks are
  gathered so that batch-scaled advantages use the whole step's batch;
- each micro-batch's loss is weighted by its share of the *global* count of sequences or tokens
  (`loss_weight`), times the world size because DDP averages gradients over ranks; the summed
  gradient is then that of the single-process objective whatever the number of ranks;
- gradients are reduced by DDP once per optimizer step: every micro-batch but a rank's last runs
  without gradient sync (as under ``no_sync``), so each rank makes exactly one reducing backward per step however many
  micro-batches dynamic sampling left it (no rank waits for a backward another never makes);
- metrics are gathered and reduced before rank 0 logs them; rank 0 writes checkpoints, and each
  other rank adds its RNG state to them.

Every collective runs under the process group's timeout (``dist_timeout_s``), and a failed one
raises `DistributedError` naming the rank and what it was doing: when a rank dies, the others
stop within that time and close their sandboxes (whose containers the engine removes).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import torch
import torch.distributed as dist
from torch import nn

from grpo_agent.checkpoint import rng_state, set_rng_state
from grpo_agent.errors import CheckpointError, ConfigError, GRPOError
from grpo_agent.loss import global_microbatch_weight

__all__ = ["BatchTotals", "Distributed", "DistributedError", "reduce_metric_rows"]

T = TypeVar("T")

RANKS_FILE = "ranks.json"
SUMMED = frozenset({"rollout/infra_dropped_groups", "loss/total"})
"""Metrics whose global value is the sum of the ranks' (the loss: each rank logs its share)."""


class DistributedError(GRPOError):
    """A collective failed: another rank died, hangs, or disagrees."""


@dataclass(frozen=True)
class BatchTotals:
    """Counts of the whole step's batch over all ranks: the loss's denominators."""

    sequences: int
    tokens: float
    width: int
    """The widest sequence of any rank: the T of Dr. GRPO's B x T."""


class _DDP(nn.parallel.DistributedDataParallel):
    """DDP that shows the wrapped model's forward to `logprobs.token_logprobs` (which passes
    ``logits_to_keep`` only to models whose forward takes it)."""

    def get_base_model(self) -> nn.Module:
        inner = self.module
        get = getattr(inner, "get_base_model", None)
        return get() if callable(get) else inner  # type: ignore[no-any-return]


class Distributed:
    """This process's place among the ranks, and the collectives the trainer needs."""

    def __init__(
        self,
        *,
        rank: int = 0,
        world_size: int = 1,
        local_rank: int = 0,
        local_world_size: int = 1,
        node_rank: int = 0,
        owns_group: bool = False,
    ) -> None:
        self.rank = rank
        self.world_size = world_size
        self.local_rank = local_rank
        self.local_world_size = local_world_size
        self.node_rank = node_rank
        self._owns_group = owns_group

    @classmethod
    def from_environment(
        cls, device: torch.device, *, timeout_s: float, env: Mapping[str, str] | None = None
    ) -> Distributed:
        """The ranks torchrun describes in the environment, joined into a process group (gloo
        on CPU, nccl on CUDA); one process when WORLD_SIZE is unset or 1."""
        env = os.environ if env is None else env
        world = int(env.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        missing = [k for k in ("RANK", "MASTER_ADDR", "MASTER_PORT") if k not in env]
        if missing:
            raise ConfigError(
                f"WORLD_SIZE={world} but {', '.join(missing)} unset; start the run with torchrun "
                "(torchrun --nproc_per_node P -m grpo_agent.cli train --config C)"
            )
        rank = int(env["RANK"])
        local_rank = int(env.get("LOCAL_RANK", "0"))
        owns = False
        if not dist.is_initialized():
            backend = "nccl" if device.type == "cuda" else "gloo"
            if device.type == "cuda":
                torch.cuda.set_device(local_rank)
            dist.init_process_group(
                backend, rank=rank, world_size=world, timeout=timedelta(seconds=timeout_s)
            )
            owns = True
        return cls(
            rank=rank,
            world_size=world,
            local_rank=local_rank,
            local_world_size=int(env.get("LOCAL_WORLD_SIZE", "1")),
            node_rank=int(env.get("GROUP_RANK", "0")),
            owns_group=owns,
        )

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def close(self) -> None:
        """Destroy the process group this object started. Gloo's worker threads free a finished
        collective's tensors, which takes the GIL, and destroying the group joins those threads
        while holding it: a rank that got there within the interpreter's switch interval (5 ms)
        of its last collective hung for good. A short sleep, which releases the GIL, lets them
        finish first. The caller must have dropped its DDP wrapper (whose reducer holds the
        group and would destroy it, the same way, when freed)."""
        if self._owns_group and dist.is_initialized():
            time.sleep(0.05)
            with contextlib.suppress(Exception):  # a dead peer may leave the group unusable
                dist.destroy_process_group()
        self._owns_group = False

    # -- what this rank does -----------------------------------------------------------------

    def device(self, device: torch.device) -> torch.device:
        """One GPU per rank: ``cuda`` becomes ``cuda:LOCAL_RANK``."""
        if self.enabled and device.type == "cuda" and device.index is None:
            return torch.device("cuda", self.local_rank)
        return device

    def seed(self, seed: int) -> int:
        """This rank's seed: rank 0 keeps the config's (a one-rank run is unchanged), the others
        draw other samples."""
        return seed + 100_003 * self.rank

    def shard(self, n: int) -> slice:
        """This rank's contiguous share of `n` groups, sizes differing by at most one."""
        if n < self.world_size:
            raise ConfigError(
                f"tasks_per_step={n} leaves a rank without a group on {self.world_size} ranks; "
                f"set tasks_per_step >= {self.world_size} (a group is never split across ranks)"
            )
        return slice(self.rank * n // self.world_size, (self.rank + 1) * n // self.world_size)

    def sandbox_options(self, backend: str, options: Mapping[str, Any]) -> dict[str, Any]:
        """This rank's sandbox options: `hosts` given per node is narrowed to this node's list,
        and the node's cores are split between its ranks' pools unless `pool_size` is set."""
        out = dict(options)
        hosts = out.get("hosts")
        if isinstance(hosts, Mapping):
            out["hosts"] = _node_hosts(hosts, self.node_rank)
        if self.local_world_size > 1 and "pool_size" not in out and backend in ("docker", "local"):
            out["pool_size"] = max(1, (os.cpu_count() or 1) // self.local_world_size)
        return out

    # -- model --------------------------------------------------------------------------------

    def wrap(self, model: nn.Module) -> nn.Module:
        """The module to train through: DDP over the ranks (its construction broadcasts rank 0's
        weights), or the model itself on one rank."""
        if not self.enabled:
            return model
        ids = [self.local_rank] if next(model.parameters()).is_cuda else None
        # No buffer broadcast: the buffers (rotary frequencies) are alike on every rank, and a
        # broadcast would be one more collective in forward passes.
        return _DDP(model, device_ids=ids, broadcast_buffers=False)

    def reduce_next_backward(self, module: nn.Module, reduce: bool) -> None:
        """Whether the next forward/backward of `module` all-reduces gradients: only a rank's
        last micro-batch of an optimizer step does; the others add to local gradients. This
        is what ``DDP.no_sync()`` does, set per micro-batch instead of around it."""
        if isinstance(module, nn.parallel.DistributedDataParallel):
            module.require_backward_grad_sync = reduce

    def backward(self, loss: torch.Tensor) -> None:
        """``loss.backward()``; its gradient all-reduce (DDP's, in a rank's last micro-batch)
        failing is reported as a lost rank."""
        if not self.enabled:
            loss.backward()
            return
        self._collective(loss.backward, "the gradient all-reduce", comms_only=True)

    def forward(self, fn: Callable[[], T], what: str) -> T:
        """``fn()``, a forward pass of the wrapped model. DDP communicates in some (the first
        forward after a backward rebuilds its gradient buckets with a broadcast), so a rank
        lost there is reported as one, as in `backward`."""
        if not self.enabled:
            return fn()
        return self._collective(fn, what, comms_only=True)

    def batch_totals(self, mask: torch.Tensor) -> BatchTotals:
        """Sequences, policy tokens and the widest row of the (B, T) loss mask over all ranks."""
        counts = self._all_reduce([float(mask.shape[0]), float(mask.sum())], "sum", "batch size")
        (width,) = self._all_reduce([float(mask.shape[1])], "max", "batch width")
        return BatchTotals(sequences=int(counts[0]), tokens=counts[1], width=int(width))

    def loss_weight(self, aggregation: str, mask_micro: torch.Tensor, totals: BatchTotals) -> float:
        """The factor of a micro-batch's loss: its share of the global batch's denominator, times
        the world size that DDP's gradient average divides by."""
        share = global_microbatch_weight(
            aggregation,
            mask_micro,
            sequences=totals.sequences,
            tokens=totals.tokens,
            width=totals.width,
        )
        return share * self.world_size

    # -- collectives ---------------------------------------------------------------------------

    def all_gather(self, value: Any, what: str) -> list[Any]:
        """Every rank's `value`, in rank order (picklable objects)."""
        if not self.enabled:
            return [value]
        out: list[Any] = [None] * self.world_size
        self._collective(lambda: dist.all_gather_object(out, value), what)
        return out

    def any(self, flag: bool, what: str) -> bool:
        """True on every rank when it is true on one (stop requests, failures)."""
        return bool(self._all_reduce([float(flag)], "max", what)[0])

    def check(self, failure: BaseException | None, what: str) -> None:
        """Raise on every rank when one failed: the failing rank re-raises its own error, the
        others a `DistributedError` naming the ranks."""
        failed = self.all_gather(failure is not None, what)
        if failure is not None:
            raise failure
        if any(failed):
            ranks = [r for r, f in enumerate(failed) if f]
            raise DistributedError(f"rank(s) {ranks} failed during {what}; see their logs")

    def barrier(self, what: str) -> None:
        if self.enabled:
            self._collective(dist.barrier, what)

    def reduce_metrics(self, metrics: Mapping[str, float], weight: float) -> dict[str, float]:
        """The step's metrics over all ranks (`reduce_metric_rows`); `weight` is this rank's
        number of trajectories."""
        if not self.enabled:
            return dict(metrics)
        return reduce_metric_rows(self.all_gather((dict(metrics), weight), "metrics"))

    def _all_reduce(self, values: Sequence[float], op: str, what: str) -> list[float]:
        if not self.enabled:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64)
        if dist.get_backend() == "nccl":
            t = t.cuda()
        reduce_op = {"sum": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX}[op]
        self._collective(lambda: dist.all_reduce(t, op=reduce_op), what)
        return [float(v) for v in t.cpu().tolist()]

    def _collective(self, fn: Callable[[], T], what: str, *, comms_only: bool = False) -> T:
        """``fn()``; a communication error becomes a `DistributedError` (with `comms_only`, other
        errors, e.g. out of memory in a backward pass, pass through as they are)."""
        try:
            return fn()
        except (RuntimeError, dist.DistBackendError) as exc:
            text = str(exc)
            if comms_only and not (
                isinstance(exc, dist.DistBackendError)
                or any(m in text for m in ("gloo", "NCCL", "Connection", "Timed out"))
            ):
                raise
            raise DistributedError(
                f"rank {self.rank}/{self.world_size} on {socket.gethostname()} lost the other "
                f"ranks during {what} ({type(exc).__name__}: {str(exc).splitlines()[0][:300]}). "
                "A rank died or hangs: see its log. Resume from the last checkpoint with the "
                "same number of ranks (--resume)."
            ) from exc

    # -- checkpoints ----------------------------------------------------------------------------

    def save_rank_state(self, run_dir: str, step: int) -> None:
        """After rank 0 wrote the checkpoint of `step`, each other rank adds its RNG state."""
        if not self.enabled:
            return
        self.barrier("checkpoint save")
        path = Path(run_dir) / "checkpoints" / f"step_{step:06d}"
        if self.is_main:
            (path / RANKS_FILE).write_text(json.dumps({"world_size": self.world_size}))
        else:
            torch.save(rng_state(), path / f"rng_rank{self.rank}.pt")
        self.barrier("checkpoint save")

    def restore_rank_state(self, checkpoint: Path) -> None:
        """Check the checkpoint was written by as many ranks, and restore this rank's RNG."""
        file = checkpoint / RANKS_FILE
        saved = json.loads(file.read_text())["world_size"] if file.is_file() else 1
        if saved != self.world_size:
            raise CheckpointError(
                f"{checkpoint} was written by {saved} rank(s), this run has {self.world_size}; "
                f"resume with the same number of ranks (torchrun --nproc_per_node ... so that "
                f"WORLD_SIZE={saved})"
            )
        if self.rank > 0:
            state = torch.load(
                checkpoint / f"rng_rank{self.rank}.pt", map_location="cpu", weights_only=False
            )
            set_rng_state(state)


def _node_hosts(hosts: Mapping[Any, Any], node_rank: int) -> list[str]:
    for key in (node_rank, str(node_rank), socket.gethostname(), "default"):
        if key in hosts:
            return list(hosts[key])
    raise ConfigError(
        f"sandbox_options.hosts names engines per node but not for node {node_rank} "
        f"({socket.gethostname()}); add a key {node_rank}, {socket.gethostname()!r} or 'default'"
    )


def reduce_metric_rows(rows: Sequence[tuple[Mapping[str, float], float]]) -> dict[str, float]:
    """Merge per-rank metrics: ``*_min`` by min, ``*_max`` / ``*peak*`` by max, throughputs
    (``*_per_s``) and `SUMMED` (dropped groups, each rank's share of the loss) by sum, everything else by the mean weighted by
    each rank's trajectories (so a rank that kept fewer groups counts for less)."""
    keys = dict.fromkeys(k for metrics, _ in rows for k in metrics)
    out: dict[str, float] = {}
    for key in keys:
        pairs = [(m[key], w) for m, w in rows if key in m]
        values = [v for v, _ in pairs]
        if key.endswith("_min"):
            out[key] = min(values)
        elif key.endswith("_max") or "peak" in key:
            out[key] = max(values)
        elif key in SUMMED or key.endswith("_per_s"):
            out[key] = sum(values)
        else:
            total = sum(w for _, w in pairs)
            out[key] = (
                sum(v * w for v, w in pairs) / total if total > 0 else sum(values) / len(values)
            )
    return out
