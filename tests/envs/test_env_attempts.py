"""Function-v0 and Stdio-v0 logic: requests per step, rewards, turns, feedback, errors.

The sandbox here is scripted (see envkit.ScriptedSandbox): these tests are about what the
environment does with results. Real execution is in test_env_docker_episodes.py.
"""

from __future__ import annotations

import pytest
from envkit import ADD, INCR, SUM_CPP, SUM_STDIO, ScriptedSandbox, outcome, result

from envs import (
    EnvClosedError,
    NoTasksError,
    ResetNeededError,
    RewardConfig,
    SandboxInfraError,
    UnknownTaskError,
)
from envs.function_env import FunctionEnv
from envs.stdio_env import StdioEnv
from sandbox.base import ExecRequest, ExecResult, FunctionRequest, Status, StdioRequest

RIGHT = "```python\ndef add(a, b):\n    return a + b\n```"
WRONG = "```python\ndef add(a, b):\n    return a - b\n```"
BROKEN = "```python\ndef add(a, b)\n    return a + b\n```"


def grade_add(request: ExecRequest) -> ExecResult:
    """What a real sandbox would say about the three attempts above."""
    assert isinstance(request, FunctionRequest)
    hidden = not request.details
    if "def add(a, b)\n" in request.source:
        return ExecResult(status=Status.COMPILE_ERROR, compile_output="SyntaxError: expected ':'")
    if "a - b" in request.source:
        if hidden:
            return result(1, 4)
        failing = outcome(False, input="add(1, 2)", expected="3", got="-1")
        return ExecResult(status=Status.FAILED, tests=(failing, outcome(True)), tests_total=2)
    return result(4, 4) if hidden else result(2, 2)


@pytest.fixture
def sandbox_add() -> ScriptedSandbox:
    return ScriptedSandbox(grade_add)


def make_env(sandbox: ScriptedSandbox, **kwargs: object) -> FunctionEnv:
    env = FunctionEnv([ADD, INCR], sandbox=sandbox, **kwargs)  # type: ignore[arg-type]
    env.reset(options={"task": "hand/add"})
    return env


def test_solved_first_turn(sandbox_add: ScriptedSandbox) -> None:
    env = make_env(sandbox_add)
    obs, reward, terminated, truncated, info = env.step(RIGHT)
    assert (reward, terminated, truncated) == (pytest.approx(1.0), True, False)
    assert "solved" in obs
    assert info == {
        "task_id": "hand/add",
        "turn": 1,
        "reward_components": {
            "all_pass": 0.6,
            "hidden_fraction": 0.3,
            "compile": 0.1,
            "format": 0.0,
            "turn_cost": 0.0,
        },
        "tests_passed": 4,
        "tests_total": 4,
        "status": "passed",
    }
    # one sandbox call per step, carrying the hidden-test and the public-test request
    (call,) = sandbox_add.calls
    assert [r.details for r in call] == [False, True]  # type: ignore[union-attr]
    assert call[0].tests == ADD.hidden_tests and call[1].tests == ADD.public_tests  # type: ignore[union-attr]
    with pytest.raises(ResetNeededError):
        env.step(RIGHT)


def test_wrong_then_fixed_from_feedback(sandbox_add: ScriptedSandbox) -> None:
    env = make_env(sandbox_add)
    obs, reward, terminated, truncated, info = env.step(WRONG)
    assert reward == pytest.approx(0.1 + 0.3 * 0.25) and not terminated and not truncated
    assert "1 of 2 public tests failed" in obs
    assert "add(1, 2)" in obs and "expected: 3" in obs and "got:      -1" in obs
    assert obs.endswith("reply with the complete corrected function.")
    assert (info["status"], info["tests_passed"], info["tests_total"]) == ("failed", 1, 4)

    obs, reward2, terminated, truncated, info = env.step(RIGHT)
    assert terminated and not truncated and info["turn"] == 2
    assert reward2 == pytest.approx(0.6 + 0.3 * 0.75)
    assert reward + reward2 == pytest.approx(1.0)  # the return is the final score


def test_compile_error_is_the_feedback(sandbox_add: ScriptedSandbox) -> None:
    env = make_env(sandbox_add)
    obs, reward, *_, info = env.step(BROKEN)
    assert obs.startswith("Compilation failed:\nSyntaxError: expected ':'")
    assert reward == 0.0 and info["status"] == "compile_error"


def test_format_garbage_costs_the_penalty_and_no_sandbox_call(sandbox_add: ScriptedSandbox) -> None:
    env = make_env(sandbox_add, reward=RewardConfig(format_penalty=0.25))
    obs, reward, terminated, truncated, info = env.step("I am not sure what to do here.")
    assert reward == pytest.approx(-0.25) and not terminated and not truncated
    assert info["status"] == "format_error" and info["reward_components"]["format"] == -0.25
    assert "```python" in obs
    assert sandbox_add.calls == []


def test_turn_limit_truncates(sandbox_add: ScriptedSandbox) -> None:
    env = make_env(sandbox_add, max_turns=2)
    *_, terminated, truncated, _ = env.step(WRONG)
    assert (terminated, truncated) == (False, False)
    obs, _, terminated, truncated, info = env.step(WRONG)
    assert (terminated, truncated, info["turn"]) == (False, True, 2)
    assert "corrected function" not in obs  # no invitation to try again on the last turn
    with pytest.raises(ResetNeededError, match="reset"):
        env.step(RIGHT)


def test_turn_cost_is_charged_every_step(sandbox_add: ScriptedSandbox) -> None:
    env = make_env(sandbox_add, reward=RewardConfig(turn_cost=0.05))
    rewards = [env.step(action)[1] for action in ("nonsense", WRONG, RIGHT)]
    assert sum(rewards) == pytest.approx(1.0 - 3 * 0.05 - 0.1)


