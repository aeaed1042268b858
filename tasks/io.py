"""Suite files: one `Task` per line of JSONL, schema version 1 (``docs/tasks.md`` has every field).

A record is a JSON object with ``"schema_version": 1`` and the `Task` fields. Values that JSON
would blur are written so their types survive:

- `CallTest`: ``{"args": "(1, [2, 3])", "expected": "(4, 5)", "kwargs": "{'k': b'x'}",
  "name": ""}``; `args`, `kwargs` and `expected` are Python literals (see `tasks.literals`).
- `IOTest`: ``{"stdin": "...", "expected_stdout": "...", "name": ""}``.
- `limits`: only the fields that differ from `sandbox.Limits()`; the defaults fill the rest.

Optional fields at their default are left out when writing. Reading is strict: an unknown field,
a wrong type or a duplicate task id stops the load with ``file:line`` and what is wrong, and
nothing is returned half-loaded. ``.jsonl.gz`` files are read and written compressed.
"""

from __future__ import annotations

import dataclasses
import difflib
import gzip
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Any

from sandbox.base import CallTest, IOTest, Limits
from tasks.errors import TaskFormatError
from tasks.literals import dump_literal, parse_literal
from tasks.schema import SCHEMA_VERSION, SPLITS, Task

__all__ = [
    "json_line",
    "dump_suite",
    "iter_jsonl",
    "load_suite",
    "task_from_record",
    "task_to_record",
    "write_jsonl",
]

_TASK_FIELDS = {f.name: f for f in dataclasses.fields(Task)}
_REQUIRED = ("id", "suite", "split", "kind", "prompt")
_STRING_FIELDS = (
    "id", "suite", "split", "kind", "prompt", "language", "entry_point", "test_script", "setup",
    "reference_solution", "public_command", "compare", "runner",
)  # fmt: skip
_CHOICES = {
    "split": SPLITS,
    "kind": ("function", "stdio", "repo"),
    "language": ("python", "cpp"),
    "compare": ("lines", "tokens", "exact"),
}
_DEFAULT_LIMITS = Limits()
_LIMIT_FIELDS = {f.name: f for f in dataclasses.fields(Limits)}


# -- records ----------------------------------------------------------------------------------


def task_to_record(task: Task) -> dict[str, Any]:
    """The JSON object that stands for `task` in a suite file (schema version 1)."""
    record: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for name, spec in _TASK_FIELDS.items():
        value = getattr(task, name)
        if name not in _REQUIRED and value == _default(spec):
            continue
        if name in ("public_tests", "hidden_tests"):
            try:
                value = [_test_to_record(t) for t in value]
            except ValueError as exc:
                raise TaskFormatError(f"task {task.id!r}, {name}: {exc}") from None
        elif name == "limits":
            value = {
                f: getattr(value, f)
                for f in _LIMIT_FIELDS
                if getattr(value, f) != getattr(_DEFAULT_LIMITS, f)
            }
        elif isinstance(value, Mapping):
            value = dict(value)
        elif name == "editable":
            value = list(value)
        record[name] = value
    return record


