"""Unified diffs over in-memory repositories, and the SWE-bench-format loader on a fixture made
from a mined-style task (the tinycalc project with one bug), from a folder and a git checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tasks.errors import TaskFormatError
from tasks.loaders.patch import PatchError, apply_patch, make_patch, patched_paths
from tasks.loaders.swebench import instance_from_task, load_swebench
from tasks.registry import load_tasks
from tasks.schema import Task
from tests.tasks.mining.conftest import FILES

BUGGY_OPS = FILES["tinycalc/ops.py"].replace("range(0, len(xs) - n + 1)", "range(0, len(xs) - n)")
EXTRA_TEST = "from tinycalc import window\n\n\ndef test_window_three():\n    assert window([1, 2, 3], 3) == [[1, 2, 3]]\n"


def test_patch_round_trip_changes_adds_and_deletes() -> None:
    before = {"a.py": "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "gone.py": "x\n", "keep.py": "k\n"}
    after: dict[str, str | None] = {
        "a.py": "1\n2\nthree\n4\n5\n6\n7\n8\nnine\n",
        "new/b.py": "b\n",
        "gone.py": None,
    }
    patch = make_patch(before, after)
    assert patched_paths(patch) == ["a.py", "gone.py", "new/b.py"]
    assert apply_patch(before, patch) == after


def test_patch_finds_moved_context_and_refuses_a_mismatch() -> None:
    before = {"a.py": "x\ny\nz\n"}
    patch = make_patch(before, {"a.py": "x\nY\nz\n"})
    shifted = {"a.py": "0\n0\nx\ny\nz\n"}
    assert apply_patch(shifted, patch) == {"a.py": "0\n0\nx\nY\nz\n"}
    with pytest.raises(PatchError, match="does not match"):
        apply_patch({"a.py": "p\nq\nr\n"}, patch)
    with pytest.raises(PatchError, match="lacks"):
        apply_patch({}, patch)


def test_patch_without_final_newline() -> None:
    before = {"a.py": "x\ny"}
    patch = make_patch(before, {"a.py": "x\nz"})
    assert patch.count("\\ No newline at end of file") == 2
    assert apply_patch(before, patch) == {"a.py": "x\nz"}
    hand = "--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n"
    assert apply_patch(before, hand) == {"a.py": "x\nz"}


def _instance(**extra: object) -> dict:
    fixed = {"tinycalc/ops.py": FILES["tinycalc/ops.py"]}
    buggy = {**FILES, "tinycalc/ops.py": BUGGY_OPS}
    return {
        "instance_id": "tinycalc__tinycalc-1",
        "repo": "tinycalc/tinycalc",
        "base_commit": "local",
        "patch": make_patch(buggy, fixed),
        "test_patch": make_patch(buggy, {"tests/test_extra.py": EXTRA_TEST}),
        "FAIL_TO_PASS": json.dumps(
            ["tests/test_extra.py::test_window_three", "tests/test_ops.py::test_window"]
        ),  # fmt: skip
        "PASS_TO_PASS": ["tests/test_ops.py::test_mean"],
        "problem_statement": "window() drops the last window",
        **extra,
    }


def _write_repo(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_load_swebench_from_a_folder(tmp_path: Path) -> None:
    _write_repo(tmp_path / "repos" / "tinycalc__tinycalc", {**FILES, "tinycalc/ops.py": BUGGY_OPS})
    (tmp_path / "instances.jsonl").write_text(json.dumps(_instance()) + "\n")
    (task,) = load_tasks(f"swebench:{tmp_path / 'instances.jsonl'}")
    assert task.id == "tinycalc__tinycalc-1" and task.kind == "repo"
    assert task.files["tinycalc/ops.py"] == BUGGY_OPS
    assert "tests/test_extra.py" not in task.files  # the test patch stays hidden
    assert "def test_window_three" in task.test_script
    assert dict(task.reference_files) == {"tinycalc/ops.py": FILES["tinycalc/ops.py"]}
    assert task.prompt == "window() drops the last window\n"
    assert task.metadata["fail_to_pass"][0] == "tests/test_extra.py::test_window_three"
    request = task.grading_request({"tests/test_extra.py": "def test_window_three():\n    pass\n",
                                    "tinycalc/ops.py": "fixed"})  # fmt: skip
    assert "tests/test_extra.py" not in request.files  # type: ignore[union-attr]
    assert request.files["tinycalc/ops.py"] == "fixed"  # type: ignore[union-attr]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_load_swebench_from_a_git_checkout_at_base_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repos" / "tinycalc__tinycalc"
    _write_repo(repo, {**FILES, "tinycalc/ops.py": BUGGY_OPS})

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                              text=True, env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                                              "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
                                              "HOME": str(tmp_path)}).stdout.strip()  # fmt: skip

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    base = git("rev-parse", "HEAD")
    (repo / "tinycalc" / "ops.py").write_text("changed after the base commit\n")
    git("commit", "-qam", "later")
    (tmp_path / "i.jsonl").write_text(json.dumps(_instance(base_commit=base)) + "\n")
    (task,) = load_swebench(tmp_path / "i.jsonl", repos_dir=tmp_path / "repos")
    assert task.files["tinycalc/ops.py"] == BUGGY_OPS


def test_load_swebench_says_where_the_repository_goes(tmp_path: Path) -> None:
    (tmp_path / "i.jsonl").write_text(json.dumps(_instance()) + "\n")
    with pytest.raises(TaskFormatError, match="tinycalc__tinycalc"):
        load_swebench(tmp_path / "i.jsonl")
    (tmp_path / "j.jsonl").write_text(json.dumps(_instance(FAIL_TO_PASS="[]")) + "\n")
    with pytest.raises(TaskFormatError, match="names no test"):
        load_swebench(tmp_path / "j.jsonl")


def test_instance_from_task_round_trips() -> None:
    task = Task(
        id="tinycalc-1.0/abc", suite="s", split="train", kind="repo", prompt="p\n",
        entry_point="run", runner="R", test_script="S",
        files={**FILES, "tinycalc/ops.py": BUGGY_OPS},
        reference_files={"tinycalc/ops.py": FILES["tinycalc/ops.py"]},
        metadata={"fail_to_pass": ["tests/test_ops.py::test_window"], "pass_to_pass": []},
    )  # fmt: skip
    instance = instance_from_task(task, repo="tinycalc/tinycalc")
    assert instance["instance_id"] == "tinycalc-1.0__abc"
    assert apply_patch(task.files, instance["patch"]) == dict(task.reference_files)
