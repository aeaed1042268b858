"""Bug fix: a shell-word splitter drops empty quoted words and mishandles backslashes in "..."."""

from tasks.builtin.repo._spec import RepoSpec

_DOC = r'''
r"""Splitting a command line into words the way a POSIX shell does (no expansions).

- whitespace (space, tab, newline, carriage return) separates words;
- single quotes keep everything literally up to the next single quote;
- inside double quotes a backslash escapes only ``"`` and ``\``; before any other character
  it is kept as a backslash;
- outside quotes a backslash makes the next character literal;
- quoted parts join the word they touch: ``a"b c"d`` is one word, ``a b c d`` without spaces;
- an unterminated quote or a trailing backslash raises ValueError.
"""

_SPACE = " \t\r\n"
'''

_BUGGY = (
    _DOC
    + r"""

def split(line: str) -> list[str]:
    words: list[str] = []
    current = ""
    i = 0
    while i < len(line):
        char = line[i]
        if char in _SPACE:
            if current:
                words.append(current)
                current = ""
        elif char == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ValueError("unterminated single quote")
            current += line[i + 1 : end]
            i = end
        elif char == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                if line[i] == "\\" and i + 1 < len(line):
                    i += 1
                current += line[i]
                i += 1
            if i >= len(line):
                raise ValueError("unterminated double quote")
        elif char == "\\":
            if i + 1 >= len(line):
                raise ValueError("trailing backslash")
            i += 1
            current += line[i]
        else:
            current += char
        i += 1
    if current:
        words.append(current)
    return words
"""
)

_FIXED = (
    _DOC
    + r"""

def split(line: str) -> list[str]:
    words: list[str] = []
    current = ""
    in_word = False  # a word can be empty ("" or ''), so "current is non-empty" is not enough
    i = 0
    while i < len(line):
        char = line[i]
        if char in _SPACE:
            if in_word:
                words.append(current)
                current, in_word = "", False
        elif char == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ValueError("unterminated single quote")
            current += line[i + 1 : end]
            in_word = True
            i = end
        elif char == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                if line[i] == "\\" and i + 1 < len(line) and line[i + 1] in '"\\':
                    i += 1
                current += line[i]
                i += 1
            if i >= len(line):
                raise ValueError("unterminated double quote")
            in_word = True
        elif char == "\\":
            if i + 1 >= len(line):
                raise ValueError("trailing backslash")
            i += 1
            current += line[i]
            in_word = True
        else:
            current += char
            in_word = True
        i += 1
    if in_word:
        words.append(current)
    return words
"""
)

SPEC = RepoSpec(
    name="shellsplit-empty-words",
    split="test",
    difficulty="hard",
    change="bugfix",
    tags=("parsing", "state-machine", "quoting"),
    entry_point="shellsplit.split:split",
    issue=r"""
Command-line splitter loses empty arguments and backslashes

Two differences from POSIX shell word splitting (and from `shlex.split`) in
`shellsplit.split.split`:

1. Empty quoted words disappear: `split("git commit -m ''")` returns `['git', 'commit', '-m']`
   instead of `['git', 'commit', '-m', '']`; the same for `""`. A quoted empty string is a
   word, also when it stands alone.
2. Inside double quotes a backslash is always dropped: `split(r'"C:\temp"')` gives
   `['C:temp']` instead of `['C:\\temp']` (a backslash, then `temp`). Inside double quotes a
   backslash only escapes `"` and `\`; before any other character it is kept.

Everything else the module docstring describes already works.
""",
    files={
        "README.md": r"""
# shellsplit

Splits the task runner's command strings into argv lists, as a POSIX shell would (quotes and
backslashes; no variables, globs or comments). See the docstring of `shellsplit/split.py`.
""",
        "shellsplit/__init__.py": "",
        "shellsplit/split.py": _BUGGY,
        "tests/test_split.py": r"""
import pytest

from shellsplit.split import split


def test_words_and_quotes():
    assert split("cp 'my file.txt' \"other file\"") == ["cp", "my file.txt", "other file"]


def test_unterminated():
    with pytest.raises(ValueError):
        split("echo 'oops")


def test_empty_argument():
    assert split("git commit -m ''") == ["git", "commit", "-m", ""]
""",
    },
    reference_files={"shellsplit/split.py": _FIXED},
    test_script=r"""
import shlex


def _raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


EMPTY = ['a "" b', '""', "''", "x '' ''", "''''", '"" x', "  ''  "]
BACKSLASH_IN_DQ = [r'"a\b"', r'"tab\there"', r'"C:\temp\new"', r'"a\\b"', r'"say \"hi\""', r'"\$HOME"']
MIXED = ['x""y', "'it'\"'\"'s'", r"a\ b c", "  spaced\tout\n", r"'a\b' x\'y", 'pre"mid dle"post', r'\"q\"']


def check(candidate):
    assert [candidate(s) for s in EMPTY] == [shlex.split(s) for s in EMPTY]
    assert [candidate(s) for s in BACKSLASH_IN_DQ] == [shlex.split(s) for s in BACKSLASH_IN_DQ]
    assert [candidate(s) for s in MIXED] == [shlex.split(s) for s in MIXED]
    assert candidate('run --name "" --flag') == ["run", "--name", "", "--flag"]
    assert candidate(r'"\\server\share\x"') == ["\\server\\share\\x"]
    assert _raises(ValueError, candidate, '"open') and _raises(ValueError, candidate, "trail\\")
    assert candidate("") == [] and candidate(" \t ") == []
""",
)
