"""Bug fix: greedy line wrapping forgets the joining space and overflows the width by one."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""Greedy word wrapping for the terminal UI's help screens."""

from __future__ import annotations
'''

_BUGGY = r'''

def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, filled greedily with whole words.

    Words are separated by any whitespace and joined with single spaces; a word longer than
    `width` gets a line of its own (it is not split).
    """
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines
'''

_FIXED = r'''

def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, filled greedily with whole words.

    Words are separated by any whitespace and joined with single spaces; a word longer than
    `width` gets a line of its own (it is not split).
    """
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:  # + 1: the joining space
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines
'''

_TAIL = r'''


def fill(text: str, width: int) -> str:
    """`wrap`'s lines joined with newlines."""
    return "\n".join(wrap(text, width))
'''

SPEC = RepoSpec(
    name="wraptext-width-overflow",
    split="test",
    difficulty="easy",
    change="bugfix",
    tags=("text", "off-by-one"),
    entry_point="wraptext.wrap:wrap",
    issue="""
Wrapped help text is one column too wide

`wraptext.wrap.wrap("aaaa bbb", 7)` returns `["aaaa bbb"]`: a line of 8 characters for a width
of 7, which breaks the 80-column help screen. No line may be longer than `width`, except a single
word that is itself longer than `width`. Lines should be filled greedily with as many words as
fit, and words are joined by single spaces whatever whitespace separated them: the same lines as
`textwrap.wrap(" ".join(text.split()), width, break_long_words=False, break_on_hyphens=False)`.
""",
    files={
        "README.md": r"""
# wraptext

Word wrapping for the terminal UI. `wrap(text, width)` returns the lines, `fill(text, width)` the
text with newlines. Lines hold whole words; a word longer than `width` stands on its own line.
""",
        "wraptext/__init__.py": "",
        "wraptext/wrap.py": _HEAD + _BUGGY + _TAIL,
        "tests/test_wrap.py": r"""
import pytest

from wraptext.wrap import fill, wrap


def test_short_text_fits():
    assert wrap("hello world", 20) == ["hello world"]


def test_bad_width():
    with pytest.raises(ValueError):
        wrap("x", 0)


def test_width_is_respected():
    assert wrap("aaaa bbb", 7) == ["aaaa", "bbb"]
    assert fill("one two three four", 9) == "one two\nthree\nfour"
""",
    },
    reference_files={"wraptext/wrap.py": _HEAD + _FIXED + _TAIL},
    test_script=r"""
import textwrap

TEXT = (
    "The quick brown fox jumps over the lazy dog while a supercalifragilistic word "
    "and some\ttabs and\nnewlines   and   runs of spaces try to   break things."
)


def _expected(text, width):
    # wrap() joins words with single spaces; textwrap keeps whitespace runs, so collapse them
    return textwrap.wrap(" ".join(text.split()), width, break_long_words=False, break_on_hyphens=False)


def check(candidate):
    assert [candidate(TEXT, w) for w in (10, 11, 12)] == [_expected(TEXT, w) for w in (10, 11, 12)]
    assert [candidate(TEXT, w) for w in (20, 33, 79)] == [_expected(TEXT, w) for w in (20, 33, 79)]
    assert candidate("a b c d e f", 3) == ["a b", "c d", "e f"]
    assert candidate("a b c d e f", 2) == ["a", "b", "c", "d", "e", "f"]
    assert candidate("abc de fgh ij", 5) == ["abc", "de", "fgh", "ij"]
    assert candidate("tiny enormousword x", 4) == ["tiny", "enormousword", "x"]
    assert all(len(line) <= w for w in range(4, 30) for line in candidate(TEXT, w) if " " in line)
    assert candidate("   ", 5) == [] and candidate("exact fit", 9) == ["exact fit"]
    fill = candidate_function("wraptext.wrap:fill")
    assert fill("ab cd ef", 5) == "ab cd\nef"
""",
)
