"""Validation families of stdio tasks: unseen tasks of the training families (the ``val`` split).

As in `tasks.builtin.fn_val`, each family names the training family whose skill it tests and
asks for what that family never asks for, with other examples; the build refuses a prompt that
is a near-duplicate of a training prompt (`tasks.leakage`). Python and C++ alternate as in the
training families.
"""

from __future__ import annotations

import random
from typing import Final

from tasks.builtin.spec import ARRAY_FORMAT, StdioSpec, array_input, family, stdio

VAL: Final = "val"


@family("sum-filter-val", kind="stdio", split=VAL, count=6, of="sum-filter")
def sum_filter_val(rng: random.Random, i: int) -> StdioSpec:
    k = rng.randint(2, 6)
    modes = [
        ("Alternating sum", "Print a_1 - a_2 + a_3 - a_4 + ..., the numbers added and subtracted in turn.",
         "sum(x if j % 2 == 0 else -x for j, x in enumerate(a))", "(i % 2 == 0 ? x : -x)"),
        ("Total distance from zero", "Print the sum of the absolute values of the numbers.",
         "sum(abs(x) for x in a)", "(x < 0 ? -x : x)"),
        (f"Every {k}-th number", f"Print the sum of a_{k}, a_{2 * k}, a_{3 * k}, ... (every {k}-th "
         "number, counting from 1).", f"sum(a[{k} - 1::{k}])", f"((i + 1) % {k} == 0 ? x : 0)"),
    ]  # fmt: skip
    title, say, py_expr, cpp_term = modes[i % 3]
    return stdio(
        title, f"A list of n integers is given. {say}", ARRAY_FORMAT, "A single integer.", i=i,
        py=f"""
            data = sys.stdin.read().split()
            n = int(data[0])
            a = list(map(int, data[1:n + 1]))
            print({py_expr})
        """,
        cpp=f"""
            int main() {{
                int n;
                cin >> n;
                long long total = 0;
                for (int i = 0; i < n; i++) {{
                    long long x;
                    cin >> x;
                    total += {cpp_term};
                }}
                cout << total << "\\n";
            }}
        """,
        public=["4\n10 -3 4 8\n", "2\n-6 -6\n"],
        hidden=["1\n5\n", "1\n-1000000000\n", array_input(rng, 9, -40, 40),
                array_input(rng, 700, -10**9, 10**9), "6\n1 2 3 4 5 6\n", array_input(rng, 3000, -10**9, 10**9)],
        difficulty="easy", tags=("arrays", "loops"),
    )  # fmt: skip


@family("min-max-val", kind="stdio", split=VAL, count=4, of="min-max")
def min_max_val(rng: random.Random, i: int) -> StdioSpec:
    modes = [
        ("Where is the peak", "Print the position (1-based) of the first occurrence of the largest "
         "number.", "print(a.index(max(a)) + 1)",
         'cout << (max_element(a.begin(), a.end()) - a.begin()) + 1 << "\\n";'),
        ("Closest to zero", "Print the smallest absolute value among the numbers.",
         "print(min(abs(x) for x in a))",
         'long long best = LLONG_MAX;\n                for (auto x : a) best = min(best, x < 0 ? -x : x);\n                cout << best << "\\n";'),
    ]  # fmt: skip
    title, say, py_out, cpp_out = modes[(i // 2) % 2]  # each mode in both languages
    return stdio(
        title, f"Read n integers. {say}", ARRAY_FORMAT, "One integer.", i=i,
        py=f"""
            data = sys.stdin.read().split()
            n = int(data[0])
            a = list(map(int, data[1:n + 1]))
            {py_out}
        """,
        cpp=f"""
            int main() {{
                int n;
                cin >> n;
                vector<long long> a(n);
                for (auto& x : a) cin >> x;
                {cpp_out}
            }}
        """,
        public=["6\n-4 8 1 8 -9 2\n", "1\n-3\n"],
        hidden=["1\n1000000000\n", "3\n-5 -5 -7\n", "2\n-1000000000 1000000000\n", array_input(rng, 60, -20, 20),
                array_input(rng, 1200, -10**9, 10**9), "4\n0 3 0 3\n"],
        difficulty="easy", tags=("arrays",),
    )  # fmt: skip


@family("line-transform-val", kind="stdio", split=VAL, count=6, of="line-transform")
def line_transform_val(rng: random.Random, i: int) -> StdioSpec:
    modes = [
        ("Line lengths", "Print the number of characters of each line.",
         "len(line)", "s = to_string(s.size());"),
        ("Drop the vowels", "Print each line with every vowel (aeiouAEIOU) removed.",
         "''.join(c for c in line if c not in 'aeiouAEIOU')",
         "{ string out; for (char c : s) if (string(\"aeiouAEIOU\").find(c) == string::npos) out += c; s = out; }"),
        ("First words", "Print the first word of each line (words are separated by spaces).",
         "line.split()[0]", "s = s.substr(0, s.find(' '));"),
    ]  # fmt: skip
    title, say, py_expr, cpp_stmt = modes[i % 3]
    return stdio(
        title, f"The input holds t lines of text. {say}",
        "The first line holds t (1 <= t <= 100). Then come t lines, each with 1 to 200 printable "
        "ASCII characters and no leading or trailing spaces.",
        "t lines: the answer for each input line, in order.", i=i,
        py=f"""
            lines = sys.stdin.read().split("\\n")
            t = int(lines[0])
            for line in lines[1:t + 1]:
                print({py_expr})
        """,
        cpp=f"""
            int main() {{
                string s;
                getline(cin, s);
                int t = stoi(s);
                while (t--) {{
                    getline(cin, s);
                    {cpp_stmt}
                    cout << s << "\\n";
                }}
            }}
        """,
        public=["2\nsunny day outside\nQ\n", "1\nRead the manual!\n"],
        hidden=["1\nb\n", "3\nAEIOU xyz\nrhythm\nCode in C++ 17\n", "2\nsingle\ntwo  gaps\n",
                "1\nPack my box with five dozen liquor jugs.\n", "2\n007\n#!\n", "1\nUu Ee\n"],
        difficulty="easy", tags=("strings",),
    )  # fmt: skip


@family("fizzbuzz-val", kind="stdio", split=VAL, count=4, of="fizzbuzz")
def fizzbuzz_val(rng: random.Random, i: int) -> StdioSpec:
    a, b = rng.sample([2, 3, 5, 7, 11], 2)
    return stdio(
        f"Multiples of {a} or {b}",
        f"Count the whole numbers k with 1 <= k <= n that are divisible by {a}, by {b}, or by both, "
        "and print that count.",
        "A single line with n (1 <= n <= 10^9).", "One integer: the count.", i=i,
        py=f"""
            n = int(sys.stdin.read())
            print(n // {a} + n // {b} - n // {a * b})
        """,
        cpp=f"""
            int main() {{
                long long n;
                cin >> n;
                cout << n / {a} + n / {b} - n / {a * b} << "\\n";
            }}
        """,
        public=["10\n", "1\n"],
        hidden=[f"{a}\n", f"{b}\n", f"{a * b}\n", "1000\n", "999999937\n", "1000000000\n"],
        difficulty="easy", tags=("math", "loops"),
    )  # fmt: skip
