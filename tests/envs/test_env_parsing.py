"""envs.parsing: recovering the intended program from what models write."""

from __future__ import annotations

import ast

import pytest

from envs.parsing import (
    FormatError,
    ParsedCode,
    complete_prompt,
    defines,
    extract_code,
    find_code_blocks,
    normalize_language,
    strip_think,
)

ADD = "def add(a, b):\n    return a + b\n"


def code_of(text: str, **kwargs: object) -> ParsedCode:
    parsed = extract_code(text, **kwargs)  # type: ignore[arg-type]
    assert isinstance(parsed, ParsedCode), parsed
    return parsed


# -- fenced blocks ----------------------------------------------------------------------------------


def test_single_block_with_prose_around() -> None:
    text = f"Sure! Here is the function:\n\n```python\n{ADD}```\n\nIt adds the numbers."
    parsed = code_of(text, entry_point="add")
    assert parsed == ParsedCode(code=ADD, language="python", origin="fenced")


def test_block_defining_entry_point_wins_over_later_example_block() -> None:
    text = f"```python\n{ADD}```\nExample:\n```python\nprint(add(1, 2))\n```"
    assert code_of(text, entry_point="add").code == ADD
    # without an entry point, the last complete block is taken
    assert code_of(text).code == "print(add(1, 2))\n"


def test_later_definition_is_a_correction() -> None:
    wrong = "def add(a, b):\n    return a - b\n"
    text = f"```python\n{wrong}```\nOops, fixed:\n```python\n{ADD}```"
    assert code_of(text, entry_point="add").code == ADD


def test_untagged_output_block_is_not_code() -> None:
    text = f"```python\n{ADD}```\nOutput:\n```\n3\n```"
    assert code_of(text).code == ADD


def test_untagged_block_holding_python_is_taken() -> None:
    assert code_of(f"```\n{ADD}```", entry_point="add").code == ADD


@pytest.mark.parametrize("tag", ["python", "Python3", "py", "python3.11", "PY"])
def test_python_tags(tag: str) -> None:
    assert code_of(f"```{tag}\n{ADD}```").code == ADD


def test_missing_closing_fence_keeps_the_code() -> None:
    parsed = code_of(f"Here:\n```python\n{ADD}", entry_point="add")
    assert parsed.code == ADD and parsed.origin == "unclosed_fence"


def test_closed_block_preferred_over_unclosed_one_without_entry_point() -> None:
    text = "```python\nx = 1\n```\nand\n```python\ny = 2\n"
    assert code_of(text).code == "x = 1\n"


def test_closing_fence_glued_to_last_line() -> None:
    assert code_of("```python\ndef f():\n    return 1```\nDone.").code == "def f():\n    return 1\n"


def test_indented_fence_in_a_list_item_is_dedented() -> None:
    text = "1. Write it:\n   ```python\n   def f():\n       return 1\n   ```\n"
    code = code_of(text).code
    assert code == "def f():\n    return 1\n"
    ast.parse(code)


def test_tilde_fences() -> None:
    assert code_of(f"~~~python\n{ADD}~~~").code == ADD


def test_broken_block_that_defines_entry_point_is_still_chosen() -> None:
    """A syntax error in the intended block must reach the model as feedback, not be skipped."""
    broken = "def add(a, b)\n    return a + b\n"
    text = f"```python\n{broken}```\n```python\nprint(1)\n```"
    assert code_of(text, entry_point="add").code == broken


# -- bare code, prose, <think> ------------------------------------------------------------------


def test_bare_code() -> None:
    assert code_of(ADD).code == ADD
    assert code_of(ADD).origin == "bare"


def test_bare_code_with_prose_before_and_after() -> None:
    text = f"I will write the function.\n{ADD}\nThis returns the sum of both numbers."
    assert code_of(text, entry_point="add").code == ADD


def test_bare_body_only() -> None:
    assert code_of("    return [x + 1 for x in l]\n").code == "return [x + 1 for x in l]\n"


@pytest.mark.parametrize(
    "text", ["", "   \n", "I don't know how to solve this.", "ok", "True", "42"]
)
def test_no_code_is_a_format_error(text: str) -> None:
    parsed = extract_code(text, entry_point="add")
    assert isinstance(parsed, FormatError)
    assert "```python" in parsed.message


