"""``codegym tasks`` and ``codegym eval`` end to end, on the local sandbox backend (no Docker).

The candidates here are our own harmless fixtures; hostile code is tested on the docker backend
(test_tasks_eval_docker.py).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import ModuleType

import pytest

from sandbox.base import IOTest
from tasks import cli
from tasks.io import dump_suite
from tasks.loaders import load_humaneval
from tasks.schema import Task

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.filterwarnings("ignore:the local sandbox is not isolation")


def _main(module: ModuleType, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return module.run(parser.parse_args(list(argv)))


def _codegym(*argv: str) -> int:
    """The `codegym` command itself, so the wiring of its subcommands is tested too."""
    from grpo_agent.cli import main

    return main(list(argv))


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(cli, "list") == 0
    listing = capsys.readouterr().out
    assert any(line.split()[:2] == ["humaneval", "164"] for line in listing.splitlines())
    assert "test:164" in listing and "function:164" in listing

    assert _main(cli, "show", "humaneval", "HumanEval/38") == 0
    shown = capsys.readouterr().out
    assert "decode_cyclic" in shown and "hidden tests: test script" in shown

    assert _main(cli, "show", "humaneval", "HumanEval/38", "--json") == 0
    assert json.loads(capsys.readouterr().out)["entry_point"] == "decode_cyclic"

    assert _main(cli, "show", "humaneval", "HumanEval/388") == 2
    assert "HumanEval/38," in capsys.readouterr().err.split("Did you mean:")[1]

    assert _main(cli, "list", "no-such-suite") == 1


def _suite(tmp_path: Path, *, broken: bool) -> Path:
    mini = load_humaneval(FIXTURES / "humaneval_mini.jsonl.gz")
    add = mini[0]
    if broken:  # a reference that fails, and tests that `return None` passes
        add = Task(**{**add.__dict__, "reference_solution": add.prompt + "    return a - b\n"})
    weak = Task(
        id="weak/none",
        suite="x",
        split="train",
        kind="function",
        prompt="Return nothing.",
        entry_point="nothing",
        test_script="def check(candidate):\n    assert candidate() is None\n",
        reference_solution="def nothing():\n    return None\n",
    )
    echo = Task(
        id="io/echo",
        suite="x",
        split="train",
        kind="stdio",
        prompt="Echo a line.",
        hidden_tests=(IOTest(stdin="hi\n", expected_stdout="hi\n"),),
        public_tests=(IOTest(stdin="yo\n", expected_stdout="yo\n"),),
        reference_solution="print(input())\n",
    )
    repo = Task(
        id="repo/double",
        suite="x",
        split="test",
        kind="repo",
        prompt="double() is wrong.",
        entry_point="mathx.ops:double",
        files={"mathx/__init__.py": "", "mathx/ops.py": "def double(x):\n    return x + x + 1\n"},
        reference_files={"mathx/ops.py": "def double(x):\n    return 2 * x\n"},
        test_script="def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(0) == 0\n",
    )
    path = tmp_path / ("broken.jsonl" if broken else "good.jsonl")
    dump_suite([add, mini[1], echo, repo, *([weak] if broken else [])], path)
    return path


def test_validate_good_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _suite(tmp_path, broken=False)
    assert _main(cli, "validate", str(path), "--sandbox", "local") == 0
    out = capsys.readouterr().out
    assert "PROBLEM" not in out and "4 tasks" in out and ": OK" in out


def test_validate_reports_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _suite(tmp_path, broken=True)
    assert _main(cli, "validate", str(path), "--sandbox", "local") == 1
    problems = [line for line in capsys.readouterr().out.splitlines() if line.startswith("PROBLEM")]
    assert any(p.startswith("PROBLEM Mini/0 [reference]: failed") for p in problems)
    assert any(p.startswith("PROBLEM weak/none [body `return None`]: passed") for p in problems)
    assert any(p.startswith("PROBLEM weak/none [body `pass`]: passed") for p in problems)
    assert len(problems) == 3


def test_eval_scores_resumes_and_summarises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = tmp_path / "samples.jsonl"
    rows = [
        {"task_id": "Mini/0", "completion": "    return a + b\n"},
        {"task_id": "Mini/0", "completion": "    return a * b\n"},
        {"task_id": "Mini/1", "completion": "    return s\n"},
        {
            "task_id": "Mini/1",
            "solution": "def unshift(s):\n    return ''.join(chr(ord(c) - 1) for c in s)\n",
        },
    ]
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "results.jsonl"
    suite = f"humaneval:{FIXTURES / 'humaneval_mini.jsonl.gz'}"
    argv = ["--suite", suite, "--samples", str(samples), "--out", str(out), "--sandbox", "local"]
    assert _codegym("eval", *argv, "--k", "1,2,5", "--batch-size", "3") == 0
    printed = capsys.readouterr().out
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["passed"] for r in results] == [True, False, False, True]
    assert [r["status"] for r in results] == ["passed", "failed", "failed", "passed"]
    assert results[0]["tests_passed"] == results[0]["tests_total"] == 2
    assert results[3]["solution"].startswith("def unshift") and results[1]["duration_s"] >= 0
    assert "pass@1    0.5000" in printed and "pass@2    1.0000" in printed
    assert "pass@{5} skipped" in printed and "failed 2, passed 2" in printed

    assert _codegym("eval", *argv, "--k", "1") == 0  # everything is on disk: nothing re-run
    assert "resuming: 4 of 4" in capsys.readouterr().out
    assert [json.loads(line) for line in out.read_text().splitlines()] == results


def test_eval_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    samples = tmp_path / "samples.jsonl"
    samples.write_text('{"task_id": "HumanEval/0"}\n')
    argv = ["--suite", "humaneval", "--samples", str(samples), "--out", str(tmp_path / "o.jsonl")]
    assert _codegym("eval", *argv) == 2
    assert "samples.jsonl:1" in capsys.readouterr().err
    assert _codegym("eval", "--suite", "humaneva", "--samples", str(samples), "--out", "x") == 2
    assert "Did you mean 'humaneval'" in capsys.readouterr().err
