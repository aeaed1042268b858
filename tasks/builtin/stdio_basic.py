"""Training families of easy stdio tasks: one loop over the input, Python and C++17 references.

Each family carries a reference in both languages and `spec.stdio` picks one per variant, so the
Python and C++ tasks of a family also differ in their constants.
"""

from __future__ import annotations

import random
import textwrap
from typing import Final

from tasks.builtin.spec import ARRAY_FORMAT, StdioSpec, array_input, family, stdio

TRAIN: Final = "train"


@family("sum-filter", kind="stdio", split=TRAIN, count=6)
def sum_filter(rng: random.Random, i: int) -> StdioSpec:
    k = rng.randint(2, 9)
    modes = [
        (f"Sum of multiples of {k}", f"Print the sum of the numbers that are divisible by {k}.",
         f"x % {k} == 0", "x"),
        (f"Sum above {k}", f"Print the sum of the numbers that are greater than {k}.", f"x > {k}", "x"),
        (f"Count below {k}", f"Print how many of the numbers are less than {k}.", f"x < {k}", "1"),
    ]  # fmt: skip
    title, say, cond, term = modes[i % 3]
    return stdio(
        title, f"You are given n integers. {say}", ARRAY_FORMAT, "One integer.", i=i,
        py=f"""
            data = sys.stdin.read().split()
            n = int(data[0])
            print(sum({term} for x in map(int, data[1:n + 1]) if {cond}))
        """,
        cpp=f"""
            int main() {{
                int n;
                cin >> n;
                long long total = 0;
                for (int i = 0; i < n; i++) {{
                    long long x;
                    cin >> x;
                    if ({cond}) total += {term};
                }}
                cout << total << "\\n";
            }}
        """,
        public=[f"5\n1 {k} 3 {2 * k} 10\n", f"3\n-{k} 0 7\n"],
        hidden=[f"1\n{k}\n", "1\n-1\n", array_input(rng, 10, -50, 50), array_input(rng, 500, -10**9, 10**9),
                f"4\n{k + 1} {k - 1} {k} {3 * k}\n", array_input(rng, 2500, -10**9, 10**9)],
        difficulty="easy", tags=("arrays", "loops"),
    )  # fmt: skip


@family("min-max", kind="stdio", split=TRAIN, count=5)
def min_max(rng: random.Random, i: int) -> StdioSpec:
    modes = [
        ("Minimum and maximum", "Print the smallest and the largest number, separated by a space.",
         "print(min(a), max(a))", 'cout << *min_element(a.begin(), a.end()) << " " << *max_element(a.begin(), a.end()) << "\\n";'),
        ("Range", "Print the largest number minus the smallest number.",
         "print(max(a) - min(a))", 'cout << *max_element(a.begin(), a.end()) - *min_element(a.begin(), a.end()) << "\\n";'),
        ("How many maxima", "Print how many of the numbers are equal to the largest number.",
         "print(a.count(max(a)))", 'cout << count(a.begin(), a.end(), *max_element(a.begin(), a.end())) << "\\n";'),
    ]  # fmt: skip
    title, say, py_out, cpp_out = modes[i % 3]
    return stdio(
        title, f"You are given n integers. {say}", ARRAY_FORMAT, "As described above.", i=i,
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
        public=["5\n3 9 -2 9 4\n", "1\n7\n"],
        hidden=["1\n-1000000000\n", "3\n5 5 5\n", "2\n1000000000 -1000000000\n", array_input(rng, 50, -20, 20),
                array_input(rng, 1500, -10**9, 10**9), array_input(rng, 100, 0, 3)],
        difficulty="easy", tags=("arrays",),
    )  # fmt: skip


@family("line-transform", kind="stdio", split=TRAIN, count=5)
def line_transform(rng: random.Random, i: int) -> StdioSpec:
    modes = [
        ("Reverse each line", "For every line, print its characters in reverse order.",
         "line[::-1]", "reverse(s.begin(), s.end());"),
        ("Shout", "For every line, print it with all lower-case letters a-z turned upper case.",
         "line.upper()", "for (auto& c : s) c = toupper(c);"),
        ("Vowel count", "For every line, print how many of its characters are vowels (aeiouAEIOU).",
         "sum(c in 'aeiouAEIOU' for c in line)",
         "s = to_string(count_if(s.begin(), s.end(), [](char c) { return string(\"aeiouAEIOU\").find(c) != string::npos; }));"),
        ("Word count", "For every line, print how many words it has (words are separated by spaces).",
         "len(line.split())", "{ istringstream in(s); string w; int k = 0; while (in >> w) k++; s = to_string(k); }"),
        ("Squeeze spaces", "For every line, print its words separated by exactly one space.",
         "' '.join(line.split())",
         "{ istringstream in(s); string w, out; while (in >> w) out += (out.empty() ? \"\" : \" \") + w; s = out; }"),
    ]  # fmt: skip
    title, say, py_expr, cpp_stmt = modes[i % 5]
    return stdio(
        title, f"You are given t lines of text. {say}",
        "The first line holds t (1 <= t <= 100). Each of the next t lines holds up to 200 printable "
        "ASCII characters (letters, digits, spaces, punctuation), with no leading or trailing spaces.",
        "t lines, one answer per input line.", i=i,
        py=f"""
            lines = sys.stdin.read().split("\\n")
            t = int(lines[0])
            for line in lines[1:t + 1]:
                print({py_expr})
        """,
        cpp=f"""
            int main() {{
                int t;
                string s;
                getline(cin, s);
                t = stoi(s);
                while (t--) {{
                    getline(cin, s);
                    {cpp_stmt}
                    cout << s << "\\n";
                }}
            }}
        """,
        public=["2\nhello world\nabc\n", "1\nA man, a plan\n"],
        hidden=["1\nx\n", "3\naeiou\nxyz\nPython 3.11 rocks\n", "2\nmany    spaces  here\nZ\n",
                "1\nThe quick brown fox jumps over the lazy dog.\n", "2\n12345\n!?\n", "1\nOoOoO iI\n"],
        difficulty="easy", tags=("strings",),
    )  # fmt: skip


