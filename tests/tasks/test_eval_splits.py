"""``codegym eval --split val,test``: several splits scored in one run and summarised apart."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from tasks import eval_cli
from tasks.registry import load_tasks


def test_parse_splits() -> None:
    assert eval_cli.parse_splits("val,test") == ("val", "test")
    assert eval_cli.parse_splits(" test ") == ("test",)
    for bad in ("dev", "val,val", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="comma-separated splits"):
            eval_cli.parse_splits(bad)


def test_load_split_tasks_keeps_the_order_of_the_splits() -> None:
    tasks = eval_cli.load_split_tasks("codegym-functions", ("test", "val"))
    splits = [t.split for t in tasks]
    assert splits == sorted(splits, key=("test", "val").index) and set(splits) == {"test", "val"}
    assert len(eval_cli.load_split_tasks("codegym-functions", None)) == len(
        load_tasks("codegym-functions")
    )
    limited = eval_cli.load_split_tasks("codegym-functions", ("val", "test"), limit=2)
    assert [t.split for t in limited] == ["val", "val", "test", "test"]
    assert len(eval_cli.load_split_tasks("codegym-functions", None, limit=3)) == 3


@pytest.mark.docker
def test_each_split_is_summarised_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    val = load_tasks("codegym-functions", split="val")[:6]
    test = load_tasks("codegym-functions", split="test")[:4]
    rows = [{"task_id": t.id, "solution": t.reference_solution} for t in val]
    rows += [{"task_id": t.id, "solution": "def nothing():\n    pass\n"} for t in test]
    samples, out = tmp_path / "samples.jsonl", tmp_path / "results.jsonl"
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    args = parser.parse_args(
        ["--suite", "codegym-functions", "--split", "val,test", "--samples", str(samples),
         "--out", str(out), "--sandbox", "docker", "--k", "1"]
    )  # fmt: skip
    assert eval_cli.run(args) == 0
    printed = capsys.readouterr().out
    assert "pass@1    0.6000" in printed  # 6 of 10 tasks
    val_size = len(load_tasks("codegym-functions", split="val"))
    assert (
        f"[val] pass@1    1.0000   95% CI [1.0000, 1.0000] (width 0.0000; {val_size} tasks)"
        in printed
    )
    assert "[test] pass@1    0.0000" in printed


def test_progress_off_a_terminal_is_a_line_now_and_then(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.eval_cli import LineProgress, progress_bar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert isinstance(progress_bar(10), LineProgress)
    quiet = LineProgress(10, initial=2, desc="eval before val", every_s=3600)
    quiet.update(3)
    quiet.update(5)  # the total: always reported
    assert capsys.readouterr().err.splitlines() == ["[eval before val] 10/10 samples (100%), 0 s"]
    chatty = LineProgress(4, every_s=0)
    chatty.update(1)
    chatty.update(3)
    assert [ln.split(",")[0] for ln in capsys.readouterr().err.splitlines()] == [
        "[scoring] 1/4 samples (25%)",
        "[scoring] 4/4 samples (100%)",
    ]
