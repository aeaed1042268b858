"""Python literals as text: how test arguments and expected values are stored in suite files.

JSON cannot tell a tuple from a list, has no sets, bytes, complex numbers or big-int guarantees,
and the sandbox compares type-strictly, so a value written as JSON could come back as a different
value. Suite files therefore store each value as its ``repr`` and read it back with a small,
safe evaluator: everything `ast.literal_eval` accepts, plus the three spellings ``repr`` uses
that it rejects:

- ``nan`` and ``inf`` (``float('nan')`` and ``float('inf')`` print that way, ``-inf`` too);
- ``frozenset({...})`` and ``frozenset()``.

Nothing is ever executed: the text is parsed to an AST and only those node shapes are accepted.
`dump_literal` refuses a value that does not come back equal and of the same types (a custom
class, a complex with a nan part, a recursive list), so a file that was written can be read.
"""

from __future__ import annotations

import ast
import math
from typing import Any

__all__ = ["dump_literal", "parse_literal", "same_value"]

_NAMES = {"nan": math.nan, "inf": math.inf}
_CONTAINERS = {"set": set, "frozenset": frozenset}


def parse_literal(text: str) -> Any:
    """Read back a value written by `dump_literal` (or any `ast.literal_eval` input).

    Raises `ValueError` naming the part of the text that is not a literal.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not a Python literal ({exc.msg}): {_short(text)}") from None
    return _evaluate(tree.body, text)


def dump_literal(value: Any) -> str:
    """``repr(value)``, after checking that `parse_literal` gives back the same value."""
    text = repr(value)
    try:
        back = parse_literal(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(
            f"{type(value).__name__} value cannot be stored as a literal: {exc}. Test values must "
            "be plain builtin data (None, bool, int, float, complex, str, bytes, and lists, "
            "tuples, dicts, sets, frozensets of them)."
        ) from None
    if not same_value(value, back):
        raise ValueError(
            f"value {_short(text)} does not survive repr -> parse (it reads back as "
            f"{_short(repr(back))}); use plain builtin types"
        )
    return text


def same_value(a: Any, b: Any) -> bool:
    """Type-strict equality that treats nan as equal to nan: ``1 != 1.0 != True``, and a tuple
    is not a list. This is what "the value survived the round trip" means."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, complex):
        return same_value(a.real, b.real) and same_value(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(v, b[k]) for k, v in a.items())
    # sets hold hashable scalars and tuples; their own == is type-loose (1 == 1.0 == True) but a
    # set cannot hold both 1 and 1.0, so comparing the sorted reprs is exact enough here.
    if isinstance(a, (set, frozenset)):
        return len(a) == len(b) and sorted(map(repr, a)) == sorted(map(repr, b))
    return bool(a == b)


def _evaluate(node: ast.expr, text: str) -> Any:
    if isinstance(node, ast.Constant):
        if node.value is Ellipsis:
            raise ValueError(f"'...' is not a value: {_short(text)}")
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_evaluate(e, text) for e in node.elts)
    if isinstance(node, ast.List):
        return [_evaluate(e, text) for e in node.elts]
    if isinstance(node, ast.Set):
        return {_evaluate(e, text) for e in node.elts}
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError(f"'**' unpacking is not a literal: {_short(text)}")
        return {
            _evaluate(k, text): _evaluate(v, text)  # type: ignore[arg-type]
            for k, v in zip(node.keys, node.values, strict=True)
        }
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand, text)
        if isinstance(operand, (int, float, complex)) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        # complex numbers print as (1+2j) / (-1-2j): a real part and an imaginary literal
        left, right = _evaluate(node.left, text), _evaluate(node.right, text)
        if isinstance(left, (int, float)) and isinstance(right, complex):
            return left + right if isinstance(node.op, ast.Add) else left - right
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _CONTAINERS
        and not node.keywords
        and len(node.args) <= 1
    ):
        items = _evaluate(node.args[0], text) if node.args else ()
        if isinstance(items, (set, frozenset, list, tuple)):
            return _CONTAINERS[node.func.id](items)
    hint = ""
    if isinstance(node, ast.Name) and node.id in _JSON_SPELLINGS:
        hint = f" (JSON's {node.id}: in Python it is {_JSON_SPELLINGS[node.id]})"
    raise ValueError(f"not a literal: {_short(ast.unparse(node))} in {_short(text)}{hint}")


_JSON_SPELLINGS = {"true": "True", "false": "False", "null": "None"}


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
