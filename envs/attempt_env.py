"""`AttemptEnv`: episodes in which every action is a whole solution, graded on the spot.

Each step runs two requests in one `run_many` call: the hidden tests (`Task.grading_request`,
whose verdict is the reward) and the public tests (`Task.feedback_request`, whose failures,
with input, expected and actual values, are the next observation). The episode ends when the
hidden tests pass, or is truncated at the turn limit. ``Function-v0`` and ``Stdio-v0`` are
this class with their own parsing and prompt.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import ClassVar

from envs.base import CodeEnv, Outcome, StepPlan
from envs.feedback import describe_failure, describe_hidden, describe_tests
from envs.parsing import FormatError, ParsedCode
from envs.rewards import Grade
from sandbox.base import ExecRequest, ExecResult, Status

__all__ = ["AttemptEnv"]


class AttemptEnv(CodeEnv):
    """Base of single-program environments. Subclasses write `parse` and `start_episode`; they
    may change `requests_for` (e.g. to switch the language of a stdio request)."""

    retry_hint: ClassVar[str] = "Fix the code and reply with the complete corrected program."

    @abc.abstractmethod
    def parse(self, action: str) -> ParsedCode | FormatError:
        """The program in `action` (see `envs.parsing.extract_code`)."""

    def requests_for(self, parsed: ParsedCode) -> tuple[ExecRequest, ...]:
        """Hidden-test request first, then the public-test request when the task has tests."""
        assert self.task is not None
        requests = [self.task.grading_request(parsed.code)]
        if self.task.public_tests:
            requests.append(self.task.feedback_request(parsed.code))
        return tuple(requests)

    def make_plan(self, action: str) -> StepPlan:
        parsed = self.parse(action)
        if isinstance(parsed, FormatError):
            return StepPlan(state=parsed)
        return StepPlan(requests=self.requests_for(parsed), state=parsed)

    def evaluate(self, plan: StepPlan, results: Sequence[ExecResult]) -> Outcome:
        if isinstance(plan.state, FormatError):
            return Outcome(
                observation=self._with_hint(plan.state.message),
                format_ok=False,
                status="format_error",
            )
        hidden, public = results[0], (results[1] if len(results) > 1 else None)
        solved = hidden.passed
        text = "All tests passed. The task is solved." if solved else self._feedback(hidden, public)
        return Outcome(
            text if solved else self._with_hint(text),
            grade=Grade.of(hidden),
            done=solved,
            status=str(hidden.status),
            tests_passed=hidden.tests_passed,
            tests_total=hidden.tests_total,
        )

    def _feedback(self, hidden: ExecResult, public: ExecResult | None) -> str:
        limit = self.max_observation_chars
        if public is not None:
            text = describe_tests(public, kind="public", limit=limit)
            if public.passed:
                text += " " + describe_hidden(hidden)
            return text
        if hidden.status is Status.COMPILE_ERROR:
            # The compiler's words are about the candidate's own code: safe to show.
            return describe_failure(hidden, limit=limit) or describe_hidden(hidden)
        return describe_hidden(hidden)

    def _with_hint(self, text: str) -> str:
        text = self.clip(text)
        return text if self.last_turn else f"{text}\n\n{self.retry_hint}"
