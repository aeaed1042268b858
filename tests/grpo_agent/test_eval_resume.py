"""``codegym eval --model`` resumes an interrupted run as ``--samples`` does: rows on disk of
the same model, tasks and settings are kept, a torn last line and partial tasks are scored
again, and a file of another run is refused."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from grpo_agent import eval_cli

pytestmark = [pytest.mark.docker]

STABLE = ("task_id", "sample", "completion", "passed", "status", "tests_passed", "eval_config")


def _eval(model: str, out: Path, *extra: str) -> int:
    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    argv = ["--suite", "codegym-functions", "--split", "test", "--limit", "3", "--k", "1",
            "--model", model, "--max-new-tokens", "6", "--out", str(out), *extra]  # fmt: skip
    return eval_cli.run(parser.parse_args(argv))


def _rows(out: Path) -> list[dict]:
    return [{k: r[k] for k in STABLE} for r in map(json.loads, out.read_text().splitlines())]


def test_an_interrupted_model_eval_resumes(
    tiny_model_folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.jsonl"
    sampled = ("--n-samples", "2", "--temperature", "0.7", "--compute-dtype", "float32")
    assert _eval(tiny_model_folder, out, *sampled) == 0
    whole = _rows(out)
    assert len(whole) == 6
    lines = out.read_text().splitlines(keepends=True)
    # a crash while the second task's rows were written: one of its two rows, then half a line
    out.write_text("".join(lines[:3]) + lines[3][:20])
    capsys.readouterr()
    assert _eval(tiny_model_folder, out, *sampled) == 0
    assert "resuming: 2 of 6 samples already scored" in capsys.readouterr().out
    # each answer drew from its own (seed, task, sample, turn) stream: the resumed rows are the
    # ones the uninterrupted run wrote, though they were generated in a smaller batch
    assert _rows(out) == whole


def test_a_results_file_of_other_settings_is_refused(
    tiny_model_folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.jsonl"
    assert _eval(tiny_model_folder, out) == 0
    assert _eval(tiny_model_folder, out, "--max-turns", "2") == 2
    assert "--overwrite" in capsys.readouterr().err
    assert _eval(tiny_model_folder, out, "--max-turns", "2", "--overwrite") == 0
