"""Bug fix: `top_words` sorts ties in reverse alphabetical order (a wrong sort key)."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""Word frequencies for the search-suggestion index."""

import re
from collections import Counter

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def count_words(text: str) -> dict[str, int]:
    """How often each word occurs; case-insensitive, apostrophes inside words kept (don't)."""
    return dict(Counter(_WORD.findall(text.lower())))

'''

_BUGGY_TOP = r'''
def top_words(text: str, n: int = 3) -> list[tuple[str, int]]:
    """The `n` most frequent words as (word, count), most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    ranked = sorted(count_words(text).items(), key=lambda item: (item[1], item[0]), reverse=True)
    return ranked[:n]
'''

_FIXED_TOP = r'''
def top_words(text: str, n: int = 3) -> list[tuple[str, int]]:
    """The `n` most frequent words as (word, count), most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    # count descending, then word ascending: negate the count instead of reversing both keys
    ranked = sorted(count_words(text).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]
'''

SPEC = RepoSpec(
    name="wordfreq-tie-order",
    split="train",
    difficulty="easy",
    change="bugfix",
    tags=("sorting", "text"),
    entry_point="wordfreq.count:top_words",
    issue="""
`top_words` breaks ties in the wrong order

The docstring and README promise that words with the same count are listed alphabetically, but
`top_words("b a c a b c d", 3)` returns `[("c", 2), ("b", 2), ("a", 2)]` instead of
`[("a", 2), ("b", 2), ("c", 2)]`. The most frequent words must still come first.
""",
    files={
        "README.md": r"""
# wordfreq

- `count_words(text)`: `{word: count}`, case-insensitive; words are runs of letters and digits,
  with an apostrophe allowed inside (`don't`).
- `top_words(text, n=3)`: the `n` most frequent words as `(word, count)` tuples, most frequent
  first, words with equal counts in alphabetical order.
""",
        "wordfreq/__init__.py": "",
        "wordfreq/count.py": _HEAD + _BUGGY_TOP,
        "tests/test_count.py": r"""
from wordfreq.count import count_words, top_words


def test_counts_ignore_case():
    assert count_words("The cat saw the dog") == {"the": 2, "cat": 1, "saw": 1, "dog": 1}


def test_most_frequent_first():
    assert top_words("a b b c c c", 2) == [("c", 3), ("b", 2)]


def test_ties_alphabetical():
    assert top_words("b a c a b c d", 3) == [("a", 2), ("b", 2), ("c", 2)]
""",
    },
    reference_files={"wordfreq/count.py": _HEAD + _FIXED_TOP},
    test_script=r"""
def check(candidate):
    assert candidate("zeta alpha zeta beta alpha gamma", 2) == [("alpha", 2), ("zeta", 2)]
    assert candidate("x y z", 5) == [("x", 1), ("y", 1), ("z", 1)]
    assert candidate("Don't stop. DON'T STOP! don't", 1) == [("don't", 3)]
    assert candidate("one two two three three three", 0) == []
    assert candidate("b b a a a c c d d", 4) == [("a", 3), ("b", 2), ("c", 2), ("d", 2)]
    assert candidate("10 9 10 9 8", 3) == [("10", 2), ("9", 2), ("8", 1)]
    assert candidate("") == []
""",
)
