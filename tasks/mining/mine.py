"""Mine bug-fix tasks from a Python project's source distribution (the SWE-smith recipe, offline).

    codegym tasks mine --package toolz==1.2.0 --package inflection --out my-bugs.jsonl

For each package: fetch and unpack the sdist (`tasks.mining.project`); run its tests in the
sandbox under several hash seeds and keep the tests that passed under the same id every time (a
test that differs is flaky and set aside); mutate the source (`tasks.mining.mutate`) in a seeded order and run the whole suite on
each mutant. A mutant is kept when it breaks at least one stable test (FAIL_TO_PASS) with every
test still collected; a mutant that breaks none is equivalent as far as the suite can tell and
is dropped, as is one that times out or breaks collection. Each kept mutant becomes a repo
task: the mutated repository, the original file as the reference, an issue-style statement
(`tasks.mining.statement`), and hidden tests = FAIL_TO_PASS + a seeded sample of PASS_TO_PASS
weighted toward the failing tests' modules. Last, every task is graded as an agent would be
(`Task.grading_request`, the oracle path): the reference must pass and the unfixed repository
fail, which also checks that reverting the mutation restores the tests; tasks that do not are
dropped.

Everything is a function of the seed and the package versions. Trials and checks are recorded
in ``cache_dir/state`` after each batch, so an interrupted run picks up where it stopped.
The suite file shares one snapshot of each package version's files (``"files_from"``, see
docs/tasks.md) and the runner's source (``"runner_from"``), and stores each task's mutation as
a splice of its snapshot's file (``"files_splices"``).
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import random
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.base import Limits, Sandbox, Status
from tasks.io import task_to_record, write_jsonl
from tasks.mining.grading import (
    ENTRY_POINT,
    RUNNER_SOURCE,
    check_script,
    mining_request,
    parse_report,
)
from tasks.mining.mutate import Mutation, apply_mutation, find_mutations
from tasks.mining.project import MiningError, Project, fetch_sdist, read_project, unpack
from tasks.mining.statement import MAX_TESTS, build_statement
from tasks.schema import Task

__all__ = ["MineConfig", "MineSummary", "mine", "sample_pass_to_pass", "suite_paths"]

STATE_VERSION = 1
HASH_SEEDS = (0, 1, 2, 3)
"""PYTHONHASHSEED of each baseline run: a test counts as stable only if it passes, under the
same id, in all of them (parametrized ids built from a set differ from seed to seed)."""


@dataclass(frozen=True)
class MineConfig:
    packages: tuple[str, ...]
    """``NAME`` or ``NAME==VERSION`` each; pin versions for a reproducible suite."""
    out: Path
    """The suite file (``.jsonl`` or ``.jsonl.gz``); snapshots go to ``<stem>.files/`` beside it."""
    suite: str = ""
    """The suite name written into the tasks; default: the file's stem."""
    test_packages: tuple[str, ...] = ()
    """Packages (names) whose tasks go to split ``test``; the others are ``train``, so the
    held-out split is code the policy never trained on."""
    seed: int = 0
    """Orders the mutants, picks the PASS_TO_PASS sample and the statement wording."""
    max_tasks: int = 25
    """Tasks kept per package at most."""
    max_trials: int = 120
    """Mutants run per package at most (each runs the package's whole test suite)."""
    max_fail_to_pass: int = 10
    """FAIL_TO_PASS tests among the hidden tests at most (a seeded sample when more fail)."""
    pass_to_pass: int = 10
    """PASS_TO_PASS tests sampled into the hidden tests."""
    same_module_weight: float = 4.0
    """How much likelier a PASS_TO_PASS test from a FAIL_TO_PASS test's module is picked."""
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "codegym" / "mine")
    task_timeout_s: float = 60.0
    """The hidden-test request's time limit in each task (`Limits.timeout_s`)."""

    @property
    def suite_name(self) -> str:
        return self.suite or suite_paths(self.out)[0]


@dataclass(frozen=True)
class MineSummary:
    tasks: int
    per_package: dict[str, dict[str, Any]]
    grading_latency_s: list[float]


