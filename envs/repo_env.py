"""``codegym/Repo-v0``: fix a bug or add a feature in a small repository, with tools.

The environment holds the repository (`Task.files`, path -> text) on the host. Each action is one
or more tool calls (format: `TOOLS_HELP`; parsing: `envs.tool_calls`). Reading, listing and
editing happen host-side, without the sandbox; ``run`` and ``run_tests`` send the current files
and a command to the sandbox (`CommandRequest`) and show its clipped output. The episode ends at
``submit``, or is truncated at the turn limit, where the current files are graded anyway.

Grading is `Task.grading_request(files)`: the hidden tests live in the task, never in the files,
and run in the sandbox's trusted oracle, which reaches the repository's functions through
proxies. Editing or deleting the public tests, planting ``conftest.py``, skipping tests or
printing "passed" therefore changes nothing in the verdict; only the code under test does.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from envs.base import CodeEnv, Outcome, StepPlan
from envs.feedback import describe_hidden
from envs.parsing import FormatError
from envs.rewards import Grade
from envs.tool_calls import ToolCall, parse_tool_calls
from sandbox.base import CommandRequest, ExecRequest, ExecResult, Status
from tasks.schema import Task

__all__ = ["TOOLS", "TOOLS_HELP", "RepoEnv"]

TOOLS: Mapping[str, tuple[str, ...]] = {
    "list_files": (),
    "read_file": ("path",),
    "write_file": ("path", "content"),
    "replace": ("path", "old", "new"),
    "run": ("command",),
    "run_tests": (),
    "submit": (),
}
"""Tool name -> its parameters, in positional order (all required)."""

TOOLS_HELP = """\
Tools: reply with one JSON object per call; several calls in one reply run in order.
{"tool": "list_files"}
{"tool": "read_file", "path": "pkg/module.py"}
{"tool": "write_file", "path": "pkg/module.py", "content": "<the whole new file>"}
{"tool": "replace", "path": "pkg/module.py", "old": "<exact text, once in the file>", "new": "<text>"}
{"tool": "run", "command": "python -m pkg"}
{"tool": "run_tests"}
{"tool": "submit"}
Submit when you are done: hidden tests decide the result."""

_MAX_FILE_CHARS = 200_000
_MAX_FILES = 500


@dataclass(frozen=True)
class _Pending:
    """A call whose output comes from the sandbox: result `index` of the plan's requests."""

    header: str
    index: int


@dataclass(frozen=True)
class _RepoPlan:
    files: dict[str, str]
    segments: tuple[str | _Pending, ...]
    format_ok: bool
    tool_errors: int
    grading_index: int | None = None
    submitted: bool = False


class RepoEnv(CodeEnv):
    """Agentic repository tasks; see the module docstring.

    Args:
        max_calls_per_turn: tool calls run from one action; the rest are dropped (and said so).
        **kwargs: see `envs.base.CodeEnv`.
    """

    task_kinds: ClassVar[tuple[str, ...]] = ("repo",)
    default_max_turns: ClassVar[int] = 20

    def __init__(
        self, suite: str | Sequence[Task], *, max_calls_per_turn: int = 8, **kwargs: Any
    ) -> None:
        super().__init__(suite, **kwargs)
        if max_calls_per_turn < 1:
            raise ValueError(f"max_calls_per_turn must be >= 1, got {max_calls_per_turn}")
        self.max_calls_per_turn = max_calls_per_turn
        self.files: dict[str, str] = {}

    def start_episode(self, task: Task) -> str:
        self.files = dict(task.files)
        return (
            f"{task.prompt.rstrip()}\n\nRepository files:\n{_listing(self.files)}\n\n{TOOLS_HELP}"
        )

    # -- plan: run host-side tools on a copy of the files, queue sandbox commands ----------------

    def make_plan(self, action: str) -> StepPlan:
        assert self.task is not None
        calls = parse_tool_calls(action, tools=TOOLS)
        files = dict(self.files)
        requests: list[ExecRequest] = []
        segments: list[str | _Pending] = []
        if isinstance(calls, FormatError):
            segments.append(calls.message)
            calls = ()
        format_ok, tool_errors, grading_index, submitted = bool(calls), 0, None, False
        for number, call in enumerate(calls):
            if number == self.max_calls_per_turn:
                segments.append(
                    f"({len(calls) - number} more calls dropped: at most "
                    f"{self.max_calls_per_turn} per reply.)"
                )
                break
            problem = _check_call(call)
            if problem is not None:
                format_ok, tool_errors = False, tool_errors + 1
                segments.append(f"[{call.tool}] error: {problem}")
                continue
            if call.tool == "submit":
                grading_index, submitted = len(requests), True
                requests.append(self.task.grading_request(dict(files)))
                if number + 1 < len(calls):
                    segments.append(f"({len(calls) - number - 1} calls after submit ignored.)")
                break
            if call.tool in ("run", "run_tests"):
                command = (
                    self.task.public_command
                    if call.tool == "run_tests"
                    else call.args.get("command") or call.args.get("cmd")
                )
                if not command:
                    tool_errors += 1
                    segments.append("[run_tests] error: this task has no test command; use run.")
                    continue
                header = f"[{call.tool}] $ {command}"
                segments.append(_Pending(header, len(requests)))
                requests.append(
                    CommandRequest(files=dict(files), command=command, limits=self.task.limits)
                )
                continue
            text, ok = _host_tool(call, files)
            tool_errors += not ok
            segments.append(self.clip(text))
        if grading_index is None and self.last_turn:
            grading_index = len(requests)  # out of turns: the files as they are get graded
            requests.append(self.task.grading_request(dict(files)))
        state = _RepoPlan(files, tuple(segments), format_ok, tool_errors, grading_index, submitted)
        return StepPlan(requests=tuple(requests), state=state)

    # -- evaluate: commit the files, fill in command outputs, grade -----------------------------

    def evaluate(self, plan: StepPlan, results: Sequence[ExecResult]) -> Outcome:
        state: _RepoPlan = plan.state
        self.files = state.files
        parts = [
            segment if isinstance(segment, str) else self._command_output(segment, results)
            for segment in state.segments
        ]
        status = (
            "format_error" if not state.format_ok else "tool_error" if state.tool_errors else "ok"
        )
        if state.grading_index is None:
            return Outcome("\n\n".join(parts), format_ok=state.format_ok, status=status)
        hidden = results[state.grading_index]
        verdict = describe_hidden(hidden)
        parts.append(("Submitted. " if state.submitted else "Out of turns; graded. ") + verdict)
        return Outcome(
            "\n\n".join(parts),
            grade=Grade.of(hidden),
            format_ok=state.format_ok,
            done=state.submitted,
            status=str(hidden.status),
            tests_passed=hidden.tests_passed,
            tests_total=hidden.tests_total,
        )

    def _command_output(self, pending: _Pending, results: Sequence[ExecResult]) -> str:
        result = results[pending.index]
        lines = [pending.header]
        if result.status is Status.TIMEOUT:
            lines.append("(timed out)")
        elif result.status not in (Status.PASSED, Status.FAILED, Status.RUNTIME_ERROR):
            lines.append(f"({result.status})")
        lines.append(f"exit code: {result.exit_code}")
        output = (result.stdout + ("\n" + result.stderr if result.stderr else "")).strip()
        if output:
            lines.append(self.clip(output))
        elif result.message:
            lines.append(self.clip(result.message))
        return "\n".join(lines)


