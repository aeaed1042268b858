"""Mining through the Docker sandbox, end to end, and the tricks specific to real projects.

A tiny project (conftest.py here) is mined into a suite; its tasks must validate (reference
passes, unfixed repository fails). Then each trick is submitted in place of a fix and must
score nothing; where a defence can be switched off (`Task.editable`, the runner's ignoring of
the project's pytest configuration), the same trick is shown to pass without it, so each test
fails if its defence goes missing (docs/sandbox.md, "Repository tasks mined from real
projects").
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from sandbox.base import Sandbox
from tasks.io import load_suite
from tasks.mining.mine import MineConfig, mine
from tasks.schema import Task
from tasks.validate import validate_tasks
from tests.tasks.mining.conftest import FILES, make_sdist

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory, docker_sandbox: Sandbox) -> dict:
    root = tmp_path_factory.mktemp("mined")
    make_sdist(root / "cache")
    config = MineConfig(
        packages=("tinycalc==1.0",), out=root / "bugs.jsonl", cache_dir=root / "cache",
        max_tasks=4, max_trials=24, seed=3,
    )  # fmt: skip
    summary = mine(config, docker_sandbox, progress=False)
    return {"config": config, "summary": summary, "tasks": load_suite(config.out)}


def test_mined_suite_validates(mined: dict, docker_sandbox: Sandbox) -> None:
    tasks: list[Task] = mined["tasks"]
    assert 2 <= len(tasks) <= 4
    stats = mined["summary"].per_package["tinycalc-1.0"]
    # the 3 cases of test_set_params change ids with the hash seed: never stable
    assert stats["stable"] == 8 and stats["flaky"] >= 3 and stats["license"] == "MIT"
    assert not any("test_set_params" in t for task in tasks for t in task.test_script.split("'"))
    report = validate_tasks(tasks, docker_sandbox)
    assert report.problems == ()
    for task in tasks:
        assert task.metadata["license"] == "MIT"
        assert set(task.metadata["fail_to_pass"]) <= set(task.test_script.split("'"))
        assert "tinycalc/ops.py" not in task.prompt and "@@" not in task.prompt
        (path,) = task.reference_files
        buggy = set(task.files[path].splitlines()) - set(task.reference_files[path].splitlines())
        assert not any(line.strip() in task.prompt for line in buggy if line.strip())


def test_mining_again_is_resumed_and_identical(mined: dict, docker_sandbox: Sandbox) -> None:
    config: MineConfig = mined["config"]
    before = config.out.read_bytes()
    state = config.cache_dir / "state" / "seed3" / "tinycalc-1.0.json"
    trials = len(json.loads(state.read_text())["trials"])

    class NoRuns:
        """Every trial and check is recorded: a resumed run must not need the sandbox."""

        def run_many(self, requests: object) -> list:
            raise AssertionError("the resumed run sent requests")

    mine(config, NoRuns(), progress=False)  # type: ignore[arg-type]
    assert config.out.read_bytes() == before
    assert len(json.loads(state.read_text())["trials"]) == trials


def _graded(sandbox: Sandbox, task: Task, solution: dict[str, str]) -> bool:
    return sandbox.run(task.grading_request(solution)).passed


def _pass_all_conftest() -> str:
    return (
        "import pytest\n\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_runtest_call(item):\n"
        "    item.runtest = lambda: None\n"
    )


def test_reference_through_an_edit_passes(mined: dict, docker_sandbox: Sandbox) -> None:
    task: Task = mined["tasks"][0]
    assert _graded(docker_sandbox, task, dict(task.reference_files))


@pytest.mark.parametrize("where", ["conftest.py", "tests/conftest.py", "tinycalc/conftest.py"])
def test_planted_conftest_is_dropped(mined: dict, docker_sandbox: Sandbox, where: str) -> None:
    task: Task = mined["tasks"][0]
    trick = {where: _pass_all_conftest()}
    assert not _graded(docker_sandbox, task, trick)
    if where != "tinycalc/conftest.py":  # not above this layout's tests: pytest skips it anyway
        assert _graded(docker_sandbox, dataclasses.replace(task, editable=()), trick)  # real trick


def test_conftest_above_the_repository_is_never_written(
    mined: dict, docker_sandbox: Sandbox
) -> None:
    task: Task = mined["tasks"][0]
    for where in ("../conftest.py", "tinycalc/../conftest.py", "/tmp/conftest.py"):
        assert not _graded(docker_sandbox, task, {where: _pass_all_conftest()}), where


def test_edited_or_emptied_tests_are_restored(mined: dict, docker_sandbox: Sandbox) -> None:
    task: Task = mined["tasks"][0]
    hidden = [*task.metadata["fail_to_pass"], *task.metadata["pass_to_pass"]]
    names = sorted({t.rpartition("::")[2].split("[")[0] for t in hidden})
    fake = "".join(f"def {n}():\n    pass\n\n" for n in names)
    for trick in ({"tests/test_ops.py": fake}, {"tests/test_ops.py": ""}):
        assert not _graded(docker_sandbox, task, trick)
    assert _graded(
        docker_sandbox, dataclasses.replace(task, editable=()), {"tests/test_ops.py": fake}
    )


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("setup.cfg", "[tool:pytest]\naddopts = -p tinycalc.forge\n"),
        ("pytest.ini", "[pytest]\naddopts = -p tinycalc.forge\n"),
        ("tox.ini", "[pytest]\naddopts = -p tinycalc.forge\n"),
        ("pyproject.toml", '[tool.pytest.ini_options]\naddopts = "-p tinycalc.forge"\n'),
    ],
)
def test_pytest_configuration_is_not_read(
    mined: dict, docker_sandbox: Sandbox, path: str, text: str
) -> None:
    """The plugin lives in the package (an editable path): only the configuration that loads
    it is the trick. The config file is restored, and the runner would not read it anyway."""
    task: Task = mined["tasks"][0]
    trick = {path: text, "tinycalc/forge.py": _pass_all_conftest()}
    assert not _graded(docker_sandbox, task, trick)
    assert not _graded(docker_sandbox, dataclasses.replace(task, editable=()), trick)
    # the same plugin, loaded the way the configuration asks, does forge a pass
    loaded = dataclasses.replace(
        task, editable=(), runner=task.runner.replace('"-c", os.devnull', '"-p", "tinycalc.forge"')
    )
    assert _graded(docker_sandbox, loaded, trick)


REGISTER_PLUGIN = (
    "import gc\nimport _pytest.config\n"
    "class Forge:\n"
    "    def pytest_runtest_call(self, item):\n"
    "        item.runtest = lambda: None\n"
    "for o in gc.get_objects():\n"
    "    if isinstance(o, _pytest.config.Config):\n"
    "        o.pluginmanager.register(Forge(), 'forge')\n"
    "from tinycalc.ops import clamp, mean, window\n"
)


PATCH_RUNTEST = (
    "import _pytest.python\n_pytest.python.Function.runtest = lambda self: None\n"
    "from tinycalc.ops import clamp, mean, window\n"
)


@pytest.mark.parametrize(
    ("init", "check"),
    [
        (REGISTER_PLUGIN, "or bool(_foreign_plugins(collector))"),
        (PATCH_RUNTEST, "_identities() != before or "),
    ],
    ids=["register-plugin", "patch-runtest"],
)
def test_forging_from_the_package_is_a_real_trick(
    mined: dict, docker_sandbox: Sandbox, init: str, check: str
) -> None:
    """Without the runner's check, these forge a pass; with it they fail (below)."""
    task: Task = mined["tasks"][0]
    unchecked = task.runner.replace(check, "")
    assert unchecked != task.runner
    trick = {"tinycalc/__init__.py": init}
    assert _graded(docker_sandbox, dataclasses.replace(task, runner=unchecked), trick)