def suite_paths(out: Path) -> tuple[str, Path]:
    """(stem, snapshot folder) of a suite file: ``x.jsonl.gz`` -> (``x``, ``x.files/``)."""
    stem = out.name.removesuffix(".gz").removesuffix(".jsonl")
    return stem, out.parent / f"{stem}.files"


def mine(
    config: MineConfig, sandbox: Sandbox, *, progress: bool = True, batch_size: int = 4
) -> MineSummary:
    """Mine every package of `config` and write the suite; see the module docstring."""
    tasks: list[Task] = []
    snapshots: dict[str, Project] = {}
    per_package: dict[str, dict[str, Any]] = {}
    latencies: list[float] = []
    for spec in config.packages:
        archive = fetch_sdist(spec, config.cache_dir)
        project = read_project(unpack(archive, config.cache_dir))
        if not project.license:
            raise MiningError(
                f"{project.key} declares no licence: its code cannot be redistributed in a suite"
            )
        miner = _PackageMiner(config, project, sandbox, progress=progress, batch_size=batch_size)
        mined, stats, lat = miner.run()
        tasks.extend(mined)
        latencies.extend(lat)
        snapshots[project.key] = project
        per_package[project.key] = stats
        _write_suite(config, tasks, snapshots)  # after each package: a crash keeps the rest
    return MineSummary(len(tasks), per_package, latencies)