# -- host-side tools ------------------------------------------------------------------------------


def _check_call(call: ToolCall) -> str | None:
    """Why `call` is malformed (unknown tool, missing or non-string argument), or None."""
    if call.tool not in TOOLS:
        from difflib import get_close_matches

        close = get_close_matches(call.tool, TOOLS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"unknown tool {call.tool!r}.{hint} Tools: {', '.join(TOOLS)}."
    for param in TOOLS[call.tool]:
        if param == "command" and call.tool == "run" and "cmd" in call.args:
            continue
        value = call.args.get(param)
        if not isinstance(value, str):
            got = "missing" if value is None else f"a {type(value).__name__}"
            return f"{call.tool} needs a string {param!r} ({got})."
    return None


def _normalize(path: str) -> str | None:
    path = path.strip()
    normal = posixpath.normpath(path.removeprefix("./")) if path else ""
    if not normal or normal == "." or normal.startswith(("/", "../")) or normal == "..":
        return None
    return normal


def _host_tool(call: ToolCall, files: dict[str, str]) -> tuple[str, bool]:
    """Run list_files, read_file, write_file or replace on `files`; (text, succeeded)."""
    if call.tool == "list_files":
        return "[list_files]\n" + _listing(files), True
    path = _normalize(call.args["path"])
    if path is None:
        return (
            f"[{call.tool}] error: {call.args['path']!r} is not a relative path inside the repository.",
            False,
        )
    if call.tool == "write_file":
        content = call.args["content"]
        if len(content) > _MAX_FILE_CHARS:
            return f"[write_file] error: {path} would exceed {_MAX_FILE_CHARS} characters.", False
        if path not in files and len(files) >= _MAX_FILES:
            return f"[write_file] error: the repository already has {_MAX_FILES} files.", False
        existed = path in files
        files[path] = content
        return (
            f"[write_file] {'wrote' if existed else 'created'} {path} ({_lines(content)} lines).",
            True,
        )
    if path not in files:
        from difflib import get_close_matches

        close = get_close_matches(path, files, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"[{call.tool}] error: no file {path!r}.{hint}", False
    if call.tool == "read_file":
        return f"[read_file] {path}\n{files[path]}", True
    old, new = call.args["old"], call.args["new"]
    count = files[path].count(old) if old else 0
    if count != 1:
        why = "is empty" if not old else "was not found" if count == 0 else f"occurs {count} times"
        advice = " (it must match exactly once, whitespace included: read the file again)"
        return f"[replace] error: the old text {why} in {path}{advice}.", False
    files[path] = files[path].replace(old, new, 1)
    return f"[replace] edited {path}.", True


def _lines(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def _listing(files: Mapping[str, str]) -> str:
    return (
        "\n".join(f"{path} ({_lines(text)} lines)" for path, text in sorted(files.items()))
        or "(none)"
    )
