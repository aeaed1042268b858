"""Bug fix: splitting a bill rounds every share, so the shares do not add up to the total."""

from tasks.builtin.repo._spec import RepoSpec

_MONEY = r'''
"""Money as integer cents: no floats anywhere near a balance."""


def parse_amount(text: str) -> int:
    """``"12.5"`` -> 1250 cents; at most two decimals, no sign."""
    whole, _, frac = text.strip().partition(".")
    if not whole.isdigit() or len(frac) > 2 or (frac and not frac.isdigit()):
        raise ValueError(f"not an amount: {text!r}")
    return int(whole) * 100 + int(frac.ljust(2, "0"))


def format_cents(cents: int) -> str:
    """1250 -> ``"12.50"``."""
    return f"{cents // 100}.{cents % 100:02d}"
'''

_BUGGY_SPLIT = r'''
"""Splitting a restaurant bill between people."""

from splitter.money import format_cents, parse_amount


def split_bill(total: str, people: int) -> list[str]:
    """What each of `people` pays; the shares add up to `total` exactly."""
    if people < 1:
        raise ValueError(f"people must be >= 1, got {people}")
    share = round(parse_amount(total) / people)
    return [format_cents(share)] * people
'''

_FIXED_SPLIT = r'''
"""Splitting a restaurant bill between people."""

from splitter.money import format_cents, parse_amount


def split_bill(total: str, people: int) -> list[str]:
    """What each of `people` pays; the shares add up to `total` exactly.

    Every share is the total divided evenly, rounded down to the cent; the cents left over go,
    one each, to the first people in the list, so no two shares differ by more than a cent.
    """
    if people < 1:
        raise ValueError(f"people must be >= 1, got {people}")
    base, leftover = divmod(parse_amount(total), people)
    return [format_cents(base + (i < leftover)) for i in range(people)]
'''

SPEC = RepoSpec(
    name="splitbill-lost-cents",
    split="train",
    difficulty="medium",
    change="bugfix",
    tags=("money", "rounding", "integer-arithmetic"),
    entry_point="splitter.bill:split_bill",
    issue="""
Split bills don't add up

`split_bill("10.00", 3)` returns `["3.33", "3.33", "3.33"]`: one cent of the bill is never paid.
And `split_bill("0.05", 2)` charges `0.02` twice. The shares must always add up to the total
exactly. Each share is the even split rounded down to the cent, and the left-over cents are
added one each to the first people in the list, so `split_bill("10.00", 3)` is
`["3.34", "3.33", "3.33"]`.
""",
    files={
        "README.md": r"""
# splitter

Bill splitting for the group-dinner app. Amounts are strings like `"12.50"` on the outside and
integer cents inside (`splitter.money.parse_amount`, `format_cents`).

`splitter.bill.split_bill(total, people)` -> one share per person, as strings.
""",
        "splitter/__init__.py": "",
        "splitter/money.py": _MONEY,
        "splitter/bill.py": _BUGGY_SPLIT,
        "tests/test_bill.py": r"""
import pytest

from splitter.bill import split_bill
from splitter.money import format_cents, parse_amount


def test_money():
    assert parse_amount("12.5") == 1250
    assert format_cents(1250) == "12.50"


def test_even_split():
    assert split_bill("30.00", 3) == ["10.00", "10.00", "10.00"]


def test_no_people():
    with pytest.raises(ValueError):
        split_bill("1.00", 0)


def test_uneven_split_adds_up():
    assert split_bill("10.00", 3) == ["3.34", "3.33", "3.33"]
""",
    },
    reference_files={"splitter/bill.py": _FIXED_SPLIT},
    test_script=r"""
def _cents(shares):
    return sum(int(s.replace(".", "")) for s in shares)


def check(candidate):
    assert candidate("0.05", 2) == ["0.03", "0.02"]
    assert candidate("0.05", 10) == ["0.01"] * 5 + ["0.00"] * 5
    assert candidate("7.01", 2) == ["3.51", "3.50"]
    assert candidate("100", 4) == ["25.00"] * 4 and candidate("19.99", 1) == ["19.99"]
    assert candidate("1234.56", 7) == ["176.37"] * 4 + ["176.36"] * 3
    assert all(_cents(candidate("987.65", n)) == 98765 for n in (2, 3, 6, 9, 11, 13))
    assert candidate("0.10", 6) == ["0.02"] * 4 + ["0.01"] * 2
""",
)