class _PackageMiner:
    def __init__(
        self,
        config: MineConfig,
        project: Project,
        sandbox: Sandbox,
        *,
        progress: bool,
        batch_size: int,
    ) -> None:
        self.config, self.project, self.sandbox = config, project, sandbox
        self.progress, self.batch_size = progress, max(1, batch_size)
        self.state_path = config.cache_dir / "state" / f"seed{config.seed}" / f"{project.key}.json"
        self.state: dict[str, Any] = {"version": STATE_VERSION, "trials": {}, "checked": {}}
        if self.state_path.exists():
            loaded = json.loads(self.state_path.read_text("utf-8"))
            if loaded.get("version") == STATE_VERSION:
                self.state = loaded

    # -- baseline ---------------------------------------------------------------------------

    def baseline(self) -> tuple[list[str], list[str], float]:
        """(stable passing tests, flaky tests, seconds per full run), from one run per
        `HASH_SEEDS` entry: a test that passes in some runs only is flaky."""
        if self.state.get("baseline", {}).get("hash_seeds") != list(HASH_SEEDS):
            limits = Limits(timeout_s=600, test_timeout_s=600, cpu_s=600, memory_mb=1024)
            requests = [
                mining_request(
                    self.project.files,
                    self.project.test_roots,
                    pythonpath=self.project.pythonpath,
                    hash_seed=seed,
                    limits=limits,
                )  # fmt: skip
                for seed in HASH_SEEDS
            ]
            reports = [parse_report(r) for r in self.sandbox.run_many(requests)]
            if not all(r.ok for r in reports):
                raise MiningError(
                    f"{self.project.key}: the test suite did not run in the sandbox "
                    f"({', '.join(r.status for r in reports)}); its tests may need packages "
                    "the sandbox image lacks"
                )
            passed = [r.passed for r in reports]
            stable = sorted(set.intersection(*passed))
            flaky = sorted(set.union(*passed) - set(stable))
            seen = set().union(*(r.outcomes for r in reports))
            others = sorted(seen - set(stable) - set(flaky))
            self.state["baseline"] = {
                "stable": stable, "flaky": flaky, "others": others,
                "total": len(reports[0].outcomes),
                "seconds": max(r.duration_s for r in reports),
                "hash_seeds": list(HASH_SEEDS),
            }  # fmt: skip
            self._save()
        b = self.state["baseline"]
        if not b["stable"]:
            raise MiningError(f"{self.project.key}: no test passes in the sandbox")
        return b["stable"], b["flaky"], b["seconds"]

    # -- trials -----------------------------------------------------------------------------

    def candidates(self) -> list[tuple[str, Mutation, str]]:
        """(file, mutation, key) for every mutation of every source file, in the seed's order."""
        out = []
        for path in self.project.source_files:
            try:
                found = find_mutations(self.project.files[path])
            except SyntaxError:
                continue
            for m in found:
                digest = hashlib.sha1(m.replacement.encode()).hexdigest()[:8]
                key = f"{path}:{m.lineno}:{m.col}:{m.end_lineno}:{m.end_col}:{m.operator}:{digest}"
                out.append((path, m, key))
        rng = random.Random(f"{self.config.seed}/{self.project.key}")
        rng.shuffle(out)
        return out

    def run(self) -> tuple[list[Task], dict[str, Any], list[float]]:
        stable, flaky, seconds = self.baseline()
        total = self.state["baseline"]["total"]
        limit = max(60.0, 4 * seconds + 10)
        limits = Limits(timeout_s=limit, test_timeout_s=limit, cpu_s=limit, memory_mb=1024)
        trials: dict[str, Any] = self.state["trials"]
        kept = [k for k, t in trials.items() if t["verdict"] == "killed"]
        seen_texts = {t.get("text_hash") for t in trials.values()}
        candidates = self.candidates()

        def pending() -> Iterator[tuple[str, Mutation, str, str, str]]:
            # lazy: applying a mutation parses the file, and most runs stop long before the end
            for path, m, key in candidates:
                if key in trials:
                    continue
                try:
                    text = apply_mutation(self.project.files[path], m)
                except SyntaxError:
                    continue
                text_hash = hashlib.sha1(f"{path}\0{text}".encode()).hexdigest()
                if text_hash in seen_texts:
                    continue  # two operators made the same file
                seen_texts.add(text_hash)
                yield path, m, key, text, text_hash

        todo = pending()
        bar = _progress(self.project.key, self.config.max_trials, len(trials), self.progress)
        stable_set = set(stable)
        while len(kept) < self.config.max_tasks and len(trials) < self.config.max_trials:
            room = min(self.batch_size, self.config.max_trials - len(trials))
            batch = list(itertools.islice(todo, room))
            if not batch:
                break
            requests = [
                mining_request(
                    {**self.project.files, path: text},
                    self.project.test_roots,
                    pythonpath=self.project.pythonpath,
                    details=MAX_TESTS + 2,
                    failures_only=True,
                    limits=limits,
                )  # fmt: skip
                for path, _, _, text, _ in batch
            ]
            for (path, _m, key, _, text_hash), result in zip(
                batch, self.sandbox.run_many(requests), strict=True
            ):
                if result.status is Status.INFRA_ERROR:
                    raise MiningError(f"the sandbox failed while mining: {result.message}")
                report = parse_report(result)
                trial: dict[str, Any] = {"text_hash": text_hash, "file": path}
                if not report.ok:
                    trial["verdict"] = "timeout" if result.status is Status.TIMEOUT else "broken"
                elif report.errors or report.n_passed + len(report.outcomes) != total:
                    trial["verdict"] = "broken"  # collection changed: not a behaviour bug
                else:
                    failing = sorted(
                        t for t, o in report.outcomes.items()
                        if t in stable_set and o in ("failed", "error")
                    )  # fmt: skip
                    if not failing:
                        trial["verdict"] = "equivalent"
                    elif len(failing) > max(1, len(stable) // 2):
                        trial["verdict"] = "broken"  # breaks most of the suite
                    else:
                        trial["verdict"] = "killed"
                        trial["fail_to_pass"] = failing
                        trial["messages"] = {
                            t: report.messages[t] for t in failing if t in report.messages
                        }
                        kept.append(key)
                trials[key] = trial
            self._save()
            bar.update(len(batch))
        bar.close()
        by_key = {key: (path, m) for path, m, key in candidates}
        # a trial recorded under an older baseline may name tests that are no longer stable
        kept = [k for k in kept if k in by_key and set(trials[k]["fail_to_pass"]) & stable_set]
        tasks = [self.build_task(key, *by_key[key], stable, flaky) for key in kept]
        tasks = tasks[: self.config.max_tasks]
        tasks, latencies = self.check(tasks)
        verdicts = [t["verdict"] for t in trials.values()]
        stats = {
            "license": self.project.license,
            "tests": total,
            "stable": len(stable),
            "flaky": len(flaky),
            "trials": len(trials),
            **{v: verdicts.count(v) for v in ("killed", "equivalent", "broken", "timeout")},
            "tasks": len(tasks),
        }
        return tasks, stats, latencies

    # -- tasks ------------------------------------------------------------------------------

    def build_task(
        self, key: str, path: str, m: Mutation, stable: list[str], flaky: list[str]
    ) -> Task:
        trial = self.state["trials"][key]
        original = self.project.files[path]
        buggy = apply_mutation(original, m)
        rng = random.Random(f"{self.config.seed}/{key}")
        stable_set = set(stable)
        failing: list[str] = [t for t in trial["fail_to_pass"] if t in stable_set]
        f2p = sorted(rng.sample(failing, min(len(failing), self.config.max_fail_to_pass)))
        p2p = sample_pass_to_pass(
            [t for t in stable if t not in set(failing)],
            f2p,
            k=self.config.pass_to_pass,
            weight=self.config.same_module_weight,
            rng=rng,
        )
        changed = _changed_lines(original, buggy)
        messages = trial.get("messages", {})
        shown = [(t, messages.get(t, "")) for t in failing if t in messages] or [
            (t, "") for t in failing
        ]
        statement = build_statement(
            package=self.project.name,
            version=self.project.version,
            failures=shown,
            total_failing=len(failing),
            forbidden=changed,
            rng=rng,
        )
        split = (
            "test"
            if _norm(self.project.name) in {_norm(p) for p in self.config.test_packages}
            else "train"
        )
        digest = hashlib.sha1(f"{self.project.key}/{key}".encode()).hexdigest()[:10]
        return Task(
            id=f"{self.project.key}/{digest}",
            suite=self.config.suite_name,
            split=split,  # type: ignore[arg-type]
            kind="repo",
            prompt=statement,
            entry_point=ENTRY_POINT,
            runner=RUNNER_SOURCE,
            test_script=check_script([*f2p, *p2p], self.project.pythonpath),
            files={**self.project.files, path: buggy},
            reference_files={path: original},
            editable=self.project.editable,
            public_command=self._public_command(f2p, flaky),
            limits=Limits(
                timeout_s=self.config.task_timeout_s,
                test_timeout_s=self.config.task_timeout_s - 5,
                cpu_s=self.config.task_timeout_s - 5,
                memory_mb=1024,
            ),
            metadata={
                "source": "pypi",
                "package": self.project.name,
                "version": self.project.version,
                "license": self.project.license,
                "family": self.project.name,
                "difficulty": "easy"
                if len(failing) > 3
                else "medium"
                if len(failing) > 1
                else "hard",
                "mutation": {"file": path, "line": m.lineno, "operator": m.operator},
                "fail_to_pass": f2p,
                "pass_to_pass": p2p,
                "seed": self.config.seed,
            },
        )

    def _public_command(self, f2p: list[str], flaky: list[str]) -> str:
        """pytest on the failing tests' modules, with pytest's defaults as in grading, minus
        the tests that do not pass in the sandbox even unmutated."""
        modules = sorted({t.split("::")[0] for t in f2p})
        stable_ok = set(self.state["baseline"]["stable"])
        deselect = []
        for t in self._all_tests_of(modules):
            if t not in stable_ok:
                deselect.append(t)
        env = f"PYTHONPATH={':'.join(self.project.pythonpath)} " if self.project.pythonpath else ""
        parts = [f"{env}python3 -m pytest -q -c /dev/null --rootdir . -p no:cacheprovider"]
        parts += [_shell_quote(mod) for mod in modules]
        parts += [f"--deselect {_shell_quote(t)}" for t in deselect]
        return " ".join(parts)

    def _all_tests_of(self, modules: list[str]) -> list[str]:
        b = self.state["baseline"]
        names = set(b["stable"]) | set(b["flaky"]) | set(b.get("others", []))
        return sorted(t for t in names if t.split("::")[0] in modules and t not in b["stable"])

    def check(self, tasks: list[Task]) -> tuple[list[Task], list[float]]:
        """Grade each task's reference (must pass) and unfixed files (must fail) through the
        oracle path; keep the tasks that behave."""
        checked: dict[str, Any] = self.state["checked"]
        todo = [t for t in tasks if _check_key(t) not in checked]
        latencies: list[float] = []
        for start in range(0, len(todo), self.batch_size * 2):
            chunk = todo[start : start + self.batch_size * 2]
            requests = []
            for task in chunk:
                requests.append(task.grading_request(dict(task.reference_files)))
                requests.append(task.grading_request({}))
            results = self.sandbox.run_many(requests)
            for i, task in enumerate(chunk):
                ref, bug = results[2 * i], results[2 * i + 1]
                if Status.INFRA_ERROR in (ref.status, bug.status):
                    raise MiningError(f"the sandbox failed while checking {task.id}")
                checked[_check_key(task)] = {
                    "ok": ref.passed and not bug.passed,
                    "reference": str(ref.status),
                    "unfixed": str(bug.status),
                    "latency_s": [ref.latency_s, bug.latency_s],
                }
            self._save()
        for task in tasks:
            latencies.extend(checked[_check_key(task)]["latency_s"])
        return [t for t in tasks if checked[_check_key(t)]["ok"]], latencies

    def _save(self) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.state_path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.state, f)
        os.replace(tmp, self.state_path)


