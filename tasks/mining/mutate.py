"""Bug injection by AST mutation: each operator is a pure function from a parsed module to the
places it can change, and a mutation is applied as a text splice, so the rest of the file keeps
its formatting and comments and the diff is one small hunk.

    mutations = find_mutations(source)          # every site, in source order
    buggy = apply_mutation(source, mutations[3])

Operators (`OPERATORS`): flipped comparisons, off-by-one in ranges and slices, swapped
arguments, dropped branches (an ``else`` or an ``if`` without one), dropped returns (the value
becomes None), wrong constants, inverted conditions, and/or swapped, + and - swapped.

Not mutated: docstrings, annotations, ``assert`` statements, ``__all__``, ``if __name__ ==``
blocks, ``TYPE_CHECKING`` blocks, and anything inside an ``except ImportError`` fallback (code
the tests may never reach on this interpreter).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["OPERATORS", "Mutation", "apply_mutation", "find_mutations"]


@dataclass(frozen=True)
class Mutation:
    """Replace the source from (`lineno`, `col`) to (`end_lineno`, `end_col`) (1-based lines,
    0-based UTF-8 byte columns, as `ast` gives them) with `replacement`."""

    operator: str
    lineno: int
    col: int
    end_lineno: int
    end_col: int
    replacement: str
    description: str


_CMP_FLIP: dict[type[ast.cmpop], ast.cmpop] = {
    ast.Lt: ast.LtE(),
    ast.LtE: ast.Lt(),
    ast.Gt: ast.GtE(),
    ast.GtE: ast.Gt(),
    ast.Eq: ast.NotEq(),
    ast.NotEq: ast.Eq(),
    ast.Is: ast.IsNot(),
    ast.IsNot: ast.Is(),
    ast.In: ast.NotIn(),
    ast.NotIn: ast.In(),
}


def _at(node: ast.AST, operator: str, replacement: str, description: str) -> Mutation:
    return Mutation(
        operator,
        node.lineno,  # type: ignore[attr-defined]
        node.col_offset,  # type: ignore[attr-defined]
        node.end_lineno,  # type: ignore[attr-defined]
        node.end_col_offset,  # type: ignore[attr-defined]
        replacement,
        description,
    )


def flip_comparison(node: ast.AST) -> Iterator[Mutation]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP_FLIP:
        new = ast.Compare(node.left, [_CMP_FLIP[type(node.ops[0])]], node.comparators)
        yield _at(node, "flip_comparison", ast.unparse(new), "comparison operator changed")


def _int_const(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def off_by_one(node: ast.AST) -> Iterator[Mutation]:
    """`range(a, b)` bounds and slice bounds: an int literal k becomes k+1, ``len(x)`` or a
    name becomes ``... - 1``."""
    bounds: list[ast.expr] = []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        bounds = list(node.args[:2])
    elif isinstance(node, ast.Slice):
        bounds = [b for b in (node.lower, node.upper) if b is not None]
    for bound in bounds:
        value = _int_const(bound)
        if value is not None:
            yield _at(bound, "off_by_one", str(value + 1), "bound moved by one")
        elif isinstance(bound, (ast.Name, ast.Call, ast.Attribute)):
            yield _at(bound, "off_by_one", f"{ast.unparse(bound)} - 1", "bound moved by one")
        elif (
            isinstance(bound, ast.BinOp)
            and isinstance(bound.op, (ast.Add, ast.Sub))
            and _int_const(bound.right) == 1
        ):
            yield _at(bound, "off_by_one", ast.unparse(bound.left), "bound moved by one")


def swap_arguments(node: ast.AST) -> Iterator[Mutation]:
    if (
        isinstance(node, ast.Call)
        and len(node.args) >= 2
        and not any(isinstance(a, ast.Starred) for a in node.args[:2])
    ):
        a, b = node.args[0], node.args[1]
        if ast.unparse(a) != ast.unparse(b):
            new = ast.Call(node.func, [b, a, *node.args[2:]], node.keywords)
            yield _at(node, "swap_arguments", ast.unparse(new), "two arguments swapped")


def drop_branch(node: ast.AST) -> Iterator[Mutation]:
    """An ``if`` whose test is not a bare ``else``: drop its ``else`` block, or (with no
    ``else``) the whole statement becomes ``pass``."""
    if not isinstance(node, ast.If):
        return
    if node.orelse and not (len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)):
        new = ast.If(node.test, node.body, [])
        yield _at(
            node, "drop_branch", _indent_tail(ast.unparse(new), node.col_offset), "else dropped"
        )
    elif not node.orelse and not _is_guard_only(node):
        yield _at(node, "drop_branch", "pass", "if statement dropped")


def _is_guard_only(node: ast.If) -> bool:
    """An ``if`` whose body only raises: dropping it rarely changes a tested result and often
    yields an equivalent mutant; kept for invert_condition instead."""
    return all(isinstance(s, ast.Raise) for s in node.body)


def drop_return(node: ast.AST) -> Iterator[Mutation]:
    if (
        isinstance(node, ast.Return)
        and node.value is not None
        and not (isinstance(node.value, ast.Constant) and node.value.value is None)
    ):
        yield _at(node, "drop_return", "return None", "return value dropped")


def wrong_constant(node: ast.AST) -> Iterator[Mutation]:
    if isinstance(node, ast.Constant):
        if type(node.value) is bool:
            yield _at(node, "wrong_constant", str(not node.value), "boolean constant flipped")
        elif type(node.value) is int and node.value in range(0, 1000):
            new = node.value + 1 if node.value != 1 else 0
            yield _at(node, "wrong_constant", str(new), "integer constant changed")


def invert_condition(node: ast.AST) -> Iterator[Mutation]:
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        test = node.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            yield _at(test, "invert_condition", ast.unparse(test.operand), "condition inverted")
        else:
            yield _at(test, "invert_condition", f"not ({ast.unparse(test)})", "condition inverted")


def swap_boolean_operator(node: ast.AST) -> Iterator[Mutation]:
    if isinstance(node, ast.BoolOp):
        op: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        new = ast.BoolOp(op, node.values)
        yield _at(node, "swap_boolean_operator", ast.unparse(new), "and/or swapped")


def swap_arithmetic(node: ast.AST) -> Iterator[Mutation]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            return  # string concatenation
        op: ast.operator = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        new = ast.BinOp(node.left, op, node.right)
        yield _at(node, "swap_arithmetic", ast.unparse(new), "+ and - swapped")


OPERATORS: dict[str, Callable[[ast.AST], Iterator[Mutation]]] = {
    "flip_comparison": flip_comparison,
    "off_by_one": off_by_one,
    "swap_arguments": swap_arguments,
    "drop_branch": drop_branch,
    "drop_return": drop_return,
    "wrong_constant": wrong_constant,
    "invert_condition": invert_condition,
    "swap_boolean_operator": swap_boolean_operator,
    "swap_arithmetic": swap_arithmetic,
}
"""Operator name -> a function yielding the mutations it makes at one AST node."""


def _indent_tail(text: str, col: int) -> str:
    """Indent every line but the first by `col` spaces: the splice starts at column `col`."""
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * col + ln if ln else ln for ln in lines[1:]])


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of the nodes no operator may touch (see the module docstring)."""
    skip: set[int] = set()

    def mark(node: ast.AST) -> None:
        for sub in ast.walk(node):
            skip.add(id(sub))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(node, (ast.Module, ast.FunctionDef,
                                                                  ast.AsyncFunctionDef, ast.ClassDef)):  # fmt: skip
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                mark(first)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                if arg.annotation is not None:
                    mark(arg.annotation)
            if node.returns is not None:
                mark(node.returns)
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    mark(default)  # defaults run at import: a change there breaks everything
            for deco in node.decorator_list:
                mark(deco)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.Assert):
            mark(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            mark(node)
        elif isinstance(node, ast.If) and (
            "__name__" in ast.unparse(node.test) or "TYPE_CHECKING" in ast.unparse(node.test)
        ):
            mark(node)
        elif isinstance(node, ast.Try):
            for handler in node.handlers:
                if handler.type is not None and "ImportError" in ast.unparse(handler.type):
                    mark(node)
        elif isinstance(node, ast.JoinedStr):
            mark(node)  # f-string parts have no reliable columns before 3.12
    return skip


def _in_function(tree: ast.Module) -> set[int]:
    """ids of the nodes inside a function body: module- and class-level code runs at import,
    where a mutation breaks every test at once rather than a behaviour."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            for stmt in body:
                for sub in ast.walk(stmt):
                    inside.add(id(sub))
    return inside


def find_mutations(source: str, *, operators: tuple[str, ...] | None = None) -> list[Mutation]:
    """Every mutation the operators make in `source` (all by default), in source order, each
    inside a function body and outside the skipped constructs. A `SyntaxError` propagates."""
    tree = ast.parse(source)
    skip = _skipped_nodes(tree)
    inside = _in_function(tree)
    chosen = [OPERATORS[name] for name in (operators or tuple(OPERATORS))]
    found: list[Mutation] = []
    seen: set[tuple[int, int, int, int, str]] = set()
    for node in ast.walk(tree):
        if id(node) in skip or id(node) not in inside or not hasattr(node, "lineno"):
            continue
        for operator in chosen:
            for mutation in operator(node):
                key = (mutation.lineno, mutation.col, mutation.end_lineno, mutation.end_col,
                       mutation.replacement)  # fmt: skip
                if key not in seen:
                    seen.add(key)
                    found.append(mutation)
    found.sort(key=lambda m: (m.lineno, m.col, m.operator, m.replacement))
    return found


def apply_mutation(source: str, mutation: Mutation) -> str:
    """`source` with the mutation's span replaced; the result still parses (checked)."""
    lines = source.splitlines(keepends=True)
    start = _offset(lines, mutation.lineno, mutation.col)
    end = _offset(lines, mutation.end_lineno, mutation.end_col)
    data = source.encode("utf-8")
    out = (data[:start] + mutation.replacement.encode("utf-8") + data[end:]).decode("utf-8")
    ast.parse(out)
    return out


def _offset(lines: list[str], lineno: int, col: int) -> int:
    """Byte offset of (1-based line, byte column) in the UTF-8 encoding of the joined lines."""
    return sum(len(line.encode("utf-8")) for line in lines[: lineno - 1]) + col
