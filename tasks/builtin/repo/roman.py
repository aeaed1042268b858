"""Feature: a strict `from_roman`, the inverse of the existing `to_roman`."""

from tasks.builtin.repo._spec import RepoSpec

_TO_ROMAN = r'''
"""Roman numerals for chapter and clause numbers."""

_NUMERALS = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)


def to_roman(number: int) -> str:
    """The canonical numeral for 1 <= number <= 3999, e.g. 1994 -> "MCMXCIV"."""
    if not 1 <= number <= 3999:
        raise ValueError(f"roman numerals cover 1..3999, got {number}")
    parts = []
    for value, numeral in _NUMERALS:
        count, number = divmod(number, value)
        parts.append(numeral * count)
    return "".join(parts)
'''

_FROM_ROMAN = r'''

def from_roman(numeral: str) -> int:
    """The number written by a canonical numeral (any case); anything else is a ValueError."""
    text = numeral.strip().upper()
    total, pos = 0, 0
    for value, symbol in _NUMERALS:  # greedy, largest symbol first: the inverse of to_roman
        while text.startswith(symbol, pos):
            total += value
            pos += len(symbol)
    # Greedy reading also accepts non-canonical spellings ("IIII", "VV", "IVI"); only the
    # numeral that to_roman would write for the total is valid.
    if pos != len(text) or not 1 <= total <= 3999 or to_roman(total) != text:
        raise ValueError(f"not a canonical roman numeral: {numeral!r}")
    return total
'''

SPEC = RepoSpec(
    name="roman-from-roman",
    split="train",
    difficulty="medium",
    change="feature",
    tags=("parsing", "validation", "numbers"),
    entry_point="numerals.roman:from_roman",
    issue="""
Add `from_roman` to read numerals back

`numerals.roman` can write numerals (`to_roman(1994) == "MCMXCIV"`) but not read them. Please add
`from_roman(numeral: str) -> int` next to it:

- it inverts `to_roman` for every number from 1 to 3999; lower case (`"xiv"`) and surrounding
  whitespace are accepted;
- only canonical numerals are valid: `"IIII"`, `"VV"`, `"IC"`, `"XM"`, `"MMMM"`, `"IIV"`, `""`
  or anything with other letters raise `ValueError`.
""",
    files={
        "README.md": r"""
# numerals

Roman numerals for the document renderer's chapter and clause numbers.

- `to_roman(number)` -> the canonical numeral, 1..3999 (else `ValueError`).
""",
        "numerals/__init__.py": "",
        "numerals/roman.py": _TO_ROMAN,
        "tests/test_roman.py": r"""
import pytest

from numerals import roman


def test_to_roman():
    assert roman.to_roman(1994) == "MCMXCIV"
    with pytest.raises(ValueError):
        roman.to_roman(0)


def test_from_roman():
    assert roman.from_roman("MCMXCIV") == 1994
    assert roman.from_roman("xiv") == 14


def test_from_roman_rejects_non_canonical():
    with pytest.raises(ValueError):
        roman.from_roman("IIII")
""",
    },
    reference_files={"numerals/roman.py": _TO_ROMAN + _FROM_ROMAN},
    test_script=r"""
def _raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


def check(candidate):
    to_roman = candidate_function("numerals.roman:to_roman")
    assert [candidate(to_roman(n)) for n in range(1, 4000, 37)] == list(range(1, 4000, 37))
    assert candidate("MMMCMXCIX") == 3999 and candidate("I") == 1 and candidate("XL") == 40
    assert candidate(" mmxxiv ") == 2024 and candidate("CdXliV") == 444
    assert all(_raises(ValueError, candidate, s) for s in ["IIII", "VV", "IC", "XM", "IIV"])
    assert all(_raises(ValueError, candidate, s) for s in ["", "MMMM", "ABC", "XIVX", "LL", "DM"])
    assert all(_raises(ValueError, candidate, s) for s in ["VX", "XXXX", "CCCC", "IXI", "XCX"])
""",
)
