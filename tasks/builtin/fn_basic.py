"""Training families of easy function tasks: one-liners over ints, strings and lists.

The default policy is tiny, so most of these can be solved in a single expression; each family
still varies its constants and its wording per task so that memorising one answer does not help.
"""

from __future__ import annotations

import random
from typing import Final

from tasks.builtin.spec import FunctionSpec, family, fn, rand_ints, signed

TRAIN: Final = "train"


@family("affine", kind="function", split=TRAIN, count=12)
def affine(rng: random.Random, i: int) -> FunctionSpec:
    a = rng.choice([v for v in range(-9, 10) if v not in (0, 1)])
    b = rng.randint(-30, 30)
    name = ("f", "transform", "scale_shift", "line")[i % 4]
    expr = signed(a, b)
    return fn(
        name, "x: int", "int", f"Return {expr} as an int.", f"return {expr}",
        lambda x: a * x + b,
        public=[2, 0], hidden=[-1, 1, 7, -13, 1000, 10**12, -(10**9)],
        difficulty="easy", tags=("math", "arithmetic"),
    )  # fmt: skip


@family("quadratic", kind="function", split=TRAIN, count=8)
def quadratic(rng: random.Random, i: int) -> FunctionSpec:
    a, b, c = rng.choice([-3, -2, 2, 3, 4]), rng.randint(-9, 9), rng.randint(-20, 20)
    expr = f"{a} * x * x" + (f" {'+' if b >= 0 else '-'} {abs(b)} * x" if b else "")
    expr += f" {'+' if c >= 0 else '-'} {abs(c)}" if c else ""
    name = ("poly", "quadratic", "evaluate")[i % 3]
    return fn(
        name, "x: int", "int", f"Return the value of {expr}.", f"return {expr}",
        lambda x: a * x * x + b * x + c,
        public=[1, -2], hidden=[0, 3, -5, 11, 250, -999],
        difficulty="easy", tags=("math", "arithmetic"),
    )  # fmt: skip


