"""BatchedEnv: N environments, one `run_many` call per step, ragged episodes."""

from __future__ import annotations

import pytest
from envkit import ADD, CALC, ScriptedSandbox, result

from envs import BatchedEnv, SandboxInfraError
from envs.function_env import FunctionEnv
from envs.repo_env import RepoEnv
from sandbox.base import ExecRequest, ExecResult, Status

RIGHT = "```python\ndef add(a, b):\n    return a + b\n```"


def respond(request: ExecRequest) -> ExecResult:
    if "raise SystemError" in getattr(request, "source", ""):
        return ExecResult(Status.INFRA_ERROR, message="worker died")
    return result(1, 1)


def test_one_sandbox_call_per_step_for_all_envs() -> None:
    box = ScriptedSandbox(respond)
    envs = [FunctionEnv([ADD], sandbox=box) for _ in range(3)] + [RepoEnv([CALC], sandbox=box)]
    with BatchedEnv(envs, sandbox=box) as batch:
        observations, infos = batch.reset(seed=0)
        assert len(observations) == 4 and [i["task_id"] for i in infos][-1] == "hand/calc-mean"
        transitions = batch.step([RIGHT, "garbage", None, '{"tool": "run_tests"}'])
        # env 0: grading + feedback; env 1: format error, no request; env 2 skipped; env 3: 1 command
        assert len(box.calls) == 1 and len(box.calls[0]) == 3
        assert transitions[2] is None
        first, second, _, repo = transitions
        assert first is not None and first.terminated and first.reward == pytest.approx(1.0)
        assert second is not None and second.info["status"] == "format_error"
        assert repo is not None and "[run_tests]" in repo.observation
        assert batch.metrics["sandbox/batch_requests"] == 3.0
        assert envs[1].metrics.sandbox_s == batch.metrics["sandbox/batch_wall_s"]
    assert box.closed == 0  # the batch did not make the sandbox, so it does not close it


def test_infra_error_steps_the_healthy_envs_and_reports_the_broken_ones() -> None:
    box = ScriptedSandbox(respond)
    envs = [FunctionEnv([ADD], sandbox=box) for _ in range(2)]
    batch = BatchedEnv(envs, sandbox=box)
    batch.reset(seed=0)
    broken = "```python\ndef add(a, b):\n    raise SystemError\n```"
    with pytest.raises(SandboxInfraError) as caught:
        batch.step([RIGHT, broken])
    assert caught.value.failed == [1]
    healthy = caught.value.partial[0]
    assert healthy is not None and healthy.terminated
    assert envs[0].turn == 1 and envs[1].turn == 0  # the broken env can retry its step
    assert batch.step([None, RIGHT])[1].terminated  # type: ignore[union-attr]


def test_options_per_env_and_length_checks() -> None:
    box = ScriptedSandbox(respond)
    batch = BatchedEnv([FunctionEnv([ADD], sandbox=box) for _ in range(2)], sandbox=box)
    _, infos = batch.reset(options=[{"task": ADD}, {"task": "hand/add"}])
    assert [i["task_id"] for i in infos] == ["hand/add", "hand/add"]
    with pytest.raises(ValueError, match="2 environments"):
        batch.step([RIGHT])
    with pytest.raises(TypeError, match="CodeEnv"):
        BatchedEnv([object()], sandbox=box)  # type: ignore[list-item]