@pytest.mark.parametrize(
    "init",
    [
        "import os\nos._exit(0)\n",
        "import sys\nsys.exit(0)\n",
        "import pytest\npytest.skip('short-circuit', allow_module_level=True)\n",
        "raise ImportError('short-circuit')\n",
        PATCH_RUNTEST,
        "import _pytest.runner\n_orig = _pytest.runner.call_and_report\n"
        "def call_and_report(item, when, log=True, **kw):\n"
        "    item.runtest = lambda: None\n"
        "    return _orig(item, when, log, **kw)\n"
        "_pytest.runner.call_and_report = call_and_report\n"
        "from tinycalc.ops import clamp, mean, window\n",
        REGISTER_PLUGIN,
    ],
    ids=[
        "os-exit",
        "sys-exit",
        "skip-module",
        "import-error",
        "patch-runtest",
        "patch-report",
        "register-plugin",
    ],  # fmt: skip
)
def test_package_init_short_circuits_fail(mined: dict, docker_sandbox: Sandbox, init: str) -> None:
    task: Task = mined["tasks"][0]
    assert not _graded(docker_sandbox, task, {"tinycalc/__init__.py": init})


def test_shadowing_pytest_is_dropped(mined: dict, docker_sandbox: Sandbox) -> None:
    task: Task = mined["tasks"][0]
    fake = "def main(*a, **k):\n    return 0\n"
    for where in ("pytest.py", "_pytest/__init__.py"):
        assert not _graded(docker_sandbox, task, {where: fake}), where


