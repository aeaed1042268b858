"""LiveCodeBench code generation (Jain et al., 2024) rows as stdio tasks.

Upstream fields: ``question_id``, ``question_title``, ``question_content``, ``platform``,
``contest_id``, ``contest_date``, ``starter_code``, ``difficulty``, ``public_test_cases`` (a JSON
string: list of ``{"input", "output", "testtype"}`` with testtype ``stdin`` or ``functional``),
``private_test_cases`` (the same, as plain JSON or compressed: base64 of zlib of a pickle of the
JSON text) and ``metadata`` (a JSON string, ``func_name`` for functional problems).

The compressed form is decoded with an unpickler that refuses every global, so it can rebuild
strings, lists and dicts but cannot import or call anything: the pickle documentation's
"restricting globals" recipe. A payload that needs a global is refused with `UntrustedDataError`
unless the caller passes ``trust_pickle=True`` (only for files from a source you trust: a pickle
can run any code). Decompression stops at `MAX_DECOMPRESSED_BYTES`.

Functional (LeetCode) problems ask for a method of ``class Solution``; the sandbox calls
module-level functions, so they are skipped with a warning. Hidden tests are public + private.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import pickle
import warnings
import zlib
from typing import Any

from sandbox.base import IOTest, Limits
from tasks.errors import UntrustedDataError
from tasks.loaders._source import Row, read_rows
from tasks.schema import Task

__all__ = ["MAX_DECOMPRESSED_BYTES", "decode_test_cases", "load_livecodebench"]

MAX_DECOMPRESSED_BYTES = 1 << 30
_LIMITS = Limits(timeout_s=120.0, test_timeout_s=10.0, memory_mb=1024)


def load_livecodebench(
    source: str | os.PathLike[str] = "livecodebench/code_generation_lite",
    *,
    suite: str = "livecodebench",
    split: str = "test",
    trust_pickle: bool = False,
    hub_split: str = "test",
) -> list[Task]:
    """LiveCodeBench rows as stdio tasks (functional problems skipped, with a warning)."""
    tasks, skipped = [], 0
    for row in read_rows(source, hub_split=hub_split):
        question_id = row.get("question_id", (str, int))
        try:
            public = decode_test_cases(row.get("public_test_cases", str), trust_pickle=trust_pickle)
            private = decode_test_cases(
                row.get("private_test_cases", str, ""), trust_pickle=trust_pickle
            )
        except UntrustedDataError as exc:
            raise UntrustedDataError(f"{row.origin}:{row.line}: {exc}") from None
        except ValueError as exc:
            raise row.fail(str(exc)) from None
        cases = public + private
        if not cases:
            raise row.fail("no test cases")
        if any(_case_field(row, c, "testtype") != "stdin" for c in cases):
            skipped += 1
            continue
        public_tests = tuple(_io_test(row, c, f"public/{n}") for n, c in enumerate(public))
        private_tests = tuple(_io_test(row, c, f"private/{n}") for n, c in enumerate(private))
        tasks.append(
            Task(
                id=f"livecodebench/{question_id}",
                suite=suite,
                split=split,  # type: ignore[arg-type]
                kind="stdio",
                prompt=row.get("question_content", str),
                public_tests=public_tests,
                hidden_tests=public_tests + private_tests,
                compare="tokens",
                limits=_LIMITS,
                metadata={
                    "source": "livecodebench",
                    "title": row.get("question_title", str, ""),
                    "platform": row.get("platform", str, ""),
                    "contest_date": str(row.data.get("contest_date") or ""),
                    "difficulty": row.get("difficulty", str, ""),
                },
            )
        )
    if skipped:
        warnings.warn(
            f"LiveCodeBench: skipped {skipped} functional (class Solution) problems",
            stacklevel=2,
        )
    return tasks


def decode_test_cases(text: str, *, trust_pickle: bool = False) -> list[dict[str, Any]]:
    """The list of test-case objects in a ``*_test_cases`` field, plain or compressed."""
    if not text.strip():
        return []
    try:
        cases = json.loads(text)
    except json.JSONDecodeError:
        cases = json.loads(_decompress(text, trust_pickle=trust_pickle))
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        raise ValueError("test cases must be a JSON list of objects")
    return cases


def _decompress(text: str, *, trust_pickle: bool) -> str:
    try:
        packed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            "test cases are neither JSON nor base64 (LiveCodeBench compressed form)"
        ) from None
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, MAX_DECOMPRESSED_BYTES)
    except zlib.error as exc:
        raise ValueError(f"compressed test cases are not zlib data: {exc}") from None
    if inflater.unconsumed_tail:
        raise ValueError(f"compressed test cases exceed {MAX_DECOMPRESSED_BYTES} bytes")
    if trust_pickle:
        value = pickle.loads(raw)  # noqa: S301 - the caller vouched for this file
    else:
        try:
            value = _DataOnlyUnpickler(io.BytesIO(raw)).load()
        except pickle.UnpicklingError as exc:
            raise UntrustedDataError(
                f"{exc}. Pass trust_pickle=True only if you trust where this file came from: "
                "unpickling can run arbitrary code."
            ) from None
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not isinstance(value, str):
        raise ValueError(f"compressed test cases hold a {type(value).__name__}, expected JSON text")
    return value


class _DataOnlyUnpickler(pickle.Unpickler):
    """Builds only what pickle's own opcodes make (str, bytes, numbers, lists, dicts, tuples,
    sets): any class or function reference is refused, so nothing can be imported or called."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the pickled test cases reference {module}.{name}")


def _case_field(row: Row, case: dict[str, Any], key: str) -> Any:
    if key not in case:
        raise row.fail(f"a test case lacks {key!r} (it has {', '.join(case)})")
    return case[key]


def _io_test(row: Row, case: dict[str, Any], name: str) -> IOTest:
    stdin, stdout = _case_field(row, case, "input"), _case_field(row, case, "output")
    if not isinstance(stdin, str) or not isinstance(stdout, str):
        raise row.fail("test case 'input' and 'output' must be strings")
    return IOTest(stdin=stdin, expected_stdout=stdout, name=name)
