"""The mutation operators, on hand-written sources whose mutants are written out by hand."""

from __future__ import annotations

import pytest

from tasks.mining.mutate import OPERATORS, apply_mutation, find_mutations


def mutants(source: str, operator: str) -> list[str]:
    return [apply_mutation(source, m) for m in find_mutations(source, operators=(operator,))]


def test_flip_comparison() -> None:
    src = "def f(a, b):\n    return a < b  # keep\n"
    assert mutants(src, "flip_comparison") == ["def f(a, b):\n    return a <= b  # keep\n"]


def test_off_by_one_in_range_and_slice() -> None:
    src = "def f(xs, n):\n    for i in range(1, n):\n        pass\n    return xs[:2]\n"
    assert mutants(src, "off_by_one") == [
        "def f(xs, n):\n    for i in range(2, n):\n        pass\n    return xs[:2]\n",
        "def f(xs, n):\n    for i in range(1, n - 1):\n        pass\n    return xs[:2]\n",
        "def f(xs, n):\n    for i in range(1, n):\n        pass\n    return xs[:3]\n",
    ]


def test_off_by_one_removes_a_minus_one() -> None:
    src = "def f(xs):\n    return xs[len(xs) - 1:]\n"
    assert mutants(src, "off_by_one") == ["def f(xs):\n    return xs[len(xs):]\n"]


def test_swap_arguments_skips_equal_ones() -> None:
    src = "def f(a, b):\n    return g(a, b) + g(a, a)\n"
    assert mutants(src, "swap_arguments") == ["def f(a, b):\n    return g(b, a) + g(a, a)\n"]


def test_drop_branch_else_and_plain_if() -> None:
    src = (
        "def f(x):\n"
        "    if x:\n"
        "        y = 1\n"
        "    else:\n"
        "        y = 2\n"
        "    if y > 1:\n"
        "        y = 0\n"
        "    if x is None:\n"
        "        raise ValueError(x)\n"
        "    return y\n"
    )
    got = mutants(src, "drop_branch")
    assert got == [
        src.replace("    else:\n        y = 2\n", ""),
        src.replace("    if y > 1:\n        y = 0\n", "    pass\n"),
    ]  # the guard that only raises is left to invert_condition


def test_drop_return_and_wrong_constant() -> None:
    src = "def f():\n    return 5\n"
    assert mutants(src, "drop_return") == ["def f():\n    return None\n"]
    assert mutants(src, "wrong_constant") == ["def f():\n    return 6\n"]
    assert mutants("def f():\n    return 1\n", "wrong_constant") == ["def f():\n    return 0\n"]
    assert mutants("def f():\n    return True\n", "wrong_constant") == [
        "def f():\n    return False\n"
    ]


def test_invert_condition_both_ways() -> None:
    assert mutants("def f(x):\n    while x:\n        x -= 1\n", "invert_condition") == [
        "def f(x):\n    while not (x):\n        x -= 1\n"
    ]
    assert mutants("def f(x):\n    return 1 if not x else 2\n", "invert_condition") == [
        "def f(x):\n    return 1 if x else 2\n"
    ]


def test_boolean_and_arithmetic_swaps() -> None:
    assert mutants("def f(a, b):\n    return a and b\n", "swap_boolean_operator") == [
        "def f(a, b):\n    return a or b\n"
    ]
    assert mutants("def f(a):\n    return a - 2\n", "swap_arithmetic") == [
        "def f(a):\n    return a + 2\n"
    ]
    assert mutants("def f(a):\n    return 's' + a\n", "swap_arithmetic") == []


@pytest.mark.parametrize(
    "source",
    [
        'def f():\n    """Docstring 1 < 2."""\n    return None\n',
        "def f(x: int = 3) -> int:\n    assert x < 2\n    return None\n",
        "X = 1 < 2\n__all__ = ['a', 'b']\n",
        "def f():\n    try:\n        import foo\n    except ImportError:\n        foo = 1 < 2\n",
        "def f(x):\n    print(f'{x + 1}')\n",
    ],
)
def test_skipped_constructs(source: str) -> None:
    assert find_mutations(source) == []


def test_every_mutant_parses_and_differs_in_one_span() -> None:
    src = (
        "def clamp(x, lo, hi):\n"
        "    # comments survive\n"
        "    if x < lo:\n"
        "        return lo\n"
        "    elif x > hi and hi is not None:\n"
        "        return hi\n"
        "    return x + 0\n"
    )
    found = find_mutations(src)
    assert {m.operator for m in found} <= set(OPERATORS)
    assert len(found) >= 8
    for m in found:
        out = apply_mutation(src, m)
        assert out != src
        assert "# comments survive" in out
        assert out.splitlines()[: m.lineno - 1] == src.splitlines()[: m.lineno - 1]


def test_non_ascii_columns_are_bytes() -> None:
    src = "def f(s):\n    return 'é' == s[1:]\n"
    got = mutants(src, "off_by_one")
    assert got == ["def f(s):\n    return 'é' == s[2:]\n"]