@family("pair-arith", kind="stdio", split=TRAIN, count=4)
def pair_arith(rng: random.Random, i: int) -> StdioSpec:
    m = rng.choice([7, 13, 97, 1000, 1000000007])
    modes = [
        ("GCD of pairs", "print the greatest common divisor of a and b", "math.gcd(a, b)", "__gcd(a, b)"),
        ("LCM of pairs", "print the least common multiple of a and b", "a * b // math.gcd(a, b)", "a / __gcd(a, b) * b"),
        ("Power modulo", f"print a to the power b, modulo {m}", f"pow(a, b, {m})", f"power(a, b, {m})"),
        ("Sum of squares", "print a * a + b * b", "a * a + b * b", "a * a + b * b"),
    ]  # fmt: skip
    title, say, py_expr, cpp_expr = modes[i % 4]
    power = (
        "long long power(long long a, long long b, long long m) {\n"
        "    long long r = 1 % m;\n    a %= m;\n    while (b > 0) {\n"
        "        if (b & 1) r = r * a % m;\n        a = a * a % m;\n        b >>= 1;\n    }\n    return r;\n}\n"
    )

    def case(t: int) -> str:
        return f"{t}\n" + "".join(
            f"{rng.randint(1, 10**6)} {rng.randint(1, 10**6)}\n" for _ in range(t)
        )

    return stdio(
        title, f"For each of t pairs of positive integers a and b, {say}.",
        "The first line holds t (1 <= t <= 10000). Each of the next t lines holds a and b "
        "(1 <= a, b <= 10^6).", "t lines, one answer per pair.", i=i,
        py=f"""
            import math
            data = list(map(int, sys.stdin.read().split()))
            for j in range(data[0]):
                a, b = data[1 + 2 * j], data[2 + 2 * j]
                print({py_expr})
        """,
        cpp=textwrap.dedent(power) + textwrap.dedent(f"""
            int main() {{
                int t;
                cin >> t;
                while (t--) {{
                    long long a, b;
                    cin >> a >> b;
                    cout << {cpp_expr} << "\\n";
                }}
            }}
        """),
        public=["2\n12 18\n7 5\n", "1\n1 1\n"],
        hidden=["1\n1000000 1000000\n", "3\n1 1000000\n999983 999979\n6 4\n", case(10), case(200), "2\n2 30\n3 3\n"],
        difficulty="easy" if i % 4 in (0, 3) else "medium", tags=("math",),
    )  # fmt: skip


@family("fizzbuzz", kind="stdio", split=TRAIN, count=4)
def fizzbuzz(rng: random.Random, i: int) -> StdioSpec:
    a, b = rng.sample([2, 3, 4, 5, 7], 2)
    w1, w2 = rng.sample(["Fizz", "Buzz", "Zap", "Pop", "Ding"], 2)
    return stdio(
        f"{w1}{w2}",
        f"Print the numbers from 1 to n, one per line, but print {w1} instead of numbers divisible "
        f"by {a}, {w2} instead of numbers divisible by {b}, and {w1}{w2} instead of numbers "
        "divisible by both.",
        "One line with n (1 <= n <= 10000).", "n lines.", i=i,
        py=f"""
            n = int(sys.stdin.read())
            for k in range(1, n + 1):
                word = ("{w1}" if k % {a} == 0 else "") + ("{w2}" if k % {b} == 0 else "")
                print(word or k)
        """,
        cpp=f"""
            int main() {{
                int n;
                cin >> n;
                for (int k = 1; k <= n; k++) {{
                    string w = string(k % {a} == 0 ? "{w1}" : "") + (k % {b} == 0 ? "{w2}" : "");
                    if (w.empty()) cout << k << "\\n"; else cout << w << "\\n";
                }}
            }}
        """,
        public=["7\n", "2\n"],
        hidden=["1\n", f"{a}\n", f"{b}\n", f"{a * b}\n", "31\n", "100\n", "2999\n"],
        difficulty="easy", tags=("loops",),
    )  # fmt: skip


