"""Training families of hard function tasks: dynamic programming, numerals, selection, palindromes.

As in `fn_algo`, the oracles are independent of the references: brute force or recursion where
the reference uses a table.
"""

from __future__ import annotations

import random
from typing import Final

from tasks.builtin.spec import FunctionSpec, family, fn, rand_ints

TRAIN: Final = "train"


@family("coin-change", kind="function", split=TRAIN, count=4)
def coin_change(rng: random.Random, i: int) -> FunctionSpec:
    coins = sorted(rng.sample([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 25], rng.randint(2, 4)))
    if i % 2 == 0:
        return fn(
            "min_coins", "amount: int", "int",
            f"Coins come in the values {coins}, with unlimited supply of each. Return the fewest "
            "coins that add up to amount (amount >= 0), or -1 if it cannot be done.",
            f"best = [0] + [-1] * amount\nfor a in range(1, amount + 1):\n    options = [best[a - c] for c in {coins} if c <= a and best[a - c] >= 0]\n"
            "    best[a] = min(options) + 1 if options else -1\nreturn best[amount]",
            lambda amount: _min_coins_bfs(coins, amount),
            public=[coins[-1] + coins[0], 0], hidden=[1, 2, 13, 29, 64, 100, coins[-1] * 3 + 1],
            difficulty="hard", tags=("dynamic-programming",),
        )  # fmt: skip
    return fn(
        "coin_ways", "amount: int", "int",
        f"Coins come in the values {coins}, with unlimited supply of each. Return how many "
        "different multisets of coins add up to amount (amount >= 0; order does not matter).",
        f"ways = [1] + [0] * amount\nfor c in {coins}:\n    for a in range(c, amount + 1):\n        ways[a] += ways[a - c]\nreturn ways[amount]",
        lambda amount: _count_ways(tuple(coins), amount),
        public=[coins[-1] + coins[0], 0], hidden=[1, 2, 13, 29, 64, 100, coins[-1] * 3 + 1],
        difficulty="hard", tags=("dynamic-programming", "counting"),
    )  # fmt: skip


def _min_coins_bfs(coins: list[int], amount: int) -> int:
    frontier, seen, steps = {0}, {0}, 0
    while frontier:
        if amount in frontier:
            return steps
        frontier = {a + c for a in frontier for c in coins if a + c <= amount} - seen
        seen |= frontier
        steps += 1
    return -1


