"""Competitive programming: APPS (Hendrycks et al., 2021) and CodeContests (Li et al., 2022).

APPS rows: ``problem_id``, ``question``, ``solutions`` (a JSON string: list of Python sources),
``input_output`` (a JSON string: ``{"inputs": [...], "outputs": [...]}``, plus ``fn_name`` for
call-based problems), ``difficulty`` (introductory / interview / competition), ``starter_code``.
Standard-input problems become ``stdio`` tasks. Call-based problems with a top-level function
become ``function`` tasks whose `CallTest`s take the JSON inputs as arguments; APPS wraps most
expected values in a one-element list, which is unwrapped. LeetCode-style problems (a method of
``class Solution``) are skipped with a warning: the sandbox calls module-level functions.

CodeContests rows: ``name``, ``description``, ``public_tests`` / ``private_tests`` /
``generated_tests`` (each ``{"input": [...], "output": [...]}``), ``solutions``
(``{"language": [...], "solution": [...]}``, language 3 = Python 3, 2 = C++), ``difficulty``,
``time_limit`` (``{"seconds", "nanos"}``) and ``memory_limit_bytes``. Public tests stay public
(feedback); the hidden tests are public + private (+ generated, by default), as in AlphaCode's
evaluation. Outputs compare token by token, as most judges' checkers do.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

from sandbox.base import CallTest, IOTest, Limits
from tasks.loaders._source import Row, read_rows
from tasks.schema import Task

__all__ = ["load_apps", "load_codecontests"]

_APPS_DIFFICULTY = {"introductory": "easy", "interview": "medium", "competition": "hard"}
# CodeContests' Problem.Difficulty enum: 1-3 EASY/MEDIUM/HARD, 4-5 HARDER/HARDEST,
# 7.. Codeforces letters A, B, C, ... (an approximation of how hard a letter is)
_CC_DIFFICULTY = {1: "easy", 2: "medium", 3: "hard", 4: "hard", 5: "hard", 7: "easy", 8: "easy",
                  9: "medium", 10: "medium"}  # fmt: skip
_CC_LANGUAGE = {"python": 3, "cpp": 2}
_CP_LIMITS = Limits(timeout_s=120.0, test_timeout_s=10.0, memory_mb=1024)


def load_apps(
    source: str | os.PathLike[str] = "codeparrot/apps",
    *,
    suite: str = "apps",
    split: str = "test",
    hub_split: str = "test",
) -> list[Task]:
    """APPS rows as stdio (or function) tasks; rows without tests are skipped with a warning."""
    tasks, skipped_class, skipped_untested = [], 0, 0
    for row in read_rows(source, hub_split=hub_split):
        number = row.get("problem_id", (int, str))
        io_spec = _json_field(row, "input_output", default={})
        if not io_spec or not io_spec.get("inputs"):
            skipped_untested += 1
            continue
        inputs, outputs = io_spec.get("inputs"), io_spec.get("outputs")
        if (
            not isinstance(inputs, list)
            or not isinstance(outputs, list)
            or len(inputs) != len(outputs)
        ):
            raise row.fail("'input_output' needs lists 'inputs' and 'outputs' of equal length")
        solutions = _json_field(row, "solutions", default=[])
        metadata = {
            "source": "codeparrot/apps",
            "difficulty": _APPS_DIFFICULTY.get(str(row.get("difficulty", str, "")), ""),
            "url": row.get("url", str, ""),
        }
        common: dict[str, Any] = {
            "id": f"apps/{number}",
            "suite": suite,
            "split": split,
            "prompt": row.get("question", str),
            "reference_solution": solutions[0] if solutions else "",
            "metadata": metadata,
        }
        fn_name = io_spec.get("fn_name")
        if fn_name:
            starter = row.get("starter_code", str, "")
            if "class Solution" in starter or not str(fn_name).isidentifier():
                skipped_class += 1
                continue
            calls = tuple(
                CallTest(args=tuple(i) if isinstance(i, list) else (i,), expected=_unwrap(o))
                for i, o in zip(inputs, outputs, strict=True)
            )
            prompt = f"{common.pop('prompt')}\n\n{starter}".rstrip() + "\n"
            tasks.append(
                Task(
                    **common,
                    prompt=prompt,
                    kind="function",
                    entry_point=fn_name,
                    hidden_tests=calls,
                )
            )
        else:
            tests = tuple(
                IOTest(stdin=_text(i), expected_stdout=_text(o))
                for i, o in zip(inputs, outputs, strict=True)
            )
            tasks.append(
                Task(
                    **common, kind="stdio", hidden_tests=tests, compare="tokens", limits=_CP_LIMITS
                )
            )
    if skipped_class or skipped_untested:
        warnings.warn(
            f"APPS: skipped {skipped_class} LeetCode-style problems (methods of class Solution) "
            f"and {skipped_untested} problems without tests",
            stacklevel=2,
        )
    return tasks


def load_codecontests(
    source: str | os.PathLike[str] = "deepmind/code_contests",
    *,
    suite: str = "codecontests",
    split: str = "test",
    language: str = "python",
    include_generated: bool = True,
    time_scale: float = 2.0,
    hub_split: str = "test",
) -> list[Task]:
    """CodeContests rows as stdio tasks in `language`; the reference is the first accepted
    solution in that language (``""`` when there is none). Time limits are the problem's,
    times `time_scale` (Python is slower than the C++ the limits were set for)."""
    if language not in _CC_LANGUAGE:
        raise ValueError(f"language must be one of {', '.join(_CC_LANGUAGE)}, got {language!r}")
    tasks = []
    for row in read_rows(source, hub_split=hub_split):
        public = _cc_tests(row, "public_tests")
        hidden = public + _cc_tests(row, "private_tests")
        if include_generated:
            hidden += _cc_tests(row, "generated_tests")
        if not hidden:
            raise row.fail("no tests in public_tests / private_tests / generated_tests")
        solutions = row.get("solutions", dict, {})
        reference = next(
            (
                code
                for lang, code in zip(
                    solutions.get("language", []), solutions.get("solution", []), strict=False
                )
                if lang == _CC_LANGUAGE[language]
            ),
            "",
        )
        level = row.get("difficulty", int, 0)
        tasks.append(
            Task(
                id=f"codecontests/{row.get('name', str)}",
                suite=suite,
                split=split,  # type: ignore[arg-type]
                kind="stdio",
                language=language,  # type: ignore[arg-type]
                prompt=row.get("description", str),
                public_tests=public,
                hidden_tests=hidden,
                reference_solution=reference,
                compare="tokens",
                limits=_cc_limits(row, time_scale),
                metadata={
                    "source": "deepmind/code_contests",
                    "difficulty": _CC_DIFFICULTY.get(level, "hard" if level > 10 else ""),
                    "source_difficulty": level,
                },
            )
        )
    return tasks


def _cc_tests(row: Row, key: str) -> tuple[IOTest, ...]:
    block = row.get(key, dict, {})
    inputs, outputs = block.get("input", []), block.get("output", [])
    if len(inputs) != len(outputs):
        raise row.fail(f"{key}: {len(inputs)} inputs but {len(outputs)} outputs")
    return tuple(
        IOTest(stdin=i, expected_stdout=o, name=f"{key.split('_')[0]}/{n}")
        for n, (i, o) in enumerate(zip(inputs, outputs, strict=True))
    )


def _cc_limits(row: Row, time_scale: float) -> Limits:
    seconds = 0.0
    limit = row.get("time_limit", dict, {})
    if limit:
        seconds = float(limit.get("seconds") or 0) + float(limit.get("nanos") or 0) / 1e9
    memory = row.get("memory_limit_bytes", int, 0) // (1 << 20)
    test_timeout = max(1.0, seconds * time_scale) if seconds else _CP_LIMITS.test_timeout_s
    return Limits(
        timeout_s=_CP_LIMITS.timeout_s,
        test_timeout_s=test_timeout,
        memory_mb=max(_CP_LIMITS.memory_mb, memory),
    )


def _json_field(row: Row, key: str, *, default: Any) -> Any:
    value = row.get(key, (str, dict, list), "")
    if not isinstance(value, str):
        return value
    if not value.strip():
        return default
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise row.fail(f"field {key!r} is not valid JSON: {exc.msg}") from None


def _text(value: Any) -> str:
    """APPS stores some cases as lists of lines."""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value) + "\n"
    return str(value)


def _unwrap(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value
