"""SWE-bench-format instances over repositories on local disk, as repo tasks.

    tasks = load_swebench("instances.jsonl", repos_dir="snapshots/")
    tasks = load_tasks("swebench:instances.jsonl")  # repositories in repos/ beside the file

An instance has ``instance_id``, ``repo`` (``owner/name``), ``base_commit``, ``patch`` (the
fix), ``test_patch`` (the tests that check it), ``FAIL_TO_PASS`` and ``PASS_TO_PASS`` (pytest
node ids; JSON lists, or strings holding them as upstream ships them) and optionally
``problem_statement``. No network is used: the repository at ``base_commit`` is read from
``repos_dir``, trying ``<instance_id>/``, ``<owner>__<name>/`` and ``<owner>/<name>/``. A git
checkout there is read at ``base_commit`` (``git archive``); any other folder is taken as the
snapshot itself.

The task: `files` = the repository at the base commit, text files only (the agent sees these);
`reference_files` = the files `patch` changes, patched; hidden tests = FAIL_TO_PASS +
PASS_TO_PASS, graded as mined tasks are (`tasks.mining.grading`), with the files of
`test_patch` written by the runner just before pytest starts, so the agent never sees them.
Editable: every path except tests, conftest.py and pytest configuration.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sandbox.base import Limits
from tasks.errors import TaskFormatError
from tasks.loaders._source import Row, read_rows
from tasks.loaders.patch import PatchError, apply_patch, patched_paths
from tasks.mining.grading import ENTRY_POINT, RUNNER_SOURCE, check_script
from tasks.schema import Task

__all__ = ["load_swebench", "read_repository"]

_MAX_FILE_BYTES = 1 << 20
_SKIP_DIRS = {".git", ".hg", ".tox", ".venv", "node_modules", "__pycache__", ".mypy_cache"}
EDITABLE = (
    "*",
    "!*conftest.py",
    "!setup.cfg",
    "!pyproject.toml",
    "!tox.ini",
    "!pytest.ini",
    "!tests/*",
    "!*/tests/*",
    "!test/*",
    "!*/test/*",
    "!*test_*.py",
    "!*_test.py",
)
"""What the agent's edits may change in a SWE-bench task (see `Task.editable`)."""


def load_swebench(
    source: str | os.PathLike[str],
    *,
    repos_dir: str | os.PathLike[str] | None = None,
    suite: str = "swebench",
    split: str = "test",
    timeout_s: float = 120.0,
) -> list[Task]:
    """Tasks from the SWE-bench instances in `source`; see the module docstring."""
    repos = Path(repos_dir) if repos_dir is not None else Path(source).parent / "repos"
    tasks = []
    for row in read_rows(source):
        tasks.append(_task(row, repos, suite=suite, split=split, timeout_s=timeout_s))
    return tasks