def _check_key(task: Task) -> str:
    """A task's check is reused only for the same hidden tests and runner."""
    digest = hashlib.sha1(f"{task.test_script}\0{task.runner}".encode()).hexdigest()[:12]
    return f"{task.id}/{digest}"


def sample_pass_to_pass(
    candidates: Sequence[str],
    fail_to_pass: Sequence[str],
    *,
    k: int,
    weight: float,
    rng: random.Random,
) -> list[str]:
    """`k` tests from `candidates` without replacement, each from a FAIL_TO_PASS test's module
    `weight` times likelier (Efraimidis-Spirakis: keep the k largest ``u ** (1 / w)``);
    returned sorted, so the same seed gives the same list."""
    modules = {t.split("::")[0] for t in fail_to_pass}
    keyed = []
    for test in sorted(candidates):
        w = weight if test.split("::")[0] in modules else 1.0
        keyed.append((rng.random() ** (1.0 / w), test))
    keyed.sort(reverse=True)
    return sorted(test for _, test in keyed[:k])


def _changed_lines(original: str, buggy: str) -> list[str]:
    """The stripped lines that differ between the two files (both sides), for `scrub`."""
    a, b = original.splitlines(), buggy.splitlines()
    changed = set(a) ^ set(b)
    return sorted(line.strip() for line in changed if len(line.strip()) >= 6)


