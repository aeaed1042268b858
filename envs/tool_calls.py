"""Parsing tool calls out of model text (``Repo-v0``). Pure functions, no I/O.

The documented format is one JSON object per call::

    {"tool": "read_file", "path": "calc/ops.py"}

Small models rarely write exactly that, so the parser also takes: calls inside a fenced
```` ```json ```` block or ``<tool_call>`` tags, several calls in one reply (separate objects or a
JSON list), prose around the calls, Python-style dicts with single quotes, OpenAI-style
``{"name": ..., "arguments": "<json string>"}`` and ``{"function": {...}}``, arguments nested
under ``"args"`` / ``"arguments"`` / ``"parameters"``, a single-key ``{"read_file": {...}}``, a
call written as Python (``read_file("calc/ops.py")``), raw newlines inside JSON strings, and a
bare ``submit``. Anything else is a `FormatError` whose message shows the format.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from envs.parsing import FormatError, strip_think

__all__ = ["ToolCall", "parse_tool_calls"]

_NAME_KEYS = ("tool", "name", "tool_name", "function", "action", "command_name")
_ARG_KEYS = ("args", "arguments", "parameters", "params", "input", "kwargs")
_MAX_SCAN = 200_000  # characters of a reply searched for calls; the rest is ignored


@dataclass(frozen=True)
class ToolCall:
    """One call: the tool's name and its keyword arguments as the model wrote them."""

    tool: str
    args: Mapping[str, Any] = field(default_factory=dict)


def parse_tool_calls(
    text: str, *, tools: Mapping[str, Sequence[str]]
) -> tuple[ToolCall, ...] | FormatError:
    """The calls in `text`, in order, or a `FormatError` written for the model.

    `tools` maps each known tool to its parameter names in positional order; it is used for the
    Python-call and bare-name fallbacks and to recognise ``{"read_file": {...}}``. Calls to
    unknown tools are returned as written: the environment answers them with a hint.
    """
    answer = strip_think(text)[:_MAX_SCAN]
    calls = [call for value in _literals(answer) for call in _calls_in(value, tools)]
    if not calls:
        calls = _python_calls(answer, tools)
    bare = _bare_name(answer, tools)  # "{...edit...}\nsubmit": a closing bare call counts too
    if bare is not None and not (calls and calls[-1].tool == bare):
        calls.append(ToolCall(bare))
    if not calls:
        names = ", ".join(tools)
        return FormatError(
            "No tool call found in your reply. Call a tool with a JSON object, e.g.\n"
            '{"tool": "read_file", "path": "src/module.py"}\n'
            f"Tools: {names}."
        )
    return tuple(calls)


# -- finding literals ---------------------------------------------------------------------------

_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines inside strings are fine


def _literals(text: str) -> list[Any]:
    """JSON (or Python-literal) objects and lists in `text`, outermost only, left to right."""
    found: list[Any] = []
    i = 0
    while True:
        starts = [p for p in (text.find("{", i), text.find("[", i)) if p != -1]
        if not starts:
            return found
        start = min(starts)
        value, end = _decode_at(text, start)
        if end is None:
            i = start + 1
            continue
        found.append(value)
        i = end


def _decode_at(text: str, start: int) -> tuple[Any, int | None]:
    try:
        value, end = _DECODER.raw_decode(text, start)
        return value, end
    except json.JSONDecodeError:
        pass
    # Python literal (single quotes, True/None, triple-quoted strings): try each closing
    # bracket in turn, nearest first, so the outermost complete literal wins only if it parses.
    closer = "}" if text[start] == "{" else "]"
    end = start
    for _ in range(64):
        end = text.find(closer, end + 1)
        if end == -1:
            break
        try:
            return ast.literal_eval(text[start : end + 1]), end + 1
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return None, None


# -- literals to calls --------------------------------------------------------------------------


def _calls_in(value: Any, tools: Mapping[str, Sequence[str]]) -> list[ToolCall]:
    if isinstance(value, list):
        return [call for item in value for call in _calls_in(item, tools)]
    if not isinstance(value, dict):
        return []
    call = _as_call(value, tools)
    return [call] if call is not None else []


def _as_call(obj: dict[Any, Any], tools: Mapping[str, Sequence[str]]) -> ToolCall | None:
    for key in _NAME_KEYS:
        name = obj.get(key)
        if isinstance(name, dict):  # {"function": {"name": ..., "arguments": ...}}
            return _as_call(name, tools)
        if isinstance(name, str) and name.strip():
            rest = {k: v for k, v in obj.items() if k != key}
            return ToolCall(name.strip(), _arguments(rest))
    if len(obj) == 1:  # {"read_file": {"path": ...}}
        ((name, args),) = obj.items()
        if name in tools and isinstance(args, dict | str | type(None)):
            return ToolCall(name, _arguments({"args": args}) if args is not None else {})
    return None


def _arguments(rest: dict[Any, Any]) -> dict[str, Any]:
    for key in _ARG_KEYS:
        if key in rest:
            nested = rest[key]
            if isinstance(nested, str):  # OpenAI: "arguments" is a JSON string
                try:
                    nested = _DECODER.decode(nested)
                except json.JSONDecodeError:
                    return {key: nested}
            if isinstance(nested, dict):
                others = {str(k): v for k, v in rest.items() if k != key}
                return {**others, **{str(k): v for k, v in nested.items()}}
    return {str(k): v for k, v in rest.items()}


# -- fallbacks ----------------------------------------------------------------------------------


def _python_calls(text: str, tools: Mapping[str, Sequence[str]]) -> list[ToolCall]:
    """Calls written as Python: ``read_file("a.py")``, ``replace(path="a.py", old=..., new=...)``."""
    if not tools:
        return []
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in tools) + r")\s*\(")
    calls: list[ToolCall] = []
    pos = 0
    while match := pattern.search(text, pos):
        node = _first_call(text, match.start())
        pos = match.end()
        if node is None:
            continue
        name = match.group(1)
        params = list(tools[name])
        args: dict[str, Any] = {}
        try:
            for param, arg in zip(params, node.args, strict=False):
                args[param] = ast.literal_eval(arg)
            for kw in node.keywords:
                if kw.arg is not None:
                    args[kw.arg] = ast.literal_eval(kw.value)
        except (ValueError, SyntaxError, TypeError):
            continue
        calls.append(ToolCall(name, args))
    return calls


def _first_call(text: str, start: int) -> ast.Call | None:
    """The call expression starting at `start`: the shortest prefix ending in ``)`` that parses."""
    end = start
    for _ in range(64):
        end = text.find(")", end + 1)
        if end == -1:
            return None
        try:
            node = ast.parse(text[start : end + 1], mode="eval").body
        except SyntaxError:
            continue
        return node if isinstance(node, ast.Call) else None
    return None


def _bare_name(text: str, tools: Mapping[str, Sequence[str]]) -> str | None:
    """The tool named by the reply's last line when that line is just a name (``submit``,
    `` `submit` ``, ``**submit**``)."""
    lines = [line.strip().strip("`*_.!:;\"'").strip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return None
    last = lines[-1].lower()
    return last if last in tools else None
