"""Scripted episodes in the real (Docker) sandbox, with exact rewards and terminations.

Default reward weights: all_pass 0.6, hidden_fraction 0.3, compile 0.1, format_penalty 0.1, no
turn cost. A wrong program that compiles and passes k of n hidden tests earns
``0.1 + 0.3 * k / n``; the attacks below must earn exactly what an honest wrong answer earns.
"""

from __future__ import annotations

import dataclasses
import warnings

import pytest
from envkit import ADD, CALC, INCR, SAMPLE_TASKS, SUM_CPP, SUM_STDIO, env_class
from gymnasium.utils.env_checker import check_env

import envs
from envs import BatchedEnv
from envs.function_env import FunctionEnv
from envs.repo_env import RepoEnv
from envs.stdio_env import StdioEnv
from sandbox.base import Limits

pytestmark = pytest.mark.docker

COMPILED = 0.1  # an honest wrong answer that runs: compile bonus, no hidden test passed


def py(code: str) -> str:
    return f"Here is my answer.\n```python\n{code}```\n"


def function_env(sandbox: object, task: object = ADD, **kwargs: object) -> FunctionEnv:
    env = FunctionEnv([task], sandbox=sandbox, **kwargs)  # type: ignore[list-item, arg-type]
    env.reset(seed=0)
    return env


# -- Function-v0 ---------------------------------------------------------------------------------


def test_function_solved_first_turn(sandbox: object) -> None:
    env = function_env(sandbox)
    obs, reward, terminated, truncated, info = env.step(py("def add(a, b):\n    return a + b\n"))
    assert (reward, terminated, truncated) == (pytest.approx(1.0), True, False)
    assert (info["status"], info["tests_passed"], info["tests_total"]) == ("passed", 4, 4)


def test_function_wrong_then_fixed_from_feedback(sandbox: object) -> None:
    env = function_env(sandbox)
    obs, r1, terminated, _, info = env.step(py("def add(a, b):\n    return a - b\n"))
    assert r1 == pytest.approx(COMPILED) and not terminated
    assert "expected: 3" in obs and "got:      -1" in obs  # the failing public test, in full
    obs, r2, terminated, _, _ = env.step(py("def add(a, b):\n    return a + b if a != 5 else 0\n"))
    assert r2 == pytest.approx(0.3 * 3 / 4) and not terminated
    assert "All 2 public tests passed. The hidden tests do not pass yet" in obs
    _, r3, terminated, _, _ = env.step(py("def add(a, b):\n    return a + b\n"))
    assert terminated and r1 + r2 + r3 == pytest.approx(1.0)


def test_function_format_garbage_until_truncation(sandbox: object) -> None:
    env = function_env(sandbox, max_turns=2)
    _, r1, term1, trunc1, _ = env.step("I cannot help with that.")
    _, r2, term2, trunc2, info = env.step("<think>hmm, maybe ```python\ndef add(")
    assert (r1, r2) == (pytest.approx(-0.1), pytest.approx(-0.1))
    assert (term1, trunc1, term2, trunc2) == (False, False, False, True)
    assert info["status"] == "format_error"


def test_function_timeout(sandbox: object) -> None:
    slow = dataclasses.replace(
        ADD, id="hand/add-tight", limits=Limits(timeout_s=10.0, test_timeout_s=1.0, cpu_s=2.0)
    )
    env = function_env(sandbox, slow)
    obs, reward, terminated, _, info = env.step(
        py("def add(a, b):\n    while True:\n        pass\n")
    )
    assert reward == pytest.approx(COMPILED) and not terminated
    assert info["status"] == "timeout" and "time limit exceeded" in obs


def test_humaneval_body_only_completion(sandbox: object) -> None:
    env = function_env(sandbox, INCR)
    _, reward, terminated, _, info = env.step("```python\n    return [x + 1 for x in l]\n```")
    assert (reward, terminated, info["tests_total"]) == (pytest.approx(1.0), True, 3)


