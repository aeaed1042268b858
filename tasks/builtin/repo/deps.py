"""Bug fix: a topological sort drops undeclared dependencies, hides cycles and breaks tie order."""

from tasks.builtin.repo._spec import RepoSpec

_DOC = r'''
"""Build order for the monorepo's targets.

`graph` maps each target to the targets it depends on. A target may depend on one that has no
entry of its own: that one is a leaf (no dependencies) and is built too.
"""
'''

_BUGGY = (
    _DOC
    + r'''
from collections import defaultdict


def build_order(graph: dict[str, list[str]]) -> list[str]:
    """Every target after its dependencies; among targets that are ready at the same time, the
    alphabetically first one goes first. A dependency cycle raises ValueError."""
    waiting = {target: len(set(deps)) for target, deps in graph.items()}
    dependents = defaultdict(list)
    for target, deps in graph.items():
        for dep in set(deps):
            dependents[dep].append(target)
    ready = sorted(target for target, count in waiting.items() if count == 0)
    order = []
    while ready:
        target = ready.pop(0)
        order.append(target)
        for dependent in dependents[target]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                ready.append(dependent)
    return order
'''
)

_FIXED = (
    _DOC
    + r'''
import heapq
from collections import defaultdict


def build_order(graph: dict[str, list[str]]) -> list[str]:
    """Every target after its dependencies; among targets that are ready at the same time, the
    alphabetically first one goes first. A dependency cycle raises ValueError."""
    targets = set(graph).union(*graph.values())  # leaves named only as dependencies count too
    waiting = {target: len(set(graph.get(target, ()))) for target in targets}
    dependents = defaultdict(list)
    for target, deps in graph.items():
        for dep in set(deps):
            dependents[dep].append(target)
    ready = [target for target, count in waiting.items() if count == 0]
    heapq.heapify(ready)  # a heap keeps "alphabetically first among the ready" as they arrive
    order = []
    while ready:
        target = heapq.heappop(ready)
        order.append(target)
        for dependent in dependents[target]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(order) < len(targets):
        stuck = sorted(t for t in targets if waiting[t] > 0)
        raise ValueError(f"dependency cycle among: {', '.join(stuck)}")
    return order
'''
)

SPEC = RepoSpec(
    name="deps-build-order",
    split="train",
    difficulty="hard",
    change="bugfix",
    tags=("graph", "topological-sort", "heap"),
    entry_point="deps.resolve:build_order",
    issue="""
`build_order` silently drops targets

Three problems with `deps.resolve.build_order`, all against its docstring:

1. A dependency that has no entry of its own (`{"app": ["libc"]}`) is a leaf that must be built
   first, but it is left out, and so is everything that depends on it: the result is `[]`.
2. A dependency cycle (`{"a": ["b"], "b": ["a"]}`, or a target depending on itself) returns a
   truncated order instead of raising `ValueError`; the message should name the targets stuck in
   or behind the cycle.
3. Among targets that are ready at the same time, the alphabetically first must come first, also
   for targets that become ready later: `{"b": [], "c": [], "a": ["b"]}` must give
   `["b", "a", "c"]`, not `["b", "c", "a"]`.
""",
    files={
        "README.md": r"""
# deps

Computes the order in which the monorepo's build targets are built.

`deps.resolve.build_order({"app": ["lib", "util"], "lib": [], "util": ["lib"]})` returns
`["lib", "util", "app"]`. Duplicate dependencies are allowed and count once.
""",
        "deps/__init__.py": "",
        "deps/resolve.py": _BUGGY,
        "tests/test_resolve.py": r"""
import pytest

from deps.resolve import build_order


def test_chain():
    assert build_order({"app": ["lib", "util"], "lib": [], "util": ["lib"]}) == ["lib", "util", "app"]


def test_undeclared_leaf():
    assert build_order({"app": ["libc"]}) == ["libc", "app"]


def test_cycle():
    with pytest.raises(ValueError):
        build_order({"a": ["b"], "b": ["a"]})
""",
    },
    reference_files={"deps/resolve.py": _FIXED},
    test_script=r"""
def _message(exc, fn, *args):
    try:
        fn(*args)
    except exc as e:
        return str(e)
    return None


def check(candidate):
    assert candidate({"b": [], "c": [], "a": ["b"]}) == ["b", "a", "c"]
    assert candidate({"app": ["lib", "util"], "lib": ["libc"], "util": []}) == ["libc", "lib", "util", "app"]
    assert candidate({"x": ["m", "k"], "y": ["k"]}) == ["k", "m", "x", "y"]
    assert candidate({"t": ["s", "s", "r"], "s": ["r"]}) == ["r", "s", "t"]
    assert candidate({}) == [] and candidate({"solo": []}) == ["solo"]
    assert _message(ValueError, candidate, {"a": ["a"]}) is not None
    cyclic = {"zip": [], "parse": ["query"], "query": ["render"], "render": ["parse"], "web": ["parse"]}
    msg = _message(ValueError, candidate, cyclic)
    assert msg is not None and all(name in msg for name in ("parse", "query", "render"))
    assert candidate({"d": ["c"], "c": ["b"], "b": ["a"], "e": ["a"]}) == ["a", "b", "c", "d", "e"]
""",
)
