"""Held-out function families: they appear only in the test split.

No training task comes from these generators, so a pass here measures transfer to problems the
policy never saw, not recall of a constant it was trained on.
"""

from __future__ import annotations

import datetime
import itertools
import random
import re
from typing import Any, Final

from tasks.builtin.spec import Difficulty, FunctionSpec, family, fn, rand_ints, rand_words

TEST: Final = "test"


@family("interleave", kind="function", split=TEST, count=6)
def interleave(rng: random.Random, i: int) -> FunctionSpec:
    sep = rng.choice(["-", "+", ":", "/"])
    modes = [
        ("interleave", "a: str, b: str", "str",
         "a string taking characters alternately from a and b, starting with a; when one runs out, "
         "the rest of the other is appended",
         "out = []\nfor j in range(max(len(a), len(b))):\n    out.append(a[j:j + 1] + b[j:j + 1])\nreturn ''.join(out)",
         lambda a, b: "".join(x + y for x, y in itertools.zip_longest(a, b, fillvalue=""))),
        ("join_pairs", "a: str, b: str", "str",
         f"a string of a[i] + {sep!r} + b[i] for every position i of the shorter string, joined by "
         "single spaces",
         f"return ' '.join(x + {sep!r} + y for x, y in zip(a, b))",
         lambda a, b: " ".join(f"{a[j]}{sep}{b[j]}" for j in range(min(len(a), len(b))))),
        ("merge_sorted", "a: list[int], b: list[int]", "list[int]",
         "one ascending list holding every element of a and b (both are sorted ascending)",
         "out, i, j = [], 0, 0\nwhile i < len(a) and j < len(b):\n    if a[i] <= b[j]:\n        out.append(a[i])\n        i += 1\n"
         "    else:\n        out.append(b[j])\n        j += 1\nreturn out + a[i:] + b[j:]",
         lambda a, b: sorted(a + b)),
    ]  # fmt: skip
    name, params, ret, say, body, solve = modes[i % len(modes)]
    public: list[Any]
    hidden: list[Any]
    if "list" in params:
        public = [([1, 4, 9], [2, 3, 10]), ([], [5])]
        hidden = [([], []), ([1], [1]), (sorted(rand_ints(rng, 5)), sorted(rand_ints(rng, 7))),
                  ([1, 2, 3], [7, 8, 9]), ([5, 5], [5]), (sorted(rand_ints(rng, 9)), [])]  # fmt: skip
    else:
        public = [("abc", "xyz"), ("hello", "AB")]
        hidden = [
            ("", ""),
            ("a", ""),
            ("", "zz"),
            ("1234", "ab"),
            ("same", "same"),
            ("x", "long one"),
        ]
    return fn(
        name, params, ret, f"Return {say}.", body, solve, public=public, hidden=hidden,
        difficulty="easy", tags=("strings", "lists", "merge"),
    )  # fmt: skip


@family("extremes", kind="function", split=TEST, count=5)
def extremes(rng: random.Random, i: int) -> FunctionSpec:
    modes = [
        ("second_largest", "int | None", "the second largest distinct value in xs, or None if there is none",
         "vals = sorted(set(xs))\nreturn vals[-2] if len(vals) >= 2 else None",
         lambda xs: max([x for x in xs if x != max(xs)], default=None) if xs else None),
        ("second_smallest", "int | None", "the second smallest distinct value in xs, or None if there is none",
         "vals = sorted(set(xs))\nreturn vals[1] if len(vals) >= 2 else None",
         lambda xs: min([x for x in xs if x != min(xs)], default=None) if xs else None),
        ("index_of_max", "int", "the index of the first occurrence of the largest value (-1 for an empty list)",
         "return xs.index(max(xs)) if xs else -1",
         lambda xs: next((j for j, x in enumerate(xs) if all(x >= y for y in xs)), -1)),
        ("index_of_last_min", "int", "the index of the last occurrence of the smallest value (-1 for an empty list)",
         "return len(xs) - 1 - xs[::-1].index(min(xs)) if xs else -1",
         lambda xs: max((j for j, x in enumerate(xs) if all(x <= y for y in xs)), default=-1)),
        ("max_gap", "int", "the largest difference between two neighbours after sorting xs (0 if len(xs) < 2)",
         "ys = sorted(xs)\nreturn max((b - a for a, b in zip(ys, ys[1:])), default=0)",
         lambda xs: max([sorted(xs)[j + 1] - sorted(xs)[j] for j in range(len(xs) - 1)] or [0])),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "xs: list[int]", ret, f"Return {say}.", body, solve,
        public=[[4, 9, 2, 9, 7], [3, 1]],
        hidden=[[], [5], [6, 6, 6], [1, 2], rand_ints(rng, 8), rand_ints(rng, 13, -99, 99), [2, 1, 2, 1]],
        difficulty="easy", tags=("lists", "comparison"),
    )  # fmt: skip