@family("int-predicate", kind="function", split=TRAIN, count=10)
def int_predicate(rng: random.Random, i: int) -> FunctionSpec:
    mode = i % 4
    hidden = [0, 1, -1, 12, 35, 100, -42, 97, 1001]
    if mode == 0:
        k = rng.randint(3, 13)
        return fn(
            f"divisible_by_{k}", "n: int", "bool", f"Return True if n is divisible by {k}, else False.",
            f"return n % {k} == 0", lambda n: n % k == 0,
            public=[k * 3, k + 1], hidden=[*hidden, k, -k, k * 7 + 2],
            difficulty="easy", tags=("math", "predicate"),
        )  # fmt: skip
    if mode == 1:
        lo = rng.randint(-20, 10)
        hi = lo + rng.randint(5, 40)
        return fn(
            "in_range", "n: int", "bool",
            f"Return True if {lo} <= n <= {hi} (both ends included), else False.",
            f"return {lo} <= n <= {hi}", lambda n: lo <= n <= hi,
            public=[lo, hi + 1], hidden=[*hidden, hi, lo - 1, (lo + hi) // 2],
            difficulty="easy", tags=("predicate", "comparison"),
        )  # fmt: skip
    if mode == 2:
        k = rng.randint(-10, 30)
        return fn(
            "big_and_even", "n: int", "bool",
            f"Return True if n is even and greater than {k}, else False.",
            f"return n % 2 == 0 and n > {k}", lambda n: n % 2 == 0 and n > k,
            public=[k + 2 if k % 2 == 0 else k + 1, k], hidden=[*hidden, k + 1, k + 3, k - 2],
            difficulty="easy", tags=("predicate", "parity"),
        )  # fmt: skip
    d = rng.randint(0, 9)
    return fn(
        f"ends_with_{d}", "n: int", "bool",
        f"Return True if the last decimal digit of abs(n) is {d}, else False.",
        f"return abs(n) % 10 == {d}", lambda n: abs(n) % 10 == d,
        public=[10 + d, 10 + (d + 1) % 10], hidden=[*hidden, d, -(20 + d), 1000 + d],
        difficulty="easy", tags=("digits", "predicate"),
    )  # fmt: skip


@family("string-affix", kind="function", split=TRAIN, count=8)
def string_affix(rng: random.Random, i: int) -> FunctionSpec:
    mode = i % 4
    tag = rng.choice(["!", "??", "-x", "ok", "#", "__", "abc", "<>"])
    hidden = ["", "a", "hello world", "Zz", "12 34", "tab\tbed"]
    if mode == 0:
        return fn(
            "add_suffix", "s: str", "str", f"Return s followed by the text {tag!r}.",
            f"return s + {tag!r}", lambda s: s + tag,
            public=["hi", "cat"], hidden=hidden, difficulty="easy", tags=("strings",),
        )  # fmt: skip
    if mode == 1:
        return fn(
            "add_prefix", "s: str", "str", f"Return the text {tag!r} followed by s.",
            f"return {tag!r} + s", lambda s: tag + s,
            public=["hi", "cat"], hidden=hidden, difficulty="easy", tags=("strings",),
        )  # fmt: skip
    if mode == 2:
        left, right = rng.choice([("[", "]"), ("(", ")"), ("<", ">"), ("{", "}"), ("*", "*")])
        return fn(
            "wrap", "s: str", "str", f"Return s with {left!r} added before it and {right!r} after it.",
            f"return {left!r} + s + {right!r}", lambda s: left + s + right,
            public=["hi", "x y"], hidden=hidden, difficulty="easy", tags=("strings",),
        )  # fmt: skip
    k = rng.randint(2, 5)
    sep = rng.choice(["", "-", " ", ","])
    return fn(
        "repeat", "s: str", "str",
        f"Return s repeated {k} times, with {sep!r} between consecutive copies.",
        f"return {sep!r}.join([s] * {k})", lambda s: sep.join([s] * k),
        public=["ab", "x"], hidden=hidden, difficulty="easy", tags=("strings",),
    )  # fmt: skip


@family("string-case", kind="function", split=TRAIN, count=6)
def string_case(rng: random.Random, i: int) -> FunctionSpec:
    hidden = ["", "Hello, World!", "abc", "ABC def", "MiXeD 123 cAsE", "a b  c"]
    public = ["Python", "quick Brown fox"]
    mode = i % 6
    if mode < 3:
        method, say = [("upper", "upper case"), ("lower", "lower case"),
                       ("swapcase", "swapped case (upper becomes lower and lower becomes upper)")][mode]  # fmt: skip
        return fn(
            f"to_{method}", "s: str", "str", f"Return s converted to {say}.",
            f"return s.{method}()", lambda s: getattr(s, method)(),
            public=public, hidden=hidden, difficulty="easy", tags=("strings", "case"),
        )  # fmt: skip
    if mode == 3:
        a, b = rng.sample("abcdeilnorst ", 2)
        return fn(
            "replace_char", "s: str", "str",
            f"Return s with every occurrence of the character {a!r} replaced by {b!r}.",
            f"return s.replace({a!r}, {b!r})", lambda s: s.replace(a, b),
            public=[f"x{a}y{a}", "quick brown fox"], hidden=[*hidden, a * 3, f"{a}{b}{a}"],
            difficulty="easy", tags=("strings",),
        )  # fmt: skip
    if mode == 4:
        c = rng.choice("aeiost l")
        return fn(
            "remove_char", "s: str", "str",
            f"Return s with every occurrence of the character {c!r} removed.",
            f"return s.replace({c!r}, '')", lambda s: s.replace(c, ""),
            public=[f"{c}b{c}", "quick brown fox"], hidden=[*hidden, c * 4, f"x{c}{c}y"],
            difficulty="easy", tags=("strings",),
        )  # fmt: skip
    k = rng.randint(1, 4)
    return fn(
        "shout_start", "s: str", "str",
        f"Return s with its first {k} characters in upper case and the rest unchanged.",
        f"return s[:{k}].upper() + s[{k}:]", lambda s: s[:k].upper() + s[k:],
        public=public, hidden=hidden, difficulty="easy", tags=("strings", "slicing"),
    )  # fmt: skip


@family("list-map", kind="function", split=TRAIN, count=10)
def list_map(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 9)
    modes = [
        ("times", f"x * {k}", lambda x: x * k),
        ("plus", f"x + {k}", lambda x: x + k),
        ("square_plus", f"x * x + {k}", lambda x: x * x + k),
        ("distance_to", f"abs(x - {k})", lambda x: abs(x - k)),
        ("floor_div", f"x // {k}", lambda x: x // k),
        ("mod", f"x % {k}", lambda x: x % k),
    ]
    label, expr, op = modes[i % len(modes)]
    hidden = [[], [0], [-7, 7], rand_ints(rng, 6), rand_ints(rng, 9, -100, 100), [10**6, -(10**6)]]
    return fn(
        f"map_{label}_{k}", "xs: list[int]", "list[int]",
        f"Return a new list holding {expr} for each x in xs, in order (use Python's operators).",
        f"return [{expr} for x in xs]", lambda xs: [op(x) for x in xs],
        public=[[1, 2, 3], [-4, 10]], hidden=hidden, difficulty="easy", tags=("lists", "map"),
    )  # fmt: skip


@family("list-filter", kind="function", split=TRAIN, count=10)
def list_filter(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 7)
    lo = rng.randint(-10, 0)
    hi = lo + rng.randint(4, 15)
    modes = [
        (f"keep_greater_than_{k}", f"greater than {k}", f"x > {k}", lambda x: x > k),
        (f"keep_multiples_of_{k}", f"divisible by {k}", f"x % {k} == 0", lambda x: x % k == 0),
        ("keep_odd", "odd", "x % 2 == 1", lambda x: x % 2 == 1),
        (f"drop_{k}", f"not equal to {k}", f"x != {k}", lambda x: x != k),
        ("keep_between", f"between {lo} and {hi} inclusive", f"{lo} <= x <= {hi}",
         lambda x: lo <= x <= hi),
    ]  # fmt: skip
    name, say, cond, pred = modes[i % len(modes)]
    hidden = [[], [k], [k, k, -k], rand_ints(rng, 8), rand_ints(rng, 12, -30, 30), [lo, hi, 0]]
    return fn(
        name, "xs: list[int]", "list[int]",
        f"Return the elements of xs that are {say}, in their original order.",
        f"return [x for x in xs if {cond}]", lambda xs: [x for x in xs if pred(x)],
        public=[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [-3, k, 14]], hidden=hidden,
        difficulty="easy", tags=("lists", "filter"),
    )  # fmt: skip


@family("list-aggregate", kind="function", split=TRAIN, count=10)
def list_aggregate(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(1, 6)
    modes = [
        (f"sum_above_{k}", f"the sum of the elements greater than {k} (0 if there are none)",
         f"return sum(x for x in xs if x > {k})", lambda xs: sum(x for x in xs if x > k)),
        (f"count_multiples_of_{k + 1}", f"how many elements are divisible by {k + 1}",
         f"return sum(1 for x in xs if x % {k + 1} == 0)",
         lambda xs: len([x for x in xs if x % (k + 1) == 0])),
        ("sum_of_squares", "the sum of the squares of the elements",
         "return sum(x * x for x in xs)", lambda xs: sum(x**2 for x in xs)),
        ("product", "the product of the elements (1 for an empty list)",
         "p = 1\nfor x in xs:\n    p *= x\nreturn p", lambda xs: _prod(xs)),
        (f"count_equal_{k}", f"how many elements equal {k}",
         f"return xs.count({k})", lambda xs: len([x for x in xs if x == k])),
        ("spread", "max(xs) - min(xs), or 0 for an empty list",
         "return max(xs) - min(xs) if xs else 0", lambda xs: (max(xs) - min(xs)) if xs else 0),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    hidden = [
        [],
        [k],
        [k, k + 1, -k],
        rand_ints(rng, 7, -9, 9),
        rand_ints(rng, 10, -50, 50),
        [0, 0],
    ]
    return fn(
        name, "xs: list[int]", "int", f"Return {say}, as an int.", body, solve,
        public=[[1, 2, 3, 4], [k, 5, -2, k + 3]], hidden=hidden,
        difficulty="easy", tags=("lists", "aggregate"),
    )  # fmt: skip


def _prod(xs: list[int]) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


@family("count-digits", kind="function", split=TRAIN, count=7)
def count_digits(rng: random.Random, i: int) -> FunctionSpec:
    d = rng.randint(0, 9)
    modes = [
        ("num_digits", "how many decimal digits abs(n) has (0 has one digit)",
         "return len(str(abs(n)))", lambda n: len(str(abs(n)))),
        (f"count_digit_{d}", f"how many times the digit {d} appears in abs(n)",
         f"return str(abs(n)).count('{d}')", lambda n: [int(c) for c in str(abs(n))].count(d)),
        ("count_even_digits", "how many digits of abs(n) are even",
         "return sum(1 for c in str(abs(n)) if int(c) % 2 == 0)",
         lambda n: len([c for c in str(abs(n)) if c in "02468"])),
        (f"digits_above_{d}", f"how many digits of abs(n) are greater than {d}",
         f"return sum(1 for c in str(abs(n)) if int(c) > {d})",
         lambda n: len([c for c in str(abs(n)) if int(c) > d])),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "n: int", "int", f"Return {say}.", body, solve,
        public=[12345, -40], hidden=[0, 7, -9, 1000, 2**40, -987654321, 10 * d + d],
        difficulty="easy", tags=("digits", "math"),
    )  # fmt: skip


@family("digit-sum", kind="function", split=TRAIN, count=6)
def digit_sum(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 9)
    modes = [
        ("digit_sum", "the sum of the decimal digits of abs(n)",
         "return sum(int(c) for c in str(abs(n)))", lambda n: _dsum(n)),
        ("digit_product", "the product of the decimal digits of abs(n)",
         "p = 1\nfor c in str(abs(n)):\n    p *= int(c)\nreturn p",
         lambda n: _prod([int(c) for c in str(abs(n))])),
        ("digital_root", "the digital root of abs(n): keep summing the digits until one digit is left",
         "n = abs(n)\nwhile n >= 10:\n    n = sum(int(c) for c in str(n))\nreturn n",
         lambda n: 0 if n == 0 else 1 + (abs(n) - 1) % 9),
        (f"scaled_digit_sum_{k}", f"{k} times the sum of the decimal digits of abs(n)",
         f"return {k} * sum(int(c) for c in str(abs(n)))", lambda n: k * _dsum(n)),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "n: int", "int", f"Return {say}.", body, solve,
        public=[493, 7], hidden=[0, -58, 99999, 10**15 + 3, 123456789, -1, 38],
        difficulty="easy", tags=("digits", "math"),
    )  # fmt: skip


def _dsum(n: int) -> int:
    n, out = abs(n), 0
    while n:
        n, r = divmod(n, 10)
        out += r
    return out


@family("string-count", kind="function", split=TRAIN, count=8)
def string_count(rng: random.Random, i: int) -> FunctionSpec:
    c = rng.choice("aelnorst")
    t = rng.choice(["ab", "an", "ss", "the", "aa"])
    modes = [
        ("count_vowels", "how many characters of s are vowels (a, e, i, o, u, either case)",
         "return sum(1 for ch in s if ch.lower() in 'aeiou')",
         lambda s: len([ch for ch in s.lower() if ch in "aeiou"])),
        (f"count_{c}", f"how many times the character {c!r} occurs in s",
         f"return s.count({c!r})", lambda s: len([ch for ch in s if ch == c])),
        ("count_upper", "how many characters of s are upper-case letters",
         "return sum(1 for ch in s if ch.isupper())", lambda s: len([h for h in s if h.isupper()])),
        ("count_words", "how many words s has (words are separated by runs of whitespace)",
         "return len(s.split())", lambda s: len(s.split())),
        ("count_substring", f"how many non-overlapping times {t!r} occurs in s (like str.count)",
         f"return s.count({t!r})", lambda s: s.count(t)),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    hidden = ["", " ", "AEIOU aeiou", "Banana Bread", f"{t}{t}{t}", f"{c}{c} {c}", "Sassy lesson"]
    return fn(
        name, "s: str", "int", f"Return {say}.", body, solve,
        public=["hello world", f"The {t} {c}ase"], hidden=hidden,
        difficulty="easy", tags=("strings", "counting"),
    )  # fmt: skip


@family("clamp", kind="function", split=TRAIN, count=6)
def clamp(rng: random.Random, i: int) -> FunctionSpec:
    lo = rng.randint(-50, 10)
    hi = lo + rng.randint(1, 60)
    name = ("clamp", "limit", "bound")[i % 3]
    return fn(
        name, "x: int", "int",
        f"Return x limited to the range [{lo}, {hi}]: {lo} if x is smaller, {hi} if x is larger, "
        "else x itself.",
        f"return max({lo}, min({hi}, x))", lambda x: lo if x < lo else hi if x > hi else x,
        public=[lo - 5, hi + 3], hidden=[lo, hi, lo + 1, hi - 1, 0, 10**9, -(10**9)],
        difficulty="easy", tags=("math", "comparison"),
    )  # fmt: skip


@family("pairwise", kind="function", split=TRAIN, count=6)
def pairwise(rng: random.Random, i: int) -> FunctionSpec:
    modes = [
        ("add_lists", "list[int]", "a new list whose i-th element is a[i] + b[i]",
         "return [x + y for x, y in zip(a, b)]", lambda a, b: [a[j] + b[j] for j in range(len(a))]),
        ("sub_lists", "list[int]", "a new list whose i-th element is a[i] - b[i]",
         "return [x - y for x, y in zip(a, b)]", lambda a, b: [a[j] - b[j] for j in range(len(a))]),
        ("max_lists", "list[int]", "a new list whose i-th element is the larger of a[i] and b[i]",
         "return [max(x, y) for x, y in zip(a, b)]",
         lambda a, b: [a[j] if a[j] >= b[j] else b[j] for j in range(len(a))]),
        ("dot", "int", "the dot product: the sum of a[i] * b[i] over all i",
         "return sum(x * y for x, y in zip(a, b))", lambda a, b: sum(a[j] * b[j] for j in range(len(a)))),
        ("count_equal_positions", "int", "how many positions i have a[i] == b[i]",
         "return sum(1 for x, y in zip(a, b) if x == y)",
         lambda a, b: len([j for j in range(len(a)) if a[j] == b[j]])),
        ("pair_up", "list[tuple[int, int]]", "a list of tuples (a[i], b[i]) in order",
         "return list(zip(a, b))", lambda a, b: [(a[j], b[j]) for j in range(len(a))]),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]

    def pair(n: int, lo: int = -9, hi: int = 9) -> tuple[list[int], list[int]]:
        return rand_ints(rng, n, lo, hi), rand_ints(rng, n, lo, hi)

    return fn(
        name, "a: list[int], b: list[int]", ret,
        f"a and b have the same length. Return {say}.", body, solve,
        public=[([1, 2, 3], [4, 5, 3]), ([0, -1], [2, -1])],
        hidden=[([], []), ([5], [5]), pair(5), pair(8, -100, 100), ([1, 1, 1], [1, 2, 1]), pair(3)],
        difficulty="easy", tags=("lists", "zip"),
    )  # fmt: skip


@family("string-reverse", kind="function", split=TRAIN, count=6)
def string_reverse(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 4)
    modes = [
        ("reverse", "str", "s reversed", "return s[::-1]", lambda s: "".join(reversed(s))),
        ("reverse_words", "str", "the words of s in reverse order, joined by single spaces",
         "return ' '.join(s.split()[::-1])", lambda s: " ".join(reversed(s.split()))),
        ("reverse_each_word", "str", "s with each word reversed in place, joined by single spaces",
         "return ' '.join(w[::-1] for w in s.split())",
         lambda s: " ".join("".join(reversed(w)) for w in s.split())),
        ("is_palindrome", "bool", "True if s reads the same forwards and backwards, else False",
         "return s == s[::-1]", lambda s: all(s[j] == s[-1 - j] for j in range(len(s)))),
        (f"reverse_chunks_{k}", "str",
         f"s cut into consecutive pieces of {k} characters (the last may be shorter), each piece "
         "reversed, joined back together",
         f"return ''.join(s[j:j + {k}][::-1] for j in range(0, len(s), {k}))",
         lambda s: "".join("".join(reversed(s[j : j + k])) for j in range(0, len(s), k))),
        ("mirror", "str", "s followed by s reversed", "return s + s[::-1]",
         lambda s: s + "".join(reversed(s))),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "s: str", ret, f"Return {say}.", body, solve,
        public=["hello world", "abcba"],
        hidden=["", "a", "ab", "racecar", "one two  three", "Never odd or even", "xyz xyz"],
        difficulty="easy", tags=("strings", "reverse"),
    )  # fmt: skip


@family("rotate-list", kind="function", split=TRAIN, count=6)
def rotate_list(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(1, 5)
    left = i % 2 == 0
    side = "left" if left else "right"
    body = f"if not xs:\n    return []\nk = {k} % len(xs)\n" + (
        "return xs[k:] + xs[:k]" if left else "return xs[-k:] + xs[:-k] if k else list(xs)"
    )

    def solve(xs: list[int]) -> list[int]:
        out = list(xs)
        for _ in range(k if xs else 0):
            out = out[1:] + out[:1] if left else out[-1:] + out[:-1]
        return out

    return fn(
        f"rotate_{side}_{k}", "xs: list[int]", "list[int]",
        f"Return a new list: xs rotated {side} by {k} position{'s' if k > 1 else ''} "
        "(wrapping around; an empty list stays empty).",
        body, solve,
        public=[[1, 2, 3, 4, 5, 6, 7], [9, 8]],
        hidden=[[], [4], list(range(k)), list(range(k + 1)), rand_ints(rng, 9), [1, 2, 3]],
        difficulty="easy", tags=("lists", "slicing"),
    )  # fmt: skip


@family("flatten", kind="function", split=TRAIN, count=4)
def flatten(rng: random.Random, i: int) -> FunctionSpec:
    modes = [
        ("flatten", "list[int]", "all elements of the inner lists, in order, in one flat list",
         "return [x for row in rows for x in row]", lambda rows: sum(rows, [])),
        ("flatten_sorted", "list[int]", "all elements of the inner lists in one list, sorted ascending",
         "return sorted(x for row in rows for x in row)", lambda rows: sorted(sum(rows, []))),
        ("row_lengths", "list[int]", "the length of each inner list, in order",
         "return [len(row) for row in rows]", lambda rows: [len(r) for r in rows]),
        ("longest_row", "list[int]",
         "the longest inner list (the first one if several tie), or [] if rows is empty",
         "return max(rows, key=len) if rows else []",
         lambda rows: ([r for r in rows if len(r) == max(map(len, rows))][0] if rows else [])),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    rows = [rand_ints(rng, rng.randint(0, 4)) for _ in range(4)]
    return fn(
        name, "rows: list[list[int]]", ret, f"Return {say}.", body, solve,
        public=[[[1, 2], [3], [4, 5, 6]], [[], [7, 1]]],
        hidden=[[], [[]], [[5]], rows, [[3, 3], [2, 2], [1]], [[9], [8, 7], [6, 5, 4]]],
        difficulty="easy", tags=("lists", "nested"),
    )  # fmt: skip