@family("grid-count", kind="stdio", split=TRAIN, count=4)
def grid_count(rng: random.Random, i: int) -> StdioSpec:
    modes = [
        ("Count walls", "Print how many cells are '#'.", "sum(row.count('#') for row in g)",
         "for (auto& row : g) ans += count(row.begin(), row.end(), '#');"),
        ("Full rows", "Print how many rows consist only of '#'.", "sum(set(row) == {'#'} for row in g)",
         "for (auto& row : g) ans += count(row.begin(), row.end(), '#') == (int)row.size();"),
        ("Lonely walls", "Print how many '#' cells have no '#' among their 4 side neighbours.",
         "sum(g[r][c] == '#' and all(not (0 <= r + dr < h and 0 <= c + dc < w) or g[r + dr][c + dc] != '#' "
         "for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0))) for r in range(h) for c in range(w))",
         "int dr[] = {0, 1, 0, -1}, dc[] = {1, 0, -1, 0};\n"
         "                for (int r = 0; r < h; r++) for (int c = 0; c < w; c++) {\n"
         "                    if (g[r][c] != '#') continue;\n                    bool alone = true;\n"
         "                    for (int d = 0; d < 4; d++) { int y = r + dr[d], x = c + dc[d];\n"
         "                        if (y >= 0 && y < h && x >= 0 && x < w && g[y][x] == '#') alone = false; }\n"
         "                    ans += alone;\n                }"),
        ("Empty columns", "Print how many columns contain no '#'.",
         "sum(all(row[c] != '#' for row in g) for c in range(w))",
         "for (int c = 0; c < w; c++) { bool empty = true; for (auto& row : g) if (row[c] == '#') empty = false; ans += empty; }"),
    ]  # fmt: skip
    title, say, py_expr, cpp_stmt = modes[i % 4]

    def grid(h: int, w: int, p: str = "#..") -> str:
        return f"{h} {w}\n" + "".join(
            "".join(rng.choice(p) for _ in range(w)) + "\n" for _ in range(h)
        )

    return stdio(
        title, f"You are given a grid of h rows and w columns of '#' and '.' characters. {say}",
        "The first line holds h and w (1 <= h, w <= 500). Each of the next h lines holds w "
        "characters, each '#' or '.'.", "One integer.", i=i,
        py=f"""
            data = sys.stdin.read().split()
            h, w = int(data[0]), int(data[1])
            g = data[2:2 + h]
            print({py_expr})
        """,
        cpp=f"""
            int main() {{
                int h, w;
                cin >> h >> w;
                vector<string> g(h);
                for (auto& row : g) cin >> row;
                long long ans = 0;
                {cpp_stmt}
                cout << ans << "\\n";
            }}
        """,
        public=["3 4\n#..#\n####\n....\n", "1 1\n#\n"],
        hidden=["1 1\n.\n", "2 3\n###\n###\n", grid(4, 5), grid(10, 3, "##."), grid(30, 40), grid(100, 100, "#.")],
        difficulty="easy" if i % 4 < 2 else "medium", tags=("grid", "strings"),
    )  # fmt: skip


@family("averages", kind="stdio", split=TRAIN, count=3)
def averages(rng: random.Random, i: int) -> StdioSpec:
    modes = [
        ("Mean", "the mean of the numbers", "sum(a) / n", "accumulate(a.begin(), a.end(), 0.0) / n"),
        ("Mean of the extremes", "the mean of the smallest and the largest number", "(min(a) + max(a)) / 2",
         "(*min_element(a.begin(), a.end()) + *max_element(a.begin(), a.end())) / 2.0"),
        ("Root mean square", "the square root of the mean of the squares of the numbers",
         "(sum(x * x for x in a) / n) ** 0.5", "sqrt(accumulate(a.begin(), a.end(), 0.0, [](double s, double x) { return s + x * x; }) / n)"),
    ]  # fmt: skip
    title, say, py_expr, cpp_expr = modes[i % 3]
    return stdio(
        title, f"You are given n integers. Print {say}, with exactly 6 digits after the decimal point.",
        "The first line holds n (1 <= n <= 100000). The second line holds n integers with "
        "|a_i| <= 10^6.", "One number; answers within 1e-6 (absolute or relative) are accepted.", i=i,
        py=f"""
            data = sys.stdin.read().split()
            n = int(data[0])
            a = list(map(int, data[1:n + 1]))
            print(f"{{{py_expr}:.6f}}")
        """,
        cpp=f"""
            int main() {{
                int n;
                cin >> n;
                vector<double> a(n);
                for (auto& x : a) cin >> x;
                printf("%.6f\\n", {cpp_expr});
            }}
        """,
        public=["4\n1 2 3 4\n", "1\n-5\n"],
        hidden=["1\n0\n", "3\n1000000 1000000 -1000000\n", "2\n1 2\n", array_input(rng, 7, -9, 9),
                array_input(rng, 1000, -10**6, 10**6), array_input(rng, 2500, 0, 10**6)],
        difficulty="easy", tags=("math", "floats"), float_tol=1e-6,
    )  # fmt: skip
