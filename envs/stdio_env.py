"""``codegym/Stdio-v0``: a whole program from a problem statement (competitive programming).

The program reads standard input and writes standard output, in Python or C++. The task's
language is the default; a fenced block tagged ``cpp``/``c++`` or ``python`` picks that language
instead (I/O tests do not care which language passes them), unless `any_language=False`. Compile
errors and failing public cases are the feedback; the hidden cases are the reward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

from envs.attempt_env import AttemptEnv
from envs.parsing import FormatError, ParsedCode, extract_code
from sandbox.base import ExecRequest, StdioRequest
from tasks.schema import Task

__all__ = ["StdioEnv"]

_NAMES = {"python": "Python", "cpp": "C++"}


class StdioEnv(AttemptEnv):
    """Write a stdin-to-stdout program; see the module docstring.

    Args:
        any_language: accept a Python or C++ program whatever the task's language (default);
            when False, only the task's language is accepted.
        **kwargs: see `envs.base.CodeEnv`.
    """

    task_kinds: ClassVar[tuple[str, ...]] = ("stdio",)
    default_max_turns: ClassVar[int] = 4
    retry_hint: ClassVar[str] = "Fix the program and reply with the complete corrected program."

    def __init__(
        self, suite: str | Sequence[Task], *, any_language: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(suite, **kwargs)
        self.any_language = any_language

    def start_episode(self, task: Task) -> str:
        tag, other = task.language, "cpp" if task.language == "python" else "python"
        also = f" (a ```{other} block is accepted too)" if self.any_language else ""
        return (
            f"{task.prompt.rstrip()}\n\n"
            f"Reply with the complete {_NAMES[tag]} program, which reads standard input and "
            f"writes standard output, in a ```{tag} block{also}."
        )

    def parse(self, action: str) -> ParsedCode | FormatError:
        assert self.task is not None
        language = self.task.language
        return extract_code(
            action,
            language=language,
            entry_point="main" if language == "cpp" else None,
            languages=("python", "cpp") if self.any_language else None,
        )

    def requests_for(self, parsed: ParsedCode) -> tuple[ExecRequest, ...]:
        requests = super().requests_for(parsed)
        return tuple(
            dataclasses.replace(r, language=parsed.language)
            if isinstance(r, StdioRequest) and r.language != parsed.language
            else r
            for r in requests
        )