def task_from_record(
    record: Any, *, path: str | os.PathLike[str] | None = None, line: int | None = None
) -> Task:
    """Build a `Task` from a suite-file record, checking every field."""

    def fail(message: str) -> TaskFormatError:
        return TaskFormatError(message, path=path, line=line)

    if not isinstance(record, dict):
        raise fail(f"a record must be a JSON object, got {type(record).__name__}")
    version = record.get("schema_version")
    if version != SCHEMA_VERSION:
        if isinstance(version, int) and version > SCHEMA_VERSION:
            raise fail(
                f"schema_version {version} is newer than this codegym reads ({SCHEMA_VERSION}); "
                "upgrade codegym"
            )
        raise fail(f"'schema_version' must be {SCHEMA_VERSION}, got {version!r}")
    unknown = [k for k in record if k not in _RECORD_ONLY and k not in _TASK_FIELDS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], _TASK_FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise fail(f"unknown field {unknown[0]!r}{hint}")
    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise fail(f"missing required field(s): {', '.join(missing)}")

    kwargs: dict[str, Any] = {}
    for name in _STRING_FIELDS:
        if name in record:
            if not isinstance(record[name], str):
                raise fail(f"{name!r} must be a string, got {type(record[name]).__name__}")
            kwargs[name] = record[name]
    for name, choices in _CHOICES.items():
        if name in kwargs and kwargs[name] not in choices:
            raise fail(f"{name!r} must be one of {', '.join(choices)}; got {kwargs[name]!r}")
    if not kwargs["id"]:
        raise fail("'id' must not be empty")
    kind = kwargs["kind"]

    for name in ("files", "reference_files"):
        if name in record:
            value = record[name]
            nullable = name == "reference_files" and "files_from" in record
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and (isinstance(v, str) or (nullable and v is None))
                for k, v in value.items()
            ):
                raise fail(f"{name!r} must be an object mapping paths to file text")
            kwargs[name] = value
    if "files_from" in record:
        _from_snapshot(record, kwargs, path, fail)
    elif any(k in record for k in ("files_splices", "runner_from")) or any(
        v is None for v in (record.get("reference_files") or {}).values()
    ):
        raise fail("'files_splices', 'runner_from' and null reference files need 'files_from'")
    if "editable" in record:
        value = record["editable"]
        if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
            raise fail("'editable' must be a list of non-empty glob patterns")
        kwargs["editable"] = tuple(value)
    if "metadata" in record:
        if not isinstance(record["metadata"], dict):
            raise fail("'metadata' must be a JSON object")
        kwargs["metadata"] = record["metadata"]
    if "float_tol" in record:
        tol = record["float_tol"]
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float))):
            raise fail(f"'float_tol' must be a number or null, got {tol!r}")
        kwargs["float_tol"] = None if tol is None else float(tol)
    if "limits" in record:
        kwargs["limits"] = _limits_from_record(record["limits"], fail)
    for name in ("public_tests", "hidden_tests"):
        if name in record:
            tests = record[name]
            if not isinstance(tests, list):
                raise fail(f"{name!r} must be a list")
            parsed = []
            for i, item in enumerate(tests):
                try:
                    parsed.append(_test_from_record(item, kind=kind))
                except ValueError as exc:
                    raise fail(f"{name}[{i}]: {exc}") from None
            kwargs[name] = tuple(parsed)

    problem = _kind_problem(kwargs)
    if problem:
        raise fail(f"task {kwargs['id']!r}: {problem}")
    return Task(**kwargs)


_RECORD_ONLY = ("schema_version", "files_from", "files_splices", "runner_from")
_SNAPSHOTS: dict[Path, dict[str, str]] = {}


def _from_snapshot(
    record: Mapping[str, Any], kwargs: dict[str, Any], suite: Any, fail: Any
) -> None:
    """Fill `kwargs` from a record's snapshot keys: ``files_from`` (the shared files),
    ``files_splices`` (path -> [offset, length, text]: the snapshot's file with `length`
    characters at `offset` replaced by `text`), null values in ``reference_files`` (the
    snapshot's text) and ``runner_from`` (a text file holding `runner`)."""
    snapshot = _snapshot(record["files_from"], suite, fail)
    files = {**snapshot, **kwargs.get("files", {})}
    splices = record.get("files_splices", {})
    if not isinstance(splices, dict):
        raise fail("'files_splices' must map paths to [offset, length, text]")
    for where, splice in splices.items():
        ok = (
            isinstance(splice, list) and len(splice) == 3
            and all(type(n) is int and n >= 0 for n in splice[:2]) and isinstance(splice[2], str)
        )  # fmt: skip
        if not ok or where not in snapshot or splice[0] + splice[1] > len(snapshot[where]):
            raise fail(f"files_splices[{where!r}] must be [offset, length, text] within the file")
        start, length, text = splice
        files[where] = snapshot[where][:start] + text + snapshot[where][start + length :]
    kwargs["files"] = files
    if "reference_files" in kwargs:
        reference = {}
        for where, text in kwargs["reference_files"].items():
            if text is None and where not in snapshot:
                raise fail(f"reference_files[{where!r}] is null but the snapshot lacks it")
            reference[where] = snapshot[where] if text is None else text
        kwargs["reference_files"] = reference
    if "runner_from" in record:
        kwargs["runner"] = _snapshot_text(record["runner_from"], suite, fail)


_TEXTS: dict[Path, str] = {}


def _snapshot_path(name: Any, suite: Any, fail: Any, key: str) -> Path:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name.split("/"):
        raise fail(f"{key!r} must be a relative path to a file beside the suite")
    if suite is None:
        raise fail(f"{key!r} needs the suite's path to resolve against")
    return (Path(suite).parent / name).resolve()


