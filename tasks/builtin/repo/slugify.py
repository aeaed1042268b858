"""Bug fix: `slugify` mangles accented titles instead of reducing letters to their ASCII base."""

from tasks.builtin.repo._spec import RepoSpec

SPEC = RepoSpec(
    name="slugify-unicode",
    split="train",
    difficulty="easy",
    change="bugfix",
    tags=("text", "unicode"),
    entry_point="textkit.slug:slugify",
    issue="""
Accented titles produce broken slugs

`textkit.slug.slugify("Crème brûlée")` returns `"cr-me-br-l-e"`: every non-ASCII letter is treated
as a separator. It should return `"creme-brulee"`.

Letters that have an ASCII base form under Unicode compatibility decomposition must be reduced to
it (é -> e, Å -> a, full-width Ａ -> a); characters with no ASCII form at all (e.g. 日本) are
dropped like punctuation. Everything else (lower case, single dashes, `max_length`) stays as the
README describes.
""",
    files={
        "README.md": r"""
# textkit

Small text helpers for the blog engine.

`textkit.slug.slugify(title, *, max_length=60)` turns an article title into a URL slug: lower-case
ASCII letters and digits, words joined by single dashes, no leading or trailing dash, at most
`max_length` characters (cut at a word boundary when possible, never ending with a dash).
""",
        "textkit/__init__.py": r"""
from textkit.slug import slugify

__all__ = ["slugify"]
""",
        "textkit/slug.py": r'''
"""URL slugs for article titles."""

import re

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def slugify(title: str, *, max_length: int = 60) -> str:
    """Lower-case ASCII words of `title` joined by single dashes, at most `max_length` long."""
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    slug = _SEPARATORS.sub("-", title.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]
    return slug.strip("-")
''',
        "tests/test_slug.py": r"""
from textkit import slugify


def test_ascii_title():
    assert slugify("Hello, World!") == "hello-world"


def test_max_length_cuts_at_word():
    assert slugify("one two three four", max_length=9) == "one-two"


def test_accents_are_dropped_not_split():
    assert slugify("Crème brûlée") == "creme-brulee"
""",
    },
    reference_files={
        "textkit/slug.py": r'''
"""URL slugs for article titles."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def _ascii_fold(text: str) -> str:
    """Compatibility-decompose `text` (é -> e + accent, Ａ -> A) and keep the ASCII part."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slugify(title: str, *, max_length: int = 60) -> str:
    """Lower-case ASCII words of `title` joined by single dashes, at most `max_length` long."""
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    slug = _SEPARATORS.sub("-", _ascii_fold(title).lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]
    return slug.strip("-")
''',
    },
    test_script=r"""
def check(candidate):
    assert candidate("Hello, World!") == "hello-world"
    assert candidate("Ångström über Café") == "angstrom-uber-cafe"
    assert candidate("  naïve   résumé!! ") == "naive-resume"
    assert candidate("Ｆｕｌｌ　ｗｉｄｔｈ") == "full-width"
    assert candidate("日本 Tokyo 2024") == "tokyo-2024"
    assert candidate("Événement spécial à Zürich", max_length=20) == "evenement-special-a"
    assert candidate("ÉÉÉ", max_length=2) == "ee"
    assert candidate("Ça va très bien", max_length=10) == "ca-va-tres"
""",
)
