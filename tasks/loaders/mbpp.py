"""MBPP (Austin et al., 2021), original and sanitized, from local files or the hub.

Upstream records:

- original (``mbpp.jsonl``): ``task_id``, ``text``, ``code``, ``test_list``, ``test_setup_code``,
  ``challenge_test_list``;
- sanitized (``sanitized-mbpp.json``, one JSON list, or JSONL): ``task_id``, ``prompt``, ``code``,
  ``test_imports``, ``test_list``, ``source_file``.

Tests are assert lines that call the function by its own name (``assert remove_Occ("hello","l")
== "heo"``). They become a trusted ``check(candidate)`` script whose first line binds that name to
the candidate proxy, so the asserts run unchanged in the oracle::

    import math                # test_imports / test_setup_code

    def check(candidate):
        remove_Occ = candidate
        assert remove_Occ("hello","l") == "heo"

The entry point is the function the asserts call that the reference ``code`` defines. The prompt
follows the paper: the description, then "Your code should pass these tests:" and the asserts.
The split comes from the task id ranges of the paper (11-510 test; 1-10 few-shot prompts,
511-600 validation and 601-974 train are ``train``), unless `split` is given.

Known limit: tests that build objects of a class the solution defines (a handful, e.g. ``Pair``)
cannot pass through the proxy, which carries builtin data only; ``codegym tasks validate`` lists
them.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

from tasks.loaders._source import Row, read_rows
from tasks.schema import Task

__all__ = ["asserts_to_check", "find_entry_point", "load_mbpp", "mbpp_split"]

_BUILTINS = frozenset(dir(builtins))


def load_mbpp(
    source: str | os.PathLike[str] = "mbpp",
    *,
    suite: str = "mbpp",
    split: str | None = None,
    include_challenge_tests: bool = False,
    hub_split: str = "test",
) -> list[Task]:
    """MBPP rows (either flavour, told apart per row by their fields) as function tasks."""
    tasks = []
    for row in _rows(source, hub_split):
        sanitized = "prompt" in row.data and "text" not in row.data
        number = row.get("task_id", int)
        text = row.get("prompt" if sanitized else "text", str)
        code = row.get("code", str).replace("\r\n", "\n")
        asserts = [_as_str(row, a) for a in row.get("test_list", list)]
        if include_challenge_tests:
            asserts += [_as_str(row, a) for a in row.get("challenge_test_list", list, [])]
        if not asserts:
            raise row.fail("no tests in 'test_list'")
        if sanitized:
            preamble = "\n".join(_as_str(row, s) for s in row.get("test_imports", list, []))
        else:
            preamble = row.get("test_setup_code", str, "")
        try:
            entry_point = find_entry_point(asserts, code)
            script = asserts_to_check(asserts, entry_point, preamble=preamble)
        except ValueError as exc:
            raise row.fail(str(exc)) from None
        shown = "\n".join(row.get("test_list", list))
        tasks.append(
            Task(
                id=f"mbpp/{number}",
                suite=suite,
                split=split or mbpp_split(number),  # type: ignore[arg-type]
                kind="function",
                prompt=f"{text}\nYour code should pass these tests:\n\n{shown}\n",
                entry_point=entry_point,
                test_script=script,
                reference_solution=code,
                metadata={
                    "source": "google-research/mbpp" + ("-sanitized" if sanitized else ""),
                    "mbpp_split": _paper_split(number),
                },
            )
        )
    return tasks


def mbpp_split(task_id: int) -> str:
    """``test`` for the paper's held-out ids 11-510, ``train`` for the rest."""
    return "test" if _paper_split(task_id) == "test" else "train"


def _paper_split(task_id: int) -> str:
    if 11 <= task_id <= 510:
        return "test"
    if 511 <= task_id <= 600:
        return "validation"
    return "prompt" if task_id <= 10 else "train"


def find_entry_point(asserts: Sequence[str], code: str = "") -> str:
    """The function the asserts test: a called name the reference defines, else the first
    non-builtin name called."""
    called: list[str] = []
    for line in asserts:
        try:
            tree = ast.parse(line)
        except SyntaxError as exc:
            raise ValueError(f"test is not valid Python ({exc.msg}): {line!r}") from None
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id not in called:
                    called.append(node.func.id)
    defined: set[str] = set()
    try:
        defined = {n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)}
    except SyntaxError:
        pass
    for name in called:
        if name in defined:
            return name
    for name in called:
        if name not in _BUILTINS:
            return name
    raise ValueError(f"cannot tell which function the tests call: {asserts[0]!r}")


def asserts_to_check(asserts: Sequence[str], entry_point: str, *, preamble: str = "") -> str:
    """A ``check(candidate)`` script running `asserts` with `entry_point` bound to the proxy."""
    body = "\n".join(textwrap.indent(a.strip(), "    ") for a in asserts)
    script = f"def check(candidate):\n    {entry_point} = candidate\n{body}\n"
    if preamble.strip():
        script = f"{preamble.strip()}\n\n\n{script}"
    try:
        compile(script, "<mbpp tests>", "exec")
    except SyntaxError as exc:
        raise ValueError(
            f"tests do not form valid Python ({exc.msg} on line {exc.lineno})"
        ) from None
    return script


def _rows(source: str | os.PathLike[str], hub_split: str) -> Iterator[Row]:
    path = Path(source).expanduser()
    if path.is_file() and path.suffix == ".json":
        # sanitized-mbpp.json is one JSON array, not JSONL
        records = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(records, list):
            for index, record in enumerate(records):
                row = Row(record, f"{path}[{index}]", None)
                if not isinstance(record, dict):
                    raise row.fail("a record must be a JSON object")
                yield row
            return
    yield from read_rows(source, hub_split=hub_split)


def _as_str(row: Row, value: object) -> str:
    if not isinstance(value, str):
        raise row.fail(f"tests must be strings, got {type(value).__name__}")
    return value
