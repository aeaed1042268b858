"""envs.tool_calls: tool calls as small models really write them."""

from __future__ import annotations

import pytest

from envs.parsing import FormatError
from envs.repo_env import TOOLS
from envs.tool_calls import ToolCall, parse_tool_calls

READ = ToolCall("read_file", {"path": "calc/ops.py"})


def calls(text: str) -> tuple[ToolCall, ...]:
    parsed = parse_tool_calls(text, tools=TOOLS)
    assert not isinstance(parsed, FormatError), parsed
    return parsed


@pytest.mark.parametrize(
    "text",
    [
        '{"tool": "read_file", "path": "calc/ops.py"}',
        'I will read it first.\n```json\n{"tool": "read_file", "path": "calc/ops.py"}\n```\n',
        "{'tool': 'read_file', 'path': 'calc/ops.py'}",
        '{"name": "read_file", "arguments": "{\\"path\\": \\"calc/ops.py\\"}"}',
        '{"type": "function", "function": {"name": "read_file", "arguments": {"path": "calc/ops.py"}}}',
        '{"tool": "read_file", "args": {"path": "calc/ops.py"}}',
        '{"read_file": {"path": "calc/ops.py"}}',
        '<tool_call>\n{"name": "read_file", "arguments": {"path": "calc/ops.py"}}\n</tool_call>',
        'read_file("calc/ops.py")',
        "Let me look: read_file(path='calc/ops.py')",
    ],
)
def test_one_call_in_many_dresses(text: str) -> None:
    assert calls(text) == (READ,)


def test_several_calls_in_order() -> None:
    text = (
        'First {"tool": "read_file", "path": "calc/ops.py"} then\n'
        '{"tool": "run_tests"}\nand finally {"tool": "submit"}'
    )
    assert [c.tool for c in calls(text)] == ["read_file", "run_tests", "submit"]


def test_a_json_list_of_calls() -> None:
    text = '[{"tool": "list_files"}, {"tool": "read_file", "path": "calc/ops.py"}]'
    assert calls(text) == (ToolCall("list_files", {}), READ)


@pytest.mark.parametrize("text", ["submit", "`submit`", "I'm done.\nsubmit", "**submit**"])
def test_bare_submit(text: str) -> None:
    assert calls(text) == (ToolCall("submit", {}),)


def test_prose_mentioning_submit_is_not_a_call() -> None:
    assert isinstance(parse_tool_calls("I will submit later.", tools=TOOLS), FormatError)


def test_raw_newlines_and_braces_inside_json_strings() -> None:
    content = "def mean(xs):\n    d = {'a': 1}\n    return sum(xs) / len(xs)\n"
    text = '{"tool": "write_file", "path": "calc/ops.py", "content": "' + content + '"}'
    assert calls(text) == (ToolCall("write_file", {"path": "calc/ops.py", "content": content}),)


def test_python_literal_with_triple_quotes() -> None:
    text = "{'tool': 'write_file', 'path': 'a.py', 'content': '''x = {1: 2}\n'''}"
    assert calls(text) == (ToolCall("write_file", {"path": "a.py", "content": "x = {1: 2}\n"}),)


def test_python_call_with_keywords() -> None:
    text = 'replace(path="calc/ops.py", old="len(xs) + 1", new="len(xs)")'
    args = {"path": "calc/ops.py", "old": "len(xs) + 1", "new": "len(xs)"}
    assert calls(text) == (ToolCall("replace", args),)


def test_calls_inside_think_are_ignored() -> None:
    text = '<think>{"tool": "submit"}</think>{"tool": "read_file", "path": "calc/ops.py"}'
    assert calls(text) == (READ,)


def test_unrelated_json_in_prose_is_not_a_call() -> None:
    text = 'The config {"debug": true} is fine. {"tool": "read_file", "path": "calc/ops.py"}'
    assert calls(text) == (READ,)


def test_unknown_tools_are_returned_for_the_env_to_answer() -> None:
    assert calls('{"tool": "edit_file", "path": "a.py"}') == (
        ToolCall("edit_file", {"path": "a.py"}),
    )


@pytest.mark.parametrize("text", ["", "I think the bug is in ops.py.", "{not json", "[1, 2, 3]"])
def test_no_call_is_a_format_error_that_shows_the_format(text: str) -> None:
    parsed = parse_tool_calls(text, tools=TOOLS)
    assert isinstance(parsed, FormatError)
    assert '{"tool": "read_file"' in parsed.message and "submit" in parsed.message


def test_bare_submit_after_json_calls() -> None:
    text = '{"tool": "write_file", "path": "a.py", "content": "x = 1\\n"}\nsubmit'
    assert [c.tool for c in calls(text)] == ["write_file", "submit"]
    assert [c.tool for c in calls('{"tool": "submit"}\nsubmit')] == ["submit"]
