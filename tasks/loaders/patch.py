"""Apply and make unified diffs (``git diff`` output) over a repository held as path -> text.

`apply_patch` handles new, deleted and changed files; each hunk must match its context
exactly, at the line the header says or (as ``patch`` does) at the nearest line where it does.
A hunk that matches nowhere raises `PatchError` naming the file and the hunk. Renames, binary
patches and mode changes are refused.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from tasks.errors import TaskError

__all__ = ["PatchError", "apply_patch", "make_patch", "patched_paths"]

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(TaskError):
    """A patch that does not apply to the files it is given."""


def _strip(path: str) -> str | None:
    path = path.split("\t")[0].strip()
    if path == "/dev/null":
        return None
    return path[2:] if path.startswith(("a/", "b/")) else path


def _file_sections(patch: str) -> list[tuple[str | None, str | None, list[str]]]:
    """(old path, new path, hunk lines) per file of `patch`."""
    sections: list[tuple[str | None, str | None, list[str]]] = []
    lines = patch.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("GIT binary patch") or line.startswith("rename from"):
            raise PatchError("binary patches and renames are not supported")
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = _strip(line[4:]), _strip(lines[i + 1][4:])
            i += 2
            body: list[str] = []
            while i < len(lines) and not (
                lines[i].startswith("diff --git")
                or (
                    lines[i].startswith("--- ")
                    and i + 1 < len(lines)
                    and lines[i + 1].startswith("+++ ")
                )  # fmt: skip
            ):
                body.append(lines[i])
                i += 1
            sections.append((old, new, body))
            continue
        i += 1
    return sections


def patched_paths(patch: str) -> list[str]:
    """The paths a patch creates, changes or deletes."""
    out = []
    for old, new, _ in _file_sections(patch):
        path = new or old
        if path is not None and path not in out:
            out.append(path)
    return out


def apply_patch(files: Mapping[str, str], patch: str) -> dict[str, str | None]:
    """The files `patch` touches, as they are after it: path -> new text, or None if deleted."""
    out: dict[str, str | None] = {}
    for old, new, body in _file_sections(patch):
        path = new or old
        assert path is not None
        if old is None:
            source: list[str] = []
        else:
            if old not in files:
                raise PatchError(f"the patch changes {old}, which the repository lacks")
            source = files[old].splitlines(keepends=True)
        result = _apply_hunks(path, source, body)
        out[path] = None if new is None else "".join(result)
    return out


def _apply_hunks(path: str, source: list[str], body: list[str]) -> list[str]:
    result = list(source)
    offset = 0
    i = 0
    while i < len(body):
        header = _HUNK.match(body[i])
        if not header:
            i += 1
            continue
        start = int(header.group(1))
        i += 1
        old_lines: list[str] = []
        new_lines: list[str] = []
        while i < len(body) and not body[i].startswith("@@"):
            line = body[i]
            if line.startswith("\\"):  # "\ No newline at end of file": the line before has none
                if i > 0 and body[i - 1][:1] in ("-", " ") and old_lines:
                    old_lines[-1] = old_lines[-1].rstrip("\n")
                if i > 0 and body[i - 1][:1] in ("+", " ") and new_lines:
                    new_lines[-1] = new_lines[-1].rstrip("\n")
                i += 1
                continue
            tag, text = line[:1], line[1:]
            if tag == " " or line in ("\n", ""):
                text = text if tag == " " else "\n"
                old_lines.append(text)
                new_lines.append(text)
            elif tag == "-":
                old_lines.append(text)
            elif tag == "+":
                new_lines.append(text)
            i += 1
        at = _find(result, old_lines, max(0, start - 1 + offset) if old_lines else start + offset)
        if at is None:
            raise PatchError(f"{path}: the hunk at line {start} does not match the file")
        result[at : at + len(old_lines)] = new_lines
        offset += len(new_lines) - len(old_lines)
    return result


def _find(lines: list[str], needle: list[str], hint: int) -> int | None:
    if not needle:
        return min(hint, len(lines))
    n = len(needle)
    for distance in range(0, len(lines) + 1):
        for at in (hint - distance, hint + distance):
            if 0 <= at <= len(lines) - n and lines[at : at + n] == needle:
                return at
    return None


def make_patch(before: Mapping[str, str], after: Mapping[str, str | None]) -> str:
    """A ``git diff``-style patch turning `before` into `after` for the paths in `after`."""
    chunks = []
    for path in sorted(after):
        old = before.get(path)
        new = after[path]
        if old == new:
            continue
        chunks.append(f"diff --git a/{path} b/{path}\n")
        for line in difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            fromfile=f"a/{path}" if old is not None else "/dev/null",
            tofile=f"b/{path}" if new is not None else "/dev/null",
        ):
            chunks.append(
                line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            )
    return "".join(chunks)
