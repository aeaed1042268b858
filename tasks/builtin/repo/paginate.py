"""Bug fix: the page count floors instead of rounding up, so the last partial page is lost."""

from tasks.builtin.repo._spec import RepoSpec

SPEC = RepoSpec(
    name="paginate-last-page",
    split="train",
    difficulty="easy",
    change="bugfix",
    tags=("off-by-one", "integer-division"),
    entry_point="pager.core:paginate",
    issue="""
The last page of search results is unreachable

With 25 results and 10 per page, `pager.core.page_count(25, 10)` says there are 2 pages, and
`paginate(results, page=3, per_page=10)` raises `ValueError` instead of returning the last 5
results. A partially filled last page must count as a page (and `has_next` must be right on every
page). An empty list still has 0 pages, and asking for page 1 of it returns no items.
""",
    files={
        "README.md": r"""
# pager

Pagination for the search API.

- `page_count(total, per_page)`: how many pages `total` items fill.
- `paginate(items, page, per_page=10)`: page `page` (1-based) of `items` as a dict with keys
  `items` (the slice), `page`, `pages` and `has_next`. A page outside `1..pages` raises
  `ValueError`, except page 1 of an empty list, which is an empty page.
""",
        "pager/__init__.py": "",
        "pager/core.py": r'''
"""Splitting result lists into pages."""


def page_count(total: int, per_page: int) -> int:
    """How many pages of `per_page` items hold `total` items."""
    if per_page < 1:
        raise ValueError(f"per_page must be >= 1, got {per_page}")
    return total // per_page


def paginate(items: list, page: int, per_page: int = 10) -> dict:
    """Page `page` (1-based) of `items`."""
    pages = page_count(len(items), per_page)
    if not 1 <= page <= max(pages, 1):
        raise ValueError(f"page {page} is out of range 1..{max(pages, 1)}")
    start = (page - 1) * per_page
    return {
        "items": items[start : start + per_page],
        "page": page,
        "pages": pages,
        "has_next": page < pages,
    }
''',
        "tests/test_core.py": r"""
import pytest

from pager.core import page_count, paginate


def test_full_pages():
    assert page_count(20, 10) == 2
    assert paginate(list(range(20)), 2)["items"] == list(range(10, 20))


def test_page_out_of_range():
    with pytest.raises(ValueError):
        paginate([1, 2, 3], 0)


def test_partial_last_page():
    page = paginate(list(range(25)), 3)
    assert page["items"] == [20, 21, 22, 23, 24]
    assert page["has_next"] is False
""",
    },
    reference_files={
        "pager/core.py": r'''
"""Splitting result lists into pages."""


def page_count(total: int, per_page: int) -> int:
    """How many pages of `per_page` items hold `total` items (a partial last page counts)."""
    if per_page < 1:
        raise ValueError(f"per_page must be >= 1, got {per_page}")
    return -(-total // per_page)


def paginate(items: list, page: int, per_page: int = 10) -> dict:
    """Page `page` (1-based) of `items`."""
    pages = page_count(len(items), per_page)
    if not 1 <= page <= max(pages, 1):
        raise ValueError(f"page {page} is out of range 1..{max(pages, 1)}")
    start = (page - 1) * per_page
    return {
        "items": items[start : start + per_page],
        "page": page,
        "pages": pages,
        "has_next": page < pages,
    }
''',
    },
    test_script=r"""
def _raises(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc:
        return True
    return False


def check(candidate):
    page_count = candidate_function("pager.core:page_count")
    assert [page_count(n, 10) for n in (0, 1, 9, 10, 11, 20, 21)] == [0, 1, 1, 1, 2, 2, 3]
    assert page_count(7, 3) == 3 and page_count(1, 1) == 1 and page_count(1000, 7) == 143
    assert candidate(list(range(7)), 4, 2) == {"items": [6], "page": 4, "pages": 4, "has_next": False}
    assert candidate(list(range(7)), 3, 2) == {"items": [4, 5], "page": 3, "pages": 4, "has_next": True}
    assert candidate(list("abcde"), 1, 4)["has_next"] is True
    assert _raises(ValueError, candidate, list(range(7)), 5, 2)
    assert candidate([], 1) == {"items": [], "page": 1, "pages": 0, "has_next": False}
    assert _raises(ValueError, page_count, 5, 0)
""",
)
