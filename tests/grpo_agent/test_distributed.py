"""Data-parallel GRPO on gloo: ranks are separate processes started with the environment
torchrun sets (`launch`), on a tiny random-init model.

- two ranks update the parameters exactly as one process does on the same global batch, for
  every aggregation, with mu > 1 and with batch-scaled advantages;
- ranks that keep different numbers of groups (dynamic sampling) finish without a hang, and a
  two-rank run resumed from its checkpoint ends where an uninterrupted one does;
- a killed rank stops the others with a clear error within the collective timeout, and leaves
  no sandbox container behind (docker).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from conftest import AddEnv, make_model, make_tokenizer
from dist_worker import update_params

from grpo_agent.config import GRPOConfig
from grpo_agent.distributed import Distributed, DistributedError, reduce_metric_rows
from grpo_agent.errors import ConfigError
from grpo_agent.loss import AGGREGATIONS, global_microbatch_weight, microbatch_weight
from grpo_agent.trainer import Trainer

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
WORKER = HERE / "dist_worker.py"


def launch(args: list[str], *, world: int = 2, **extra_env: str) -> list[subprocess.Popen[str]]:
    """`world` ranks of ``python <args>`` with torchrun's environment variables."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(world):
        env = dict(os.environ, **extra_env)
        env.update(
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            WORLD_SIZE=str(world),
            LOCAL_WORLD_SIZE=str(world),
            GROUP_RANK="0",
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=str(port),
            OMP_NUM_THREADS="1",
        )
        procs.append(
            subprocess.Popen(
                [sys.executable, *args],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    return procs


def wait_all(procs: list[subprocess.Popen[str]], timeout: float) -> list[str]:
    """Each rank's output; fails the test if a rank fails or runs past `timeout` seconds."""
    deadline = time.monotonic() + timeout
    outputs = []
    try:
        for rank, proc in enumerate(procs):
            out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            assert proc.returncode == 0, f"rank {rank} exited {proc.returncode}:\n{out[-4000:]}"
            outputs.append(out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return outputs


# -- pure parts -----------------------------------------------------------------------------


def test_global_weight_of_each_aggregation() -> None:
    # A micro-batch of 2 rows, 3 columns, 4 policy tokens, from a global batch of 8 rows,
    # 20 tokens, 5 columns wide.
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    kw: dict[str, Any] = dict(sequences=8, tokens=20.0, width=5)
    assert global_microbatch_weight("seq-mean-token-mean", mask, **kw) == 2 / 8
    assert global_microbatch_weight("token-mean", mask, **kw) == 4 / 20
    assert global_microbatch_weight("seq-mean-token-sum-norm", mask, **kw) == (2 * 3) / (8 * 5)
    # one rank, micro-batches as wide as the batch: the local weights
    full = torch.ones(8, 3)
    for agg in AGGREGATIONS:
        local = microbatch_weight(agg, mask, full)
        assert global_microbatch_weight(
            agg, mask, sequences=8, tokens=float(full.sum()), width=3
        ) == pytest.approx(local)


def test_groups_are_split_whole_and_evenly() -> None:
    shards = [Distributed(rank=r, world_size=3).shard(7) for r in range(3)]
    assert [(s.start, s.stop) for s in shards] == [(0, 2), (2, 4), (4, 7)]
    with pytest.raises(ConfigError, match="tasks_per_step >= 3"):
        Distributed(rank=0, world_size=3).shard(2)


def test_metrics_reduce_by_kind() -> None:
    rows = [
        ({"reward/mean": 1.0, "loss/ratio_min": 0.9, "loss/ratio_max": 1.1, "loss/total": 0.25,
          "perf/generation_tokens_per_s": 10.0}, 3.0),
        ({"reward/mean": 0.0, "loss/ratio_min": 0.8, "loss/ratio_max": 1.3, "loss/total": 0.5,
          "perf/generation_tokens_per_s": 30.0}, 1.0),
    ]  # fmt: skip
    out = reduce_metric_rows(rows)
    assert out["reward/mean"] == 0.75  # weighted by trajectories: (3 * 1 + 1 * 0) / 4
    assert out["loss/ratio_min"] == 0.8 and out["loss/ratio_max"] == 1.3
    assert out["loss/total"] == 0.75  # each rank's share of the loss
    assert out["perf/generation_tokens_per_s"] == 40.0


def test_sandbox_options_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    hosts = {0: ["unix:///var/run/docker.sock"], "1": ["tcp://node1:2376"]}
    node1 = Distributed(rank=5, world_size=8, local_world_size=4, node_rank=1)
    opts = node1.sandbox_options("docker", {"hosts": hosts, "memory_mb": 1024})
    assert opts == {"hosts": ["tcp://node1:2376"], "memory_mb": 1024, "pool_size": 4}
    # pool_size given, or a single rank per node: left alone
    assert node1.sandbox_options("docker", {"pool_size": 2}) == {"pool_size": 2}
    assert Distributed().sandbox_options("docker", {"hosts": ["ssh://a"]}) == {"hosts": ["ssh://a"]}
    with pytest.raises(ConfigError, match="not for node 2"):
        Distributed(world_size=2, node_rank=2).sandbox_options("docker", {"hosts": hosts})


def test_one_process_without_torchrun_environment() -> None:
    d = Distributed.from_environment(torch.device("cpu"), timeout_s=5, env={})
    assert (d.rank, d.world_size, d.enabled) == (0, 1, False)
    with pytest.raises(ConfigError, match="torchrun"):
        Distributed.from_environment(torch.device("cpu"), timeout_s=5, env={"WORLD_SIZE": "2"})


def test_a_lost_rank_in_a_forward_pass_is_reported_as_one() -> None:
    """DDP's forward may communicate (it rebuilds its gradient buckets after the first
    backward): a peer gone there must read as a lost rank, not as a raw traceback; other
    errors of the forward pass are the model's and pass through."""
    d = Distributed(rank=0, world_size=2)

    def gone() -> None:
        raise RuntimeError("[gloo/transport/tcp/pair.cc:537] Read error: Connection reset by peer")

    with pytest.raises(DistributedError, match="lost the other ranks during the forward pass"):
        d.forward(gone, "the forward pass")

    def oom() -> None:
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        d.forward(oom, "the forward pass")
    assert d.forward(lambda: 3, "the forward pass") == 3
    assert Distributed().forward(lambda: 4, "unused") == 4


# -- two gloo ranks -------------------------------------------------------------------------


def base_config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        name="run",
        output_dir=str(tmp_path),
        seed=0,
        max_steps=3,
        save_every=0,
        tasks_per_step=5,  # 2 groups on rank 0, 3 on rank 1
        group_size=4,
        max_turns=2,
        max_new_tokens=4,
        max_seq_len=64,
        beta=0.04,
        learning_rate=1e-3,
        adam_eps=1e-3,  # Adam's first step ~ g / (|g| + eps): smooth in g, so fp32 noise stays small
        micro_batch_size=3,  # micro-batches cross group and rank boundaries
        overlap_env_steps=False,
        env_workers=2,
        device="cpu",
        # fp32 compute: the equivalence is within fp32 tolerance; bf16 matmuls round
        # differently for other batch shapes (3.7e-5 apart on this test)
        compute_dtype="float32",
        task_ids=["add-1", "add-2", "add-3"],
        env_kwargs={},
    )
    values.update(overrides)
    return values


CASES: list[dict[str, Any]] = [
    *({"aggregation": a, "num_iterations": mu} for a in AGGREGATIONS for mu in (1, 2)),
    {"aggregation": "token-mean", "advantage_scale": "batch"},
    {"aggregation": "seq-mean-token-mean", "gradient_checkpointing": True},  # on by default on GPU
]


@pytest.mark.slow
def test_two_ranks_update_like_one_process(tmp_path: Path) -> None:
    # One global batch of 5 groups, rolled out once and given to both sides.
    cfg = base_config(tmp_path)
    source = Trainer(
        GRPOConfig(**cfg),
        model=make_model(0),
        tokenizer=make_tokenizer(),
        env_factory=lambda: AddEnv(max_turns=2),
        tasks=list(AddEnv.TASKS),
    )
    try:
        trajectories, _ = source._collect()
    finally:
        source.close()
    assert len({t.reward for t in trajectories}) > 1, "a batch without reward spread tests nothing"
    cases = [base_config(tmp_path, **case) for case in CASES]
    batch, out = tmp_path / "batch.pkl", tmp_path / "ranks.pt"
    batch.write_bytes(pickle.dumps((cases, trajectories)))
    procs = launch([str(WORKER), "update", str(batch), str(out)])

    single = [update_params(GRPOConfig(**case), trajectories) for case in cases]
    wait_all(procs, timeout=1200)
    ranked = torch.load(out, weights_only=True)
    init = make_model(0).state_dict()
    for case, one, two in zip(CASES, single, ranked, strict=True):
        moved = max((one[k] - init[k]).abs().max().item() for k in one)
        diff = max((one[k] - two[k]).abs().max().item() for k in one)
        assert moved > 1e-4, f"{case}: the update changed nothing"
        assert diff < 1e-5, f"{case}: two ranks differ from one process by {diff:.2e}"


@pytest.mark.slow
def test_uneven_dynamic_sampling_and_resume(tmp_path: Path) -> None:
    """Rank 1 finds task add-2 flat and refills alone; the run neither hangs nor drifts: run
    for 3 steps, or for 2 then resume to 3, and the checkpoints of step 3 hold the same
    weights."""

    def run(name: str, steps: int, resume: bool = False) -> Path:
        cfg = base_config(
            tmp_path,
            name=name,
            max_steps=steps,
            save_every=1,
            resume=resume,
            tasks_per_step=4,
            dynamic_sampling=True,
            max_refill_rounds=2,
            dist_timeout_s=120.0,
        )
        path = tmp_path / f"{name}-{steps}.yaml"
        path.write_text(yaml.safe_dump(cfg))
        outputs = wait_all(launch([str(WORKER), "train", str(path)]), timeout=600)
        assert all(f"finished at step {steps}" in out for out in outputs)
        return tmp_path / name

    whole = run("whole", 3)
    rows = [json.loads(line) for line in (whole / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]  # rank 0 alone logs
    assert max(r["rollout/refill_rounds"] for r in rows) >= 1
    step3 = whole / "checkpoints" / "step_000003"
    assert (step3 / "rng_rank1.pt").is_file()
    assert json.loads((step3 / "ranks.json").read_text()) == {"world_size": 2}

    run("parts", 2)
    resumed = run("parts", 3, resume=True)
    a = torch.load(step3 / "trainer_state.pt", weights_only=False)["model"]
    b = torch.load(resumed / "checkpoints/step_000003/trainer_state.pt", weights_only=False)[
        "model"
    ]
    assert all(torch.equal(a[k], b[k]) for k in a), "the resumed run drifted"


def test_resume_needs_the_same_number_of_ranks(tmp_path: Path) -> None:
    step = tmp_path / "checkpoints" / "step_000001"
    step.mkdir(parents=True)
    (step / "ranks.json").write_text(json.dumps({"world_size": 2}))
    from grpo_agent.errors import CheckpointError

    with pytest.raises(CheckpointError, match="same number of ranks"):
        Distributed().restore_rank_state(step)


# -- a killed rank, with the docker sandbox -----------------------------------------------------

TINY_FUNCTION_RUN = ROOT / "configs" / "tiny_ddp.yaml"


def sandbox_containers(pid: int) -> list[str]:
    """Ids of the sandbox containers owned by process `pid` on this host."""
    import docker

    from sandbox.docker_backend import LABEL, OWNER_LABEL

    client = docker.from_env()
    prefix = f"{socket.gethostname()}:{pid}:"
    # one listing call: `containers.list` inspects each container after listing it, which
    # fails on one removed meanwhile (the owner's pool is shutting down)
    found = client.api.containers(all=True, filters={"label": LABEL})
    return [
        c["Id"] for c in found if (c.get("Labels") or {}).get(OWNER_LABEL, "").startswith(prefix)
    ]


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_lost_rank_stops_the_others_and_leaves_no_container(tmp_path: Path, how: str) -> None:
    """Rank 1 is killed (its connections close: gloo notices at once) or stopped with SIGSTOP
    (a hung rank: only the collective timeout, dist_timeout_s=30, ends rank 0's wait)."""
    procs = launch(
        [
            "-m",
            "grpo_agent.cli",
            "train",
            "--config",
            str(TINY_FUNCTION_RUN),
            "--set",
            f"output_dir={tmp_path}",
            "--set",
            "max_steps=1000",
            "--set",
            "dist_timeout_s=30",
        ]
    )
    try:
        # Wait until both ranks have containers and rank 0 logged a step: training is under way.
        deadline = time.monotonic() + 600
        metrics = tmp_path / "tiny_ddp" / "metrics.jsonl"
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in procs), procs[0].stdout.read()  # type: ignore[union-attr]
            if (
                metrics.is_file()
                and metrics.read_text()
                and all(sandbox_containers(p.pid) for p in procs)
            ):
                break
            time.sleep(1)
        else:
            pytest.fail("the two-rank run did not get going within 600 s")
        procs[1].send_signal(signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        killed_at = time.monotonic()
        out, _ = procs[0].communicate(timeout=180)
        stopped_s = time.monotonic() - killed_at
        if how == "stopped":
            assert stopped_s >= 25, "rank 0 stopped before the collective timeout"
            procs[1].kill()  # a hung rank is the launcher's to end (torchrun does)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    last = out.strip().splitlines()[-1] if out.strip() else ""
    print(f"rank 0 stopped {stopped_s:.1f} s after rank 1 was {how}: {last}")
    assert procs[0].returncode != 0
    assert "lost the other ranks" in out or "failed during" in out, out[-3000:]
    assert stopped_s < 90, f"rank 0 took {stopped_s:.0f} s to stop"
    deadline = time.monotonic() + 60  # the engine removes auto_remove containers asynchronously
    while any(sandbox_containers(p.pid) for p in procs) and time.monotonic() < deadline:
        time.sleep(1)
    assert not any(sandbox_containers(p.pid) for p in procs), "containers left behind"


def test_collective_timeout_must_be_positive() -> None:
    from grpo_agent.config import load_config

    with pytest.raises(ConfigError, match="dist_timeout_s"):
        load_config(None, ["dist_timeout_s=0"])
