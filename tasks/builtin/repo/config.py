"""Bug fix: an INI-style reader splits on every ``=`` and chokes on values that contain one."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""A reader for the service's INI-style config files.

Sections are ``[name]``; entries are ``key = value``; blank lines and lines starting with ``#``
or ``;`` are ignored. Keys and values are stripped of surrounding whitespace.
"""


def parse(text: str) -> dict[str, dict[str, str]]:
    """Sections of `text` as ``{section: {key: value}}``."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), {})
            continue
        if current is None:
            raise ValueError(f"line {lineno}: entry outside of any [section]")
'''

_BUGGY_ENTRY = r"""
        key, value = line.split("=")
        current[key.strip()] = value.strip()
    return sections
"""

_FIXED_ENTRY = r"""
        key, sep, value = line.partition("=")  # only the first '=' separates key from value
        if not sep or not key.strip():
            raise ValueError(f"line {lineno}: expected 'key = value', got {raw!r}")
        current[key.strip()] = value.strip()
    return sections
"""

_GET = r'''

def get(text: str, dotted: str, default: str | None = None) -> str | None:
    """The value at ``"section.key"`` in `text`, or `default`."""
    section, _, key = dotted.partition(".")
    return parse(text).get(section, {}).get(key, default)
'''

SPEC = RepoSpec(
    name="config-equals-in-value",
    split="train",
    difficulty="easy",
    change="bugfix",
    tags=("parsing", "config", "string-split"),
    entry_point="confparse.reader:parse",
    issue="""
Config values containing `=` crash the reader

A database URL such as

    [db]
    url = postgres://db/app?sslmode=require

makes `confparse.reader.parse` raise `ValueError: too many values to unpack`. Only the first `=`
on a line separates the key from the value; the rest belongs to the value (base64 padding like
`token = abc==` too). While at it: a line with no `=` at all, or with an empty key, should raise a
`ValueError` that names the line number, instead of the unpacking error.
""",
    files={
        "README.md": r"""
# confparse

Reads the service's INI-style configuration.

```
# comment
[server]
host = 0.0.0.0
port = 8080
```

- `parse(text)` returns `{"server": {"host": "0.0.0.0", "port": "8080"}}`: values are strings,
  keys and values are stripped, `#` and `;` start comment lines, a later key overrides an earlier
  one. Malformed lines raise `ValueError` naming the line.
- `get(text, "server.port", default=None)` looks up one value.
""",
        "confparse/__init__.py": "",
        "confparse/reader.py": _HEAD + _BUGGY_ENTRY + _GET,
        "tests/test_reader.py": r"""
import pytest

from confparse.reader import get, parse

CONFIG = '''
# service config
[server]
host = 0.0.0.0
port=8080

[db]
url = postgres://db/app?sslmode=require
'''


def test_sections():
    assert parse(CONFIG)["server"] == {"host": "0.0.0.0", "port": "8080"}


def test_entry_outside_section():
    with pytest.raises(ValueError):
        parse("key = value")


def test_value_with_equals():
    assert get(CONFIG, "db.url") == "postgres://db/app?sslmode=require"
""",
    },
    reference_files={"confparse/reader.py": _HEAD + _FIXED_ENTRY + _GET},
    test_script=r"""
def _message(exc, fn, *args):
    try:
        fn(*args)
    except exc as e:
        return str(e)
    return None


def check(candidate):
    assert candidate("[auth]\ntoken = abc==\n") == {"auth": {"token": "abc=="}}
    assert candidate("[a]\nexpr = x = y = z") == {"a": {"expr": "x = y = z"}}
    assert candidate("[a]\nk==v") == {"a": {"k": "=v"}}
    assert candidate("[a]\nempty =\n; c\n[b]\n  spaced  =  v = 1  ") == {"a": {"empty": ""}, "b": {"spaced": "v = 1"}}
    assert candidate("[a]\nx = 1\nx = 2=3") == {"a": {"x": "2=3"}}
    assert "3" in (_message(ValueError, candidate, "[a]\nok = 1\njust words\n") or "")
    assert "2" in (_message(ValueError, candidate, "[a]\n = value\n") or "")
    get = candidate_function("confparse.reader:get")
    assert get("[s]\nq = a=b&c=d", "s.q") == "a=b&c=d" and get("[s]\nq = 1", "s.r", "no") == "no"
""",
)