@family("runs", kind="function", split=TEST, count=7)
def runs(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(0, 3)
    modes = [
        ("longest_run", "the length of the longest block of equal adjacent elements (0 for [])",
         "best = cur = 0\nfor j, x in enumerate(xs):\n    cur = cur + 1 if j and xs[j - 1] == x else 1\n    best = max(best, cur)\nreturn best",
         lambda xs: max((len(list(g)) for _, g in itertools.groupby(xs)), default=0)),
        ("count_runs", "how many maximal blocks of equal adjacent elements xs has",
         "return sum(1 for j in range(len(xs)) if j == 0 or xs[j] != xs[j - 1])",
         lambda xs: len([1 for _ in itertools.groupby(xs)])),
        ("longest_rising", "the length of the longest contiguous strictly increasing stretch (0 for [])",
         "best = cur = 0\nfor j, x in enumerate(xs):\n    cur = cur + 1 if j and xs[j - 1] < x else 1\n    best = max(best, cur)\nreturn best",
         lambda xs: max((b - a for a in range(len(xs)) for b in range(a + 1, len(xs) + 1)
                         if all(xs[t] < xs[t + 1] for t in range(a, b - 1))), default=0)),
        (f"longest_run_of_{k}", f"the length of the longest block of adjacent elements all equal to {k}",
         f"best = cur = 0\nfor x in xs:\n    cur = cur + 1 if x == {k} else 0\n    best = max(best, cur)\nreturn best",
         lambda xs: max((len(list(g)) for v, g in itertools.groupby(xs) if v == k), default=0)),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "xs: list[int]", "int", f"Return {say}.", body, solve,
        public=[[1, 1, 2, 2, 2, 3], [k, k, 1, k]],
        hidden=[[], [k], [k] * 5, [1, 2, 3, 4], rand_ints(rng, 15, 0, 3), rand_ints(rng, 20, 0, 2), [3, 2, 1, 0]],
        difficulty="medium", tags=("lists", "runs"),
    )  # fmt: skip


@family("collatz", kind="function", split=TEST, count=7)
def collatz(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 7)

    def walk(n: int) -> list[int]:
        seq = [n]
        while seq[-1] != 1:
            m = seq[-1]
            seq.append(m // 2 if m % 2 == 0 else 3 * m + 1)
        return seq

    def reduce_walk(n: int) -> int:
        steps = 0
        while n != 1:
            n = n // k if n % k == 0 else n + 1
            steps += 1
        return steps

    modes = [
        ("collatz_steps", "how many steps the Collatz rule (n -> n // 2 if n is even, else 3 * n + 1) takes to reach 1",
         "steps = 0\nwhile n != 1:\n    n = n // 2 if n % 2 == 0 else 3 * n + 1\n    steps += 1\nreturn steps",
         lambda n: len(walk(n)) - 1),
        ("collatz_peak", "the largest value reached when applying the Collatz rule (n -> n // 2 if even, else 3 * n + 1) until reaching 1, n included",
         "peak = n\nwhile n != 1:\n    n = n // 2 if n % 2 == 0 else 3 * n + 1\n    peak = max(peak, n)\nreturn peak",
         lambda n: max(walk(n))),
        (f"reduce_steps_{k}", f"how many steps it takes to reach 1 when each step divides n by {k} if n is divisible by {k}, and adds 1 otherwise",
         f"steps = 0\nwhile n != 1:\n    n = n // {k} if n % {k} == 0 else n + 1\n    steps += 1\nreturn steps",
         reduce_walk),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "n: int", "int", f"n >= 1. Return {say}.", body, solve,
        public=[6, 1], hidden=[2, 3, 7, 27, 97, 1000, 12345],
        difficulty="easy" if "steps" in name else "medium", tags=("math", "simulation"),
    )  # fmt: skip


@family("brackets", kind="function", split=TEST, count=4)
def brackets(rng: random.Random, i: int) -> FunctionSpec:
    hidden = ["", "(", ")(", "(()())", "((()", "([)]", "{[()()]}", "())(()", "(((())))"]

    def balanced(s: str, pairs: dict[str, str]) -> bool:
        prev = None
        while prev != s:
            prev = s
            for o, c in pairs.items():
                s = s.replace(o + c, "")
        return s == ""

    modes = [
        ("balanced", "bool", "True if the parentheses in s (only '(' and ')') are balanced, else False",
         "depth = 0\nfor c in s:\n    depth += 1 if c == '(' else -1\n    if depth < 0:\n        return False\nreturn depth == 0",
         lambda s: balanced(s, {"(": ")"}), ["(())", "())("]),
        ("balanced_all", "bool",
         "True if the brackets in s ('()', '[]' and '{}' only) are balanced and properly nested, else False",
         "stack, pairs = [], {')': '(', ']': '[', '}': '{'}\nfor c in s:\n    if c in pairs:\n        if not stack or stack.pop() != pairs[c]:\n"
         "            return False\n    else:\n        stack.append(c)\nreturn not stack",
         lambda s: balanced(s, {"(": ")", "[": "]", "{": "}"}), ["{[]}()", "(]"]),
        ("max_depth", "int", "the deepest nesting of parentheses in s (s holds only '(' and ')' and is balanced)",
         "depth = best = 0\nfor c in s:\n    depth += 1 if c == '(' else -1\n    best = max(best, depth)\nreturn best",
         lambda s: max((s[:j].count("(") - s[:j].count(")") for j in range(len(s) + 1)), default=0),
         ["(()(()))", "()()"]),
        ("fixes_needed", "int",
         "the fewest parentheses that must be inserted into s (only '(' and ')') to make it balanced",
         "open_, need = 0, 0\nfor c in s:\n    if c == '(':\n        open_ += 1\n    elif open_:\n        open_ -= 1\n    else:\n        need += 1\nreturn open_ + need",
         _fixes, ["())", "((("]),
    ]  # fmt: skip
    name, ret, say, body, solve, public = modes[i % len(modes)]
    cases = [h for h in hidden if set(h) <= set("()")] if name != "balanced_all" else hidden
    if name == "max_depth":
        cases = [h for h in cases if balanced(h, {"(": ")"})] + ["()((()))", "(())(())()"]
    return fn(
        name, "s: str", ret, f"Return {say}.", body, solve, public=public, hidden=cases,
        difficulty="medium", tags=("strings", "stack"),
    )  # fmt: skip


def _fixes(s: str) -> int:
    while "()" in s:
        s = s.replace("()", "")
    return len(s)


@family("grid-walk", kind="function", split=TEST, count=3)
def grid_walk(rng: random.Random, i: int) -> FunctionSpec:
    def spiral(m: list[list[int]]) -> list[int]:
        out, grid = [], [row[:] for row in m]
        while grid:
            out += grid.pop(0)
            grid = [list(r) for r in zip(*grid, strict=False)][
                ::-1
            ]  # rotate the rest anticlockwise
        return out

    modes = [
        ("spiral", "list[int]", "the elements of m in clockwise spiral order, starting at the top-left corner",
         "out = []\ntop, bottom, left, right = 0, len(m) - 1, 0, len(m[0]) - 1\nwhile top <= bottom and left <= right:\n"
         "    out += [m[top][c] for c in range(left, right + 1)]\n    out += [m[r][right] for r in range(top + 1, bottom + 1)]\n"
         "    if top < bottom:\n        out += [m[bottom][c] for c in range(right - 1, left - 1, -1)]\n"
         "    if left < right:\n        out += [m[r][left] for r in range(bottom - 1, top, -1)]\n"
         "    top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1\nreturn out", spiral),
        ("anti_diagonal_sums", "list[int]",
         "the list whose element d is the sum of all m[r][c] with r + c == d, for d = 0, 1, ...",
         "out = [0] * (len(m) + len(m[0]) - 1)\nfor r, row in enumerate(m):\n    for c, x in enumerate(row):\n        out[r + c] += x\nreturn out",
         lambda m: [sum(m[r][d - r] for r in range(len(m)) if 0 <= d - r < len(m[0])) for d in range(len(m) + len(m[0]) - 1)]),
        ("snake_order", "list[int]",
         "the elements of m row by row, reading even-indexed rows left to right and odd-indexed rows right to left",
         "out = []\nfor r, row in enumerate(m):\n    out += row if r % 2 == 0 else row[::-1]\nreturn out",
         lambda m: sum(([*reversed(row)] if r % 2 else list(row) for r, row in enumerate(m)), [])),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]

    def mat(h: int, w: int) -> list[list[int]]:
        return [rand_ints(rng, w, 0, 9) for _ in range(h)]

    return fn(
        name, "m: list[list[int]]", ret,
        f"m is a non-empty rectangular matrix (a list of equal-length rows). Return {say}.",
        body, solve, public=[[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2], [3, 4]]],
        hidden=[[[5]], [[1, 2, 3, 4]], [[1], [2], [3]], mat(3, 4), mat(4, 3), mat(5, 5), mat(2, 6)],
        difficulty="hard", tags=("matrix", "simulation"),
    )  # fmt: skip


@family("subarray", kind="function", split=TEST, count=6)
def subarray(rng: random.Random, i: int) -> FunctionSpec:
    k = rng.randint(2, 4)
    t = rng.randint(0, 6)

    def subs(xs: list[int]) -> list[list[int]]:
        return [xs[a:b] for a in range(len(xs)) for b in range(a + 1, len(xs) + 1)]

    modes = [
        ("max_subarray", "xs is non-empty. Return the largest sum of a non-empty contiguous slice of xs",
         "best = cur = xs[0]\nfor x in xs[1:]:\n    cur = max(x, cur + x)\n    best = max(best, cur)\nreturn best",
         lambda xs: max(map(sum, subs(xs))), "hard"),
        (f"best_window_{k}", f"len(xs) >= {k}. Return the largest sum of {k} consecutive elements",
         f"cur = best = sum(xs[:{k}])\nfor j in range({k}, len(xs)):\n    cur += xs[j] - xs[j - {k}]\n    best = max(best, cur)\nreturn best",
         lambda xs: max(sum(xs[a : a + k]) for a in range(len(xs) - k + 1)), "medium"),
        (f"count_sum_{t}", f"Return how many non-empty contiguous slices of xs add up to {t}",
         f"seen, acc, n = {{0: 1}}, 0, 0\nfor x in xs:\n    acc += x\n    n += seen.get(acc - {t}, 0)\n    seen[acc] = seen.get(acc, 0) + 1\nreturn n",
         lambda xs: len([s for s in subs(xs) if sum(s) == t]), "hard"),
    ]  # fmt: skip
    name, say, body, solve, level = modes[i % len(modes)]
    difficulty: Difficulty = "hard" if level == "hard" else "medium"
    edge = [] if i % 3 == 1 else [[-5]] if i % 3 == 0 else [[], [t]]
    return fn(
        name, "xs: list[int]", "int", f"{say}.", body, solve,
        public=[[-2, 1, -3, 4, -1, 2, 1, -5, 4], [1, 2, 3, 4]],
        hidden=[*edge, [-3, -1, -2, -7], [0, 0, 0, 0, 0], rand_ints(rng, 10, -9, 9), rand_ints(rng, 14, -5, 8),
                [t, -t, t, 0, t], [k, -1, k, -1, 1]],
        difficulty=difficulty, tags=("arrays", "prefix-sums"),
    )  # fmt: skip


@family("islands", kind="function", split=TEST, count=3)
def islands(rng: random.Random, i: int) -> FunctionSpec:
    diag = i == 2

    def components(g: list[str]) -> list[int]:
        cells = {(r, c) for r, row in enumerate(g) for c, ch in enumerate(row) if ch == "#"}
        sizes = []
        while cells:
            comp = {cells.pop()}
            grew = True
            while grew:  # grow until no neighbour is left: a slow, obviously right flood fill
                near = {(r + dr, c + dc) for r, c in comp for dr in (-1, 0, 1) for dc in (-1, 0, 1)
                        if diag or abs(dr) + abs(dc) == 1} & cells  # fmt: skip
                grew = bool(near)
                comp |= near
                cells -= near
            sizes.append(len(comp))
        return sizes

    steps = (
        "(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)"
        if diag
        else "(-1, 0), (1, 0), (0, -1), (0, 1)"
    )
    flood = (
        "h, w = len(g), len(g[0]) if g else 0\nseen, sizes = set(), []\nfor r in range(h):\n    for c in range(w):\n"
        "        if g[r][c] != '#' or (r, c) in seen:\n            continue\n        stack, size = [(r, c)], 0\n        seen.add((r, c))\n"
        "        while stack:\n            y, x = stack.pop()\n            size += 1\n"
        f"            for dy, dx in ({steps}):\n                ny, nx = y + dy, x + dx\n"
        "                if 0 <= ny < h and 0 <= nx < w and g[ny][nx] == '#' and (ny, nx) not in seen:\n"
        "                    seen.add((ny, nx))\n                    stack.append((ny, nx))\n        sizes.append(size)\n"
    )
    link = "horizontally, vertically or diagonally" if diag else "horizontally or vertically"
    if i == 1:
        name, say, ret_line, solve = (
            "largest_island",
            "the number of cells of the largest island (0 if none)",
            "return max(sizes, default=0)",
            lambda g: max(components(g), default=0),
        )
    else:
        name, say, ret_line, solve = (
            ("count_islands_diag" if diag else "count_islands"),
            "how many islands there are",
            "return len(sizes)",
            lambda g: len(components(g)),
        )

    def grid(h: int, w: int) -> list[str]:
        return ["".join(rng.choice("#..") for _ in range(w)) for _ in range(h)]

    return fn(
        name, "g: list[str]", "int",
        f"g is a grid of equal-length rows of '#' (land) and '.' (water). An island is a group of "
        f"land cells connected {link}. Return {say}.",
        flood + ret_line, solve, public=[["##..", "#..#", "..##"], ["#.#", ".#.", "#.#"]],
        hidden=[[], ["."], ["#"], ["####", "####"], grid(5, 6), grid(7, 7), grid(4, 10), ["#.#.#", ".....", "#.#.#"]],
        difficulty="hard", tags=("graphs", "grid", "flood-fill"),
    )  # fmt: skip


@family("expand", kind="function", split=TEST, count=4)
def expand(rng: random.Random, i: int) -> FunctionSpec:
    modes: list[tuple[Any, ...]] = [
        ("expand_counts", "s is letters each followed by a decimal count, e.g. 'a3b12'. Return the expanded string (each letter repeated count times)",
         "import re\nreturn ''.join(ch * int(n) for ch, n in re.findall(r'([a-zA-Z])(\\d+)', s))",
         lambda s: "".join(m.group(1) * int(m.group(2)) for m in re.finditer(r"(\D)(\d+)", s)),
         ["a3b1", "x10"], ["", "z0", "a1b2c3", "Q12", "a2a2", "m1n0o5"]),
        ("squeeze", "Return s with each maximal run of a repeated character written as the character followed by the run length; characters that are not repeated stay as they are (e.g. 'aaab' -> 'a3b')",
         "import itertools\nreturn ''.join(ch + (str(n) if (n := len(list(g))) > 1 else '') for ch, g in itertools.groupby(s))",
         lambda s: re.sub(r"(.)\1+", lambda m: m.group(1) + str(len(m.group(0))), s),
         ["aaab", "abc"], ["", "a", "zzzzzzzzzzzz", "aabbaa", "abbbc", "  x"]),
        ("expand_brackets", "s is lower-case letters and groups 'k[...]' (k a positive decimal count) that may nest. Return s with each group replaced by its contents repeated k times",
         "stack, cur, num = [], '', 0\nfor ch in s:\n    if ch.isdigit():\n        num = num * 10 + int(ch)\n    elif ch == '[':\n"
         "        stack.append((cur, num))\n        cur, num = '', 0\n    elif ch == ']':\n        prev, k = stack.pop()\n        cur = prev + cur * k\n"
         "    else:\n        cur += ch\nreturn cur", _expand_oracle,
         ["3[a]2[bc]", "a2[c]"], ["", "abc", "2[a2[b]]", "10[x]", "x3[]y", "2[ab3[c]]d", "1[1[1[z]]]"]),
        ("split_camel", "s is camelCase or PascalCase. Return its words in lower case, separated by single spaces",
         "import re\nreturn ' '.join(w.lower() for w in re.findall(r'[A-Z]?[a-z0-9]*', s) if w)",
         lambda s: "".join(" " + c.lower() if c.isupper() else c for c in s).strip(),
         ["helloWorld", "PascalCase"], ["", "x", "aBC", "oneTwoThree", "Word", "getHTTPCode2"]),
    ]  # fmt: skip
    name, say, body, solve, public, hidden = modes[i % len(modes)]
    return fn(
        name, "s: str", "str", f"{say}.", body, solve, public=public, hidden=hidden,
        difficulty="hard" if name == "expand_brackets" else "medium", tags=("strings", "parsing"),
    )  # fmt: skip


def _expand_oracle(s: str) -> str:
    while "[" in s:  # expand innermost groups first
        s = re.sub(r"(\d+)\[([a-z]*)\]", lambda m: m.group(2) * int(m.group(1)), s)
    return s


@family("calendar", kind="function", split=TEST, count=5)
def calendar(rng: random.Random, i: int) -> FunctionSpec:
    dates = [(2000, 2, 29), (1900, 3, 1), (2023, 12, 31), (2024, 1, 1), (1999, 7, 4), (2100, 2, 28)]
    leap = "y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)"
    modes: list[tuple[Any, ...]] = [
        ("is_leap", "y: int", "bool", "True if y is a leap year in the Gregorian calendar, else False",
         f"return {leap}", lambda y: (datetime.date(y, 3, 1) - datetime.date(y, 2, 1)).days == 29,
         [2024, 1900], [2000, 2023, 2100, 1600, 4, 2400, 1999]),
        ("days_in_month", "y: int, m: int", "int", "how many days month m (1-12) of year y has in the Gregorian calendar",
         f"if m == 2:\n    return 29 if {leap} else 28\nreturn 30 if m in (4, 6, 9, 11) else 31",
         lambda y, m: ((datetime.date(y + m // 12, m % 12 + 1, 1)) - datetime.date(y, m, 1)).days,
         [(2024, 2), (2023, 4)], [(1900, 2), (2000, 2), (2023, 1), (2023, 12), (2023, 6), (2021, 7)]),
        ("day_of_year", "y: int, m: int, d: int", "int", "the day number of the date within its year, 1 for January 1st",
         f"days = [31, 29 if {leap} else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]\nreturn sum(days[:m - 1]) + d",
         lambda y, m, d: datetime.date(y, m, d).timetuple().tm_yday, [(2023, 3, 1), (2024, 12, 31)], dates),
        ("weekday", "y: int, m: int, d: int", "int", "the day of the week of the date (y >= 1), 0 for Monday up to 6 for Sunday",
         "t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]\nif m < 3:\n    y -= 1\nsunday_based = (y + y // 4 - y // 100 + y // 400 + t[m - 1] + d) % 7\nreturn (sunday_based + 6) % 7",
         lambda y, m, d: datetime.date(y, m, d).weekday(), [(2024, 1, 1), (2023, 6, 18)], dates),
        ("days_between", "a: tuple[int, int, int], b: tuple[int, int, int]", "int",
         "the number of days from date a to date b (each a (year, month, day) tuple); negative if b is earlier",
         f"def ordinal(y, m, d):\n    days = [31, 29 if {leap} else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]\n"
         "    y1 = y - 1\n    return y1 * 365 + y1 // 4 - y1 // 100 + y1 // 400 + sum(days[:m - 1]) + d\nreturn ordinal(*b) - ordinal(*a)",
         lambda a, b: (datetime.date(*b) - datetime.date(*a)).days,
         [((2024, 1, 1), (2024, 3, 1)), ((2000, 1, 1), (1999, 12, 31))],
         [(dates[j], dates[j + 1]) for j in range(5)] + [((1, 1, 1), (2024, 5, 17)), (dates[0], dates[0])]),
    ]  # fmt: skip
    name, params, ret, say, body, solve, public, hidden = modes[i % len(modes)]
    return fn(
        name, params, ret, f"Return {say}.", body, solve, public=public, hidden=hidden,
        difficulty="easy" if name == "is_leap" else "medium", tags=("dates", "math"),
    )  # fmt: skip


@family("multiples", kind="function", split=TEST, count=8)
def multiples(rng: random.Random, i: int) -> FunctionSpec:
    a, b = rng.sample([2, 3, 4, 5, 6, 7, 9, 11], 2)
    if i % 2 == 0:
        return fn(
            f"sum_multiples_{a}_{b}", "n: int", "int",
            f"Return the sum of all positive integers below n that are divisible by {a} or by {b}.",
            f"return sum(k for k in range(1, n) if k % {a} == 0 or k % {b} == 0)",
            lambda n: sum({*range(a, max(n, 1), a), *range(b, max(n, 1), b)}),
            public=[10, 20], hidden=[0, 1, a, b + 1, 100, 1000, 2 * a * b],
            difficulty="easy", tags=("math", "loops"),
        )  # fmt: skip
    return fn(
        f"count_{a}_not_{b}", "n: int", "int",
        f"Return how many integers k with 1 <= k <= n are divisible by {a} but not by {b}.",
        f"return sum(1 for k in range(1, n + 1) if k % {a} == 0 and k % {b} != 0)",
        lambda n: len(set(range(a, n + 1, a)) - set(range(b, n + 1, b))),
        public=[10, 30], hidden=[0, 1, a, a * b, 99, 1000, 12345],
        difficulty="easy", tags=("math", "loops"),
    )  # fmt: skip


@family("divisors", kind="function", split=TEST, count=7)
def divisors(rng: random.Random, i: int) -> FunctionSpec:
    def divs(n: int) -> list[int]:
        return [d for d in range(1, n + 1) if n % d == 0]

    modes = [
        ("divisors", "list[int]", "all positive divisors of n in ascending order",
         "small = [d for d in range(1, int(n ** 0.5) + 1) if n % d == 0]\nreturn sorted(set(small + [n // d for d in small]))", divs),
        ("count_divisors", "int", "how many positive divisors n has",
         "return sum(1 for d in range(1, n + 1) if n % d == 0)", lambda n: len(divs(n))),
        ("proper_divisor_sum", "int", "the sum of the positive divisors of n smaller than n",
         "return sum(d for d in range(1, n) if n % d == 0)", lambda n: sum(divs(n)) - n),
        ("is_perfect", "bool", "True if n equals the sum of its positive divisors smaller than n, else False",
         "return n == sum(d for d in range(1, n) if n % d == 0)", lambda n: sum(divs(n)) == 2 * n),
        ("is_abundant", "bool", "True if the sum of the positive divisors of n smaller than n exceeds n, else False",
         "return sum(d for d in range(1, n) if n % d == 0) > n", lambda n: sum(divs(n)) > 2 * n),
        ("largest_proper_divisor", "int", "the largest divisor of n that is smaller than n (1 for a prime, 0 for n == 1)",
         "return max((d for d in range(1, n) if n % d == 0), default=0)", lambda n: (divs(n)[-2] if n > 1 else 0)),
        ("odd_divisor_count", "int", "how many positive divisors of n are odd",
         "return sum(1 for d in range(1, n + 1) if n % d == 0 and d % 2 == 1)", lambda n: len([d for d in divs(n) if d % 2])),
    ]  # fmt: skip
    name, ret, say, body, solve = modes[i % len(modes)]
    return fn(
        name, "n: int", ret, f"n >= 1. Return {say}.", body, solve,
        public=[12, 28], hidden=[1, 2, 6, 13, 36, 496, 945, 100],
        difficulty="easy", tags=("math", "divisors"),
    )  # fmt: skip


@family("word-shape", kind="function", split=TEST, count=7)
def word_shape(rng: random.Random, i: int) -> FunctionSpec:
    phrase = " ".join(rand_words(rng, 4))
    modes = [
        ("acronym", "the first letter of each word of s (split on whitespace), upper-cased and joined",
         "return ''.join(w[0].upper() for w in s.split())", lambda s: "".join(w[:1] for w in s.split()).upper()),
        ("snake_to_camel", "the snake_case name s in camelCase (first word lower case, later words capitalised)",
         "head, *rest = s.split('_')\nreturn head + ''.join(w.capitalize() for w in rest)",
         lambda s: re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), s)),
        ("camel_to_snake", "the camelCase name s in snake_case (an underscore before each capital, all lower case)",
         "return ''.join('_' + c.lower() if c.isupper() else c for c in s)",
         lambda s: re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), s)),
        ("capitalize_words", "s with the first letter of every word upper-cased and the rest lower-cased, words joined by single spaces",
         "return ' '.join(w.capitalize() for w in s.split())", lambda s: " ".join(w[:1].upper() + w[1:].lower() for w in s.split())),
        ("longest_word", "the longest word of s (split on whitespace); the first one on a tie; '' if there are none",
         "return max(s.split(), key=len, default='')", lambda s: sorted(s.split(), key=len, reverse=True)[0] if s.split() else ""),
        ("initials_dotted", "the first letter of each word of s (split on whitespace), upper-cased, each followed by '.'",
         "return ''.join(w[0].upper() + '.' for w in s.split())", lambda s: "".join(f"{w[0].upper()}." for w in s.split())),
        ("word_lengths", "the lengths of the words of s (split on whitespace) joined by '-'",
         "return '-'.join(str(len(w)) for w in s.split())", lambda s: "-".join(map(str, map(len, s.split())))),
    ]  # fmt: skip
    name, say, body, solve = modes[i % len(modes)]
    if "snake_to" in name:
        public, hidden = (
            ["make_it_work", "x"],
            ["", "a_b", "read_file_2", "already", "http_get_url", "one_two_three_four"],
        )
    elif "camel_to" in name:
        public, hidden = (
            ["makeItWork", "x"],
            ["", "aB", "readFile2", "already", "httpGetUrl", "oneTwoThreeFour"],
        )
    else:
        public, hidden = (
            ["portable network graphics", "hello   World"],
            ["", "a", "  lead and trail  ", phrase, "MiXeD cAsE wOrDs", "x yy zzz yy"],
        )
    return fn(
        name, "s: str", "str", f"Return {say}.", body, solve, public=public, hidden=hidden,
        difficulty="easy", tags=("strings", "words"),
    )  # fmt: skip