def _count_ways(coins: tuple[int, ...], amount: int) -> int:
    if amount == 0:
        return 1
    if not coins:
        return 0
    c, rest = coins[-1], coins[:-1]
    return sum(_count_ways(rest, amount - k * c) for k in range(amount // c + 1))


@family("edit-distance", kind="function", split=TRAIN, count=2)
def edit_distance(rng: random.Random, i: int) -> FunctionSpec:
    pairs = [("", ""), ("", "abc"), ("same", "same"), ("kitten", "sitting"), ("abcdef", "azced"),
             ("intention", "execution"), ("ab", "ba"), ("aaaa", "b")]  # fmt: skip
    if i == 0:
        return fn(
            "edit_distance", "a: str, b: str", "int",
            "Return the Levenshtein distance between a and b: the fewest single-character "
            "insertions, deletions and substitutions that turn a into b.",
            "prev = list(range(len(b) + 1))\nfor i, ca in enumerate(a, 1):\n    cur = [i]\n    for j, cb in enumerate(b, 1):\n"
            "        cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))\n    prev = cur\nreturn prev[-1]",
            lambda a, b: _lev(a, b), public=[("horse", "ros"), ("a", "a")], hidden=pairs,
            difficulty="hard", tags=("dynamic-programming", "strings"),
        )  # fmt: skip
    return fn(
        "lcs_length", "a: str, b: str", "int",
        "Return the length of the longest common subsequence of a and b (characters in order, "
        "not necessarily adjacent).",
        "dp = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]\nfor i in range(len(a)):\n    for j in range(len(b)):\n"
        "        dp[i + 1][j + 1] = dp[i][j] + 1 if a[i] == b[j] else max(dp[i][j + 1], dp[i + 1][j])\nreturn dp[-1][-1]",
        lambda a, b: _lcs(a, b), public=[("abcde", "ace"), ("abc", "def")], hidden=pairs,
        difficulty="hard", tags=("dynamic-programming", "strings"),
    )  # fmt: skip


def _lev(a: str, b: str) -> int:
    if not a or not b:
        return len(a) + len(b)
    if a[0] == b[0]:
        return _lev(a[1:], b[1:])
    return 1 + min(_lev(a[1:], b), _lev(a, b[1:]), _lev(a[1:], b[1:]))


def _lcs(a: str, b: str) -> int:
    if not a or not b:
        return 0
    if a[0] == b[0]:
        return 1 + _lcs(a[1:], b[1:])
    return max(_lcs(a[1:], b), _lcs(a, b[1:]))


_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
          (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip


def _to_roman(n: int) -> str:
    ones = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"]
    tens = [s.translate(str.maketrans("IVX", "XLC")) for s in ones]
    hundreds = [s.translate(str.maketrans("IVX", "CDM")) for s in ones]
    return "M" * (n // 1000) + hundreds[n // 100 % 10] + tens[n // 10 % 10] + ones[n % 10]


@family("roman", kind="function", split=TRAIN, count=2)
def roman(rng: random.Random, i: int) -> FunctionSpec:
    table = repr(_ROMAN)
    values = [1, 4, 9, 14, 40, 90, 400, 1994, 2024, 3999, 888]
    if i == 0:
        return fn(
            "to_roman", "n: int", "str",
            "Return n (1 <= n <= 3999) as an upper-case Roman numeral, using subtractive forms "
            "such as IV, IX, XL, XC, CD and CM.",
            f"out = ''\nfor value, sym in {table}:\n    while n >= value:\n        out += sym\n        n -= value\nreturn out",
            _to_roman, public=[3, 58], hidden=values, difficulty="hard", tags=("strings", "math"),
        )  # fmt: skip
    return fn(
        "from_roman", "s: str", "int",
        "s is a valid upper-case Roman numeral (subtractive forms such as IV and CM allowed) for "
        "a number from 1 to 3999. Return that number.",
        "vals = {'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100, 'D': 500, 'M': 1000}\ntotal = 0\n"
        "for j, c in enumerate(s):\n    v = vals[c]\n    total += -v if j + 1 < len(s) and vals[s[j + 1]] > v else v\nreturn total",
        lambda s: next(n for n in range(1, 4000) if _to_roman(n) == s),
        public=["III", "LVIII"], hidden=[_to_roman(v) for v in values],
        difficulty="hard", tags=("strings", "math"),
    )  # fmt: skip


@family("top-k", kind="function", split=TRAIN, count=4)
def top_k(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(1, 4)
    modes = [
        (f"largest_{k}", "list[int]", f"the {k} largest elements of xs in descending order (all of them if xs is shorter)",
         f"return sorted(xs, reverse=True)[:{k}]", lambda xs: sorted(xs)[::-1][:k]),
        (f"smallest_{k}", "list[int]", f"the {k} smallest elements of xs in ascending order (all of them if xs is shorter)",
         f"return sorted(xs)[:{k}]", lambda xs: sorted(xs)[:k]),
        (f"kth_largest_{k}", "int", f"the {k}-th largest element of xs, counting duplicates (len(xs) >= {k})",
         f"return sorted(xs)[-{k}]", lambda xs: sorted(xs, reverse=True)[k - 1]),
        (f"sum_of_top_{k}", "int", f"the sum of the {k} largest elements of xs (of all of them if xs is shorter)",
         f"return sum(sorted(xs)[-{k}:]) if xs else 0", lambda xs: sum(sorted(xs)[::-1][:k])),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    long = [
        rand_ints(rng, 9, -40, 40),
        rand_ints(rng, 12),
        [5] * 6,
        list(range(10, 0, -1)),
        [3, 1, 2, 3, 1, 2],
    ]
    short = [] if "kth" in name else [[], [4]]
    return fn(
        name, "xs: list[int]", ret, f"Return {say}.", body, solve,
        public=[[5, 1, 9, 3, 7, 2], [4, 4, 8, 0, -1]], hidden=[*short, *long],
        difficulty="medium", tags=("sorting", "lists"),
    )  # fmt: skip


@family("stairs", kind="function", split=TRAIN, count=4)
def stairs(rng: random.Random, i: int) -> FunctionSpec:
    steps = sorted(rng.sample(range(1, 6), rng.randint(2, 3)))

    def brute(n: int) -> int:
        return 1 if n == 0 else sum(brute(n - s) for s in steps if s <= n)

    return fn(
        "climb_ways", "n: int", "int",
        f"You climb a staircase of n steps (n >= 0); each move climbs one of {steps} steps. "
        "Return how many different ordered sequences of moves reach exactly the top.",
        f"ways = [1] + [0] * n\nfor m in range(1, n + 1):\n    ways[m] = sum(ways[m - s] for s in {steps} if s <= m)\nreturn ways[n]",
        brute, public=[3, 5], hidden=[0, 1, 2, 4, 10, 18, 22],
        difficulty="hard", tags=("dynamic-programming", "counting"),
    )  # fmt: skip


@family("palindromes", kind="function", split=TRAIN, count=3)
def palindromes(rng: random.Random, i: int) -> FunctionSpec:
    hidden = [
        "",
        "a",
        "Aa",
        "No 'x' in Nixon",
        "abcd",
        "aabbccd",
        "forgeeksskeegfor",
        "abacdfgdcaba",
    ]
    modes = [
        ("is_clean_palindrome", "bool",
         "True if s reads the same both ways after dropping every character that is not a letter "
         "or digit and lower-casing the rest, else False",
         "t = [c.lower() for c in s if c.isalnum()]\nreturn t == t[::-1]",
         lambda s: "".join(c for c in s.lower() if c.isalnum()) == "".join(c for c in s.lower() if c.isalnum())[::-1]),
        ("can_be_palindrome", "bool", "True if the characters of s can be rearranged into a palindrome, else False",
         "from collections import Counter\nreturn sum(v % 2 for v in Counter(s).values()) <= 1",
         lambda s: len([c for c in set(s) if s.count(c) % 2]) <= 1),
        ("longest_palindrome", "str",
         "the longest contiguous substring of s that is a palindrome; on a tie, the one that starts first",
         "best = ''\nfor c in range(2 * len(s)):\n    lo, hi = c // 2, c // 2 + c % 2\n    while 0 <= lo and hi < len(s) and s[lo] == s[hi]:\n"
         "        lo, hi = lo - 1, hi + 1\n    if hi - lo - 1 > len(best):\n"
         "        best = s[lo + 1:hi]\nreturn best",
         lambda s: max((s[a:b] for a in range(len(s)) for b in range(a, len(s) + 1) if s[a:b] == s[a:b][::-1]),
                       key=lambda t: (len(t), -s.find(t)), default="")),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "s: str", ret, f"Return {say}.", body, solve,
        public=["A man, a plan, a canal: Panama", "babad"], hidden=hidden,
        difficulty="hard" if name == "longest_palindrome" else "medium", tags=("strings", "palindrome"),
    )  # fmt: skip
