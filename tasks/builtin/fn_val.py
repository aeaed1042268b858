"""Validation families: unseen tasks of the training families (the ``val`` split).

Each family here names the training family whose skill it tests (``of=``) and asks for an
operation that family never asks for, in other words and with other examples: ``int-predicate``
trains ``divisible_by_7`` and ``in_range``, its val family asks ``is_perfect_square``. A policy
that learned the skill (and the answer format) gains here; one that memorised training answers
does not. The build refuses any val prompt that is a near-duplicate of a training prompt
(`tasks.leakage`), so variants of a training task with other constants cannot slip in.

Most tasks are easy, like the training split, so a small policy's gain is measurable.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any, Final

from tasks.builtin.spec import FunctionSpec, family, fn, rand_ints, rand_words

VAL: Final = "val"


def _pick(modes: list[Any], i: int) -> Any:
    return modes[i % len(modes)]


# -- fn_basic's families ------------------------------------------------------------------------


@family("affine-val", kind="function", split=VAL, count=4, of="affine")
def affine_val(rng: random.Random, i: int) -> FunctionSpec:
    a, b = rng.choice([2, 3, 4, 5, -2, -3]), rng.randint(1, 12)
    name, doc, body, solve = _pick([
        ("shift_then_scale", f"Add {b} to x, then multiply that sum by {a}; return the result.",
         f"return (x + {b}) * {a}", lambda x: (x + b) * a),
        ("apply_twice", f"Let g(v) = {a} * v + {b}. Return g(g(x)): the rule applied two times.",
         f"g = {a} * x + {b}\nreturn {a} * g + {b}", lambda x: a * (a * x + b) + b),
    ], i)  # fmt: skip
    return fn(
        name, "x: int", "int", doc, body, solve,
        public=[1, -3], hidden=[0, 5, -8, 21, 10**6, -(10**7)],
        difficulty="easy", tags=("math", "arithmetic"),
    )  # fmt: skip


@family("quadratic-val", kind="function", split=VAL, count=3, of="quadratic")
def quadratic_val(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(1, 9)
    name, doc, body, solve = _pick([
        ("square_of_gap", f"Return the square of the difference x - {k}.",
         f"return (x - {k}) ** 2", lambda x: (x - k) * (x - k)),
        ("cube_plus", f"Return x cubed plus {k}.", f"return x ** 3 + {k}", lambda x: x * x * x + k),
        ("times_next", f"Return x multiplied by (x + {k}).", f"return x * (x + {k})",
         lambda x: x * (x + k)),
    ], i)  # fmt: skip
    return fn(
        name, "x: int", "int", doc, body, solve,
        public=[4, -1], hidden=[0, 2, -6, 13, 300, -77],
        difficulty="easy", tags=("math", "arithmetic"),
    )  # fmt: skip


@family("int-predicate-val", kind="function", split=VAL, count=6, of="int-predicate")
def int_predicate_val(rng: random.Random, i: int) -> FunctionSpec:
    a, b = rng.sample([2, 3, 4, 5, 6, 7], 2)
    lo = rng.randint(-15, 5)
    hi = lo + rng.randint(3, 20)
    mode = i % 3
    if mode == 0:
        return fn(
            "multiple_of_both", "n: int", "bool",
            f"Tell whether n is a multiple of {a} and at the same time a multiple of {b}.",
            f"return n % {a} == 0 and n % {b} == 0", lambda n: n % a == 0 and n % b == 0,
            public=[a * b, a], hidden=[0, b, 3 * a * b, -a * b, 7, 1, 2 * a * b + 1],
            difficulty="easy", tags=("math", "predicate"),
        )  # fmt: skip
    if mode == 1:
        return fn(
            "outside_interval", "n: int", "bool",
            f"Tell whether n lies strictly below {lo} or strictly above {hi}.",
            f"return n < {lo} or n > {hi}", lambda n: not lo <= n <= hi,
            public=[lo - 1, lo], hidden=[hi, hi + 1, -100, 100, (lo + hi) // 2, lo - 20],
            difficulty="easy", tags=("predicate", "comparison"),
        )  # fmt: skip
    return fn(
        "is_perfect_square", "n: int", "bool",
        "Tell whether n is the square of an integer (negative numbers never are).",
        "return n >= 0 and math.isqrt(n) ** 2 == n",
        lambda n: n >= 0 and math.isqrt(n) ** 2 == n,
        public=[49, 50], hidden=[0, 1, -4, 2, 144, 10**12, 10**12 + 1],
        difficulty="easy", tags=("math", "predicate"), header="import math",
    )  # fmt: skip


@family("string-affix-val", kind="function", split=VAL, count=6, of="string-affix")
def string_affix_val(rng: random.Random, i: int) -> FunctionSpec:
    tag = rng.choice(["::", "~", "yo", "++", "end", "@"])
    hidden = ["", tag, tag + tag, "x" + tag + "y", "plain text", "a" + tag]
    name, ret, doc, body, solve, public = _pick([
        ("strip_prefix", "str",
         f"If s starts with {tag!r}, return s without that prefix; otherwise return s unchanged.",
         f"return s[len({tag!r}):] if s.startswith({tag!r}) else s",
         lambda s: s[len(tag):] if s[: len(tag)] == tag else s, [tag + "yes", "no" + tag]),
        ("has_suffix", "bool", f"Tell whether the text {tag!r} is at the very end of s.",
         f"return s.endswith({tag!r})", lambda s: s[len(s) - len(tag):] == tag and len(s) >= len(tag),
         ["well" + tag, tag + "no"]),
        ("sandwich", "str", f"Put s between two copies of {tag!r} and return that.",
         f"return {tag!r} + s + {tag!r}", lambda s: tag + s + tag, ["mid", "Q"]),
    ], i)  # fmt: skip
    return fn(
        name, "s: str", ret, doc, body, solve, public=public, hidden=hidden,
        difficulty="easy", tags=("strings",),
    )  # fmt: skip


@family("string-case-val", kind="function", split=VAL, count=3, of="string-case")
def string_case_val(rng: random.Random, i: int) -> FunctionSpec:
    name, doc, body, solve = _pick([
        ("capitalize_words",
         "Split s on whitespace, make each word's first letter upper case and its other letters "
         "lower case, and join the words with single spaces.",
         "return ' '.join(w.capitalize() for w in s.split())",
         lambda s: " ".join(w[:1].upper() + w[1:].lower() for w in s.split())),
        ("lower_but_first",
         "Return s in lower case except its first character, which becomes upper case ('' stays '').",
         "return s[:1].upper() + s[1:].lower()", lambda s: s[:1].upper() + s[1:].lower()),
        ("alternate_case",
         "Return s with the characters at even indexes (0, 2, ...) in upper case and those at odd "
         "indexes in lower case.",
         "return ''.join(c.upper() if j % 2 == 0 else c.lower() for j, c in enumerate(s))",
         lambda s: "".join(s[j].upper() if j % 2 == 0 else s[j].lower() for j in range(len(s)))),
    ], i)  # fmt: skip
    return fn(
        name, "s: str", "str", doc, body, solve,
        public=["hello big WORLD", "pYTHON"],
        hidden=["", "x", "  two   spaces ", "MIXED case WORDS", "123abc def", "a-b c"],
        difficulty="easy", tags=("strings", "case"),
    )  # fmt: skip


@family("list-map-val", kind="function", split=VAL, count=8, of="list-map")
def list_map_val(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 9)
    name, ret, doc, body, solve = _pick([
        (f"subtract_from_{k}", "list[int]", f"Return a list with {k} - x for every x of xs, same order.",
         f"return [{k} - x for x in xs]", lambda xs: [k - x for x in xs]),
        ("signs", "list[int]",
         "Replace each element of xs by its sign: -1 if negative, 0 if zero, 1 if positive.",
         "return [(x > 0) - (x < 0) for x in xs]", lambda xs: [(x > 0) - (x < 0) for x in xs]),
        ("even_flags", "list[bool]", "Return a list of booleans: True where xs holds an even number.",
         "return [x % 2 == 0 for x in xs]", lambda xs: [x % 2 == 0 for x in xs]),
        (f"cap_at_{k}", "list[int]", f"Return xs with every element above {k} replaced by {k}.",
         f"return [min(x, {k}) for x in xs]", lambda xs: [x if x <= k else k for x in xs]),
    ], i)  # fmt: skip
    return fn(
        name, "xs: list[int]", ret, doc, body, solve,
        public=[[5, -2, 0], [7]],
        hidden=[[], [0], [-7, 7], rand_ints(rng, 6), rand_ints(rng, 9, -100, 100), [10**6, -(10**6)]],
        difficulty="easy", tags=("lists", "map"),
    )  # fmt: skip


@family("list-filter-val", kind="function", split=VAL, count=6, of="list-filter")
def list_filter_val(rng: random.Random, i: int) -> FunctionSpec:
    lo = rng.randint(-8, 0)
    hi = lo + rng.randint(3, 10)
    name, doc, body, solve = _pick([
        ("non_negative", "Keep only the elements of xs that are zero or positive, order kept.",
         "return [x for x in xs if x >= 0]", lambda xs: [x for x in xs if not x < 0]),
        ("keep_outside", f"Return the elements of xs below {lo} or above {hi}, in order.",
         f"return [x for x in xs if x < {lo} or x > {hi}]",
         lambda xs: [x for x in xs if not lo <= x <= hi]),
        ("even_positions", "Return the elements of xs found at indexes 0, 2, 4, and so on.",
         "return xs[::2]", lambda xs: [xs[j] for j in range(0, len(xs), 2)]),
    ], i)  # fmt: skip
    return fn(
        name, "xs: list[int]", "list[int]", doc, body, solve,
        public=[[4, -1, 0, 9, -8], [2, 30]],
        hidden=[[], [lo], [hi, hi + 1, lo - 1], rand_ints(rng, 8), rand_ints(rng, 11, -30, 30), [0]],
        difficulty="easy", tags=("lists", "filter"),
    )  # fmt: skip


@family("list-aggregate-val", kind="function", split=VAL, count=8, of="list-aggregate")
def list_aggregate_val(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(-5, 9)
    name, doc, body, solve = _pick([
        ("count_negatives", "Return how many elements of xs are below zero.",
         "return sum(1 for x in xs if x < 0)", lambda xs: len([x for x in xs if x < 0])),
        ("sum_of_evens", "Return the total of the even elements of xs (0 when there are none).",
         "return sum(x for x in xs if x % 2 == 0)", lambda xs: sum(x for x in xs if not x % 2)),
        (f"largest_or_{abs(k)}", f"Return the largest element of xs, or {k} when xs is empty.",
         f"return max(xs) if xs else {k}", lambda xs: max(xs) if xs else k),
        ("floor_mean", "Return sum(xs) // len(xs), the average rounded down, or 0 for an empty xs.",
         "return sum(xs) // len(xs) if xs else 0", lambda xs: sum(xs) // len(xs) if xs else 0),
    ], i)  # fmt: skip
    return fn(
        name, "xs: list[int]", "int", doc, body, solve,
        public=[[3, -4, 8, -1], [6]],
        hidden=[[], [k], [-2, -2, 5], rand_ints(rng, 7, -9, 9), rand_ints(rng, 10, -50, 50), [0, 1]],
        difficulty="easy", tags=("lists", "aggregate"),
    )  # fmt: skip


@family("count-digits-val", kind="function", split=VAL, count=3, of="count-digits")
def count_digits_val(rng: random.Random, i: int) -> FunctionSpec:
    name, doc, body, solve = _pick([
        ("odd_digit_total", "Count the odd digits (1, 3, 5, 7, 9) in the base-10 form of abs(n).",
         "return sum(1 for c in str(abs(n)) if c in '13579')",
         lambda n: len([c for c in str(abs(n)) if int(c) % 2])),
        ("zeros_in", "Return how many zeros appear when abs(n) is written in base 10.",
         "return str(abs(n)).count('0')", lambda n: len([c for c in str(abs(n)) if c == "0"])),
        ("distinct_digits", "Return how many different digits appear in abs(n).",
         "return len(set(str(abs(n))))", lambda n: len(set(str(abs(n))))),
    ], i)  # fmt: skip
    return fn(
        name, "n: int", "int", doc, body, solve,
        public=[90210, -7007], hidden=[0, 5, -11, 1000001, 2**50, 13579, 24680],
        difficulty="easy", tags=("digits", "math"),
    )  # fmt: skip


@family("digit-sum-val", kind="function", split=VAL, count=3, of="digit-sum")
def digit_sum_val(rng: random.Random, i: int) -> FunctionSpec:
    name, doc, body, solve = _pick([
        ("largest_digit", "Return the biggest decimal digit of abs(n).",
         "return max(int(c) for c in str(abs(n)))", lambda n: max(map(int, str(abs(n))))),
        ("sum_digit_squares", "Square each decimal digit of abs(n) and return the total.",
         "return sum(int(c) ** 2 for c in str(abs(n)))",
         lambda n: sum(int(c) * int(c) for c in str(abs(n)))),
        ("alternating_digits",
         "With d0 the leftmost decimal digit of abs(n), d1 the next and so on, return "
         "d0 - d1 + d2 - d3 + ...",
         "return sum(int(c) * (-1) ** j for j, c in enumerate(str(abs(n))))",
         lambda n: sum(int(c) if j % 2 == 0 else -int(c) for j, c in enumerate(str(abs(n))))),
    ], i)  # fmt: skip
    return fn(
        name, "n: int", "int", doc, body, solve,
        public=[3829, -46], hidden=[0, 9, -100, 56565, 10**9 + 7, 31415926, 2],
        difficulty="easy", tags=("digits", "math"),
    )  # fmt: skip


@family("string-count-val", kind="function", split=VAL, count=3, of="string-count")
def string_count_val(rng: random.Random, i: int) -> FunctionSpec:
    name, doc, body, solve = _pick([
        ("count_consonants",
         "Return how many characters of s are English letters other than the vowels a, e, i, o, "
         "u (either case).",
         "return sum(1 for c in s.lower() if c in 'bcdfghjklmnpqrstvwxyz')",
         lambda s: len([c for c in s.lower() if c.isascii() and c.isalpha() and c not in "aeiou"])),
        ("count_decimal_digits", "Return how many characters of s are among 0123456789.",
         "return sum(1 for c in s if c in '0123456789')",
         lambda s: len([c for c in s if "0" <= c <= "9"])),
        ("count_spaces", "Return the number of ' ' (space) characters in s.",
         "return s.count(' ')", lambda s: len([c for c in s if c == " "])),
    ], i)  # fmt: skip
    return fn(
        name, "s: str", "int", doc, body, solve,
        public=["Room 101, floor 3", "xyz"],
        hidden=["", " ", "aeiou", "BCD 42", "  two  ", "9 lives", "Hello World"],
        difficulty="easy", tags=("strings", "counting"),
    )  # fmt: skip


@family("clamp-val", kind="function", split=VAL, count=4, of="clamp")
def clamp_val(rng: random.Random, i: int) -> FunctionSpec:
    lo = rng.randint(-30, 10)
    hi = lo + rng.randint(2, 40)
    width = hi - lo + 1
    if i % 2 == 0:
        return fn(
            "distance_outside", "x: int", "int",
            f"Return how far x lies outside the range {lo}..{hi}: {lo} - x below it, x - {hi} "
            "above it, and 0 inside it.",
            f"return {lo} - x if x < {lo} else x - {hi} if x > {hi} else 0",
            lambda x: max(0, lo - x, x - hi),
            public=[lo - 7, hi], hidden=[lo, hi + 1, lo - 1, 0, 10**6, -(10**6)],
            difficulty="easy", tags=("math", "comparison"),
        )  # fmt: skip
    return fn(
        "wrap_around", "x: int", "int",
        f"Wrap x into the range {lo}..{hi} (both included) by adding or subtracting multiples "
        f"of {width}; return the value that lands in the range.",
        f"return {lo} + (x - {lo}) % {width}", lambda x: lo + (x - lo) % width,
        public=[hi + 1, lo], hidden=[hi, lo - 1, 0, hi + width, 10**6, -(10**6)],
        difficulty="easy", tags=("math", "modulo"),
    )  # fmt: skip


@family("pairwise-val", kind="function", split=VAL, count=3, of="pairwise")
def pairwise_val(rng: random.Random, i: int) -> FunctionSpec:
    name, ret, doc, body, solve = _pick([
        ("products", "list[int]", "Multiply a and b position by position; return the products.",
         "return [x * y for x, y in zip(a, b)]", lambda a, b: [a[j] * b[j] for j in range(len(a))]),
        ("total_gap", "int", "Return the sum over every position i of abs(a[i] - b[i]).",
         "return sum(abs(x - y) for x, y in zip(a, b))",
         lambda a, b: sum(abs(a[j] - b[j]) for j in range(len(a)))),
        ("first_mismatch", "int",
         "Return the first index where a and b hold different values, or -1 if they are equal.",
         "for j, (x, y) in enumerate(zip(a, b)):\n    if x != y:\n        return j\nreturn -1",
         lambda a, b: next((j for j in range(len(a)) if a[j] != b[j]), -1)),
    ], i)  # fmt: skip

    def pair(n: int) -> tuple[list[int], list[int]]:
        first = rand_ints(rng, n, -9, 9)
        return first, [x if rng.random() < 0.5 else rng.randint(-9, 9) for x in first]

    return fn(
        name, "a: list[int], b: list[int]", ret, f"a and b are equally long. {doc}", body, solve,
        public=[([2, 0, 5], [3, 0, -1]), ([7], [7])],
        hidden=[([], []), ([4], [5]), pair(5), pair(8), ([1, 2, 3], [1, 2, 3]), pair(3)],
        difficulty="easy", tags=("lists", "zip"),
    )  # fmt: skip


@family("string-reverse-val", kind="function", split=VAL, count=2, of="string-reverse")
def string_reverse_val(rng: random.Random, i: int) -> FunctionSpec:
    name, ret, doc, body, solve = _pick([
        ("swap_halves", "str",
         "Return the back half of s followed by the front half, where the front half is "
         "s[:len(s) // 2].",
         "h = len(s) // 2\nreturn s[h:] + s[:h]", lambda s: s[len(s) // 2 :] + s[: len(s) // 2]),
        ("palindrome_any_case", "bool",
         "Tell whether s equals its own reverse once upper and lower case are treated alike.",
         "t = s.lower()\nreturn t == t[::-1]",
         lambda s: s.lower() == "".join(reversed(s.lower()))),
    ], i)  # fmt: skip
    return fn(
        name, "s: str", ret, doc, body, solve,
        public=["Level", "stressed"], hidden=["", "a", "ab", "Noon", "abc", "xyZYX", "hello there"],
        difficulty="easy", tags=("strings", "reverse"),
    )  # fmt: skip


@family("rotate-list-val", kind="function", split=VAL, count=3, of="rotate-list")
def rotate_list_val(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(1, 4)
    if i % 3 == 0:
        return fn(
            "swap_ends", "xs: list[int]", "list[int]",
            "Return a copy of xs whose first and last elements are exchanged (a list shorter than "
            "2 comes back unchanged).",
            "ys = list(xs)\nif len(ys) >= 2:\n    ys[0], ys[-1] = ys[-1], ys[0]\nreturn ys",
            lambda xs: xs[-1:] + xs[1:-1] + xs[:1] if len(xs) >= 2 else list(xs),
            public=[[1, 2, 3], [8, 9]], hidden=[[], [4], [5, 5], rand_ints(rng, 6), [1, 2, 3, 4]],
            difficulty="easy", tags=("lists",),
        )  # fmt: skip
    return fn(
        f"rotate_text_{k}", "s: str", "str",
        f"Move the first {k} character{'s' if k > 1 else ''} of s to its end, in order; when s is "
        f"shorter, move {k} % len(s) characters ('' stays '').",
        f"if not s:\n    return s\nk = {k} % len(s)\nreturn s[k:] + s[:k]",
        lambda s: s[k % len(s) :] + s[: k % len(s)] if s else s,
        public=["abcdef", "xy"], hidden=["", "q", "hello", "rotate me", "12345678", "ab"],
        difficulty="easy", tags=("strings", "slicing"),
    )  # fmt: skip


@family("flatten-val", kind="function", split=VAL, count=3, of="flatten")
def flatten_val(rng: random.Random, i: int) -> FunctionSpec:
    name, ret, doc, body, solve = _pick([
        ("count_all", "int", "Return how many integers the inner lists hold together.",
         "return sum(len(r) for r in rows)", lambda rows: len(sum(rows, []))),
        ("heads", "list[int]", "Return the first element of every non-empty inner list, in order.",
         "return [r[0] for r in rows if r]", lambda rows: [r[0] for r in rows if len(r) > 0]),
        ("join_backwards", "list[int]",
         "Concatenate the inner lists starting from the last one: the last inner list first, then "
         "the one before it, and so on (each keeps its own order).",
         "return [x for r in reversed(rows) for x in r]", lambda rows: sum(rows[::-1], [])),
    ], i)  # fmt: skip
    rows = [rand_ints(rng, rng.randint(0, 4)) for _ in range(4)]
    return fn(
        name, "rows: list[list[int]]", ret, doc, body, solve,
        public=[[[5, 6], [], [7]], [[1]]],
        hidden=[[], [[]], [[2, 3]], rows, [[3, 3], [2], [1, 0]], [[9], [8, 7], [], [6, 5, 4]]],
        difficulty="easy", tags=("lists", "nested"),
    )  # fmt: skip


# -- fn_algo's and fn_classic's families ---------------------------------------------------------


@family("running-val", kind="function", split=VAL, count=3, of="running")
def running_val(rng: random.Random, i: int) -> FunctionSpec:
    name, doc, body, solve = _pick([
        ("running_product", "Return a list whose element i is xs[0] * xs[1] * ... * xs[i].",
         "out, p = [], 1\nfor x in xs:\n    p *= x\n    out.append(p)\nreturn out",
         lambda xs: [math.prod(xs[: j + 1]) for j in range(len(xs))]),
        ("evens_so_far", "Return a list whose element i counts the even numbers among xs[:i + 1].",
         "out, c = [], 0\nfor x in xs:\n    c += x % 2 == 0\n    out.append(c)\nreturn out",
         lambda xs: [len([x for x in xs[: j + 1] if x % 2 == 0]) for j in range(len(xs))]),
        ("neighbour_sums", "Return [xs[0] + xs[1], xs[1] + xs[2], ...] ([] for fewer than two).",
         "return [a + b for a, b in zip(xs, xs[1:])]",
         lambda xs: [xs[j] + xs[j + 1] for j in range(len(xs) - 1)]),
    ], i)  # fmt: skip
    return fn(
        name, "xs: list[int]", "list[int]", doc, body, solve,
        public=[[2, 5, -3, 4], [9]], hidden=[[], [0], [1, 1, 1], rand_ints(rng, 6, -5, 5), [2, 4, 7, 8]],
        difficulty="medium", tags=("lists", "prefix"),
    )  # fmt: skip


@family("chunk-val", kind="function", split=VAL, count=2, of="chunk")
def chunk_val(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 4)
    if i % 2 == 0:
        return fn(
            f"group_sums_{k}", "xs: list[int]", "list[int]",
            f"Cut xs into consecutive groups of {k} (the last group may be smaller) and return the "
            "sum of each group.",
            f"return [sum(xs[j:j + {k}]) for j in range(0, len(xs), {k})]",
            lambda xs: [sum(xs[j : j + k]) for j in range(0, len(xs), k)],
            public=[[1, 2, 3, 4, 5], [10]], hidden=[[], list(range(k)), rand_ints(rng, 9), [1] * 7, [-1, 1] * 4],
            difficulty="medium", tags=("lists", "slicing"),
        )  # fmt: skip
    return fn(
        "as_pairs", "xs: list[int]", "list[tuple[int, int]]",
        "xs has even length. Return the tuples (xs[0], xs[1]), (xs[2], xs[3]), ... in a list.",
        "return [(xs[j], xs[j + 1]) for j in range(0, len(xs), 2)]",
        lambda xs: list(zip(xs[::2], xs[1::2], strict=True)),
        public=[[1, 2, 3, 4], [7, 7]], hidden=[[], [0, 1], rand_ints(rng, 6), [5, 4, 3, 2, 1, 0], [9, -9]],
        difficulty="medium", tags=("lists", "slicing"),
    )  # fmt: skip


@family("dedupe-val", kind="function", split=VAL, count=3, of="dedupe")
def dedupe_val(rng: random.Random, i: int) -> FunctionSpec:
    name, ret, doc, body, solve = _pick([
        ("repeated_values", "list[int]",
         "Return each value that occurs more than once in xs, listed once, in the order of its "
         "first occurrence.",
         "out = []\nfor x in xs:\n    if xs.count(x) > 1 and x not in out:\n        out.append(x)\nreturn out",
         lambda xs: [x for x in dict.fromkeys(xs) if Counter(xs)[x] > 1]),
        ("top_frequency", "int", "Return how often the most common value of xs occurs (0 if xs is empty).",
         "return max((xs.count(x) for x in xs), default=0)",
         lambda xs: max(Counter(xs).values()) if xs else 0),
        ("all_distinct", "bool", "Tell whether no value appears twice in xs.",
         "return len(set(xs)) == len(xs)", lambda xs: len(Counter(xs)) == len(xs)),
    ], i)  # fmt: skip
    return fn(
        name, "xs: list[int]", ret, doc, body, solve,
        public=[[4, 1, 4, 2, 1, 4], [3, 8]],
        hidden=[[], [5], [2, 2], rand_ints(rng, 8, 0, 5), [1, 2, 3, 4], [9, 8, 9, 8, 7]],
        difficulty="medium", tags=("lists", "counting"),
    )  # fmt: skip


@family("caesar-val", kind="function", split=VAL, count=2, of="caesar")
def caesar_val(rng: random.Random, i: int) -> FunctionSpec:
    abc = "abcdefghijklmnopqrstuvwxyz"
    if i % 2 == 0:

        def rot13(s: str) -> str:
            out = []
            for c in s:
                low = c.lower()
                if low in abc:
                    r = abc[(abc.index(low) + 13) % 26]
                    out.append(r.upper() if c.isupper() else r)
                else:
                    out.append(c)
            return "".join(out)

        return fn(
            "rot13", "s: str", "str",
            "Apply ROT13: every English letter moves 13 places along the alphabet (wrapping), upper "
            "case staying upper and lower staying lower; any other character is kept.",
            "import codecs\nreturn codecs.encode(s, 'rot13')", rot13,
            public=["Hello!", "nop"], hidden=["", "abcxyz", "ABC xyz", "Zebra 12", "why? Why!"],
            difficulty="medium", tags=("strings", "cipher"),
        )  # fmt: skip
    return fn(
        "mirror_letters", "s: str", "str",
        "Replace each lower-case letter by its mirror in the alphabet (a and z swap, b and y, and "
        "so on); keep every other character.",
        "return ''.join(chr(219 - ord(c)) if 'a' <= c <= 'z' else c for c in s)",
        lambda s: "".join(abc[25 - abc.index(c)] if c in abc else c for c in s),
        public=["abc", "wizard"], hidden=["", "z", "hello world", "AbC", "m n", "xyz 42"],
        difficulty="medium", tags=("strings", "cipher"),
    )  # fmt: skip


@family("base-convert-val", kind="function", split=VAL, count=2, of="base-convert")
def base_convert_val(rng: random.Random, i: int) -> FunctionSpec:
    if i % 2 == 0:
        return fn(
            "ones_in_binary", "n: int", "int",
            "n >= 0. Return how many 1 bits the binary form of n has.",
            "return bin(n).count('1')", lambda n: f"{n:b}".count("1"),
            public=[13, 0], hidden=[1, 2, 7, 255, 256, 2**40 - 1, 123456789],
            difficulty="medium", tags=("math", "bits"),
        )  # fmt: skip
    return fn(
        "is_power_of_two", "n: int", "bool",
        "Tell whether n is 1, 2, 4, 8, ... (a power of two); zero and negatives are not.",
        "return n > 0 and n & (n - 1) == 0", lambda n: n > 0 and f"{n:b}".count("1") == 1,
        public=[64, 12], hidden=[0, 1, -8, 3, 1024, 2**50, 2**50 + 2],
        difficulty="medium", tags=("math", "bits"),
    )  # fmt: skip


def _prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, math.isqrt(n) + 1))


@family("primes-val", kind="function", split=VAL, count=3, of="primes")
def primes_val(rng: random.Random, i: int) -> FunctionSpec:
    def largest_factor(n: int) -> int:
        return max(d for d in range(2, n + 1) if n % d == 0 and _prime(d))

    name, doc, body, solve, public, hidden = _pick([
        ("next_prime", "Return the smallest prime number strictly greater than n.",
         "m = n + 1\nwhile m < 2 or any(m % d == 0 for d in range(2, int(m ** 0.5) + 1)):\n    m += 1\nreturn m",
         lambda n: next(m for m in range(max(n + 1, 2), 2 * abs(n) + 4) if _prime(m)),
         [10, 13], [-5, 0, 1, 2, 89, 100, 1000]),
        ("largest_prime_factor", "n >= 2. Return the largest prime that divides n.",
         "p, d = 1, 2\nwhile d * d <= n:\n    while n % d == 0:\n        p, n = d, n // d\n    d += 1\nreturn max(p, n) if n > 1 else p",
         largest_factor, [12, 13], [2, 4, 97, 100, 2 * 3 * 5 * 7, 997 * 2, 1024]),
        ("sum_primes_upto", "Return the sum of all primes p with p <= n (0 if there are none).",
         "return sum(p for p in range(2, n + 1) if all(p % d for d in range(2, int(p ** 0.5) + 1)))",
         lambda n: sum(p for p in range(2, n + 1) if _prime(p)), [10, 2], [0, 1, 3, 20, 100, 500]),
    ], i)  # fmt: skip
    return fn(
        name, "n: int", "int", doc, body, solve, public=public, hidden=hidden,
        difficulty="medium", tags=("math", "primes"),
    )  # fmt: skip


@family("gcd-lcm-val", kind="function", split=VAL, count=3, of="gcd-lcm")
def gcd_lcm_val(rng: random.Random, i: int) -> FunctionSpec:
    name, ret, doc, body, solve = _pick([
        ("pair_gcd", "int", "a, b > 0. Return their greatest common divisor.",
         "while b:\n    a, b = b, a % b\nreturn a", lambda a, b: math.gcd(a, b)),
        ("share_no_factor", "bool", "a, b > 0. Tell whether 1 is the only positive number dividing both.",
         "return math.gcd(a, b) == 1", lambda a, b: math.gcd(a, b) == 1),
        ("lowest_terms", "tuple[int, int]",
         "a, b > 0. Return the fraction a / b in lowest terms as a tuple (numerator, denominator).",
         "g = math.gcd(a, b)\nreturn (a // g, b // g)",
         lambda a, b: (a // math.gcd(a, b), b // math.gcd(a, b))),
    ], i)  # fmt: skip
    return fn(
        name, "a: int, b: int", ret, doc, body, solve,
        public=[(12, 18), (7, 5)], hidden=[(1, 1), (10, 100), (17, 51), (36, 48), (99, 100), (2**20, 6)],
        difficulty="easy", tags=("math", "gcd"), header="import math",
    )  # fmt: skip


@family("sorted-search-val", kind="function", split=VAL, count=2, of="sorted-search")
def sorted_search_val(rng: random.Random, i: int) -> FunctionSpec:
    name, ret, doc, body, solve = _pick([
        ("last_position", "int",
         "Return the index of the last occurrence of x in xs, or -1 if x does not occur.",
         "for j in range(len(xs) - 1, -1, -1):\n    if xs[j] == x:\n        return j\nreturn -1",
         lambda xs, x: max((j for j in range(len(xs)) if xs[j] == x), default=-1)),
        ("member_sorted", "bool", "xs is sorted ascending. Tell whether x is one of its values.",
         "import bisect\nj = bisect.bisect_left(xs, x)\nreturn j < len(xs) and xs[j] == x",
         lambda xs, x: x in set(xs)),
    ], i)  # fmt: skip
    return fn(
        name, "xs: list[int], x: int", ret, doc, body, solve,
        public=[([1, 3, 3, 7], 3), ([2, 4], 5)],
        hidden=[([], 1), ([5], 5), ([1, 2, 2, 2, 9], 2), ([1, 2, 3], 0), (list(range(0, 40, 4)), 36), ([0, 0], 0)],
        difficulty="easy", tags=("lists", "search"),
    )  # fmt: skip


@family("word-count-val", kind="function", split=VAL, count=2, of="word-count")
def word_count_val(rng: random.Random, i: int) -> FunctionSpec:
    name, ret, doc, body, solve = _pick([
        ("longest_word", "str", "Return the longest word of s (the first on ties), or '' if s has none.",
         "return max(s.split(), key=len, default='')",
         lambda s: next((w for w in s.split() if len(w) == max(map(len, s.split()))), "")),
        ("sorted_vocabulary", "list[str]", "Return the distinct words of s in alphabetical order.",
         "return sorted(set(s.split()))", lambda s: sorted(Counter(s.split()))),
    ], i)  # fmt: skip
    return fn(
        name, "s: str", ret, doc, body, solve,
        public=["the cat saw the dog", "hi"],
        hidden=["", "   ", " ".join(rand_words(rng, 7)), "bb a ccc a", "Zed apple Apple", "x y z x"],
        difficulty="easy", tags=("strings", "words"),
    )  # fmt: skip


@family("matrix-val", kind="function", split=VAL, count=2, of="matrix")
def matrix_val(rng: random.Random, i: int) -> FunctionSpec:
    square = [[rng.randint(-9, 9) for _ in range(3)] for _ in range(3)]
    name, ret, doc, body, solve = _pick([
        ("main_diagonal", "list[int]", "m is square. Return [m[0][0], m[1][1], ...], its diagonal.",
         "return [m[j][j] for j in range(len(m))]", lambda m: [row[j] for j, row in enumerate(m)]),
        ("upside_down", "list[list[int]]", "Return a new matrix with the rows of m in reverse order.",
         "return [list(r) for r in m[::-1]]", lambda m: [list(r) for r in reversed(m)]),
    ], i)  # fmt: skip
    return fn(
        name, "m: list[list[int]]", ret, doc, body, solve,
        public=[[[1, 2], [3, 4]], [[5]]], hidden=[[], [[0]], square, [[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[2, 3], [4, 5]], [[-1, -2], [-3, -4]]],
        difficulty="easy", tags=("lists", "matrix"),
    )  # fmt: skip


@family("stairs-val", kind="function", split=VAL, count=1, of="stairs")
def stairs_val(rng: random.Random, i: int) -> FunctionSpec:
    return fn(
        "fibonacci", "n: int", "int",
        "Return F(n) for n >= 0, where F(0) = 0, F(1) = 1 and F(n) = F(n - 1) + F(n - 2).",
        "a, b = 0, 1\nfor _ in range(n):\n    a, b = b, a + b\nreturn a",
        _fib,
        public=[6, 1], hidden=[0, 2, 10, 30, 50, 90],
        difficulty="easy", tags=("math", "recurrence"),
    )  # fmt: skip


def _fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


@family("top-k-val", kind="function", split=VAL, count=2, of="top-k")
def top_k_val(rng: random.Random, i: int) -> FunctionSpec:
    name, doc, body, solve = _pick([
        ("second_largest", "xs holds at least two different values. Return the second largest "
         "distinct value.", "return sorted(set(xs))[-2]", lambda xs: sorted(Counter(xs))[-2]),
        ("median_low", "xs is not empty. Sort it and return the element at index (len(xs) - 1) // 2.",
         "return sorted(xs)[(len(xs) - 1) // 2]", lambda xs: sorted(xs)[(len(xs) - 1) // 2]),
    ], i)  # fmt: skip
    return fn(
        name, "xs: list[int]", "int", doc, body, solve,
        public=[[4, 9, 9, 1], [2, 3]],
        hidden=[[1, 2], [5, 5, 4], [-3, -1, -2], rand_ints(rng, 7) + [100, 101], [10, 20, 30, 40]],
        difficulty="easy", tags=("lists", "sorting"),
    )  # fmt: skip
