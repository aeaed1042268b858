"""Upstream formats, read from small hand-written files in each dataset's own field names."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

import pytest

from sandbox.base import CallTest, IOTest
from tasks.errors import DataSourceError, TaskFormatError, UntrustedDataError
from tasks.loaders import (
    humaneval_data_path,
    load_apps,
    load_codecontests,
    load_humaneval,
    load_livecodebench,
    load_mbpp,
)
from tasks.loaders.livecodebench import decode_test_cases
from tasks.loaders.mbpp import asserts_to_check, find_entry_point

FIXTURES = Path(__file__).parent / "fixtures"


def _run_check(task, source: str) -> None:
    """Run a task's test script against `source` in this process: only to show that the script
    the loader built is the right program (grading itself happens in the sandbox)."""
    scope: dict = {}
    exec(task.setup + "\n" + task.test_script, scope)  # noqa: S102 - our own fixture code
    candidate_scope: dict = {}
    exec(source, candidate_scope)  # noqa: S102
    scope["check"](candidate_scope[task.entry_point])


def test_packaged_humaneval() -> None:
    path = humaneval_data_path()
    assert path.name == "HumanEval.jsonl.gz" and path.parent.name == "data"
    tasks = load_humaneval()
    assert len(tasks) == 164
    t38 = next(t for t in tasks if t.id == "HumanEval/38")
    assert t38.entry_point == "decode_cyclic" and "def encode_cyclic" in t38.setup
    assert t38.reference_solution.startswith(t38.prompt)
    assert t38.metadata["prompt_is_code"] is True


def test_humaneval_format_file() -> None:
    tasks = load_humaneval(FIXTURES / "humaneval_mini.jsonl.gz", suite="mini")
    assert [t.id for t in tasks] == ["Mini/0", "Mini/1"]
    shift = tasks[1]
    assert (shift.kind, shift.split, shift.suite) == ("function", "test", "mini")
    assert shift.setup == shift.prompt and "METADATA" in tasks[0].test_script
    for task in tasks:  # the test scripts use prompt helpers (shift) and accept the reference
        _run_check(task, task.reference_solution)
    with pytest.raises(AssertionError):
        _run_check(shift, shift.prompt + "    return s\n")


def test_mbpp_original() -> None:
    tasks = load_mbpp(FIXTURES / "mbpp.jsonl")
    occ, square = tasks
    assert (occ.id, occ.entry_point, occ.split) == ("mbpp/11", "remove_Occ", "test")
    assert (square.split, square.metadata["mbpp_split"]) == ("train", "train")
    assert occ.test_script.startswith("def check(candidate):\n    remove_Occ = candidate\n")
    assert 'assert remove_Occ("hello","l") == "heo"' in occ.prompt
    assert square.test_script.startswith("import math\n")
    assert "\r" not in occ.reference_solution
    for task in tasks:
        _run_check(task, task.reference_solution)
    with pytest.raises(AssertionError):
        _run_check(occ, "def remove_Occ(s, ch):\n    return s[1:-1]\n")
    challenge = load_mbpp(FIXTURES / "mbpp.jsonl", include_challenge_tests=True)[0]
    assert challenge.test_script.count("assert") == 5


def test_mbpp_sanitized_json_array() -> None:
    tasks = load_mbpp(FIXTURES / "sanitized-mbpp.json", split="test")
    assert [t.entry_point for t in tasks] == ["similar_elements", "square_perimeter"]
    assert {t.split for t in tasks} == {"test"}
    assert tasks[1].test_script.startswith("import math")
    assert tasks[0].metadata["source"] == "google-research/mbpp-sanitized"
    for task in tasks:
        _run_check(task, task.reference_solution)


def test_mbpp_entry_point_and_script_helpers() -> None:
    # `set` and `math.isclose` are called too, but the function under test is the defined one
    asserts = ["assert set(f(1)) == {1}", "assert math.isclose(g(2), f(2))"]
    assert find_entry_point(asserts, "def f(x):\n    return [x]\n") == "f"
    assert find_entry_point(asserts) == "f"
    with pytest.raises(ValueError, match="cannot tell"):
        find_entry_point(["assert len([]) == 0"])
    with pytest.raises(ValueError, match="valid Python"):
        asserts_to_check(["assert f(1 == 2"], "f")


def test_apps_rows() -> None:
    with pytest.warns(UserWarning, match="skipped 1 LeetCode-style"):
        tasks = load_apps(FIXTURES / "apps.jsonl")
    stdio, call = tasks
    assert (stdio.id, stdio.kind, stdio.compare, stdio.split) == (
        "apps/4000",
        "stdio",
        "tokens",
        "test",
    )
    assert stdio.hidden_tests[1] == IOTest(stdin="10 -3\n", expected_stdout="7\n")
    assert stdio.metadata["difficulty"] == "easy" and "a, b" in stdio.reference_solution
    assert stdio.limits.test_timeout_s > 5
    assert (call.kind, call.entry_point) == ("function", "largest")
    assert call.hidden_tests == (
        CallTest(args=([1, 5, 2],), expected=5),
        CallTest(args=([-3],), expected=-3),
    )


def test_codecontests_rows() -> None:
    (task,) = load_codecontests(FIXTURES / "code_contests.jsonl", split="train")
    assert task.id == "codecontests/1000_A. Double It" and task.split == "train"
    assert [t.name for t in task.public_tests] == ["public/0"]
    assert len(task.hidden_tests) == 4  # public + private + generated
    assert task.reference_solution == "print(2 * int(input()))\n"  # the Python 3 one
    assert task.limits.test_timeout_s == 3.0  # 1.5 s x time_scale 2
    assert task.metadata["difficulty"] == "easy"
    cpp = load_codecontests(
        FIXTURES / "code_contests.jsonl", language="cpp", include_generated=False
    )[0]
    assert (
        cpp.language == "cpp" and "scanf" in cpp.reference_solution and len(cpp.hidden_tests) == 3
    )


def test_livecodebench_rows() -> None:
    with pytest.warns(UserWarning, match="skipped 1 functional"):
        tasks = load_livecodebench(FIXTURES / "livecodebench.jsonl")
    compressed, plain = tasks
    assert compressed.id == "livecodebench/abc999_a"
    assert all(isinstance(t, IOTest) for t in compressed.hidden_tests)
    stdins = [t.stdin for t in compressed.hidden_tests if isinstance(t, IOTest)]
    assert stdins == ["2 3\n", "4 5\n"]  # public + private
    assert compressed.public_tests == compressed.hidden_tests[:1]
    assert plain.metadata["platform"] == "codeforces" and plain.metadata["difficulty"] == "medium"


def test_livecodebench_refuses_pickles_that_reference_globals() -> None:
    class_ref = base64.b64encode(zlib.compress(pickle.dumps(Path("x")))).decode()
    with pytest.raises(UntrustedDataError, match="trust_pickle=True"):
        decode_test_cases(class_ref)
    plain = json.dumps([{"input": "1", "output": "1", "testtype": "stdin"}])
    packed = base64.b64encode(zlib.compress(pickle.dumps(plain))).decode()
    assert decode_test_cases(packed) == decode_test_cases(packed, trust_pickle=True)
    with pytest.raises(ValueError, match="neither JSON nor base64"):
        decode_test_cases("{oops")


def test_bad_rows_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "apps.jsonl"
    good = (FIXTURES / "apps.jsonl").read_text().splitlines()[0]
    path.write_text(good + "\n" + json.dumps({"problem_id": 1, "input_output": "{bad"}) + "\n")
    with pytest.raises(TaskFormatError, match=rf"{path}:2: field 'input_output' is not valid JSON"):
        load_apps(path)
    path.write_text(json.dumps({"task_id": 3, "text": "t", "code": "", "test_list": ["x"]}) + "\n")
    with pytest.raises(TaskFormatError, match=":1: .*cannot tell"):
        load_mbpp(path)


def test_missing_file_and_unreachable_hub_fail_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DataSourceError, match="no such file"):
        load_mbpp("/nonexistent/mbpp.jsonl")

    import datasets

    def offline(*args: object, **kwargs: object) -> None:
        raise ConnectionError("no network")

    # the hub is never contacted in tests: stand in for datasets' own failure when offline
    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataSourceError, match="download the dataset's files"):
        load_mbpp("google-research-datasets/mbpp")
