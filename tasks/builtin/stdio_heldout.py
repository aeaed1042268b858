"""Held-out stdio families: they appear only in the test split (see `fn_heldout` for why)."""

from __future__ import annotations

import random
from typing import Final

from tasks.builtin.spec import StdioSpec, family, stdio

TEST: Final = "test"


@family("knapsack", kind="stdio", split=TEST, count=3)
def knapsack(rng: random.Random, i: int) -> StdioSpec:
    def case(n: int, cap: int) -> str:
        items = "".join(
            f"{rng.randint(1, cap // 2 + 1)} {rng.randint(1, 1000)}\n" for _ in range(n)
        )
        return f"{n} {cap}\n{items}"

    unbounded = i == 2
    order = "range(w, cap + 1)" if unbounded else "range(cap, w - 1, -1)"
    loop = "int c = w; c <= cap; c++" if unbounded else "int c = cap; c >= w; c--"
    return stdio(
        "Unbounded knapsack" if unbounded else "Knapsack",
        "There are n items; item j weighs w_j and is worth v_j. Choose items with total weight at "
        "most W so that their total worth is as large as possible, "
        + ("using each item as many times as you like. " if unbounded else "each item at most once. ")
        + "Print that largest total worth.",
        "The first line holds n and W (1 <= n <= 100, 1 <= W <= 10000). Each of the next n lines "
        "holds w_j and v_j (1 <= w_j <= 10000, 1 <= v_j <= 10^6).", "One integer.", i=i,
        py=f"""
            data = list(map(int, sys.stdin.read().split()))
            n, cap = data[0], data[1]
            best = [0] * (cap + 1)
            for j in range(n):
                w, v = data[2 + 2 * j], data[3 + 2 * j]
                for c in {order}:
                    best[c] = max(best[c], best[c - w] + v)
            print(best[cap])
        """,
        cpp=f"""
            int main() {{
                int n, cap;
                cin >> n >> cap;
                vector<long long> best(cap + 1, 0);
                for (int j = 0; j < n; j++) {{
                    int w;
                    long long v;
                    cin >> w >> v;
                    for ({loop}) best[c] = max(best[c], best[c - w] + v);
                }}
                cout << best[cap] << "\\n";
            }}
        """,
        public=["3 5\n2 3\n3 4\n4 5\n", "1 1\n2 10\n"],
        hidden=["1 5\n5 7\n", "2 10\n5 5\n5 6\n", "3 4\n1 1\n1 1\n1 1\n", case(10, 50), case(40, 500), case(100, 3000)],
        difficulty="hard", tags=("dynamic-programming",),
    )  # fmt: skip


@family("bracket-lines", kind="stdio", split=TEST, count=4)
def bracket_lines(rng: random.Random, i: int) -> StdioSpec:
    depth = i >= 2
    say = (
        "print the deepest nesting level of its brackets, or -1 if the line is not balanced"
        if depth
        else "print YES if its brackets are balanced and properly nested, else NO"
    )
    py_tail = (
        "print(best if ok and not stack else -1)"
        if depth
        else 'print("YES" if ok and not stack else "NO")'
    )
    cpp_tail = (
        'cout << (ok && st.empty() ? best : -1) << "\\n";'
        if depth
        else 'cout << (ok && st.empty() ? "YES" : "NO") << "\\n";'
    )

    def line() -> str:
        return "".join(rng.choice("()[]{}") for _ in range(rng.randint(1, 12)))

    deep = "".join(rng.choice("([{") for _ in range(30))
    closed = deep + deep[::-1].translate(str.maketrans("([{", ")]}"))
    return stdio(
        "Bracket " + ("depth" if depth else "check"),
        f"Each line is a string of the brackets ()[]{{}}. For every line, {say}.",
        "The first line holds t (1 <= t <= 1000). Each of the next t lines holds a non-empty "
        "string of at most 10000 characters from ()[]{}.", "t lines.", i=i,
        py=f"""
            data = sys.stdin.read().split()
            pairs = {{")": "(", "]": "[", "}}": "{{"}}
            for s in data[1:int(data[0]) + 1]:
                stack, ok, best = [], True, 0
                for c in s:
                    if c in pairs:
                        if not stack or stack.pop() != pairs[c]:
                            ok = False
                            break
                    else:
                        stack.append(c)
                        best = max(best, len(stack))
                {py_tail}
        """,
        cpp=f"""
            int main() {{
                int t;
                cin >> t;
                while (t--) {{
                    string s;
                    cin >> s;
                    string st;
                    bool ok = true;
                    int best = 0;
                    for (char c : s) {{
                        if (c == '(' || c == '[' || c == '{{') {{
                            st.push_back(c);
                            best = max(best, (int)st.size());
                        }} else {{
                            char want = c == ')' ? '(' : c == ']' ? '[' : '{{';
                            if (st.empty() || st.back() != want) {{ ok = false; break; }}
                            st.pop_back();
                        }}
                    }}
                    {cpp_tail}
                }}
            }}
        """,
        public=["3\n([]{})\n(]\n((\n", "1\n{[()]}\n"],
        hidden=["1\n)\n", "2\n()()()\n([)]\n", f"1\n{closed}\n", "4\n" + "\n".join(line() for _ in range(4)) + "\n",
                "50\n" + "\n".join(line() for _ in range(50)) + "\n", "3\n]]\n{{}}\n[(((())))]\n"],
        difficulty="medium", tags=("stack", "strings"),
    )  # fmt: skip


