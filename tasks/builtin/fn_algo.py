"""Training families of medium and hard function tasks: small algorithms.

Oracles here are written independently of the references (often a brute force or a different
formulation), so the build's self-check compares two implementations, not one with itself.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from typing import Final

from tasks.builtin.spec import FunctionSpec, family, fn, rand_ints, rand_words

TRAIN: Final = "train"


@family("running", kind="function", split=TRAIN, count=5)
def running(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(0, 5)
    modes = [
        ("running_sum", "element i is sum(xs[:i + 1])", "out, acc = [], 0\nfor x in xs:\n    acc += x\n    out.append(acc)\nreturn out",
         lambda xs: [sum(xs[: j + 1]) for j in range(len(xs))]),
        ("running_max", "element i is max(xs[:i + 1])", "out = []\nfor x in xs:\n    out.append(x if not out else max(out[-1], x))\nreturn out",
         lambda xs: [max(xs[: j + 1]) for j in range(len(xs))]),
        ("running_min", "element i is min(xs[:i + 1])", "out = []\nfor x in xs:\n    out.append(x if not out else min(out[-1], x))\nreturn out",
         lambda xs: [min(xs[: j + 1]) for j in range(len(xs))]),
        (f"running_count_above_{k}", f"element i is how many of xs[:i + 1] are greater than {k}",
         f"out, c = [], 0\nfor x in xs:\n    c += x > {k}\n    out.append(c)\nreturn out",
         lambda xs: [len([y for y in xs[: j + 1] if y > k]) for j in range(len(xs))]),
        ("adjacent_diffs", "element i is xs[i + 1] - xs[i] (one shorter than xs; [] if len(xs) < 2)",
         "return [b - a for a, b in zip(xs, xs[1:])]", lambda xs: [xs[j + 1] - xs[j] for j in range(len(xs) - 1)]),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "xs: list[int]", "list[int]", f"Return a list where {say}.", body,
        solve, public=[[3, 1, 4, 1, 5], [-2, 7]],
        hidden=[[], [0], [5, 5, 5], rand_ints(rng, 8), rand_ints(rng, 12, -99, 99), [9, 7, 5, 3]],
        difficulty="medium", tags=("lists", "prefix"),
    )  # fmt: skip


@family("chunk", kind="function", split=TRAIN, count=4)
def chunk(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 5)
    return fn(
        f"chunks_of_{k}", "xs: list[int]", "list[list[int]]",
        f"Split xs into consecutive lists of {k} elements (the last may be shorter) and return "
        "them as a list of lists.",
        f"return [xs[j:j + {k}] for j in range(0, len(xs), {k})]",
        lambda xs: [xs[j - k : j] for j in range(k, len(xs) + k, k) if xs[j - k : j]],
        public=[[1, 2, 3, 4, 5, 6, 7], [9]],
        hidden=[[], list(range(k)), list(range(k + 1)), rand_ints(rng, 11), list(range(3 * k))],
        difficulty="medium", tags=("lists", "slicing"),
    )  # fmt: skip


@family("dedupe", kind="function", split=TRAIN, count=4)
def dedupe(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 3)
    modes = [
        ("dedupe", "list[int]", "xs without repeated values, keeping the first occurrence of each in order",
         "seen, out = set(), []\nfor x in xs:\n    if x not in seen:\n        seen.add(x)\n        out.append(x)\nreturn out",
         lambda xs: list(dict.fromkeys(xs))),
        ("singletons", "list[int]", "the values that occur exactly once in xs, in their original order",
         "from collections import Counter\nc = Counter(xs)\nreturn [x for x in xs if c[x] == 1]",
         lambda xs: [x for x in xs if xs.count(x) == 1]),
        (f"at_least_{k}_times", "list[int]",
         f"the distinct values that occur at least {k} times in xs, in order of first occurrence",
         f"from collections import Counter\nc = Counter(xs)\nreturn [x for x in dict.fromkeys(xs) if c[x] >= {k}]",
         lambda xs: [x for j, x in enumerate(xs) if x not in xs[:j] and xs.count(x) >= k]),
        ("count_distinct", "int", "how many distinct values xs holds", "return len(set(xs))",
         lambda xs: len(dict.fromkeys(xs))),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "xs: list[int]", ret, f"Return {say}.", body, solve,
        public=[[3, 1, 3, 2, 1, 3], [5, 6]],
        hidden=[[], [7], [4, 4, 4, 4], rand_ints(rng, 10, 0, 5), rand_ints(rng, 15, -3, 3), [1, 2, 1, 2, 3]],
        difficulty="medium", tags=("lists", "hashing"),
    )  # fmt: skip


@family("run-length", kind="function", split=TRAIN, count=3)
def run_length(rng: random.Random, i: int) -> FunctionSpec:
    samples = ["", "a", "aaabccdddd", "abc", "zzzzzzzzzzzz", "aabbaa", "xyyyzx"]
    if i == 0:
        return fn(
            "rle_encode", "s: str", "list[tuple[str, int]]",
            "Run-length encode s: return a list of (character, run length) tuples, one per maximal "
            "run of equal characters, in order.",
            "out = []\nfor ch in s:\n    if out and out[-1][0] == ch:\n        out[-1] = (ch, out[-1][1] + 1)\n"
            "    else:\n        out.append((ch, 1))\nreturn out",
            lambda s: [(ch, len(list(g))) for ch, g in itertools.groupby(s)],
            public=["aaab", "abba"], hidden=samples, difficulty="medium", tags=("strings", "encoding"),
        )  # fmt: skip
    if i == 1:
        return fn(
            "rle_decode", "runs: list[tuple[str, int]]", "str",
            "Decode a run-length encoding: runs is a list of (character, count) tuples; return "
            "the string with each character repeated count times, in order.",
            "return ''.join(ch * n for ch, n in runs)",
            lambda runs: "".join("".join([ch] * n) for ch, n in runs),
            public=[[("a", 3), ("b", 1)], [("x", 2)]],
            hidden=[[], [("z", 0)], [("a", 1), ("b", 2), ("a", 1)], [("q", 10)], [(" ", 2), ("!", 3)]],
            difficulty="medium", tags=("strings", "encoding"),
        )  # fmt: skip
    return fn(
        "rle_string", "s: str", "str",
        "Run-length encode s as text: each maximal run of a character becomes the character "
        "followed by the run length in decimal, e.g. 'aab' -> 'a2b1'.",
        "out, j = [], 0\nwhile j < len(s):\n    k = j\n    while k < len(s) and s[k] == s[j]:\n"
        "        k += 1\n    out.append(f'{s[j]}{k - j}')\n    j = k\nreturn ''.join(out)",
        lambda s: "".join(f"{ch}{len(list(g))}" for ch, g in itertools.groupby(s)),
        public=["aab", "wwwx"], hidden=samples, difficulty="medium", tags=("strings", "encoding"),
    )  # fmt: skip


@family("caesar", kind="function", split=TRAIN, count=6)
def caesar(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(1, 25)
    decode = i % 2 == 1
    shift = -k if decode else k
    verb = f"back by {k}" if decode else f"forward by {k}"

    def solve(s: str) -> str:
        abc = "abcdefghijklmnopqrstuvwxyz"
        return "".join(abc[(abc.index(c) + shift) % 26] if c in abc else c for c in s)

    return fn(
        "decode_shift" if decode else "encode_shift", "s: str", "str",
        f"Shift every lower-case letter a-z of s {verb} places in the alphabet, wrapping around "
        "from z to a (or a to z); leave every other character unchanged. Return the result.",
        f"return ''.join(chr((ord(c) - 97 + {shift}) % 26 + 97) if 'a' <= c <= 'z' else c for c in s)",
        solve, public=["hello, world", "xyz"],
        hidden=["", "abcdefghijklmnopqrstuvwxyz", "ABC abc", "z", "a1 b2!", "zebra crossing"],
        difficulty="medium", tags=("strings", "cipher"),
    )  # fmt: skip


@family("base-convert", kind="function", split=TRAIN, count=6)
def base_convert(rng: random.Random, i: int) -> FunctionSpec:
    b = (2, 3, 5, 7, 8, 16)[i % 6] if i < 6 else rng.randint(2, 16)
    digits = "0123456789abcdef"
    if i % 2 == 0:

        def to_base(n: int) -> str:
            return "0" if n == 0 else to_base(n // b).lstrip("0") + digits[n % b]

        return fn(
            f"to_base_{b}", "n: int", "str",
            f"n >= 0. Return n written in base {b} using the digits '0123456789abcdef'[:{b}] "
            "(lower case, no prefix, no leading zeros; 0 is '0').",
            f"if n == 0:\n    return '0'\nout = ''\nwhile n:\n    out = '0123456789abcdef'[n % {b}] + out\n    n //= {b}\nreturn out",
            to_base, public=[10, 0], hidden=[1, b - 1, b, b * b, 255, 1000, 2**31 - 1, 123456789],
            difficulty="medium", tags=("math", "strings", "bases"),
        )  # fmt: skip
    return fn(
        f"from_base_{b}", "s: str", "int",
        f"s is a non-empty number written in base {b} with digits from '0123456789abcdef'[:{b}] "
        "(lower case). Return its value as an int.",
        f"n = 0\nfor c in s:\n    n = n * {b} + '0123456789abcdef'.index(c)\nreturn n",
        lambda s: int(s, b), public=["10", "0"],
        hidden=["1", digits[b - 1], digits[b - 1] * 5, "1" + "0" * 9, "101", digits[1:b][::-1]],
        difficulty="medium", tags=("math", "strings", "bases"),
    )  # fmt: skip


@family("recurrence", kind="function", split=TRAIN, count=6)
def recurrence(rng: random.Random, i: int) -> FunctionSpec:
    p, q, c = rng.randint(0, 3), rng.randint(1, 4), rng.randint(1, 3)

    def solve(n: int) -> int:
        seq = [p, q]
        while len(seq) <= n:
            seq.append(seq[-1] + c * seq[-2])
        return seq[n]

    rule = "a(n - 1) + a(n - 2)" if c == 1 else f"a(n - 1) + {c} * a(n - 2)"
    return fn(
        "sequence", "n: int", "int",
        f"A sequence starts a(0) = {p}, a(1) = {q}, and a(n) = {rule} for n >= 2. Given n >= 0, "
        "return a(n).",
        f"a, b = {p}, {q}\nfor _ in range(n):\n    a, b = b, b + {c} * a\nreturn a",
        solve, public=[2, 5], hidden=[0, 1, 3, 10, 30, 90],
        difficulty="medium", tags=("math", "recurrence"),
    )  # fmt: skip


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, n))


@family("primes", kind="function", split=TRAIN, count=4)
def primes(rng: random.Random, i: int) -> FunctionSpec:
    sieve_body = "return n >= 2 and all(n % d for d in range(2, int(n ** 0.5) + 1))"
    modes = [
        ("is_prime", "n: int", "bool", "True if n is a prime number, else False", sieve_body,
         _is_prime, [7, 9], [-7, 0, 1, 2, 97, 91, 7919, 7917]),
        ("count_primes", "n: int", "int", "how many prime numbers are <= n",
         "return sum(1 for m in range(2, n + 1) if all(m % d for d in range(2, int(m ** 0.5) + 1)))",
         lambda n: len([m for m in range(n + 1) if _is_prime(m)]), [10, 2], [0, 1, 3, 30, 100, 1000]),
        ("nth_prime", "n: int", "int", "the n-th prime number, counting from nth_prime(1) == 2",
         "found, m = 0, 1\nwhile found < n:\n    m += 1\n    if all(m % d for d in range(2, int(m ** 0.5) + 1)):\n        found += 1\nreturn m",
         lambda n: [m for m in range(2, 2000) if _is_prime(m)][n - 1], [1, 5], [2, 3, 10, 25, 100, 168]),
        ("prime_factors", "n: int", "list[int]",
         "the prime factors of n (n >= 2) in ascending order, repeated by multiplicity",
         "out, d = [], 2\nwhile d * d <= n:\n    while n % d == 0:\n        out.append(d)\n        n //= d\n    d += 1\nif n > 1:\n    out.append(n)\nreturn out",
         lambda n: [p for p in range(2, n + 1) if _is_prime(p) for _ in range(_mult(n, p))],
         [12, 7], [2, 8, 9973, 360, 1001, 1024]),
    ]  # fmt: skip
    name, params, ret, say, body, solve, public, hidden = modes[i % len(modes)]
    return fn(
        name, params, ret, f"Return {say}.", body, solve, public=public, hidden=hidden,
        difficulty="medium", tags=("math", "primes"),
    )  # fmt: skip


def _mult(n: int, p: int) -> int:
    k = 0
    while n % p == 0:
        n //= p
        k += 1
    return k


@family("word-count", kind="function", split=TRAIN, count=3)
def word_count(rng: random.Random, i: int) -> FunctionSpec:
    text = " ".join(rand_words(rng, 12))
    modes = [
        ("word_counts", "dict[str, int]", "a dict mapping each word of s (split on whitespace) to how many times it occurs",
         "counts = {}\nfor w in s.split():\n    counts[w] = counts.get(w, 0) + 1\nreturn counts",
         lambda s: dict(Counter(s.split()))),
        ("most_common_word", "str",
         "the word of s (split on whitespace) that occurs most often; on a tie, the alphabetically "
         "smallest of them; '' if s has no words",
         "counts = {}\nfor w in s.split():\n    counts[w] = counts.get(w, 0) + 1\nif not counts:\n    return ''\n"
         "best = max(counts.values())\nreturn min(w for w, c in counts.items() if c == best)",
         lambda s: sorted(s.split(), key=lambda w: (-s.split().count(w), w))[0] if s.split() else ""),
        ("lengths_by_word", "dict[int, int]",
         "a dict mapping each word length that occurs in s (split on whitespace) to how many words have it",
         "out = {}\nfor w in s.split():\n    out[len(w)] = out.get(len(w), 0) + 1\nreturn out",
         lambda s: dict(Counter(len(w) for w in s.split()))),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "s: str", ret, f"Return {say}.", body, solve,
        public=["the cat saw the dog", "b a b a"],
        hidden=["", "one", "  spaced   out  ", text, "x y z x y x", "Aa aa AA aa"],
        difficulty="medium", tags=("strings", "dict", "counting"),
    )  # fmt: skip


@family("matrix", kind="function", split=TRAIN, count=5)
def matrix(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 5)
    modes = [
        ("transpose", "list[list[int]]", "the transpose of m (rows become columns)",
         "return [list(col) for col in zip(*m)]", lambda m: [[r[j] for r in m] for j in range(len(m[0]))]),
        ("row_sums", "list[int]", "the sum of each row", "return [sum(r) for r in m]",
         lambda m: [sum(r) for r in m]),
        ("column_sums", "list[int]", "the sum of each column", "return [sum(c) for c in zip(*m)]",
         lambda m: [sum(r[j] for r in m) for j in range(len(m[0]))]),
        ("border_sum", "int", "the sum of the elements on the outer border of m (each counted once)",
         "h, w = len(m), len(m[0])\nreturn sum(m[r][c] for r in range(h) for c in range(w) if r in (0, h - 1) or c in (0, w - 1))",
         lambda m: sum(map(sum, m)) - sum(sum(r[1:-1]) for r in m[1:-1])),
        (f"scale_{k}", "list[list[int]]", f"a new matrix with every element of m multiplied by {k}",
         f"return [[{k} * x for x in r] for r in m]", lambda m: [[x * k for x in r] for r in m]),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]

    def mat(h: int, w: int) -> list[list[int]]:
        return [rand_ints(rng, w, -9, 9) for _ in range(h)]

    return fn(
        name, "m: list[list[int]]", ret,
        f"m is a non-empty rectangular matrix (a list of equal-length rows). Return {say}.",
        body, solve, public=[[[1, 2, 3], [4, 5, 6]], [[7]]],
        hidden=[[[1], [2], [3]], [[0, 0]], mat(3, 3), mat(4, 2), mat(2, 5), mat(5, 4)],
        difficulty="medium", tags=("matrix", "lists"),
    )  # fmt: skip


@family("intervals", kind="function", split=TRAIN, count=2)
def intervals(rng: random.Random, i: int) -> FunctionSpec:
    def rand_iv(n: int) -> list[tuple[int, int]]:
        out = []
        for _ in range(n):
            a = rng.randint(0, 30)
            out.append((a, a + rng.randint(0, 6)))
        return out

    def covered(ivs: list[tuple[int, int]]) -> set[float]:
        return {x + 0.5 for a, b in ivs for x in range(a, b)} | {float(a) for a, b in ivs}

    def merge_oracle(ivs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        pts = sorted(covered(ivs))  # connected components of the covered set, as closed intervals
        out: list[tuple[int, int]] = []
        for p in pts:
            lo = math.floor(p)
            hi = math.ceil(p) if p != lo else lo
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
        return out

    hidden = [
        [],
        [(1, 1)],
        [(1, 3), (3, 5)],
        [(5, 9), (1, 2)],
        rand_iv(6),
        rand_iv(10),
        [(0, 10), (2, 3)],
    ]
    if i == 0:
        return fn(
            "merge_intervals", "ivs: list[tuple[int, int]]", "list[tuple[int, int]]",
            "Each (a, b) with a <= b is a closed interval. Merge intervals that overlap or touch "
            "and return the result as a list of (start, end) tuples sorted by start.",
            "out = []\nfor a, b in sorted(ivs):\n    if out and a <= out[-1][1]:\n        out[-1] = (out[-1][0], max(out[-1][1], b))\n"
            "    else:\n        out.append((a, b))\nreturn out",
            merge_oracle, public=[[(1, 3), (2, 6), (8, 10)], [(4, 5)]], hidden=hidden,
            difficulty="hard", tags=("intervals", "sorting"),
        )  # fmt: skip
    return fn(
        "covered_length", "ivs: list[tuple[int, int]]", "int",
        "Each (a, b) with a <= b is an interval of length b - a on the number line. Return the "
        "total length covered by their union.",
        "total, end = 0, None\nfor a, b in sorted(ivs):\n    if end is None or a > end:\n        total += b - a\n        end = b\n"
        "    elif b > end:\n        total += b - end\n        end = b\nreturn total",
        lambda ivs: len({x for a, b in ivs for x in range(a, b)}),
        public=[[(1, 3), (2, 6)], [(0, 1), (5, 7)]], hidden=hidden,
        difficulty="hard", tags=("intervals", "sorting"),
    )  # fmt: skip


@family("common-affix", kind="function", split=TRAIN, count=2)
def common_affix(rng: random.Random, i: int) -> FunctionSpec:
    suffix = i == 1
    word = "suffix" if suffix else "prefix"
    hidden = [[], ["alone"], ["", "abc"], ["same", "same"], ["interview", "internet", "interval"],
              ["walking", "talking", "king"], rand_words(rng, 3)]  # fmt: skip

    def solve(ws: list[str]) -> str:
        if not ws:
            return ""
        seqs = [w[::-1] for w in ws] if suffix else ws
        best = ""
        for n in range(min(map(len, seqs)) + 1):
            if len({s[:n] for s in seqs}) == 1:
                best = seqs[0][:n]
        return best[::-1] if suffix else best

    body = (
        "if not ws:\n    return ''\nout = ws[0]\nfor w in ws[1:]:\n"
        + ("    while not w.endswith(out):\n        out = out[1:]\n" if suffix
           else "    while not w.startswith(out):\n        out = out[:-1]\n")
        + "return out"
    )  # fmt: skip
    return fn(
        f"common_{word}", "ws: list[str]", "str",
        f"Return the longest common {word} of all strings in ws ('' if ws is empty).", body, solve,
        public=[["flower", "flow", "flight"], ["dog", "car"]], hidden=hidden,
        difficulty="medium", tags=("strings",),
    )  # fmt: skip


@family("gcd-lcm", kind="function", split=TRAIN, count=4)
def gcd_lcm(rng: random.Random, i: int) -> FunctionSpec:
    modes = [
        ("gcd_all", "int", "the greatest common divisor of all numbers in xs (all > 0)",
         "from math import gcd\ng = 0\nfor x in xs:\n    g = gcd(g, x)\nreturn g",
         lambda xs: max(d for d in range(1, min(xs) + 1) if all(x % d == 0 for x in xs))),
        ("lcm_all", "int", "the least common multiple of all numbers in xs (all > 0)",
         "from math import gcd\nm = 1\nfor x in xs:\n    m = m * x // gcd(m, x)\nreturn m", lambda xs: math.lcm(*xs)),
        ("coprime_pairs", "int", "how many pairs i < j have gcd(xs[i], xs[j]) == 1 (all > 0)",
         "from math import gcd\nreturn sum(1 for i in range(len(xs)) for j in range(i + 1, len(xs)) if gcd(xs[i], xs[j]) == 1)",
         lambda xs: len([1 for a, b in itertools.combinations(xs, 2) if math.gcd(a, b) == 1])),
        ("reduce_by_gcd", "list[int]", "xs with every element divided by the gcd of all elements (all > 0)",
         "from math import gcd\ng = 0\nfor x in xs:\n    g = gcd(g, x)\nreturn [x // g for x in xs]",
         lambda xs: [x // math.gcd(*xs) for x in xs]),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "xs: list[int]", ret, f"xs is a non-empty list. Return {say}.", body, solve,
        public=[[12, 18, 30], [7, 5]],
        hidden=[[1], [9], [4, 4], [6, 10, 15], [rng.randint(1, 60) for _ in range(5)], [100, 75, 50, 25]],
        difficulty="medium", tags=("math", "gcd"),
    )  # fmt: skip


@family("sorted-search", kind="function", split=TRAIN, count=3)
def sorted_search(rng: random.Random, i: int) -> FunctionSpec:
    modes = [
        ("insert_position", "the leftmost index where x could be inserted to keep xs sorted",
         "lo, hi = 0, len(xs)\nwhile lo < hi:\n    mid = (lo + hi) // 2\n    if xs[mid] < x:\n        lo = mid + 1\n"
         "    else:\n        hi = mid\nreturn lo", lambda xs, x: len([y for y in xs if y < x])),
        ("count_at_most", "how many elements of xs are <= x",
         "import bisect\nreturn bisect.bisect_right(xs, x)", lambda xs, x: len([y for y in xs if y <= x])),
        ("find_index", "the index of the first element equal to x, or -1 if x is not in xs",
         "import bisect\nj = bisect.bisect_left(xs, x)\nreturn j if j < len(xs) and xs[j] == x else -1",
         lambda xs, x: xs.index(x) if x in xs else -1),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    big = sorted(rand_ints(rng, 15, -50, 50))
    return fn(
        name, "xs: list[int], x: int", "int", f"xs is sorted ascending. Return {say}.", body, solve,
        public=[([1, 3, 3, 5, 8], 3), ([2, 4], 9)],
        hidden=[([], 4), ([5], 5), ([5], 1), ([1, 1, 1, 1], 1), (big, big[7]), (big, 51), (big, -51), ([0, 2, 4, 6], 3)],
        difficulty="medium", tags=("binary-search", "lists"),
    )  # fmt: skip