def _splice(old: str, new: str) -> list[Any]:
    """[offset, length, text] turning `old` into `new` (the span between their common prefix
    and suffix), as ``files_splices`` stores a mutated file."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    return [start, len(old) - start - end, new[start : len(new) - end]]


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(name: str, total: int, done: int, show: bool) -> Any:
    if not show:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc=f"mining {name}", unit="mutant", file=sys.stderr)


def _write_suite(config: MineConfig, tasks: list[Task], snapshots: dict[str, Project]) -> None:
    """The suite file, and one snapshot per package version in ``<stem>.files/``: each
    task's record keeps only the files that differ from its snapshot."""
    stem, folder = suite_paths(config.out)
    folder.mkdir(parents=True, exist_ok=True)
    for key, project in snapshots.items():
        data = json.dumps(project.files, sort_keys=True, ensure_ascii=False).encode("utf-8")
        target = folder / f"{key}.json.gz"
        with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(data)
    runner_name = "runner.py"
    (folder / runner_name).write_text(RUNNER_SOURCE, encoding="utf-8")
    records = []
    for task in tasks:
        project = snapshots[f"{task.metadata['package']}-{task.metadata['version']}"]
        record = task_to_record(task)
        record["files_from"] = f"{stem}.files/{project.key}.json.gz"
        changed = {p: t for p, t in task.files.items() if project.files.get(p) != t}
        record["files"] = {}
        record["files_splices"] = {}
        for path, text in changed.items():
            if path in project.files:
                record["files_splices"][path] = _splice(project.files[path], text)
            else:
                record["files"][path] = text
        for key in ("files", "files_splices"):
            if not record[key]:
                del record[key]
        record["reference_files"] = {
            p: (None if project.files.get(p) == t else t) for p, t in task.reference_files.items()
        }
        if task.runner == RUNNER_SOURCE:
            del record["runner"]
            record["runner_from"] = f"{stem}.files/{runner_name}"
        records.append(record)
    write_jsonl(records, config.out)