@family("primes-in-range", kind="stdio", split=TEST, count=4)
def primes_in_range(rng: random.Random, i: int) -> StdioSpec:
    want_sum = i >= 2
    what = "the sum of the primes" if want_sum else "how many primes there are"

    def case(q: int, hi: int) -> str:
        lines = []
        for _ in range(q):
            lo = rng.randint(1, hi)
            lines.append(f"{lo} {rng.randint(lo, hi)}")
        return f"{q}\n" + "\n".join(lines) + "\n"

    return stdio(
        "Primes in a range",
        f"For each query (l, r), print {what} p with l <= p <= r.",
        "The first line holds q (1 <= q <= 100000). Each of the next q lines holds l and r "
        "(1 <= l <= r <= 1000000).", "q lines, one answer per query.", i=i,
        py=f"""
            data = list(map(int, sys.stdin.buffer.read().split()))
            limit = max(data[1:]) + 1
            sieve = bytearray([1]) * (limit + 1)
            sieve[0] = sieve[1] = 0
            for p in range(2, int(limit ** 0.5) + 1):
                if sieve[p]:
                    sieve[p * p::p] = bytearray(len(range(p * p, limit + 1, p)))
            prefix = [0] * (limit + 1)
            acc = 0
            for k in range(limit + 1):
                acc += {"k" if want_sum else "1"} if sieve[k] else 0
                prefix[k] = acc
            out = []
            for j in range(data[0]):
                lo, hi = data[1 + 2 * j], data[2 + 2 * j]
                out.append(prefix[hi] - prefix[lo - 1])
            print("\\n".join(map(str, out)))
        """,
        cpp=f"""
            int main() {{
                ios::sync_with_stdio(false);
                cin.tie(nullptr);
                const int N = 1000000;
                vector<bool> composite(N + 1, false);
                composite[0] = composite[1] = true;
                for (long long p = 2; p * p <= N; p++)
                    if (!composite[p])
                        for (long long m = p * p; m <= N; m += p) composite[m] = true;
                vector<long long> prefix(N + 1, 0);
                for (int k = 1; k <= N; k++) prefix[k] = prefix[k - 1] + (composite[k] ? 0 : {"k" if want_sum else "1"});
                int q;
                cin >> q;
                while (q--) {{
                    int l, r;
                    cin >> l >> r;
                    cout << prefix[r] - prefix[l - 1] << "\\n";
                }}
            }}
        """,
        public=["2\n1 10\n10 20\n", "1\n2 2\n"],
        hidden=["1\n1 1\n", "2\n4 4\n1 2\n", "1\n1 1000000\n", "3\n999983 999983\n14 16\n90 100\n", case(20, 1000),
                case(500, 1000000)],
        difficulty="medium", tags=("math", "primes", "sieve"),
    )  # fmt: skip


