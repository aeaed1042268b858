"""From what a model writes to the program it meant. Pure functions, no I/O.

Models do not follow formats. They put code in a fenced block and then a second block with an
example call; forget the closing fence when they run out of tokens; tag blocks ``Python3``,
``py`` or ``c++``; write bare code with a sentence before and after; think aloud inside
``<think>`` sections first; or, given a HumanEval prompt, write only the function's body. These
functions recover the intended program in all those cases and return a `FormatError` with a
message fit to show the model when there is none: a bad action is an observation, never an
exception. Tool calls (``Repo-v0``) are parsed in `envs.tool_calls`.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CodeBlock",
    "FormatError",
    "ParsedCode",
    "complete_prompt",
    "defines",
    "extract_code",
    "find_code_blocks",
    "normalize_language",
    "strip_think",
]

Language = Literal["python", "cpp"]


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block: its text, its language tag normalised (``""`` when untagged) and whether
    its closing fence was found."""

    code: str
    language: str
    closed: bool


@dataclass(frozen=True)
class ParsedCode:
    """The program recovered from an action. `origin` says how it was found, for metrics."""

    code: str
    language: Language
    origin: Literal["fenced", "unclosed_fence", "bare"]


@dataclass(frozen=True)
class FormatError:
    """No program could be recovered. `message` is written for the model to read."""

    message: str


# -- <think> sections ---------------------------------------------------------------------------

_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(?:think|thinking|reasoning)>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(?:think|thinking|reasoning)>", re.IGNORECASE)


def strip_think(text: str) -> str:
    """Remove reasoning sections.

    A closing tag without an opening one means the chat template opened the section in the
    prompt (Qwen3, DeepSeek-R1 style): everything before it is reasoning. An opening tag that is
    never closed means the model ran out of tokens while thinking: what follows is a draft, not an
    answer, and is dropped.
    """
    text = _THINK_BLOCK.sub("", text)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    opened = _THINK_OPEN.search(text)
    if opened:
        text = text[: opened.start()]
    return text


# -- fenced blocks ------------------------------------------------------------------------------

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")

_LANGUAGE_TAGS = {
    "python": "python",
    "py": "python",
    "python3": "python",
    "py3": "python",
    "ipython": "python",
    "cpp": "cpp",
    "c++": "cpp",
    "cc": "cpp",
    "cxx": "cpp",
    "hpp": "cpp",
    "c": "cpp",  # C is (almost always) valid C++ and compiles with g++
}


def normalize_language(tag: str) -> str:
    """``"Python3"`` -> ``"python"``, ``"C++17"`` -> ``"cpp"``; other tags lower-cased."""
    word = tag.strip().split(maxsplit=1)[0].lower() if tag.strip() else ""
    word = word.strip("{}.")
    if word in _LANGUAGE_TAGS:
        return _LANGUAGE_TAGS[word]
    if re.fullmatch(r"python[\d.]*|py[\d.]*", word):
        return "python"
    if re.fullmatch(r"(c\+\+|cpp)[\d]*|gnu\+\+\d*", word):
        return "cpp"
    return word


