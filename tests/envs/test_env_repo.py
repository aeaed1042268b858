"""Repo-v0 logic: host-side tools, what reaches the sandbox, submit and the turn limit.

The sandbox is scripted here; the trust-boundary episodes run in Docker
(test_env_docker_episodes.py).
"""

from __future__ import annotations

import pytest
from envkit import CALC, CALC_FILES, ScriptedSandbox, result

from envs.repo_env import RepoEnv
from sandbox.base import CommandRequest, ExecRequest, ExecResult, FunctionRequest, Status

FIX = '{"tool": "replace", "path": "calc/ops.py", "old": "(len(xs) + 1)", "new": "len(xs)"}'


def respond(request: ExecRequest) -> ExecResult:
    if isinstance(request, CommandRequest):
        return ExecResult(Status.FAILED, stdout="1 failed in 0.01s", exit_code=1)
    assert isinstance(request, FunctionRequest)
    fixed = "/ len(xs)\n" in request.files["calc/ops.py"]
    return result(3, 4) if fixed else result(0, 4)


@pytest.fixture
def box() -> ScriptedSandbox:
    return ScriptedSandbox(respond)


def make_env(box: ScriptedSandbox, **kwargs: object) -> RepoEnv:
    env = RepoEnv([CALC], sandbox=box, **kwargs)  # type: ignore[arg-type]
    obs, info = env.reset(seed=0)
    assert "calc/ops.py (2 lines)" in obs and '{"tool": "submit"}' in obs
    assert info["status"] == "ready"
    return env


def test_reading_and_listing_stay_on_the_host(box: ScriptedSandbox) -> None:
    env = make_env(box)
    obs, reward, terminated, truncated, info = env.step(
        '{"tool": "list_files"}\n{"tool": "read_file", "path": "./calc/ops.py"}'
    )
    assert "tests/test_ops.py (5 lines)" in obs
    assert "[read_file] calc/ops.py\n" + CALC_FILES["calc/ops.py"] in obs
    assert (reward, terminated, truncated, info["status"]) == (0.0, False, False, "ok")
    assert box.calls == []


def test_edits_are_committed_and_commands_see_them(box: ScriptedSandbox) -> None:
    env = make_env(box)
    obs, *_ = env.step(FIX + '\n{"tool": "run_tests"}')
    assert "[replace] edited calc/ops.py." in obs
    assert "[run_tests] $ python3 -m pytest" in obs and "1 failed in 0.01s" in obs
    assert "exit code: 1" in obs
    (command,) = box.calls[0]
    assert isinstance(command, CommandRequest) and command.command == CALC.public_command
    assert "/ len(xs)\n" in command.files["calc/ops.py"]
    assert "/ len(xs)\n" in env.files["calc/ops.py"]
    assert CALC.files["calc/ops.py"] == CALC_FILES["calc/ops.py"]  # the task is untouched


def test_commands_in_one_reply_see_the_files_as_they_were_at_that_point(
    box: ScriptedSandbox,
) -> None:
    env = make_env(box)
    env.step('{"tool": "run", "command": "cat calc/ops.py"}\n' + FIX + '\n{"tool": "run_tests"}')
    before, after = box.calls[0]
    assert "(len(xs) + 1)" in before.files["calc/ops.py"]  # type: ignore[union-attr]
    assert "/ len(xs)\n" in after.files["calc/ops.py"]  # type: ignore[union-attr]


def test_submit_grades_the_current_files(box: ScriptedSandbox) -> None:
    env = make_env(box)
    env.step(FIX)
    obs, reward, terminated, truncated, info = env.step('{"tool": "submit"} {"tool": "list_files"}')
    assert terminated and not truncated
    assert reward == pytest.approx(0.1 + 0.3 * 0.75)
    assert (info["status"], info["tests_passed"], info["tests_total"]) == ("failed", 3, 4)
    assert "1 calls after submit ignored" in obs and obs.endswith("(wrong answer).")
    (grading,) = box.calls[0]
    assert isinstance(grading, FunctionRequest) and grading.test_script == CALC.test_script
    assert not grading.details


def test_last_turn_grades_without_submit(box: ScriptedSandbox) -> None:
    env = make_env(box, max_turns=2)
    env.step(FIX)
    obs, reward, terminated, truncated, _ = env.step('{"tool": "list_files"}')
    assert (terminated, truncated) == (False, True)
    assert "Out of turns; graded." in obs and reward == pytest.approx(0.1 + 0.3 * 0.75)


def test_tool_errors_are_feedback_not_format_errors(box: ScriptedSandbox) -> None:
    env = make_env(box)
    obs, reward, *_, info = env.step(
        '{"tool": "read_file", "path": "calc/opz.py"}\n'
        '{"tool": "replace", "path": "calc/ops.py", "old": "missing", "new": "x"}\n'
        '{"tool": "read_file", "path": "../etc/passwd"}'
    )
    assert "no file 'calc/opz.py'. Did you mean 'calc/ops.py'?" in obs
    assert "the old text was not found in calc/ops.py" in obs
    assert "not a relative path inside the repository" in obs
    assert reward == 0.0 and info["status"] == "tool_error"


def test_malformed_calls_are_format_errors(box: ScriptedSandbox) -> None:
    env = make_env(box)
    obs, reward, *_, info = env.step('{"tool": "edit_file", "path": "a.py"} {"tool": "read_file"}')
    assert "unknown tool 'edit_file'" in obs and "read_file needs a string 'path' (missing)" in obs
    assert reward == pytest.approx(-0.1) and info["status"] == "format_error"
    obs, reward, *_ = env.step("Let me think about the bug first.")
    assert "No tool call found" in obs and reward == pytest.approx(-0.1)


def test_too_many_calls_are_dropped(box: ScriptedSandbox) -> None:
    env = make_env(box, max_calls_per_turn=2)
    obs, *_ = env.step('{"tool": "list_files"} ' * 5)
    assert obs.count("[list_files]") == 2 and "3 more calls dropped" in obs


def test_write_file_creates_and_overwrites(box: ScriptedSandbox) -> None:
    env = make_env(box)
    obs, *_ = env.step(
        '{"tool": "write_file", "path": "calc/new.py", "content": "X = 1\\n"}'
        '{"tool": "write_file", "path": "calc/ops.py", "content": "def mean(xs):\\n    return 0\\n"}'
    )
    assert "created calc/new.py (1 lines)" in obs and "wrote calc/ops.py (2 lines)" in obs
    assert env.files["calc/new.py"] == "X = 1\n"
