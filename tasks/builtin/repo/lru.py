"""Bug fix: an LRU cache forgets to refresh a key's recency on reads and on overwrites."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""A least-recently-used cache for rendered page fragments."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


class LRUCache:
    """Holds at most `capacity` entries; adding one more evicts the least recently used.

    Both reading a key (`get`) and writing it (`put`) count as using it.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._data: OrderedDict[Any, Any] = OrderedDict()  # least recently used first

    def __len__(self) -> int:
        return len(self._data)
'''

_BUGGY = r"""
    def get(self, key: Any, default: Any = None) -> Any:
        return self._data.get(key, default)

    def put(self, key: Any, value: Any) -> None:
        self._data[key] = value
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)
"""

_FIXED = r"""
    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self._data:
            return default
        self._data.move_to_end(key)
        return self._data[key]

    def put(self, key: Any, value: Any) -> None:
        self._data[key] = value
        self._data.move_to_end(key)  # overwriting an existing key keeps its old position
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)
"""

_TAIL = r'''

def run_ops(capacity: int, ops: list[tuple]) -> list:
    """Replay ``("put", key, value)``, ``("get", key)`` and ``("len",)`` on a new cache.

    Returns one result per operation: None for puts, the value (or None) for gets, the size for
    lens.
    """
    cache = LRUCache(capacity)
    results: list = []
    for op, *args in ops:
        if op == "put":
            results.append(cache.put(*args))
        elif op == "get":
            results.append(cache.get(*args))
        elif op == "len":
            results.append(len(cache))
        else:
            raise ValueError(f"unknown operation {op!r}")
    return results
'''

SPEC = RepoSpec(
    name="lru-recency-on-access",
    split="test",
    difficulty="medium",
    change="bugfix",
    tags=("cache", "ordereddict", "state"),
    entry_point="cachekit.lru:run_ops",
    issue="""
LRU cache evicts entries that were just used

`cachekit.lru.LRUCache` is meant to evict the least recently *used* entry, but it evicts the least
recently *inserted* one. With capacity 2: put a, put b, get a, put c -- `b` should be evicted
and `a` kept, yet `get("a")` then misses. Writing to a key that is already in the cache
(`put("a", ...)` again) should count as a use as well.
""",
    files={
        "README.md": r"""
# cachekit

An in-memory LRU cache for rendered page fragments.

`LRUCache(capacity)` with `get(key, default=None)`, `put(key, value)` and `len(cache)`; when a put
makes it exceed `capacity`, the least recently used entry (read or written longest ago) goes.
`run_ops(capacity, ops)` replays a list of operations on a fresh cache (see its docstring).
""",
        "cachekit/__init__.py": "",
        "cachekit/lru.py": _HEAD + _BUGGY + _TAIL,
        "tests/test_lru.py": r"""
import pytest

from cachekit.lru import LRUCache, run_ops


def test_capacity_is_enforced():
    cache = LRUCache(2)
    for key in "abc":
        cache.put(key, key.upper())
    assert len(cache) == 2
    assert cache.get("a") is None


def test_bad_capacity():
    with pytest.raises(ValueError):
        LRUCache(0)


def test_read_keeps_entry():
    ops = [("put", "a", 1), ("put", "b", 2), ("get", "a"), ("put", "c", 3), ("get", "a")]
    assert run_ops(2, ops) == [None, None, 1, None, 1]
""",
    },
    reference_files={"cachekit/lru.py": _HEAD + _FIXED + _TAIL},
    test_script=r"""
def check(candidate):
    ops = [("put", 1, "x"), ("put", 2, "y"), ("get", 1), ("put", 3, "z"), ("get", 2), ("get", 1), ("get", 3)]
    assert candidate(2, ops) == [None, None, "x", None, None, "x", "z"]
    ops = [("put", "a", 1), ("put", "b", 2), ("put", "a", 10), ("put", "c", 3), ("get", "a"), ("get", "b")]
    assert candidate(2, ops) == [None, None, None, None, 10, None]
    ops = [("put", k, k) for k in "abc"] + [("get", "a"), ("get", "b"), ("put", "d", 0), ("get", "c"), ("len",)]
    assert candidate(3, ops)[-2:] == [None, 3]
    ops = [("put", "k", 1), ("get", "k"), ("put", "j", 2), ("get", "missing"), ("get", "k"), ("get", "j")]
    assert candidate(1, ops) == [None, 1, None, None, None, 2]
    ops = [("put", "a", 1), ("put", "b", 2), ("get", "a"), ("get", "a"), ("put", "c", 3), ("put", "d", 4)]
    assert candidate(3, ops + [("get", "a"), ("get", "b")])[-2:] == [1, None]
    ops = [("put", (1, 2), [1]), ("put", None, "n"), ("get", (1, 2)), ("put", 0, 0), ("get", None), ("get", (1, 2))]
    assert candidate(2, ops) == [None, None, [1], None, None, [1]]
""",
)
