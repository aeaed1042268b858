"""Bug fix: the recursive-descent parser makes binary operators right-associative."""

from tasks.builtin.repo._spec import RepoSpec

_LEXER = r'''
"""Turning an arithmetic expression into tokens."""

import re

_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|(.))")


def tokenize(text: str) -> list[str]:
    """Numbers and the single characters ``+ - * / ( )``; anything else is a ValueError."""
    tokens = []
    for number, other in _TOKEN.findall(text.rstrip()):
        if number:
            tokens.append(number)
        elif other in "+-*/()":
            tokens.append(other)
        else:
            raise ValueError(f"unexpected character {other!r}")
    return tokens
'''

_PARSER_HEAD = r'''
"""A recursive-descent evaluator for + - * / with parentheses and unary minus.

Grammar::

    expr   := term (("+" | "-") term)*
    term   := factor (("*" | "/") factor)*
    factor := "-" factor | "(" expr ")" | number
"""

from calc.lexer import tokenize


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ValueError("unexpected end of expression")
        self.pos += 1
        return token
'''

_PARSER_TAIL = r'''
    def factor(self) -> int | float:
        token = self.take()
        if token == "-":
            return -self.factor()
        if token == "(":
            value = self.expr()
            if self.take() != ")":
                raise ValueError("expected ')'")
            return value
        if token in "+*/)":
            raise ValueError(f"unexpected {token!r}")
        return float(token) if "." in token else int(token)


def evaluate(text: str) -> int | float:
    """Value of the expression `text`; ``/`` is true division, the other operators keep ints."""
    parser = _Parser(tokenize(text))
    value = parser.expr()
    if parser.peek() is not None:
        raise ValueError(f"unexpected {parser.peek()!r}")
    return value
'''

_BUGGY_RULES = r"""
    def expr(self) -> int | float:
        left = self.term()
        if self.peek() in ("+", "-"):
            op = self.take()
            right = self.expr()
            return left + right if op == "+" else left - right
        return left

    def term(self) -> int | float:
        left = self.factor()
        if self.peek() in ("*", "/"):
            op = self.take()
            right = self.term()
            return left * right if op == "*" else left / right
        return left
"""

_FIXED_RULES = r"""
    def expr(self) -> int | float:
        # a loop, not recursion on the right: 10 - 3 - 2 is (10 - 3) - 2
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self) -> int | float:
        value = self.factor()
        while self.peek() in ("*", "/"):
            op = self.take()
            right = self.factor()
            value = value * right if op == "*" else value / right
        return value
"""

SPEC = RepoSpec(
    name="calc-left-associative",
    split="train",
    difficulty="medium",
    change="bugfix",
    tags=("parser", "recursion"),
    entry_point="calc.parser:evaluate",
    issue="""
Chained subtraction and division give wrong answers

`calc.parser.evaluate("10 - 3 - 2")` returns 9 instead of 5, and `evaluate("100 / 10 / 5")`
returns 50.0 instead of 2.0. Operators of the same precedence must be evaluated left to right,
as in ordinary arithmetic (and in Python), for `+`/`-` as well as for `*`/`/`. Precedence,
parentheses, unary minus and the error handling already work.
""",
    files={
        "README.md": r"""
# calc

A tiny calculator for the command bar. `calc.parser.evaluate(text)` computes `+ - * /`,
parentheses and unary minus over integers and decimals. `/` is true division (a float); the other
operators keep integers exact. Malformed input raises `ValueError`.
""",
        "calc/__init__.py": "",
        "calc/lexer.py": _LEXER,
        "calc/parser.py": _PARSER_HEAD + _BUGGY_RULES + _PARSER_TAIL,
        "tests/test_parser.py": r"""
import pytest

from calc.parser import evaluate


def test_precedence():
    assert evaluate("2 + 3 * 4") == 14
    assert evaluate("(2 + 3) * 4") == 20


def test_malformed():
    with pytest.raises(ValueError):
        evaluate("2 +")


def test_chained_subtraction():
    assert evaluate("10 - 3 - 2") == 5
""",
    },
    reference_files={"calc/parser.py": _PARSER_HEAD + _FIXED_RULES + _PARSER_TAIL},
    test_script=r"""
def _raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


def check(candidate):
    assert candidate("100 / 10 / 5") == 2.0
    assert candidate("1 - 2 + 3") == 2
    assert candidate("2 * 3 - 4 - 1") == 1
    assert candidate("8 / 2 * 4") == 16.0
    assert candidate("20 - 2 * 3 - (4 - 1) - 1") == 10
    assert candidate("-2 - -3 - 4") == -3
    assert candidate("2 - (3 - 4)") == 3 and candidate("7 * 6") == 42
    assert candidate("1.5 - 0.25 - 0.25") == 1.0
    assert _raises(ValueError, candidate, "(1 - 2") and _raises(ValueError, candidate, "3 $ 4")
""",
)