FUNCTION_ATTACKS = {
    "sys.exit(0) at import": "import sys\nsys.exit(0)\n\ndef add(a, b):\n    return a - b\n",
    "os._exit(0) in the call": "import os\n\ndef add(a, b):\n    os._exit(0)\n",
    "always-equal object": (
        "class Anything:\n    def __eq__(self, other):\n        return True\n\n"
        "def add(a, b):\n    return Anything()\n"
    ),
    "fake PASS markers": (
        'print(\'PASSED 4/4\')\nprint(\'{"status": "passed", "tests_passed": 4}\')\n\n'
        "def add(a, b):\n    print('test ok: PASSED')\n    return None\n"
    ),
    "patching builtins": (
        "import builtins, operator\nbuiltins.isinstance = lambda *a: True\n"
        "operator.eq = lambda a, b: True\nbuiltins.AssertionError = Exception\n\n"
        "def add(a, b):\n    return -1\n"
    ),
    "reading expected values from the caller's frame": (
        "import inspect\n\ndef add(a, b):\n    for info in inspect.stack():\n"
        "        for name in ('expected', 'want', 'test', 'case'):\n"
        "            if name in info.frame.f_locals:\n"
        "                return info.frame.f_locals[name]\n    return None\n"
    ),
    "reading hidden tests from disk": (
        "import os\n\ndef _leaked():\n"
        # joined at run time: a literal (even 'a' + 'b', constant-folded) would be found in
        # the candidate's own source or bytecode
        "    needle = ''.join(['1000000000', '00000000001']).encode()\n"
        "    paths = [os.path.join(d, f) for d in ('/tmp', '/dev/shm', os.getcwd())\n"
        "             for d, _, fs in os.walk(d) for f in fs]\n"
        "    paths += [f'/proc/{p}/{n}' for p in os.listdir('/proc') if p.isdigit()\n"
        "              for n in ('cmdline', 'environ')]\n"
        "    for path in paths:\n"
        "        try:\n"
        "            with open(path, 'rb') as fh:\n"
        "                if needle in fh.read(1 << 20):\n"
        "                    return True\n"
        "        except OSError:\n"
        "            pass\n"
        "    return False\n\n"
        "def add(a, b):\n    return a + b if _leaked() else a - b\n"
    ),
}


@pytest.mark.parametrize("attack", list(FUNCTION_ATTACKS))
def test_function_attacks_earn_nothing(sandbox: object, attack: str) -> None:
    env = function_env(sandbox)
    _, reward, terminated, _, info = env.step(py(FUNCTION_ATTACKS[attack]))
    assert reward == pytest.approx(COMPILED) and not terminated, info
    assert info["tests_passed"] == 0


def test_int_subclass_arrives_as_a_plain_int(sandbox: object) -> None:
    """``S(0) == anything`` is True in the candidate; the oracle receives the int 0, which is
    right for exactly one hidden case, add(-1, 1)."""
    code = (
        "class S(int):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n\ndef add(a, b):\n    return S(0)\n"
    )
    _, reward, *_, info = function_env(sandbox).step(py(code))
    assert reward == pytest.approx(COMPILED + 0.3 * 1 / 4) and info["tests_passed"] == 1


@pytest.mark.parametrize(
    "body",
    [
        "import builtins\nbuiltins.AssertionError = Exception\n",  # assert statements unharmed
        "import unittest\n",  # SkipTest is a failure, not a pass
        "import sys\nsys.exit(0)\n",
    ],
)
def test_assert_style_attacks_earn_nothing(sandbox: object, body: str) -> None:
    # [0] is wrong for every hidden case, [] included: the patch must not change that
    raise_skip = (
        "    raise unittest.SkipTest('skip')\n" if "unittest" in body else "    return [0]\n"
    )
    env = function_env(sandbox, INCR)
    _, reward, terminated, _, info = env.step(py(body + INCR.prompt + raise_skip))
    assert reward == pytest.approx(COMPILED) and not terminated and info["tests_passed"] == 0


# -- Stdio-v0 ------------------------------------------------------------------------------------


def test_stdio_python_solved(sandbox: object) -> None:
    env = StdioEnv([SUM_STDIO], sandbox=sandbox)  # type: ignore[arg-type]
    env.reset(seed=0)
    _, reward, terminated, *_ = env.step(py("a, b = map(int, input().split())\nprint(a + b)\n"))
    assert (reward, terminated) == (pytest.approx(1.0), True)


def test_stdio_cpp_compile_error_then_fix(sandbox: object) -> None:
    env = StdioEnv([SUM_CPP], sandbox=sandbox)  # type: ignore[arg-type]
    env.reset(seed=0)
    broken = "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b\n  std::cout << a + b; }\n"
    obs, r1, terminated, _, info = env.step(f"```cpp\n{broken}```")
    assert (r1, terminated, info["status"]) == (0.0, False, "compile_error")
    assert obs.startswith("Compilation failed:") and "error" in obs
    obs, r2, terminated, _, _ = env.step(f"```c++\n{SUM_CPP.reference_solution}```")
    assert terminated and r1 + r2 == pytest.approx(1.0)


