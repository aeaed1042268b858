"""A task's test code as the oracle runs it (stdlib only; runs in the sandbox): which fields of
a request are its tests, the check script compiled once per executor with each top-level
assert recording its own outcome, and what a kept oracle is sent to grade other tests."""

from __future__ import annotations

import marshal
from typing import TYPE_CHECKING

from sandbox.harness.messages import Request

if TYPE_CHECKING:
    import ast  # imported where used: the executor needs it only after the zygote is forked

SWITCH_MAX = 64 * 1024
"""The largest tests message (`tests_message`) handed to a kept oracle; larger tests get a
fresh oracle, which inherits them from the executor."""


ORACLE_FIELDS = (
    "setup",
    "test_script",
    "check_name",
    "split_asserts",
    "tests",
    "entry_point",
    "float_tol",
    "limits",
)
"""The fields of a function request that its oracle process grades with: two requests share
an oracle only where all of them are equal (`same_tests`)."""


def same_tests(a: Request, b: Request) -> bool:
    """Whether requests `a` and `b` are graded alike: same tests, same limits."""
    return all(a.get(k) == b.get(k) for k in ORACLE_FIELDS)


def same_limits(a: Request, b: Request) -> bool:
    """Whether requests `a` and `b` may share an oracle process (its rlimits are set once)."""
    return a.get("limits") == b.get("limits")


def take_tests(message: bytes) -> Request:
    """In a kept oracle: the request fields of a `tests_message`, its compiled code added to
    this process's cache (added, not swapped: clearing the cache inherited from the executor
    would copy its pages)."""
    switch = marshal.loads(message)  # from the executor: trusted, so marshal is safe here
    req: Request = switch["req"]
    if switch["code"] is not None:
        _COMPILED[_compile_key(req)] = switch["code"]
    return req


def tests_message(req: Request) -> bytes | None:
    """What a kept oracle needs to grade `req`'s tests instead of its last ones: their fields
    and the code the executor compiled (`compile_tests`). None where a fresh oracle must do it:
    the tests do not compile (the fresh oracle reports it), or the message would be larger
    than `SWITCH_MAX`."""
    code = None
    if req.get("test_script"):
        try:
            code = compile_tests(req)
        except SyntaxError:
            return None
    data = marshal.dumps({"req": {k: req.get(k) for k in ORACLE_FIELDS}, "code": code})
    return data if len(data) <= SWITCH_MAX else None


def split_check(tree: ast.Module, check_name: str) -> int:
    """Rewrite each top-level ``assert`` of `check_name` to record its own outcome; returns how
    many there are (0: the check is graded as one test)."""
    import ast

    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == check_name:
            count = 0
            for i, stmt in enumerate(node.body):
                if isinstance(stmt, ast.Assert):
                    node.body[i] = _recorded(stmt, count)
                    count += 1
            return count
    return 0


def _recorded(stmt: ast.Assert, k: int) -> ast.Try:
    """``try: <assert> / except Exception as e: record.fail(k, e) / else: record.ok(k)``,
    every new node placed at the assert's line (cheaper than fix_missing_locations)."""
    import ast

    def at(node):
        return ast.copy_location(node, stmt)

    def record(method: str, *args: ast.expr) -> ast.Expr:
        func = at(
            ast.Attribute(
                value=at(ast.Name(id="__cg_record", ctx=ast.Load())), attr=method, ctx=ast.Load()
            )
        )
        return at(
            ast.Expr(value=at(ast.Call(func=func, args=[at(ast.Constant(k)), *args], keywords=[])))
        )

    handler = at(
        ast.ExceptHandler(
            type=at(ast.Name(id="Exception", ctx=ast.Load())),
            name="__cg_exc",
            body=[record("fail", at(ast.Name(id="__cg_exc", ctx=ast.Load())))],
        )
    )
    return at(ast.Try(body=[stmt], handlers=[handler], orelse=[record("ok")], finalbody=[]))


_COMPILED: dict[tuple, tuple] = {}


def compile_tests(req: Request) -> tuple:
    """(setup code, instrumented test code, number of tests) of a check-script request.
    Cached in the executor, whose forked oracles inherit the code objects: a batch grades
    many samples of the same task, and compiling the tests is most of the oracle's own work."""
    key = _compile_key(req)
    hit = _COMPILED.get(key)
    if hit is None:
        setup_src, test_src, check_name, split = key
        # dont_inherit: not under this file's __future__ imports, as the task's author ran it
        setup = compile(setup_src, "setup.py", "exec", dont_inherit=True) if setup_src else None
        import ast

        tree = ast.parse(test_src, "test.py")
        n = split_check(tree, check_name) if split else 0
        hit = (setup, compile(tree, "test.py", "exec", dont_inherit=True), n)
        if len(_COMPILED) >= 1024:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = hit
    return hit


def _compile_key(req: Request) -> tuple[str, str, str, bool]:
    return (
        req.get("setup") or "",
        req.get("test_script") or "",
        req.get("check_name") or "check",
        bool(req.get("split_asserts", True)),
    )


def count_asserts(req: Request) -> int:
    try:
        return max(compile_tests(req)[2], 1)
    except SyntaxError:
        return 1
