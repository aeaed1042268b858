"""Suite files: values keep their types through a write and a read; bad files fail with file:line."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from sandbox.base import CallTest, IOTest, Limits
from tasks.errors import TaskFormatError
from tasks.io import dump_suite, iter_jsonl, load_suite, task_from_record, task_to_record
from tasks.literals import dump_literal, parse_literal, same_value
from tasks.schema import Task

TRICKY_VALUES = [
    (1, [2, 3]),
    [(1,), ()],
    {1, 2},
    frozenset({"a", "b"}),
    frozenset(),
    set(),
    b"\x00\xff",
    {"k": (1.5, None, True)},
    10**40,
    -0.0,
    float("inf"),
    -float("inf"),
    1 + 2j,
    -1.5 - 2j,
    "quote ' and \" and \n newline and é",
    [float("nan")],
]


@pytest.mark.parametrize("value", TRICKY_VALUES, ids=repr)
def test_literal_round_trip_keeps_types(value: object) -> None:
    back = parse_literal(dump_literal(value))
    assert same_value(value, back)


def test_same_value_is_type_strict() -> None:
    assert not same_value(1, 1.0)
    assert not same_value(1, True)
    assert not same_value((1, 2), [1, 2])
    assert not same_value(0.0, -0.0)
    assert same_value(float("nan"), float("nan"))


@pytest.mark.parametrize(
    "text", ["__import__('os').system('true')", "len([1])", "x", "[*a]", "{**d}", "1 if 1 else 2"]
)
def test_parse_literal_refuses_code(text: str) -> None:
    with pytest.raises(ValueError, match="literal"):
        parse_literal(text)


def test_dump_literal_refuses_custom_objects() -> None:
    class Point:
        pass

    with pytest.raises(ValueError, match="plain builtin"):
        dump_literal(Point())


def _function_task(**overrides: object) -> Task:
    fields: dict = dict(
        id="demo/1",
        suite="demo",
        split="train",
        kind="function",
        prompt="Add things.",
        entry_point="add",
        public_tests=(CallTest(args=((1, 2),), expected=3, name="pair"),),
        hidden_tests=(
            CallTest(args=(frozenset({1}), b"x"), expected={1: [math.inf]}, kwargs={"k": (1,)}),
        ),
        reference_solution="def add(*a, **k):\n    ...\n",
        limits=Limits(test_timeout_s=2.5, memory_mb=256),
        float_tol=1e-6,
        metadata={"difficulty": "easy", "tags": ["x"]},
    )
    fields.update(overrides)
    return Task(**fields)


def _stdio_task() -> Task:
    return Task(
        id="demo/io",
        suite="demo",
        split="test",
        kind="stdio",
        language="cpp",
        prompt="Echo.",
        hidden_tests=(IOTest(stdin="1\n", expected_stdout="1\n"),),
        compare="tokens",
    )


@pytest.mark.parametrize("name", ["suite.jsonl", "suite.jsonl.gz"])
def test_dump_then_load_gives_equal_tasks(tmp_path: Path, name: str) -> None:
    tasks = [_function_task(), _stdio_task()]
    path = tmp_path / name
    dump_suite(tasks, path)
    loaded = load_suite(path)
    assert loaded == tasks
    hidden = loaded[0].hidden_tests[0]
    assert isinstance(hidden, CallTest)
    assert type(hidden.args[0]) is frozenset and hidden.kwargs == {"k": (1,)}
    assert loaded[0].limits.test_timeout_s == 2.5 and loaded[0].limits.cpu_s == Limits().cpu_s
    assert not list(tmp_path.glob(".*tmp")), "the temporary file must be renamed away"


def test_record_leaves_defaults_out_and_stores_literals() -> None:
    record = task_to_record(_function_task())
    assert record["schema_version"] == 1
    assert record["limits"] == {"test_timeout_s": 2.5, "memory_mb": 256}
    assert record["hidden_tests"][0]["args"] == "(frozenset({1}), b'x')"
    assert "files" not in record and "test_script" not in record
    json.dumps(record)  # plain JSON


def test_gz_output_is_reproducible(tmp_path: Path) -> None:
    dump_suite([_stdio_task()], tmp_path / "a.jsonl.gz")
    dump_suite([_stdio_task()], tmp_path / "b.jsonl.gz")
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()


def _write_lines(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


GOOD = task_to_record(_stdio_task())


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "invalid JSON"),
        ({**GOOD, "schema_version": 2}, "newer than this codegym"),
        ({k: v for k, v in GOOD.items() if k != "schema_version"}, "'schema_version' must be 1"),
        ({**GOOD, "hiden_tests": []}, "did you mean 'hidden_tests'"),
        ({k: v for k, v in GOOD.items() if k != "prompt"}, "missing required field"),
        ({**GOOD, "kind": "quiz"}, "'kind' must be one of"),
        ({**GOOD, "limits": {"memory": 1}}, "did you mean 'memory_mb'"),
        ({**GOOD, "limits": {"memory_mb": 0}}, "memory_mb must be >= 1"),
        ({**GOOD, "hidden_tests": [{"args": "(1,)", "expected": "1"}]}, "hidden_tests[0]"),
        (
            {
                **task_to_record(_function_task()),
                "hidden_tests": [{"args": "[1]", "expected": "1"}],
            },
            "must be a tuple",
        ),
        (
            {
                **task_to_record(_function_task()),
                "hidden_tests": [{"args": "(x,)", "expected": "1"}],
            },
            "not a literal",
        ),
        ({**GOOD, "hidden_tests": []}, "needs 'hidden_tests'"),
        (GOOD, "duplicate task id"),
    ],
)
def test_bad_record_fails_with_file_and_line(tmp_path: Path, bad: object, message: str) -> None:
    path = _write_lines(tmp_path / "bad.jsonl", [GOOD, "", bad])
    with pytest.raises(TaskFormatError) as info:
        load_suite(path)
    assert str(info.value).startswith(f"{path}:3: ")
    assert message in str(info.value)


def test_corrupt_gzip_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:60])
    with pytest.raises(TaskFormatError, match="decompress"):
        list(iter_jsonl(path))
    (tmp_path / "plain.jsonl.gz").write_text("{}\n")
    with pytest.raises(TaskFormatError, match="not gzip"):
        load_suite(tmp_path / "plain.jsonl.gz")


def test_failed_dump_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "suite.jsonl"
    dump_suite([_stdio_task()], path)
    before = path.read_bytes()

    class Opaque:
        pass

    with pytest.raises(TaskFormatError, match="plain builtin"):
        dump_suite([_function_task(hidden_tests=(CallTest(args=(Opaque(),), expected=1),))], path)
    assert path.read_bytes() == before


def test_record_must_be_an_object() -> None:
    with pytest.raises(TaskFormatError, match="JSON object"):
        task_from_record([1, 2])


def test_write_interrupted_midway_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    from tasks.io import write_jsonl

    path = tmp_path / "rows.jsonl"
    write_jsonl([{"a": 1}], path)

    def rows():
        yield {"a": 2}
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_jsonl(rows(), path)
    assert path.read_text() == '{"a": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["rows.jsonl"]


def test_example_record_in_docs_loads() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "tasks.md"
    block = docs.read_text().split("```json\n", 1)[1].split("```", 1)[0]
    task = task_from_record(json.loads(block))
    assert task.hidden_tests[0] == CallTest(args=((1, 2), (3,)), expected=(1, 2, 3), name="tuples")
    second = task.hidden_tests[1]
    assert isinstance(second, CallTest) and second.kwargs == {"a": b"x", "b": b"y"}


def test_json_line_keeps_lone_surrogates_readable() -> None:
    from tasks.io import json_line

    plain = {"completion": "return 'é'"}
    assert json_line(plain) == '{"completion": "return \'é\'"}\n'  # readable UTF-8 when it can be
    odd = {"completion": "raise ValueError('\ud800')"}
    line = json_line(odd)
    line.encode("utf-8")  # strict
    assert json.loads(line) == odd


def test_json_spellings_in_a_literal_get_a_hint() -> None:
    with pytest.raises(ValueError, match="JSON's true: in Python it is True"):
        parse_literal("[1, true]")
    with pytest.raises(ValueError, match="in Python it is None"):
        parse_literal("{'a': null}")


def test_a_failing_reference_names_the_input_it_failed_on() -> None:
    import sandbox.base as sb
    from tasks.validate import build_checks

    task = Task(id="t", suite="s", split="train", kind="function", prompt="p", entry_point="f",
                public_tests=(CallTest(args=(1,), expected=2),),
                hidden_tests=(CallTest(args=(2,), expected=3),),
                reference_solution="def f(x):\n    return x + 1\n")  # fmt: skip
    checks, problems = build_checks(task)
    assert not problems
    by_name = {c.name: c for c in checks}
    reference = by_name["reference"]
    assert reference.request.details  # type: ignore[union-attr]
    assert not by_name["body `pass`"].request.details  # type: ignore[union-attr]  # kept hidden
    failing = sb.TestOutcome(False, sb.Status.FAILED, name="test 1", input="f(2)", expected="3",
                             got="4", message="wrong answer")  # fmt: skip
    result = sb.ExecResult(status=sb.Status.FAILED, tests=(failing,), tests_total=1)
    problem = reference.problem(result)
    assert "input f(2)" in problem and "expected 3, got 4" in problem