def test_suite_file_shares_one_snapshot(mined: dict) -> None:
    config: MineConfig = mined["config"]
    lines = [json.loads(line) for line in config.out.read_text().splitlines()]
    assert {r["files_from"] for r in lines} == {"bugs.files/tinycalc-1.0.json.gz"}
    assert {r["runner_from"] for r in lines} == {"bugs.files/runner.py"}
    for r in lines:  # the mutation as a splice of the snapshot's file, the reference by reference
        assert "files" not in r and "runner" not in r
        assert list(r["files_splices"]) == list(r["reference_files"]) == ["tinycalc/ops.py"]
        assert r["reference_files"] == {"tinycalc/ops.py": None}
    assert Path(config.out.parent / "bugs.files" / "tinycalc-1.0.json.gz").exists()


def test_swebench_instance_from_a_mined_task_validates(
    mined: dict, docker_sandbox: Sandbox, tmp_path: Path
) -> None:
    """The SWE-bench loader on a fixture made from a mined task: its repository written to
    disk, the fix as the instance's patch; the loaded task grades like the mined one."""
    from tasks.loaders.swebench import instance_from_task, load_swebench

    task: Task = mined["tasks"][0]
    instance = instance_from_task(task, repo="tinycalc/tinycalc")
    repo = tmp_path / "repos" / instance["instance_id"]
    for path, text in task.files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    (tmp_path / "instances.jsonl").write_text(json.dumps(instance) + "\n")
    (loaded,) = load_swebench(tmp_path / "instances.jsonl")
    assert dict(loaded.reference_files) == dict(task.reference_files)
    assert validate_tasks([loaded], docker_sandbox).problems == ()


def test_swebench_test_patch_is_graded_but_never_shown(
    docker_sandbox: Sandbox, tmp_path: Path
) -> None:
    from tasks.loaders.swebench import load_swebench
    from tests.tasks.mining.test_mining_swebench import BUGGY_OPS, _instance, _write_repo

    _write_repo(tmp_path / "repos" / "tinycalc__tinycalc", {**FILES, "tinycalc/ops.py": BUGGY_OPS})
    (tmp_path / "i.jsonl").write_text(json.dumps(_instance()) + "\n")
    (task,) = load_swebench(tmp_path / "i.jsonl")
    assert "tests/test_extra.py" not in task.files
    assert validate_tasks([task], docker_sandbox).problems == ()
    # an agent that writes the hidden test file itself gains nothing: it is not editable
    fake = {"tests/test_extra.py": "def test_window_three():\n    pass\n"}
    assert not _graded(docker_sandbox, task, fake)


def test_config_fields_change_the_suite(mined: dict, docker_sandbox: Sandbox) -> None:
    """max_tasks, pass_to_pass, test_packages, max_fail_to_pass and seed each change what is
    written (trials are reused from the cache; only new checks run)."""
    base: MineConfig = mined["config"]
    first = {t.id: t for t in mined["tasks"]}
    out = base.out.with_name("other.jsonl")
    config = dataclasses.replace(
        base, out=out, max_tasks=2, pass_to_pass=0, max_fail_to_pass=1,
        test_packages=("tinycalc",),
    )  # fmt: skip
    mine(config, docker_sandbox, progress=False)
    tasks = load_suite(out)
    assert len(tasks) == 2 and {t.id for t in tasks} <= set(first)
    for task in tasks:
        assert task.split == "test" and task.suite == "other"
        assert task.metadata["pass_to_pass"] == [] and len(task.metadata["fail_to_pass"]) == 1
        assert task.test_script != first[task.id].test_script
    reseeded = dataclasses.replace(base, out=base.out.with_name("seeded.jsonl"), seed=4)
    mine(reseeded, docker_sandbox, progress=False)
    assert [t.id for t in load_suite(reseeded.out)] != [t.id for t in mined["tasks"]]
