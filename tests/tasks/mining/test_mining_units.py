"""Mining without Docker: the project reader, the files a grading request carries, the shared
snapshots of a suite file, the statement, the PASS_TO_PASS sample, and the pytest runner run
in a subprocess on this machine."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.errors import TaskFormatError
from tasks.io import load_suite, task_from_record, task_to_record, write_jsonl
from tasks.mining.grading import RUNNER_SOURCE, check_script
from tasks.mining.mine import sample_pass_to_pass, suite_paths
from tasks.mining.project import MiningError, fetch_sdist, read_project, unpack
from tasks.mining.statement import build_statement, scrub
from tasks.schema import Task, graded_files, is_editable

# -- project ------------------------------------------------------------------------------------


def test_read_project_finds_code_tests_and_licence(tiny_cache: Path) -> None:
    archive = fetch_sdist("tinycalc==1.0", tiny_cache)  # cached: pip is never asked
    project = read_project(unpack(archive, tiny_cache))
    assert (project.name, project.version, project.license) == ("tinycalc", "1.0", "MIT")
    assert project.source_files == ("tinycalc/__init__.py", "tinycalc/ops.py")
    assert project.test_files == ("tests/__init__.py", "tests/test_ops.py")
    assert project.test_roots == ("tests",)
    assert project.pythonpath == ()
    assert project.editable == ("tinycalc/*.py", "!tests/*", "!*conftest.py")
    assert "setup.cfg" not in project.files  # not needed to run the tests


def test_read_project_src_layout_and_no_tests(tmp_path: Path) -> None:
    root = tmp_path / "p-1"
    (root / "src" / "p").mkdir(parents=True)
    (root / "src" / "p" / "__init__.py").write_text("X = 1\n")
    with pytest.raises(MiningError, match="ships no tests"):
        read_project(root)
    (root / "test_p.py").write_text("def test_x():\n    pass\n")
    project = read_project(root)
    assert project.pythonpath == ("src",)
    assert project.editable == ("src/p/*.py", "!test_p.py", "!*conftest.py")
    assert project.test_roots == ("test_p.py",)


def test_fetch_sdist_refuses_odd_specs(tmp_path: Path) -> None:
    with pytest.raises(MiningError, match="NAME or NAME==VERSION"):
        fetch_sdist("x; rm -rf /", tmp_path)


# -- graded files -------------------------------------------------------------------------------

EDITABLE = ("pkg/*.py", "!pkg/tests/*", "!*conftest.py")


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("pkg/mod.py", True),
        ("pkg/sub/mod.py", True),
        ("pkg/tests/test_mod.py", False),
        ("pkg/conftest.py", False),
        ("conftest.py", False),
        ("setup.cfg", False),
        ("pytest.py", False),
        ("pkg/../conftest.py", False),
        ("../conftest.py", False),
        ("/tmp/conftest.py", False),
        ("pkg//mod.py", False),
        ("./pkg/mod.py", False),
        ("pkg\\mod.py", False),
        ("", False),
    ],
)
def test_is_editable(path: str, ok: bool) -> None:
    assert is_editable(path, EDITABLE) is ok


def test_graded_files_keep_shipped_tests_and_drop_new_files() -> None:
    files = {"pkg/mod.py": "bug", "pkg/tests/test_mod.py": "tests", "setup.cfg": "cfg"}
    solution = {
        "pkg/mod.py": "fix",
        "pkg/tests/test_mod.py": "def test_x(): pass",
        "setup.cfg": "[tool:pytest]\naddopts = -p evil",
        "conftest.py": "evil",
        "pkg/new.py": "helper",
    }
    assert graded_files(files, solution, EDITABLE) == {
        "pkg/mod.py": "fix",
        "pkg/tests/test_mod.py": "tests",
        "setup.cfg": "cfg",
        "pkg/new.py": "helper",
    }
    assert graded_files(files, solution, ())["conftest.py"] == "evil"  # no patterns: all edits


def test_repo_grading_request_uses_runner_and_editable() -> None:
    task = Task(
        id="t", suite="s", split="train", kind="repo", prompt="p", entry_point="run",
        runner="def run(spec):\n    return {}\n", test_script=check_script(["tests/t.py::a"]),
        files={"pkg/m.py": "bug", "tests/t.py": "x"}, editable=EDITABLE,
    )  # fmt: skip
    request = task.grading_request({"pkg/m.py": "fix", "tests/t.py": "y"})
    assert request.source == task.runner  # type: ignore[union-attr]
    assert dict(request.files) == {"pkg/m.py": "fix", "tests/t.py": "x"}  # type: ignore[union-attr]


def test_editable_and_runner_round_trip_and_are_checked() -> None:
    task = Task(
        id="t", suite="s", split="train", kind="repo", prompt="p", entry_point="run",
        runner="R", test_script="def check(c):\n    pass\n", files={"a.py": ""},
        editable=("a.py", "!b.py"),
    )  # fmt: skip
    record = task_to_record(task)
    assert record["editable"] == ["a.py", "!b.py"] and record["runner"] == "R"
    assert task_from_record(record) == task
    with pytest.raises(TaskFormatError, match="editable"):
        task_from_record({**record, "editable": "a.py"})


def test_files_from_shares_a_snapshot(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "s.files").mkdir()
    with gzip.open(tmp_path / "s.files" / "p-1.json.gz", "wt") as f:
        json.dump({"a.py": "shared", "b.py": "shared b"}, f)
    base = {"schema_version": 1, "suite": "s", "split": "train", "kind": "repo", "prompt": "p",
            "test_script": "def check(c):\n    pass\n", "files_from": "s.files/p-1.json.gz"}  # fmt: skip
    (tmp_path / "s.files" / "runner.py").write_text("def run(spec):\n    return {}\n")
    write_jsonl(
        [
            {**base, "id": "one", "files": {"a.py": "mutated"}},
            {**base, "id": "two", "files_splices": {"b.py": [7, 1, "B!"]},
             "reference_files": {"b.py": None}, "runner_from": "s.files/runner.py"},
        ],
        tmp_path / "s.jsonl",
    )  # fmt: skip
    one, two = load_suite(tmp_path / "s.jsonl")
    assert dict(one.files) == {"a.py": "mutated", "b.py": "shared b"}
    assert dict(two.files) == {"a.py": "shared", "b.py": "shared B!"}
    assert dict(two.reference_files) == {"b.py": "shared b"}
    assert two.runner == "def run(spec):\n    return {}\n" and one.runner == ""
    for bad, why in (
        ({"files_from": "../x.json"}, "relative path"),
        ({"files_from": "s.files/none.json.gz"}, "no such file"),
        ({"files_splices": {"b.py": [7, 99, "x"]}}, "within the file"),
        ({"files_splices": {"c.py": [0, 0, "x"]}}, "within the file"),
        ({"reference_files": {"c.py": None}}, "snapshot lacks it"),
        ({"runner_from": "s.files/missing.py"}, "cannot read it"),
    ):
        write_jsonl([{**base, "id": "x", **bad}], tmp_path / "bad.jsonl")
        with pytest.raises(TaskFormatError, match=why):
            load_suite(tmp_path / "bad.jsonl")
    no_snapshot = {k: v for k, v in base.items() if k != "files_from"}
    write_jsonl([{**no_snapshot, "id": "y", "files": {"a.py": ""},
                  "files_splices": {"a.py": [0, 0, ""]}}], tmp_path / "bad.jsonl")  # fmt: skip
    with pytest.raises(TaskFormatError, match="need 'files_from'"):
        load_suite(tmp_path / "bad.jsonl")
    assert suite_paths(tmp_path / "s.jsonl.gz") == ("s", tmp_path / "s.files")


# -- check script -------------------------------------------------------------------------------


def test_check_script_has_one_assert_per_test() -> None:
    script = check_script(["t.py::a", "t.py::b[x'y]"], ["src"])
    tree = ast.parse(script)
    check = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    asserts = [s for s in check.body if isinstance(s, ast.Assert)]
    assert len(asserts) == 2

    def run_check(report: object) -> list[bool]:
        ns: dict = {}
        exec(script, ns)
        outcomes = []
        for stmt in asserts:  # each assert alone, as the oracle records them
            body = ast.Module(body=[*check.body[:3], stmt], type_ignores=[])
            fn = ast.FunctionDef(name="one", args=check.args, body=body.body, decorator_list=[])
            mod = ast.fix_missing_locations(ast.Module(body=[fn], type_ignores=[]))
            exec(compile(mod, "x", "exec"), ns)
            try:
                ns["one"](lambda spec: report)
                outcomes.append(True)
            except AssertionError:
                outcomes.append(False)
        return outcomes

    ok = {"outcomes": {"t.py::a": "passed", "t.py::b[x'y]": "passed"}}
    assert run_check(ok) == [True, True]
    assert run_check({"outcomes": {"t.py::a": "passed", "t.py::b[x'y]": "skipped"}}) == [
        True,
        False,
    ]
    assert run_check({"outcomes": {}}) == [False, False]  # nothing collected
    assert run_check("passed") == [False, False]


# -- the runner, on this machine ----------------------------------------------------------------


def _run_runner(root: Path, spec: dict) -> dict:
    (root / "_codegym_runner.py").write_text(RUNNER_SOURCE)
    (root / "_codegym_spec.json").write_text(json.dumps(spec))
    proc = subprocess.run(
        [sys.executable, "_codegym_runner.py"], cwd=root, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    from sandbox.base import ExecResult, Status
    from tasks.mining.grading import parse_report

    report = parse_report(ExecResult(status=Status.PASSED, stdout=proc.stdout))
    assert report.ok, proc.stdout + proc.stderr
    return {"outcomes": report.outcomes, "errors": report.errors, "n_passed": report.n_passed,
            "messages": report.messages}  # fmt: skip


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_runner_reports_outcomes_and_ignores_project_config(tmp_path: Path) -> None:
    from tests.tasks.mining.conftest import FILES

    _write(tmp_path, FILES)
    # the project's own configuration would deselect everything: the runner does not read it
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -k nothing_matches\n")
    ops = FILES["tinycalc/ops.py"].replace("if x < lo:", "if x <= lo - 1:")
    _write(tmp_path, {"tinycalc/ops.py": ops.replace("return sum(xs) / len(xs)", "return 0")})
    got = _run_runner(tmp_path, {"tests": ["tests"], "details": 5, "failures_only": True})
    assert got["outcomes"] == {"tests/test_ops.py::test_mean": "failed"}
    assert got["n_passed"] == 10
    assert "assert 0 == 3" in got["messages"]["tests/test_ops.py::test_mean"]
    assert "ops.py" not in got["messages"]["tests/test_ops.py::test_mean"]


def test_runner_reports_collection_errors_and_tampering(tmp_path: Path) -> None:
    from tests.tasks.mining.conftest import FILES

    _write(tmp_path, {**FILES, "tinycalc/__init__.py": "raise ImportError('broken')\n"})
    got = _run_runner(tmp_path, {"tests": ["tests"]})
    assert got["outcomes"] == {} and "tests/test_ops.py" in got["errors"]
    forge = (
        "import _pytest.python\n"
        "_pytest.python.Function.runtest = lambda self: None\n"
        "from tinycalc.ops import clamp, mean, window\n"
    )
    ops = FILES["tinycalc/ops.py"].replace("return sum(xs) / len(xs)", "return 0")
    _write(tmp_path, {"tinycalc/__init__.py": forge, "tinycalc/ops.py": ops})
    got = _run_runner(tmp_path, {"tests": ["tests"]})
    assert got["outcomes"] == {} and "<runner>" in got["errors"]


# -- statement and sample -----------------------------------------------------------------------


def test_scrub_drops_locations_diffs_and_the_changed_code() -> None:
    message = "\n".join([
        "AssertionError: assert [1, 2] == [1, 2, 3]",
        "  Right contains one more item: 3",
        "  Full diff:",
        "  - [1, 2, 3]",
        "  + [1, 2]",
        "  +  where [1, 2] = <function window>([1, 2, 3], 2)",
        "tinycalc/ops.py:12: in window",
        "    return [xs[i : i + n] for i in range(0, len(xs) - n)]",
        "@@ -1 +1 @@",
    ])  # fmt: skip
    assert scrub(message, forbidden=["return [xs[i : i + n] for i in range(0, len(xs) - n)]"]) == [
        "AssertionError: assert [1, 2] == [1, 2, 3]",
        "  Right contains one more item: 3",
        "  where [1, 2] = <function window>([1, 2, 3], 2)",
    ]


def test_build_statement_is_seeded_and_has_no_diff_lines() -> None:
    args = dict(
        package="tinycalc", version="1.0",
        failures=[("tests/test_ops.py::test_mean", "AssertionError: assert 0 == 3\n+ 0\n- 3")],
        total_failing=3, forbidden=["return 0"],
    )  # fmt: skip
    a = build_statement(**args, rng=random.Random(1))  # type: ignore[arg-type]
    assert a == build_statement(**args, rng=random.Random(1))  # type: ignore[arg-type]
    assert "tests/test_ops.py::test_mean" in a and "assert 0 == 3" in a
    assert "2 other tests fail too." in a
    assert not [ln for ln in a.splitlines() if ln.startswith(("+", "-", "@@"))]


def test_sample_pass_to_pass_is_seeded_bounded_and_weighted() -> None:
    near = [f"tests/test_a.py::t{i}" for i in range(50)]
    far = [f"tests/test_b.py::t{i}" for i in range(50)]
    pick = sample_pass_to_pass(near + far, ["tests/test_a.py::x"], k=10, weight=4.0,
                               rng=random.Random(7))  # fmt: skip
    assert pick == sample_pass_to_pass(far + near, ["tests/test_a.py::x"], k=10, weight=4.0,
                                       rng=random.Random(7))  # fmt: skip
    assert len(pick) == 10 == len(set(pick)) and pick == sorted(pick)
    share = (
        sum(
            t.startswith("tests/test_a.py")
            for seed in range(200)
            for t in sample_pass_to_pass(
                near + far, ["tests/test_a.py::x"], k=10, weight=4.0, rng=random.Random(seed)
            )  # fmt: skip
        )
        / 2000
    )
    assert share > 0.7  # 4:1 weights over equal pools: about 0.78 expected
    even = (
        sum(
            t.startswith("tests/test_a.py")
            for seed in range(200)
            for t in sample_pass_to_pass(
                near + far, ["tests/test_a.py::x"], k=10, weight=1.0, rng=random.Random(seed)
            )  # fmt: skip
        )
        / 2000
    )
    assert 0.4 < even < 0.6
    assert sample_pass_to_pass(near[:3], [], k=10, weight=4.0, rng=random.Random(0)) == near[:3]
