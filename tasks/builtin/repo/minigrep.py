"""Feature: ``-n/--line-number`` and ``-c/--count`` options for a grep-like command."""

from tasks.builtin.repo._spec import RepoSpec

_START = r'''
"""minigrep: print the lines that match a regular expression.

`run` holds the whole command so that it can be tested without touching the file system; `main`
is the console entry point.
"""

from __future__ import annotations

import argparse
import re
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minigrep")
    parser.add_argument("pattern", help="regular expression (Python syntax)")
    parser.add_argument("files", nargs="+", help="files to search")
    parser.add_argument("-i", "--ignore-case", action="store_true")
    return parser


def run(argv: list[str], files: dict[str, str]) -> str:
    """The output of ``minigrep *argv`` over in-memory `files` (name -> text)."""
    args = build_parser().parse_args(argv)
    regex = re.compile(args.pattern, re.IGNORECASE if args.ignore_case else 0)
    prefix_names = len(args.files) > 1
    out = []
    for name in args.files:
        for line in files[name].splitlines():
            if regex.search(line):
                out.append(f"{name}:{line}" if prefix_names else line)
    return "\n".join(out)


def main() -> None:
    argv = sys.argv[1:]
    names = build_parser().parse_args(argv).files
    texts = {}
    for name in names:
        with open(name, encoding="utf-8") as f:
            texts[name] = f.read()
    print(run(argv, texts))
'''

_FIXED = r'''
"""minigrep: print the lines that match a regular expression.

`run` holds the whole command so that it can be tested without touching the file system; `main`
is the console entry point.
"""

from __future__ import annotations

import argparse
import re
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minigrep")
    parser.add_argument("pattern", help="regular expression (Python syntax)")
    parser.add_argument("files", nargs="+", help="files to search")
    parser.add_argument("-i", "--ignore-case", action="store_true")
    parser.add_argument(
        "-n", "--line-number", action="store_true", help="prefix lines with their 1-based number"
    )
    parser.add_argument(
        "-c", "--count", action="store_true", help="print the number of matching lines instead"
    )
    return parser


def run(argv: list[str], files: dict[str, str]) -> str:
    """The output of ``minigrep *argv`` over in-memory `files` (name -> text)."""
    args = build_parser().parse_args(argv)
    regex = re.compile(args.pattern, re.IGNORECASE if args.ignore_case else 0)
    prefix_names = len(args.files) > 1
    out = []
    for name in args.files:
        head = f"{name}:" if prefix_names else ""
        matches = [
            (number, line)
            for number, line in enumerate(files[name].splitlines(), start=1)
            if regex.search(line)
        ]
        if args.count:  # -c wins over -n, as in grep
            out.append(f"{head}{len(matches)}")
            continue
        for number, line in matches:
            out.append(f"{head}{number}:{line}" if args.line_number else f"{head}{line}")
    return "\n".join(out)


def main() -> None:
    argv = sys.argv[1:]
    names = build_parser().parse_args(argv).files
    texts = {}
    for name in names:
        with open(name, encoding="utf-8") as f:
            texts[name] = f.read()
    print(run(argv, texts))
'''

SPEC = RepoSpec(
    name="minigrep-count-and-line-numbers",
    split="train",
    difficulty="medium",
    change="feature",
    tags=("cli", "argparse", "regex"),
    entry_point="minigrep.cli:run",
    issue="""
minigrep: add `-n/--line-number` and `-c/--count`

Two grep options we miss in `minigrep`:

- `-n` / `--line-number`: prefix each matching line with its 1-based line number and a colon,
  after the file name when several files are searched: `notes.txt:3:some line`, or `3:some line`
  for a single file.
- `-c` / `--count`: instead of the lines, print the number of matching lines, one per file
  (`notes.txt:2`, or just `2` for a single file), including files with 0 matches. When both are
  given, `-c` wins.

Options can be combined with `-i` and with each other (`-in`). `run(argv, files)` is what the
tests call; `main` only reads the files from disk.
""",
    files={
        "README.md": r"""
# minigrep

`minigrep [-i] PATTERN FILE...` prints the lines of the files that match the regular expression,
each prefixed with `name:` when more than one file is searched.

`minigrep.cli.run(argv, files)` runs the command over in-memory files and returns the output
(lines joined with `\n`); `minigrep.cli.main()` is the console entry point.
""",
        "minigrep/__init__.py": "",
        "minigrep/cli.py": _START,
        "tests/test_cli.py": r"""
from minigrep.cli import run

FILES = {"a.txt": "alpha\nbeta\nAlphabet\n", "b.txt": "gamma\nalpha beta\n"}


def test_single_file():
    assert run(["alpha", "a.txt"], FILES) == "alpha"


def test_ignore_case_many_files():
    assert run(["-i", "alpha", "a.txt", "b.txt"], FILES) == "a.txt:alpha\na.txt:Alphabet\nb.txt:alpha beta"


def test_line_numbers():
    assert run(["-n", "beta", "a.txt"], FILES) == "2:beta"


def test_count():
    assert run(["--count", "alpha", "a.txt", "b.txt"], FILES) == "a.txt:1\nb.txt:1"
""",
    },
    reference_files={"minigrep/cli.py": _FIXED},
    test_script=r"""
FILES = {
    "log": "start\nerror: disk\nok\nERROR: net\nerror: cpu\n",
    "notes.md": "# Notes\nno errors today\n",
    "empty": "",
}


def check(candidate):
    assert candidate(["-n", "error", "log"], FILES) == "2:error: disk\n5:error: cpu"
    assert candidate(["--line-number", "-i", "error", "log", "notes.md"], FILES) == (
        "log:2:error: disk\nlog:4:ERROR: net\nlog:5:error: cpu\nnotes.md:2:no errors today"
    )
    assert candidate(["-in", "^error", "log"], FILES) == "2:error: disk\n4:ERROR: net\n5:error: cpu"
    assert candidate(["-c", "error", "log"], FILES) == "2"
    assert candidate(["-c", "-i", "error", "log", "notes.md", "empty"], FILES) == "log:3\nnotes.md:1\nempty:0"
    assert candidate(["-cn", "o", "notes.md"], FILES) == "2"
    assert candidate(["-c", "zzz", "log"], FILES) == "0"
    assert candidate(["error", "log"], FILES) == "error: disk\nerror: cpu"
""",
)
