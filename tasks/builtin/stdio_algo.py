"""Training families of medium and hard stdio tasks: prefix sums, hashing, sorting, LIS, BFS."""

from __future__ import annotations

import random
from typing import Final

from tasks.builtin.spec import ARRAY_FORMAT, StdioSpec, array_input, family, stdio

TRAIN: Final = "train"


@family("range-queries", kind="stdio", split=TRAIN, count=4)
def range_queries(rng: random.Random, i: int) -> StdioSpec:
    even = i % 4 >= 2
    what = "how many of a_l .. a_r are even" if even else "the sum a_l + ... + a_r"
    py_val = "int(x % 2 == 0)" if even else "x"
    cpp_val = "(a % 2 == 0)" if even else "a"

    def case(n: int, q: int) -> str:
        arr = " ".join(str(rng.randint(-(10**9), 10**9)) for _ in range(n))
        qs = []
        for _ in range(q):
            lo = rng.randint(1, n)
            qs.append(f"{lo} {rng.randint(lo, n)}")
        return f"{n} {q}\n{arr}\n" + "\n".join(qs) + "\n"

    return stdio(
        "Range " + ("evens" if even else "sums"),
        f"You are given n integers a_1 .. a_n and q queries (l, r). For each query print {what}.",
        "The first line holds n and q (1 <= n, q <= 200000). The second line holds a_1 .. a_n "
        "(|a_i| <= 10^9). Each of the next q lines holds l and r (1 <= l <= r <= n).",
        "q lines, one answer per query.", i=i,
        py=f"""
            data = sys.stdin.buffer.read().split()
            n, q = int(data[0]), int(data[1])
            prefix = [0]
            for x in map(int, data[2:2 + n]):
                prefix.append(prefix[-1] + {py_val})
            out = []
            for j in range(q):
                lo, hi = int(data[2 + n + 2 * j]), int(data[3 + n + 2 * j])
                out.append(prefix[hi] - prefix[lo - 1])
            print("\\n".join(map(str, out)))
        """,
        cpp=f"""
            int main() {{
                ios::sync_with_stdio(false);
                cin.tie(nullptr);
                int n, q;
                cin >> n >> q;
                vector<long long> prefix(n + 1, 0);
                for (int j = 1; j <= n; j++) {{
                    long long a;
                    cin >> a;
                    prefix[j] = prefix[j - 1] + {cpp_val};
                }}
                while (q--) {{
                    int l, r;
                    cin >> l >> r;
                    cout << prefix[r] - prefix[l - 1] << "\\n";
                }}
            }}
        """,
        public=["5 3\n1 2 3 4 5\n1 5\n2 3\n4 4\n", "1 1\n-7\n1 1\n"],
        hidden=["1 2\n0\n1 1\n1 1\n", "3 3\n1000000000 1000000000 1000000000\n1 3\n2 3\n1 1\n", case(10, 10),
                case(100, 50), case(500, 500), case(2000, 2000)],
        difficulty="medium", tags=("prefix-sums", "queries"),
    )  # fmt: skip