@pytest.mark.parametrize(
    "program",
    [
        "print('PASSED')\nprint('All tests passed.')\n",  # fake markers on stdout
        "import sys\nsys.exit(0)\n",  # exit 0 before printing anything
        "import os, sys\nos.write(2, b'OK\\n')\nos.write(1, b'3\\n')\n",  # right only for 1 2
    ],
)
def test_stdio_attacks_earn_nothing(sandbox: object, program: str) -> None:
    env = StdioEnv([SUM_STDIO], sandbox=sandbox)  # type: ignore[arg-type]
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(py(program))
    assert reward == pytest.approx(COMPILED) and not terminated and info["tests_passed"] == 0


# -- Repo-v0 --------------------------------------------------------------------------------------

BUGGY_SCORE = COMPILED + 0.3 * 1 / 5  # the buggy mean passes one hidden case: mean([0, 0]) == 0
FIXED = "def mean(xs):\n    if not xs:\n        raise ValueError('empty')\n    return sum(xs) / len(xs)\n"


def call(tool: str, **args: str) -> str:
    import json

    return json.dumps({"tool": tool, **args})


def repo_env(sandbox: object) -> RepoEnv:
    env = RepoEnv([CALC], sandbox=sandbox)  # type: ignore[arg-type]
    env.reset(seed=0)
    return env


def test_repo_fixed_and_submitted(sandbox: object) -> None:
    env = repo_env(sandbox)
    obs, r1, *_ = env.step(call("read_file", path="calc/ops.py"))
    assert "len(xs) + 1" in obs
    obs, r2, *_ = env.step(
        "```json\n"
        + call("write_file", path="calc/ops.py", content=FIXED)
        + "\n```"
        + call("run_tests")
    )
    assert "1 passed" in obs
    obs, r3, terminated, truncated, info = env.step("submit")
    assert (r1, r2, r3) == (0.0, 0.0, pytest.approx(1.0))
    assert (terminated, truncated, info["status"], info["tests_passed"]) == (
        True,
        False,
        "passed",
        5,
    )


def test_repo_editing_tests_and_planting_conftest_earn_nothing(sandbox: object) -> None:
    env = repo_env(sandbox)
    conftest = (
        "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
    )
    obs, *_ = env.step(
        call("write_file", path="tests/test_ops.py", content="def test_mean():\n    pass\n")
        + call("write_file", path="conftest.py", content=conftest)
        + call(
            "write_file",
            path="tests/conftest.py",
            content="def pytest_collection_modifyitems(items):\n    items.clear()\n",
        )
        + call("run_tests")
    )
    assert "exit code: 0" in obs or "exit code: 5" in obs  # the agent fooled its own test run...
    _, reward, terminated, _, info = env.step(call("submit"))
    assert terminated and reward == pytest.approx(BUGGY_SCORE)  # ...but not the grade
    assert info["tests_passed"] == 1


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("calc/__init__.py", "import pytest\npytest.skip('skip all', allow_module_level=True)\n"),
        ("calc/ops.py", "import sys\nsys.exit(0)\n"),
        ("calc/ops.py", "print('5 passed in 0.01s')\n\ndef mean(xs):\n    return 1\n"),
    ],
)
def test_repo_skips_exits_and_fake_output_earn_nothing(
    sandbox: object, path: str, content: str
) -> None:
    env = repo_env(sandbox)
    _, reward, terminated, _, info = env.step(
        call("write_file", path=path, content=content) + "\nsubmit"
    )
    assert terminated and reward == pytest.approx(COMPILED) and info["tests_passed"] == 0