def _snapshot_text(name: Any, suite: Any, fail: Any) -> str:
    where = _snapshot_path(name, suite, fail, "runner_from")
    text = _TEXTS.get(where)
    if text is None:
        try:
            text = where.read_text("utf-8")
        except (OSError, ValueError) as exc:
            raise fail(f"runner_from {name!r}: cannot read it ({exc})") from None
        _TEXTS[where] = text
    return text


def _snapshot(name: Any, suite: str | os.PathLike[str] | None, fail: Any) -> dict[str, str]:
    """The files of a shared snapshot (``"files_from"``): a JSON object of path -> text in a
    ``.json`` or ``.json.gz`` file named relative to the suite file's folder. Read once per
    process; the tasks of one package version share it instead of each carrying a copy."""
    where = _snapshot_path(name, suite, fail, "files_from")
    files = _SNAPSHOTS.get(where)
    if files is None:
        try:
            with _open_read(where) as fh:
                files = json.loads(fh.read().decode("utf-8"))
        except TaskFormatError as exc:
            raise fail(f"files_from {name!r}: {exc}") from None
        except (OSError, EOFError, ValueError) as exc:
            raise fail(f"files_from {name!r}: cannot read it ({exc})") from None
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            raise fail(f"files_from {name!r} must hold a JSON object mapping paths to file text")
        _SNAPSHOTS[where] = files
    return files


def _kind_problem(fields: Mapping[str, Any]) -> str:
    """What a task of its kind lacks to be graded, or ''."""
    kind = fields["kind"]
    if kind == "function":
        entry = fields.get("entry_point", "")
        if not entry.isidentifier():
            return f"a function task needs 'entry_point' naming a function, got {entry!r}"
        if not fields.get("hidden_tests") and not fields.get("test_script"):
            return "a function task needs 'hidden_tests' or a 'test_script'"
    elif kind == "stdio":
        if not fields.get("hidden_tests"):
            return "a stdio task needs 'hidden_tests'"
    elif kind == "repo":
        if not fields.get("files"):
            return "a repo task needs its starting 'files'"
        if not fields.get("test_script"):
            return "a repo task needs a hidden 'test_script'"
    return ""


def _test_to_record(test: CallTest | IOTest) -> dict[str, Any]:
    if isinstance(test, IOTest):
        record: dict[str, Any] = {"stdin": test.stdin, "expected_stdout": test.expected_stdout}
    else:
        record = {"args": dump_literal(tuple(test.args)), "expected": dump_literal(test.expected)}
        if test.kwargs:
            record["kwargs"] = dump_literal(dict(test.kwargs))
    if test.name:
        record["name"] = test.name
    return record


def _test_from_record(item: Any, *, kind: str) -> CallTest | IOTest:
    if not isinstance(item, dict):
        raise ValueError(f"a test must be a JSON object, got {type(item).__name__}")
    name = item.get("name", "")
    if not isinstance(name, str):
        raise ValueError("'name' must be a string")
    if kind == "stdio":
        _check_keys(item, required=("stdin", "expected_stdout"), optional=("name",))
        if not isinstance(item["stdin"], str) or not isinstance(item["expected_stdout"], str):
            raise ValueError("'stdin' and 'expected_stdout' must be strings")
        return IOTest(stdin=item["stdin"], expected_stdout=item["expected_stdout"], name=name)
    _check_keys(item, required=("args", "expected"), optional=("kwargs", "name"))
    values = {}
    for key in ("args", "expected", "kwargs"):
        if key not in item:
            continue
        if not isinstance(item[key], str):
            raise ValueError(f"{key!r} must be a string holding a Python literal (its repr)")
        try:
            values[key] = parse_literal(item[key])
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{key}: {exc}") from None
    if not isinstance(values["args"], tuple):
        raise ValueError(f"'args' must be a tuple literal such as '(1,)', got {item['args']!r}")
    kwargs = values.get("kwargs", {})
    if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
        raise ValueError(f"'kwargs' must be a dict literal with str keys, got {item['kwargs']!r}")
    return CallTest(args=values["args"], expected=values["expected"], kwargs=kwargs, name=name)


def _check_keys(
    item: Mapping[str, Any], *, required: Sequence[str], optional: Sequence[str]
) -> None:
    missing = [k for k in required if k not in item]
    unknown = [k for k in item if k not in required and k not in optional]
    if missing or unknown:
        shape = ", ".join([*required, *(f"[{k}]" for k in optional)])
        what = f"missing {missing[0]!r}" if missing else f"unknown key {unknown[0]!r}"
        raise ValueError(f"{what}; this kind of task's tests have keys {shape}")


