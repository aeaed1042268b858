"""Bug fix: a hand-written JSON encoder writes strings (and keys) without escaping them."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""A small JSON encoder for the metrics exporter (no dependency on the json module's C parts).

Output is compact: no spaces after ``,`` or ``:``. Non-ASCII characters are written as they are.
"""

from __future__ import annotations

import math
from typing import Any
'''

_BUGGY_STRINGS = r"""

def encode_string(text: str) -> str:
    return f'"{text}"'


def _encode_dict(obj: dict) -> str:
    items = []
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"object keys must be strings, got {type(key).__name__}")
        items.append(f'"{key}":{dumps(value)}')
    return "{" + ",".join(items) + "}"
"""

_FIXED_STRINGS = r"""
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if char < " ":  # the other control characters U+0000..U+001F (RFC 8259, section 7)
        return f"\\u{ord(char):04x}"
    return char


def encode_string(text: str) -> str:
    return '"' + "".join(_escape(c) for c in text) + '"'


def _encode_dict(obj: dict) -> str:
    items = []
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"object keys must be strings, got {type(key).__name__}")
        items.append(f"{encode_string(key)}:{dumps(value)}")
    return "{" + ",".join(items) + "}"
"""

_DUMPS = r'''

def dumps(obj: Any) -> str:
    """`obj` (None, bool, int, float, str, list, tuple, dict with str keys) as JSON text."""
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"{obj!r} has no JSON form")
        return repr(obj)
    if isinstance(obj, str):
        return encode_string(obj)
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(dumps(item) for item in obj) + "]"
    if isinstance(obj, dict):
        return _encode_dict(obj)
    raise TypeError(f"cannot encode {type(obj).__name__}")
'''

SPEC = RepoSpec(
    name="tinyjson-string-escapes",
    split="test",
    difficulty="medium",
    change="bugfix",
    tags=("serialization", "escaping", "unicode"),
    entry_point="tinyjson.encode:dumps",
    issue="""
Exported JSON is invalid when a string contains a quote or a newline

`tinyjson.encode.dumps({"msg": 'say "hi"'})` produces `{"msg":"say "hi""}`, which no JSON parser
accepts; the same happens for backslashes, newlines, tabs and other control characters, in values
and in object keys alike. Strings must be escaped as JSON requires: `"` and `\\` with a
backslash, `\\n \\r \\t \\b \\f` as those short escapes, the other characters below U+0020 as
`\\u00XX` (lower-case hex). All other characters, non-ASCII included, are written unchanged, so
the output equals `json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`.
""",
    files={
        "README.md": r"""
# tinyjson

The metrics exporter's JSON encoder. `tinyjson.encode.dumps(obj)` writes None, bools, ints,
finite floats, strings, lists/tuples and dicts with string keys as compact JSON (no spaces),
keeping non-ASCII characters as they are. NaN and infinities raise `ValueError`, other types
`TypeError`.
""",
        "tinyjson/__init__.py": "",
        "tinyjson/encode.py": _HEAD + _BUGGY_STRINGS + _DUMPS,
        "tests/test_encode.py": r"""
import json

import pytest

from tinyjson.encode import dumps


def test_structures():
    assert dumps({"a": [1, 2.5, None, True], "b": "ok"}) == '{"a":[1,2.5,null,true],"b":"ok"}'


def test_nan():
    with pytest.raises(ValueError):
        dumps(float("nan"))


def test_quotes_are_escaped():
    text = dumps({"msg": 'say "hi"'})
    assert json.loads(text) == {"msg": 'say "hi"'}
""",
    },
    reference_files={"tinyjson/encode.py": _HEAD + _FIXED_STRINGS + _DUMPS},
    test_script=r"""
import json


def _expected(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def check(candidate):
    assert candidate('back\\slash') == _expected('back\\slash')
    assert candidate("line1\nline2\r\n\ttab") == _expected("line1\nline2\r\n\ttab")
    assert candidate("\x00\x01\x1f\x7f\b\f") == _expected("\x00\x01\x1f\x7f\b\f")
    assert candidate({'k"ey': "v", "new\nline": ["\\", '"']}) == _expected({'k"ey': "v", "new\nline": ["\\", '"']})
    assert candidate(["héllo", "日本語", "emoji \U0001F600", "\u2028"]) == _expected(["héllo", "日本語", "emoji \U0001F600", "\u2028"])
    doc = {"path": "C:\\temp\\new", "quote": "\"'", "nested": {"x": [1, -2.5, None, False, "a\tb"]}}
    assert json.loads(candidate(doc)) == doc and candidate(doc) == _expected(doc)
    assert candidate("plain") == '"plain"' and candidate([]) == "[]" and candidate({}) == "{}"
""",
)