def test_repo_hidden_tests_are_not_on_disk(sandbox: object) -> None:
    """Neither a command nor the code under test at grading time can find the hidden tests."""
    env = repo_env(sandbox)
    needle = "candidate([-1.5])"
    obs, *_ = env.step(call("run", command=f"grep -rlF '{needle}' /tmp /dev/shm . ; ls -a"))
    assert "conftest" not in obs and needle not in obs.replace(f"grep -rlF '{needle}'", "")
    hunter = (
        "import os\n\ndef _leaked():\n"
        "    needle = ''.join(['candidate([-1', '.5])']).encode()  # not in its own .pyc\n"
        "    for d in ('/tmp', '/dev/shm', os.getcwd()):\n"
        "        for root, _, files in os.walk(d):\n"
        "            for f in files:\n"
        "                try:\n"
        "                    if needle in open(os.path.join(root, f), 'rb').read():\n"
        "                        return True\n"
        "                except OSError:\n"
        "                    pass\n"
        "    return False\n\n"
        "def mean(xs):\n"
        "    if _leaked():\n"
        "        if not xs:\n            raise ValueError('empty')\n"
        "        return sum(xs) / len(xs)\n"
        "    return sum(xs) / (len(xs) + 1)\n"
    )
    _, reward, terminated, *_ = env.step(
        call("write_file", path="calc/ops.py", content=hunter) + "\nsubmit"
    )
    assert terminated and reward == pytest.approx(BUGGY_SCORE)


# -- conformance and batching with the real sandbox ----------------------------------------------


@pytest.mark.parametrize("env_id", envs.registered_envs())
def test_check_env_with_docker(sandbox: object, env_id: str) -> None:
    cls = env_class(env_id)
    tasks = [t for kind in cls.task_kinds for t in SAMPLE_TASKS[kind]]
    env = envs.make(env_id, suite=tasks, sandbox=sandbox)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # The close check re-makes the env from its spec (deep-copying the kwargs): the
        # sandbox is a shared handle and copies as itself.
        check_env(env.unwrapped)
    env.close()


def test_batched_32_envs_one_pool(sandbox: object) -> None:
    batch = BatchedEnv([FunctionEnv([ADD], sandbox=sandbox) for _ in range(32)], sandbox=sandbox)  # type: ignore[arg-type]
    batch.reset(seed=0)
    right, wrong = (
        py("def add(a, b):\n    return a + b\n"),
        py("def add(a, b):\n    return a - b\n"),
    )
    transitions = batch.step([right if i % 2 == 0 else wrong for i in range(32)])
    assert batch.metrics["sandbox/batch_requests"] == 64.0
    rewards = [t.reward for t in transitions if t is not None]
    assert rewards == pytest.approx([1.0, COMPILED] * 16)
    # second turn for the unsolved half only
    transitions = batch.step([None if i % 2 == 0 else right for i in range(32)])
    assert [t is None for t in transitions] == [i % 2 == 0 for i in range(32)]
    assert all(t.terminated and t.reward == pytest.approx(0.9) for t in transitions if t)
    batch.close()


@pytest.mark.parametrize(
    ("env_id", "suite"),
    [
        ("codegym/Function-v0", "codegym-functions"),
        ("codegym/Stdio-v0", "codegym-stdio"),
        ("codegym/Repo-v0", "codegym-repo"),
    ],
)
def test_builtin_reference_solutions_earn_full_reward(
    sandbox: object, env_id: str, suite: str
) -> None:
    from tasks.registry import load_tasks

    for task in load_tasks(suite, split="test")[:1]:
        env = envs.make(env_id, suite=[task], sandbox=sandbox)
        env.reset(seed=0)
        if task.kind == "repo":
            writes = [
                call("write_file", path=p, content=c) for p, c in task.reference_files.items()
            ]
            action = "\n".join(writes) + "\nsubmit"
        else:
            action = f"```{task.language}\n{task.reference_solution}\n```"
        _, reward, terminated, _, info = env.step(action)
        assert (reward, terminated) == (pytest.approx(1.0), True), (task.id, info)


def test_candidate_surrogates_reach_the_policy_as_valid_text(sandbox: object) -> None:
    # The observation goes straight into the learner's tokenizer; a lone surrogate there
    # raised inside the trainer (docs/sandbox.md, trust boundary rule 6).
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.WordLevel({"<unk>": 0}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>")
    env = function_env(sandbox)
    obs, _, terminated, _, info = env.step(py('def add(a, b):\n    raise ValueError("\\ud800")\n'))
    assert not terminated and info["status"] != "infra_error"
    obs.encode("utf-8")
    assert tokenizer(obs)["input_ids"]
    obs, _, _, _, _ = env.step(py('raise SyntaxError("\\udfff")\n'))
    obs.encode("utf-8")
    assert tokenizer(obs)["input_ids"]