def _limits_from_record(value: Any, fail: Any) -> Limits:
    if not isinstance(value, dict):
        raise fail("'limits' must be a JSON object of overrides, e.g. {\"test_timeout_s\": 10}")
    for key, number in value.items():
        if key not in _LIMIT_FIELDS:
            close = difflib.get_close_matches(key, _LIMIT_FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(f"unknown limit {key!r}{hint}; known: {', '.join(_LIMIT_FIELDS)}")
        wants_int = isinstance(getattr(_DEFAULT_LIMITS, key), int)
        ok = isinstance(number, int) if wants_int else isinstance(number, (int, float))
        if isinstance(number, bool) or not ok:
            kind = "an integer" if wants_int else "a number"
            raise fail(f"limit {key!r} must be {kind}, got {number!r}")
    value = {
        k: v if isinstance(getattr(_DEFAULT_LIMITS, k), int) else float(v) for k, v in value.items()
    }
    try:
        return dataclasses.replace(_DEFAULT_LIMITS, **value)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _default(spec: dataclasses.Field[Any]) -> Any:
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return dataclasses.MISSING


# -- files ------------------------------------------------------------------------------------


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, parsed_object)`` for each non-blank line of a JSONL(.gz) file.

    Raises `TaskFormatError` with ``file:line`` for a line that is not UTF-8 JSON.
    """
    path = Path(path)
    number = 0
    with _open_read(path) as fh:
        lines = iter(fh)
        while True:
            try:
                raw = next(lines)
            except StopIteration:
                return
            except (OSError, EOFError) as exc:  # a truncated or corrupt .gz
                raise TaskFormatError(
                    f"cannot decompress: {exc}", path=path, line=number + 1
                ) from None
            number += 1
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise TaskFormatError(f"not UTF-8 ({exc.reason})", path=path, line=number) from None
            except json.JSONDecodeError as exc:
                raise TaskFormatError(
                    f"invalid JSON: {exc.msg} at column {exc.colno}", path=path, line=number
                ) from None


def load_suite(path: str | os.PathLike[str]) -> list[Task]:
    """Read every task of a suite file; all or nothing."""
    tasks: list[Task] = []
    first_line: dict[str, int] = {}
    for number, record in iter_jsonl(path):
        task = task_from_record(record, path=path, line=number)
        if task.id in first_line:
            raise TaskFormatError(
                f"duplicate task id {task.id!r} (first on line {first_line[task.id]})",
                path=path,
                line=number,
            )
        first_line[task.id] = number
        tasks.append(task)
    return tasks


def dump_suite(tasks: Iterable[Task], path: str | os.PathLike[str]) -> None:
    """Write `tasks` to `path` (``.jsonl`` or ``.jsonl.gz``) atomically: readers see the old file
    or the new one, never a half-written one."""
    seen: set[str] = set()
    records = []
    for task in tasks:
        if task.id in seen:
            raise TaskFormatError(f"duplicate task id {task.id!r}", path=path)
        seen.add(task.id)
        records.append(task_to_record(task))
    write_jsonl(records, path)


def json_line(row: Mapping[str, Any]) -> str:
    """One JSONL line for `row`, as readable UTF-8 where it can be; a row holding a lone
    surrogate (a model's completion may, and so may what a candidate printed) keeps it as a
    ``\\udXXX`` escape instead of failing to encode (docs/sandbox.md, trust boundary rule 6).
    Either way the line reads back to the same row."""
    text = json.dumps(row, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(row)
    return text + "\n"


def write_jsonl(rows: Iterable[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    """Write rows as JSONL (gzip for ``.gz``) through a temporary file renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            # mtime=0 keeps .gz output byte-identical for identical suites (reproducible diffs)
            sink: AbstractContextManager[IO[bytes]] = nullcontext(raw)
            if path.name.endswith(".gz"):
                sink = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)  # type: ignore[assignment]
            with sink as out:
                for row in rows:
                    out.write(json_line(row).encode("utf-8"))
            raw.flush()
            os.fsync(raw.fileno())
        # mkstemp makes the file private (0600); a suite or results file is meant to be shared
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _open_read(path: Path) -> IO[bytes]:
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise TaskFormatError("no such file", path=path) from None
    if path.name.endswith(".gz"):
        with raw:
            magic = raw.read(2)
        if magic != b"\x1f\x8b":
            raise TaskFormatError("named .gz but is not gzip-compressed", path=path)
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return raw