@family("sort-words", kind="stdio", split=TRAIN, count=4)
def sort_words(rng: random.Random, i: int) -> StdioSpec:
    modes = [
        ("Sort by length", "sorted by length, and words of equal length in dictionary order",
         "key=lambda w: (len(w), w)", "[](const string& x, const string& y) { return make_pair(x.size(), x) < make_pair(y.size(), y); }"),
        ("Sort by last letter", "sorted by their last letter, and words with the same last letter in dictionary order",
         "key=lambda w: (w[-1], w)", "[](const string& x, const string& y) { return make_pair(x.back(), x) < make_pair(y.back(), y); }"),
    ]  # fmt: skip
    title, say, py_key, cpp_cmp = modes[(i // 2) % 2]

    def words(n: int) -> str:
        return (
            f"{n}\n"
            + " ".join(
                "".join(rng.choice("abcdez") for _ in range(rng.randint(1, 6))) for _ in range(n)
            )
            + "\n"
        )

    return stdio(
        title, f"You are given n lower-case words. Print them {say}, one per line.",
        "The first line holds n (1 <= n <= 100000). The second line holds n words of 1 to 20 "
        "lower-case letters, separated by spaces.", "n lines.", i=i,
        py=f"""
            data = sys.stdin.read().split()
            n = int(data[0])
            print("\\n".join(sorted(data[1:n + 1], {py_key})))
        """,
        cpp=f"""
            int main() {{
                int n;
                cin >> n;
                vector<string> w(n);
                for (auto& s : w) cin >> s;
                sort(w.begin(), w.end(), {cpp_cmp});
                for (auto& s : w) cout << s << "\\n";
            }}
        """,
        public=["4\npear fig apple kiwi\n", "1\nz\n"],
        hidden=["2\nb a\n", "3\nsame same same\n", words(10), words(100), words(1500), "5\nab ba abc cba a\n"],
        difficulty="medium", tags=("sorting", "strings"),
    )  # fmt: skip


@family("pair-count", kind="stdio", split=TRAIN, count=4)
def pair_count(rng: random.Random, i: int) -> StdioSpec:
    k = rng.randint(2, 10)
    target = rng.randint(-5, 20)
    by_sum = i % 2 == 0
    say = f"whose sum equals {target}" if by_sum else f"whose sum is divisible by {k}"
    py = (
        f"""
        from collections import Counter
        data = sys.stdin.read().split()
        n = int(data[0])
        seen, pairs = Counter(), 0
        for x in map(int, data[1:n + 1]):
            pairs += seen[{target} - x]
            seen[x] += 1
        print(pairs)
        """ if by_sum else f"""
        data = sys.stdin.read().split()
        n = int(data[0])
        seen, pairs = [0] * {k}, 0
        for x in map(int, data[1:n + 1]):
            pairs += seen[(-x) % {k}]
            seen[x % {k}] += 1
        print(pairs)
        """
    )  # fmt: skip
    cpp = (
        f"""
        int main() {{
            int n;
            cin >> n;
            map<long long, long long> seen;
            long long pairs = 0;
            for (int j = 0; j < n; j++) {{
                long long x;
                cin >> x;
                pairs += seen[{target} - x];
                seen[x]++;
            }}
            cout << pairs << "\\n";
        }}
        """ if by_sum else f"""
        int main() {{
            int n;
            cin >> n;
            vector<long long> seen({k}, 0);
            long long pairs = 0;
            for (int j = 0; j < n; j++) {{
                long long x;
                cin >> x;
                long long r = ((x % {k}) + {k}) % {k};
                pairs += seen[({k} - r) % {k}];
                seen[r]++;
            }}
            cout << pairs << "\\n";
        }}
        """
    )  # fmt: skip
    return stdio(
        "Pairs " + ("with a given sum" if by_sum else f"divisible by {k}"),
        f"You are given n integers a_1 .. a_n. Count the pairs of positions i < j {say}.",
        ARRAY_FORMAT, "One integer.", i=i, py=py, cpp=cpp,
        public=[f"4\n1 {target - 1} {k} {target - k}\n", "1\n5\n"],
        hidden=["2\n0 0\n", f"3\n{target} 0 {target}\n", array_input(rng, 20, -10, 20), array_input(rng, 300, -5, 25),
                array_input(rng, 2500, -10**9, 10**9), array_input(rng, 2500, 0, 30)],
        difficulty="medium", tags=("hashing", "counting"),
    )  # fmt: skip


@family("increasing-subsequence", kind="stdio", split=TRAIN, count=2)
def increasing_subsequence(rng: random.Random, i: int) -> StdioSpec:
    strict = i == 0
    word = "strictly increasing" if strict else "non-decreasing"
    return stdio(
        "Longest " + word + " subsequence",
        f"You are given n integers. Print the length of the longest {word} subsequence (elements "
        "in their original order, not necessarily adjacent).",
        ARRAY_FORMAT, "One integer.", i=i,
        py=f"""
            import bisect
            data = sys.stdin.read().split()
            n = int(data[0])
            tails = []
            for x in map(int, data[1:n + 1]):
                j = bisect.{"bisect_left" if strict else "bisect_right"}(tails, x)
                if j == len(tails):
                    tails.append(x)
                else:
                    tails[j] = x
            print(len(tails))
        """,
        cpp=f"""
            int main() {{
                int n;
                cin >> n;
                vector<long long> tails;
                for (int j = 0; j < n; j++) {{
                    long long x;
                    cin >> x;
                    auto it = {"lower_bound" if strict else "upper_bound"}(tails.begin(), tails.end(), x);
                    if (it == tails.end()) tails.push_back(x); else *it = x;
                }}
                cout << tails.size() << "\\n";
            }}
        """,
        public=["8\n10 9 2 5 3 7 101 18\n", "3\n4 4 4\n"],
        hidden=["1\n5\n", "5\n5 4 3 2 1\n", "6\n1 2 2 3 3 3\n", array_input(rng, 30, 0, 10),
                array_input(rng, 2000, -100, 100), array_input(rng, 2500, -10**9, 10**9)],
        difficulty="hard", tags=("dynamic-programming", "binary-search"),
    )  # fmt: skip


@family("grid-path", kind="stdio", split=TRAIN, count=3)
def grid_path(rng: random.Random, i: int) -> StdioSpec:
    def maze(h: int, w: int, p: float) -> str:
        cells = [["#" if rng.random() < p else "." for _ in range(w)] for _ in range(h)]
        cells[0][0], cells[h - 1][w - 1] = "S", "E"
        return f"{h} {w}\n" + "".join("".join(r) + "\n" for r in cells)

    king = i == 2
    steps = (
        "(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)"
        if king
        else "(1, 0), (-1, 0), (0, 1), (0, -1)"
    )
    cpp_steps = steps.replace("(", "{").replace(")", "}")
    moves = (
        "goes to one of the 8 surrounding free cells (diagonals too)"
        if king
        else "goes to a side-adjacent free cell"
    )
    return stdio(
        "King's path in a maze" if king else "Shortest path in a maze",
        "A maze is a grid of '.' (free), '#' (wall), one 'S' (start) and one 'E' (exit). Each "
        f"move {moves}. Print the fewest moves from S to E, or -1 if E cannot be reached.",
        "The first line holds h and w (1 <= h, w <= 1000). Each of the next h lines holds w "
        "characters from '.#SE'.", "One integer.", i=i,
        py=f"""
            from collections import deque
            data = sys.stdin.read().split()
            h, w = int(data[0]), int(data[1])
            g = data[2:2 + h]
            start = next((r, c) for r in range(h) for c in range(w) if g[r][c] == "S")
            dist = {{start: 0}}
            queue = deque([start])
            answer = -1
            while queue:
                r, c = queue.popleft()
                if g[r][c] == "E":
                    answer = dist[(r, c)]
                    break
                for dy, dx in ({steps}):
                    y, x = r + dy, c + dx
                    if 0 <= y < h and 0 <= x < w and g[y][x] != "#" and (y, x) not in dist:
                        dist[(y, x)] = dist[(r, c)] + 1
                        queue.append((y, x))
            print(answer)
        """,
        cpp=f"""
            int main() {{
                int h, w;
                cin >> h >> w;
                vector<string> g(h);
                for (auto& row : g) cin >> row;
                vector<vector<int>> dist(h, vector<int>(w, -1));
                queue<pair<int, int>> q;
                for (int r = 0; r < h; r++)
                    for (int c = 0; c < w; c++)
                        if (g[r][c] == 'S') {{ dist[r][c] = 0; q.push({{r, c}}); }}
                vector<pair<int, int>> steps = {{{cpp_steps}}};
                while (!q.empty()) {{
                    auto [r, c] = q.front();
                    q.pop();
                    if (g[r][c] == 'E') {{ cout << dist[r][c] << "\\n"; return 0; }}
                    for (auto [dy, dx] : steps) {{
                        int y = r + dy, x = c + dx;
                        if (y >= 0 && y < h && x >= 0 && x < w && g[y][x] != '#' && dist[y][x] < 0) {{
                            dist[y][x] = dist[r][c] + 1;
                            q.push({{y, x}});
                        }}
                    }}
                }}
                cout << -1 << "\\n";
            }}
        """,
        public=["3 4\nS..#\n.#..\n...E\n", "2 2\nS#\n#E\n"],
        hidden=["1 2\nSE\n", "1 3\nS#E\n", "3 3\nE..\n.#.\n..S\n", maze(8, 8, 0.25), maze(30, 50, 0.3),
                maze(100, 100, 0.2)],
        difficulty="hard", tags=("graphs", "bfs", "grid"),
    )  # fmt: skip