def test_format_error_names_the_blocks_it_found() -> None:
    parsed = extract_code("```bash\nls\n```")
    assert isinstance(parsed, FormatError) and "bash" in parsed.message


def test_think_sections_are_ignored() -> None:
    draft = "def add(a, b):\n    return 0\n"
    text = f"<think>\nMaybe:\n```python\n{draft}```\n</think>\n```python\n{ADD}```"
    assert code_of(text, entry_point="add").code == ADD


def test_unclosed_think_is_a_draft_not_an_answer() -> None:
    parsed = extract_code(f"<think>let me try\n```python\n{ADD}```")
    assert isinstance(parsed, FormatError) and "<think>" in parsed.message


def test_close_tag_without_open_tag_means_template_opened_it() -> None:
    text = f"reasoning about def add(): ...\n</think>\n```python\n{ADD}```"
    assert strip_think(text).strip().startswith("```python")
    assert code_of(text, entry_point="add").code == ADD


# -- C++ and language choice --------------------------------------------------------------------

CPP = '#include <iostream>\nint main() {\n    std::cout << "hi";\n}\n'


@pytest.mark.parametrize("tag", ["cpp", "c++", "C++17", "cc", "cxx"])
def test_cpp_tags(tag: str) -> None:
    parsed = code_of(f"```{tag}\n{CPP}```", language="cpp", entry_point="main")
    assert parsed.code == CPP and parsed.language == "cpp"


def test_bare_cpp_with_prose() -> None:
    text = f"Here is my solution.\n{CPP}\nIt prints hi."
    assert code_of(text, language="cpp").code == CPP


def test_other_language_block_taken_only_when_accepted() -> None:
    text = f"```cpp\n{CPP}```"
    assert isinstance(extract_code(text, language="python"), FormatError)
    parsed = code_of(text, language="python", languages=("python", "cpp"))
    assert parsed.language == "cpp" and parsed.code == CPP


def test_last_tagged_language_is_the_models_choice() -> None:
    text = f"Python first:\n```python\nprint(1)\n```\nFaster in C++:\n```cpp\n{CPP}```"
    assert code_of(text, language="python", languages=("python", "cpp")).language == "cpp"


def test_normalize_language() -> None:
    assert normalize_language("Python3 title='x'") == "python"
    assert normalize_language("gnu++17") == "cpp"
    assert normalize_language("JSON") == "json"
    assert normalize_language("") == ""


def test_find_code_blocks_reports_tags_and_closure() -> None:
    blocks = find_code_blocks("```json\n{}\n```\ntext\n```python\nx = 1\n")
    assert [(b.language, b.closed) for b in blocks] == [("json", True), ("python", False)]


# -- entry points and HumanEval completions -----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def f(): pass", True),
        ("async def f(): pass", True),
        ("class f: pass", True),
        ("f = lambda x: x", True),
        ("from math import sqrt as f", True),
        ("def g(): pass\nprint(f)", False),
        ("def f(:\n", True),  # broken, but an attempt at f
        ("def fx(): pass", False),
    ],
)
def test_defines(code: str, expected: bool) -> None:
    assert defines(code, "f") is expected


PROMPT = 'def incr_list(l: list):\n    """Return list with elements incremented by 1."""\n'


def test_complete_prompt_keeps_a_full_definition() -> None:
    full = "def incr_list(l):\n    return [x + 1 for x in l]\n"
    assert complete_prompt(PROMPT, full, "incr_list") == full


def test_complete_prompt_prepends_the_prompt_to_a_body() -> None:
    body = "    return [x + 1 for x in l]\n"
    module = complete_prompt(PROMPT, body, "incr_list")
    assert module == PROMPT + body
    namespace: dict[str, object] = {}
    exec(compile(module, "<test>", "exec"), namespace)  # trusted: the test's own code
    assert namespace["incr_list"]([1, 2]) == [2, 3]  # type: ignore[operator]


def test_complete_prompt_indents_an_unindented_body() -> None:
    module = complete_prompt(PROMPT, "return [x + 1 for x in l]\n", "incr_list")
    assert module == PROMPT + "    return [x + 1 for x in l]\n"


def test_complete_prompt_keeps_helpers_after_the_body() -> None:
    body = "    return [_inc(x) for x in l]\n\n\ndef _inc(x):\n    return x + 1\n"
    assert complete_prompt(PROMPT, body, "incr_list") == PROMPT + body
