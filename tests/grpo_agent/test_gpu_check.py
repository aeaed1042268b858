"""`benchmarks/gpu_check.py` in its CPU dry mode: the script the GPU machine runs, end to end on a
tiny random-init model (one step through codegym/Function-v0 and the local sandbox)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_gpu_check_dry_run_reports_and_passes(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py", "--dry-run", "--steps", "1", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["ok"] and report["loss_finite"] and report["steps"] == 1
    assert report["first_ratio_max_abs_dev"] <= 1e-4
    assert report["generation_tokens_per_s"][0] > 0 and report["update_tokens_per_s"][0] > 0
