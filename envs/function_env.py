"""``codegym/Function-v0``: write or fix one Python function.

Each action is a complete attempt. The observation after it is the compile error or the failing
public tests (input, expected, got); the episode ends when the hidden tests pass, or is truncated
at the turn limit. Tasks whose prompt is code (HumanEval: a signature and docstring, graded by a
``check(candidate)`` test script) accept either a full definition or just the body that continues
the prompt.
"""

from __future__ import annotations

from typing import ClassVar

from envs.attempt_env import AttemptEnv
from envs.parsing import FormatError, ParsedCode, complete_prompt, defines, extract_code
from tasks.schema import Task

__all__ = ["FunctionEnv"]


class FunctionEnv(AttemptEnv):
    """Write a Python function `task.entry_point`; see the module docstring.

    Actions: the function in a ```` ```python ```` block (prose around it, several blocks, a
    missing closing fence and ``<think>`` sections are handled: `envs.parsing.extract_code`).
    """

    task_kinds: ClassVar[tuple[str, ...]] = ("function",)
    default_max_turns: ClassVar[int] = 4
    retry_hint: ClassVar[str] = "Fix the code and reply with the complete corrected function."

    def start_episode(self, task: Task) -> str:
        if _prompt_is_code(task):
            return (
                "Complete the following Python function.\n\n"
                f"```python\n{task.prompt.rstrip()}\n```\n\n"
                "Reply with the complete function in a ```python block."
            )
        return (
            f"{task.prompt.rstrip()}\n\n"
            f"Reply with the complete function `{task.entry_point}` in a ```python block."
        )

    def parse(self, action: str) -> ParsedCode | FormatError:
        assert self.task is not None
        parsed = extract_code(action, language="python", entry_point=self.task.entry_point)
        if isinstance(parsed, ParsedCode) and _prompt_is_code(self.task):
            # A completion of the prompt (only the body) is as good as a full definition.
            code = complete_prompt(self.task.prompt, parsed.code, self.task.entry_point)
            return ParsedCode(code=code, language="python", origin=parsed.origin)
        return parsed


def _prompt_is_code(task: Task) -> bool:
    """HumanEval-style: assert-style hidden tests and a prompt that defines the entry point."""
    return bool(task.test_script) and defines(task.prompt, task.entry_point)