def find_code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block of `text`, in order.

    A fence is three or more backticks or tildes at the start of a line (indentation allowed, as
    inside a list item); a block ends at a fence of the same character at least as long, or at
    the end of the text (``closed=False``). A closing fence glued to the last code line
    (``return x```) also ends the block. Indented blocks are dedented.
    """
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE_OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        fence = opening["fence"]
        language = normalize_language(opening["info"])
        body: list[str] = []
        closed = False
        i += 1
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                closed = True
                break
            if stripped.endswith(fence) and not stripped.startswith(fence[0]):
                body.append(line.rstrip()[: -len(fence)])
                closed = True
                break
            body.append(line)
            i += 1
        i += 1
        code = textwrap.dedent("\n".join(body)).strip("\n")
        blocks.append(CodeBlock(code=code + "\n" if code else "", language=language, closed=closed))
    return blocks


# -- what a program defines ---------------------------------------------------------------------


def defines(code: str, name: str, *, language: Language = "python") -> bool:
    """Whether `code` defines `name` at top level (a function, class, assignment or import).

    Code with a syntax error is searched with a regular expression instead, so that a broken
    attempt at the entry point is still recognised as that attempt (and its error shown).
    """
    if language == "cpp":
        return re.search(rf"\b{re.escape(name)}\s*\(", code) is not None
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", code, re.M) is not None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return True
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names):
                return True
    return False


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _looks_like_python(code: str) -> bool:
    """Parses, and holds more than a bare name or constant (``ok``, ``True`` and ``42`` parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return any(
        not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Name | ast.Constant))
        for node in tree.body
    )


# -- picking the program ------------------------------------------------------------------------

_PY_CODE_START = re.compile(
    r"^(?:async\s+def\s|def\s|class\s|import\s|from\s+[\w.]+\s+import\s|@\w|if\s+__name__\b"
    r"|[A-Za-z_]\w*\s*=\s*\S|for\s.+:\s*$|while\s.+:\s*$|print\()"
)
_CPP_CODE_START = re.compile(
    r"^\s*(?:#\s*include|#\s*define|using\s+namespace|template\s*<|int\s+main\s*\(|struct\s|"
    r"class\s|typedef\s|const\s|static\s|long\s+long\s|namespace\s)"
)


def _pick_block(
    blocks: list[CodeBlock], language: Language, entry_point: str | None
) -> CodeBlock | None:
    tagged = [b for b in blocks if b.language == language and b.code.strip()]
    untagged = [b for b in blocks if b.language == "" and b.code.strip()]
    if language == "python":
        # An untagged block counts only when it is Python: "```\n5\n```" is an output sample.
        untagged = [b for b in untagged if _looks_like_python(b.code) or not b.closed]
    else:
        untagged = [b for b in untagged if _CPP_CODE_START.search(b.code, 0) or "main" in b.code]
    candidates = tagged + untagged
    if not candidates:
        return None
    if entry_point:
        # The last block that defines the entry point: later blocks are usually example calls
        # ("```python\nprint(f(3))\n```"); a later definition is a correction.
        defining = [
            b for b in blocks if b in candidates and defines(b.code, entry_point, language=language)
        ]
        if defining:
            return defining[-1]
    for pool in (tagged, untagged):
        closed = [b for b in pool if b.closed]
        if closed:
            return closed[-1]
    return [b for b in blocks if b in candidates][-1]


def _bare_python(text: str) -> str | None:
    whole = textwrap.dedent(text).strip("\n")
    if _looks_like_python(whole):
        return whole + "\n"
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _PY_CODE_START.match(line)]
    if not starts:
        return None
    start = starts[0]
    # Trim prose after the code: the longest prefix from the first code line that parses.
    for end in range(len(lines), start, -1):
        chunk = "\n".join(lines[start:end]).strip("\n")
        if _looks_like_python(chunk):
            return chunk + "\n"
        if len(lines) - end > 200:  # bound the work on long rambling answers
            break
    return "\n".join(lines[start:]).strip("\n") + "\n"


def _bare_cpp(text: str) -> str | None:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _CPP_CODE_START.match(line)), None)
    if start is None:
        return None
    end = max((i for i, line in enumerate(lines) if line.rstrip().endswith("}")), default=None)
    if end is None or end < start:
        end = len(lines) - 1
    return "\n".join(lines[start : end + 1]).strip("\n") + "\n"


def extract_code(
    text: str,
    *,
    language: Language = "python",
    entry_point: str | None = None,
    languages: tuple[Language, ...] | None = None,
) -> ParsedCode | FormatError:
    """The program in `text`, or a `FormatError` saying what was expected.

    Preference: (1) the last fenced block in the target language that defines `entry_point`;
    (2) the last closed block in that language (tagged, then untagged); (3) an unclosed block
    (the model ran out of tokens: its compile error is better feedback than "no code");
    (4) bare code, with prose before and after trimmed. `<think>` sections are ignored.

    `languages` lists other languages the caller accepts: a block tagged with one of them is
    taken (Stdio-v0 lets a model answer a Python task in C++), and the result says which.
    """
    accepted: tuple[Language, ...] = (language,) + tuple(
        lang for lang in (languages or ()) if lang != language
    )
    answer = strip_think(text)
    if not answer.strip():
        return FormatError(
            "Your reply contained no answer"
            + (" (only a <think> section)." if text.strip() else ".")
            + f" Reply with your {_describe(accepted)} program in a fenced block, e.g.\n"
            + _example(language)
        )
    blocks = find_code_blocks(answer)
    # The language the model chose: that of its last block tagged with an accepted language.
    chosen = [b.language for b in blocks if b.language in accepted]
    first: Language = chosen[-1] if chosen else language  # type: ignore[assignment]
    order = [first, *(lang for lang in accepted if lang != first)]
    for lang in order:
        block = _pick_block(blocks, lang, entry_point if lang == language else None)
        if block is not None:
            origin: Literal["fenced", "unclosed_fence"] = (
                "fenced" if block.closed else "unclosed_fence"
            )
            return ParsedCode(code=block.code, language=lang, origin=origin)
    if not blocks:
        if "cpp" in accepted and re.search(r"^\s*#\s*include|\bint\s+main\s*\(", answer, re.M):
            order = ["cpp", *(lang for lang in order if lang != "cpp")]
        for lang in order:
            bare = _bare_python(answer) if lang == "python" else _bare_cpp(answer)
            if bare is not None:
                return ParsedCode(code=bare, language=lang, origin="bare")
    found = sorted({b.language or "untagged" for b in blocks})
    detail = f" (found blocks tagged: {', '.join(found)})" if blocks else ""
    return FormatError(
        f"No {_describe(accepted)} code found in your reply{detail}. "
        f"Put the complete program in one fenced block, e.g.\n{_example(language)}"
    )


def _describe(languages: tuple[Language, ...]) -> str:
    names = {"python": "Python", "cpp": "C++"}
    return " or ".join(names[lang] for lang in languages)


def _example(language: Language) -> str:
    if language == "cpp":
        return "```cpp\n#include <iostream>\nint main() { ... }\n```"
    return "```python\ndef solve(...):\n    ...\n```"


# -- HumanEval-style completions ----------------------------------------------------------------


def complete_prompt(prompt: str, code: str, entry_point: str) -> str:
    """`code` as a full module: unchanged when it defines `entry_point`, else the body that
    continues `prompt` (a function signature and docstring), prepended with it.

    A body written without indentation (``return sorted(xs)``) is indented under the signature.
    When neither joining parses, the plain concatenation is returned so that the syntax error
    reaches the model as feedback.
    """
    if defines(code, entry_point):
        return code
    head = prompt if prompt.endswith("\n") else prompt + "\n"
    joined = head + code
    indented = head + textwrap.indent(textwrap.dedent(code), "    ")
    first = next((line for line in code.splitlines() if line.strip()), "")
    # An unindented first line is a body written flush left, unless only the indented join
    # fails to compile. `compile`, not `ast.parse`: a top-level `return` parses but is invalid.
    order = (joined, indented) if first[:1].isspace() else (indented, joined)
    for module in order:
        if _compiles(module):
            return module
    return joined


def _compiles(code: str) -> bool:
    try:
        compile(code, "<candidate>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