@family("geometry", kind="stdio", split=TEST, count=4)
def geometry(rng: random.Random, i: int) -> StdioSpec:
    perimeter = i >= 2
    say = (
        "the perimeter of the closed polygon that visits the points in the given order"
        if perimeter
        else "the largest distance between any two of the points"
    )
    py_body = (
        'print(f"{sum(math.dist(pts[j], pts[(j + 1) % n]) for j in range(n)) if n > 1 else 0.0:.6f}")'
        if perimeter
        else 'print(f"{max((math.dist(p, q) for p in pts for q in pts), default=0.0):.6f}")'
    )
    cpp_body = (
        "double ans = 0;\n                if (n > 1) for (int j = 0; j < n; j++) ans += hypot(x[j] - x[(j + 1) % n], y[j] - y[(j + 1) % n]);"
        if perimeter
        else "double ans = 0;\n                for (int a = 0; a < n; a++) for (int b = 0; b < n; b++) ans = max(ans, hypot(x[a] - x[b], y[a] - y[b]));"
    )

    def points(n: int, r: int) -> str:
        return f"{n}\n" + "".join(f"{rng.randint(-r, r)} {rng.randint(-r, r)}\n" for _ in range(n))

    return stdio(
        "Polygon perimeter" if perimeter else "Farthest pair",
        f"You are given n points with integer coordinates. Print {say}, with 6 digits after the "
        "decimal point (0.000000 for a single point).",
        "The first line holds n (1 <= n <= 1000). Each of the next n lines holds x and y "
        "(|x|, |y| <= 10000).", "One number; answers within 1e-6 (absolute or relative) are accepted.", i=i,
        py=f"""
            import math
            data = list(map(int, sys.stdin.read().split()))
            n = data[0]
            pts = [(data[1 + 2 * j], data[2 + 2 * j]) for j in range(n)]
            {py_body}
        """,
        cpp=f"""
            int main() {{
                int n;
                cin >> n;
                vector<double> x(n), y(n);
                for (int j = 0; j < n; j++) cin >> x[j] >> y[j];
                {cpp_body}
                printf("%.6f\\n", ans);
            }}
        """,
        public=["4\n0 0\n3 0\n3 4\n0 4\n", "2\n1 1\n4 5\n"],
        hidden=["1\n7 -3\n", "2\n0 0\n0 0\n", "3\n-10000 -10000\n10000 10000\n0 1\n", points(10, 50), points(300, 10000),
                points(1000, 100)],
        difficulty="medium", tags=("geometry", "floats"), float_tol=1e-6,
    )  # fmt: skip


@family("char-stats", kind="stdio", split=TEST, count=5)
def char_stats(rng: random.Random, i: int) -> StdioSpec:
    modes = [
        ("Letter histogram", "for every lower-case letter that occurs in s, in alphabetical order, print the letter and how many times it occurs, separated by a space, one letter per line",
         "for c in sorted(set(s)):\n                print(c, s.count(c))",
         "int cnt[26] = {0};\n                for (char c : s) cnt[c - 'a']++;\n                for (int c = 0; c < 26; c++) if (cnt[c]) cout << char('a' + c) << \" \" << cnt[c] << \"\\n\";"),
        ("Most frequent letter", "print the letter that occurs most often in s (the alphabetically first one on a tie) and its count, separated by a space",
         "best = min(set(s), key=lambda c: (-s.count(c), c))\n            print(best, s.count(best))",
         "int cnt[26] = {0};\n                for (char c : s) cnt[c - 'a']++;\n                int b = max_element(cnt, cnt + 26) - cnt;\n                cout << char('a' + b) << \" \" << cnt[b] << \"\\n\";"),
        ("First unique letter", "print the 1-based position of the first letter of s that occurs exactly once in s, or -1 if there is none",
         "counts = {c: s.count(c) for c in set(s)}\n            print(next((j + 1 for j, c in enumerate(s) if counts[c] == 1), -1))",
         "int cnt[26] = {0};\n                for (char c : s) cnt[c - 'a']++;\n                int ans = -1;\n                for (size_t j = 0; j < s.size(); j++) if (cnt[s[j] - 'a'] == 1) { ans = j + 1; break; }\n                cout << ans << \"\\n\";"),
    ]  # fmt: skip
    title, say, py_body, cpp_body = modes[i % 3]

    def word(n: int, abc: str = "abcdefghij") -> str:
        return "".join(rng.choice(abc) for _ in range(n)) + "\n"

    return stdio(
        title, f"You are given a string s of lower-case letters; {say}.",
        "One line with s (1 <= |s| <= 100000, letters a-z only).", "As described above.", i=i,
        py=f"""
            s = sys.stdin.read().strip()
            {py_body}
        """,
        cpp=f"""
            int main() {{
                string s;
                cin >> s;
                {cpp_body}
            }}
        """,
        public=["banana\n", "z\n"],
        hidden=["aabb\n", "abcabc\n", word(30, "xyz"), word(500), word(5000, "abcdefghijklmnopqrstuvwxyz"), "zzzzzy\n"],
        difficulty="easy" if i % 3 == 0 else "medium", tags=("strings", "counting"),
    )  # fmt: skip