def test_regression_after_a_better_attempt_is_negative(sandbox_add: ScriptedSandbox) -> None:
    env = make_env(sandbox_add)
    env.step(WRONG)
    _, reward, *_ = env.step(BROKEN)
    assert reward == pytest.approx(-(0.1 + 0.3 * 0.25))


def test_infra_error_raises_and_leaves_the_env_as_it_was() -> None:
    healthy = True

    def respond(request: ExecRequest) -> ExecResult:
        return grade_add(request) if healthy else ExecResult(Status.INFRA_ERROR, message="boom")

    env = make_env(ScriptedSandbox(respond))
    healthy = False
    with pytest.raises(SandboxInfraError, match="boom.*hand/add"):
        env.step(RIGHT)
    assert env.turn == 0
    healthy = True
    assert env.step(RIGHT)[2] is True


def test_humaneval_body_only_is_completed_with_the_prompt(scripted: ScriptedSandbox) -> None:
    env = FunctionEnv([INCR], sandbox=scripted)
    obs, _ = env.reset(seed=0)
    assert "```python\ndef incr_list(l: list):" in obs
    env.step("```python\n    return [x + 1 for x in l]\n```")
    (request,) = scripted.calls[0]  # no public tests: only the hidden request
    assert isinstance(request, FunctionRequest)
    assert request.source == INCR.prompt + "    return [x + 1 for x in l]\n"
    assert request.test_script == INCR.test_script and request.setup == INCR.setup


def test_full_definition_is_sent_as_written(scripted: ScriptedSandbox) -> None:
    env = FunctionEnv([INCR], sandbox=scripted)
    env.reset(seed=0)
    full = "def incr_list(l):\n    return [x + 1 for x in l]\n"
    env.step(f"```python\n{full}```")
    assert scripted.calls[0][0].source == full  # type: ignore[union-attr]


# -- task choice, construction, closing ---------------------------------------------------------


def test_seeded_reset_is_deterministic(scripted: ScriptedSandbox) -> None:
    env = FunctionEnv([ADD, INCR], sandbox=scripted)
    first = [env.reset(seed=s)[1]["task_id"] for s in range(20)]
    assert first == [env.reset(seed=s)[1]["task_id"] for s in range(20)]
    assert set(first) == {"hand/add", "hand/incr_list"}


def test_reset_by_task_object_and_unknown_id(scripted: ScriptedSandbox) -> None:
    env = FunctionEnv([ADD], sandbox=scripted)
    assert env.reset(options={"task": INCR})[1]["task_id"] == "hand/incr_list"
    with pytest.raises(UnknownTaskError, match="Did you mean 'hand/add'"):
        env.reset(options={"task": "hand/ad"})
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(options={"tsak": "hand/add"})
    with pytest.raises(NoTasksError, match="stdio"):
        env.reset(options={"task": SUM_STDIO})


def test_suite_without_tasks_of_the_kind(scripted: ScriptedSandbox) -> None:
    with pytest.raises(NoTasksError, match="no function tasks.*Stdio|has: stdio"):
        FunctionEnv([SUM_STDIO], sandbox=scripted)
    with pytest.raises(NoTasksError, match="split 'test'"):
        FunctionEnv([ADD], sandbox=scripted, split="test")


def test_step_before_reset(scripted: ScriptedSandbox) -> None:
    with pytest.raises(ResetNeededError, match="reset"):
        FunctionEnv([ADD], sandbox=scripted).step(RIGHT)


def test_close_is_idempotent_and_leaves_an_injected_sandbox_open(scripted: ScriptedSandbox) -> None:
    env = FunctionEnv([ADD], sandbox=scripted)
    env.close()
    env.close()
    assert scripted.closed == 0
    with pytest.raises(EnvClosedError):
        env.reset()


def test_an_owned_sandbox_is_built_on_first_use_and_closed() -> None:
    env = FunctionEnv([ADD])  # no sandbox given: the env would own a Docker one...
    assert not env._sandbox.made  # ...but builds it only when a step needs it
    env.close()
    env.close()


def test_metrics_hold_timing_not_info(sandbox_add: ScriptedSandbox) -> None:
    env = make_env(sandbox_add)
    *_, info = env.step(RIGHT)
    metrics = env.metrics.as_dict()
    assert metrics["env/requests"] == 2.0 and metrics["sandbox/wall_s"] >= 0.0
    assert not any("_s" in key for key in info)


# -- Stdio-v0 -----------------------------------------------------------------------------------


def test_stdio_language_follows_the_block_tag(scripted: ScriptedSandbox) -> None:
    env = StdioEnv([SUM_STDIO], sandbox=scripted)
    obs, _ = env.reset(seed=0)
    assert "```python block (a ```cpp block is accepted too)" in obs
    env.step("```cpp\n#include <cstdio>\nint main() { return 0; }\n```")
    assert [r.language for r in scripted.calls[0]] == ["cpp", "cpp"]  # type: ignore[union-attr]
    assert all(isinstance(r, StdioRequest) for r in scripted.calls[0])


def test_stdio_single_language_rejects_the_other(scripted: ScriptedSandbox) -> None:
    env = StdioEnv([SUM_CPP], sandbox=scripted, any_language=False)
    env.reset(seed=0)
    obs, reward, *_, info = env.step("```python\nprint(sum(map(int, input().split())))\n```")
    assert info["status"] == "format_error" and "C++" in obs and scripted.calls == []
    env.step("```cpp\n#include <cstdio>\nint main() { return 0; }\n```")
    assert [r.language for r in scripted.calls[0]] == ["cpp", "cpp"]  # type: ignore[union-attr]