def _task(row: Row, repos: Path, *, suite: str, split: str, timeout_s: float) -> Task:
    data = row.data
    for key in ("instance_id", "repo", "base_commit", "patch", "FAIL_TO_PASS"):
        if not isinstance(data.get(key), str) and key != "FAIL_TO_PASS":
            raise row.fail(f"{key!r} must be a string")
    instance_id, repo = str(data["instance_id"]), str(data["repo"])
    f2p, p2p = _ids(row, "FAIL_TO_PASS"), _ids(row, "PASS_TO_PASS")
    if not f2p:
        raise row.fail("'FAIL_TO_PASS' names no test")
    where = _find_repo(repos, instance_id, repo)
    if where is None:
        raise row.fail(
            f"no repository for {instance_id}: put its snapshot at base_commit in "
            f"{repos}/{instance_id}/ or {repos}/{repo.replace('/', '__')}/ (a git checkout works)"
        )
    files = read_repository(where, str(data["base_commit"]))
    try:
        fixed = apply_patch(files, str(data["patch"]))
        hidden = apply_patch(files, str(data.get("test_patch") or ""))
    except PatchError as exc:
        raise row.fail(f"{instance_id}: {exc}") from None
    test_paths = patched_paths(str(data.get("test_patch") or ""))
    editable = EDITABLE + tuple(f"!{p}" for p in test_paths)
    prompt = str(data.get("problem_statement") or "").strip() or (
        f"Tests {', '.join(f2p[:3])} fail in {repo}. Fix the code so that they pass."
    )
    return Task(
        id=instance_id,
        suite=suite,
        split=split,  # type: ignore[arg-type]
        kind="repo",
        prompt=prompt + "\n",
        entry_point=ENTRY_POINT,
        runner=RUNNER_SOURCE,
        test_script=check_script(
            [*f2p, *p2p], files={p: t for p, t in hidden.items() if t is not None}
        ),
        files=files,
        reference_files={p: t for p, t in fixed.items() if t is not None},
        editable=editable,
        limits=Limits(
            timeout_s=timeout_s,
            test_timeout_s=timeout_s - 5,
            cpu_s=timeout_s - 5,
            memory_mb=1024,
        ),  # fmt: skip
        metadata={
            "source": "swebench",
            "repo": repo,
            "base_commit": data["base_commit"],
            "fail_to_pass": f2p,
            "pass_to_pass": p2p,
            **({"license": data["license"]} if isinstance(data.get("license"), str) else {}),
        },
    )


def _ids(row: Row, key: str) -> list[str]:
    value: Any = row.data.get(key, [])
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            raise row.fail(f"{key!r} must be a JSON list of test ids") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise row.fail(f"{key!r} must be a list of test ids")
    return list(value)


def _find_repo(repos: Path, instance_id: str, repo: str) -> Path | None:
    for candidate in (repos / instance_id, repos / repo.replace("/", "__"), repos / repo):
        if candidate.is_dir():
            return candidate
    return None


def read_repository(where: Path, commit: str = "") -> dict[str, str]:
    """The text files of a repository: of a git checkout at `commit` (``git archive``), else of
    the folder as it is. Binary files, files over 1 MiB and tool folders are left out."""
    if (where / ".git").exists() and commit:
        proc = subprocess.run(
            ["git", "-C", str(where), "archive", "--format=tar", commit],
            capture_output=True, timeout=300,
        )  # fmt: skip
        if proc.returncode != 0:
            raise TaskFormatError(
                f"git archive {commit} in {where} failed: {proc.stderr.decode()[-300:]}"
            )
        files: dict[str, str] = {}
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tf:
            for member in tf.getmembers():
                if member.isfile() and member.size <= _MAX_FILE_BYTES:
                    handle = tf.extractfile(member)
                    text = _decode(handle.read()) if handle else None
                    if text is not None:
                        files[member.name] = text
        return files
    files = {}
    for root, dirs, names in os.walk(where):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(names):
            path = Path(root) / name
            if path.is_symlink() or path.stat().st_size > _MAX_FILE_BYTES:
                continue
            text = _decode(path.read_bytes())
            if text is not None:
                files[path.relative_to(where).as_posix()] = text
    return files


def _decode(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def instance_from_task(task: Task, *, repo: str, base_commit: str = "local") -> dict[str, Any]:
    """A SWE-bench instance for a mined repo task (its repository is `task.files`): the fix as
    `patch`, no test patch (the tests are already in the repository)."""
    from tasks.loaders.patch import make_patch

    meta: Mapping[str, Any] = task.metadata
    return {
        "instance_id": task.id.replace("/", "__"),
        "repo": repo,
        "base_commit": base_commit,
        "patch": make_patch(task.files, dict(task.reference_files)),
        "test_patch": "",
        "FAIL_TO_PASS": json.dumps(list(meta.get("fail_to_pass", []))),
        "PASS_TO_PASS": json.dumps(list(meta.get("pass_to_pass", []))),
        "problem_statement": task.prompt,
    }
