"""Reading upstream dataset rows from a local file, or from the Hugging Face Hub when one answers.

Every loader gets its rows through `read_rows`, so each of them accepts the same sources:

- ``.jsonl`` / ``.jsonl.gz``: read directly, line by line (no cache directory, exact line numbers
  in error messages);
- ``.json``, ``.parquet``, ``.arrow``, ``.csv``: through ``datasets.load_dataset(<builder>,
  data_files=...)``;
- anything else that is not an existing path is taken as a hub dataset id and passed to
  ``datasets.load_dataset``; without network access that fails with `DataSourceError` saying to
  download the files and pass a path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.errors import DataSourceError, TaskFormatError
from tasks.io import iter_jsonl

_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_BUILDERS = {".json": "json", ".parquet": "parquet", ".arrow": "arrow", ".csv": "csv"}


@dataclass(frozen=True)
class Row:
    """One upstream record and where it came from, for error messages."""

    data: Mapping[str, Any]
    origin: str
    line: int | None

    def fail(self, message: str) -> TaskFormatError:
        return TaskFormatError(message, path=self.origin, line=self.line)

    def get(self, key: str, types: type | tuple[type, ...], default: Any = ...) -> Any:
        """Field `key`, checked against `types`; missing fields fail unless a default is given."""
        if key not in self.data or self.data[key] is None:
            if default is ...:
                raise self.fail(f"missing field {key!r} (fields here: {', '.join(self.data)})")
            return default
        value = self.data[key]
        if not isinstance(value, types):
            names = (
                types.__name__ if isinstance(types, type) else "/".join(t.__name__ for t in types)
            )
            raise self.fail(f"field {key!r} must be {names}, got {type(value).__name__}")
        return value


def read_rows(source: str | os.PathLike[str], *, hub_split: str = "test") -> Iterator[Row]:
    """Yield the records of `source` (see the module docstring). `hub_split` picks the split of
    a hub dataset or of a file read through `datasets`, which calls a single file ``train``."""
    path = Path(source).expanduser()
    name = path.name
    if path.is_file() and (name.endswith(".jsonl") or name.endswith(".jsonl.gz")):
        for number, record in iter_jsonl(path):
            if not isinstance(record, dict):
                raise TaskFormatError("a record must be a JSON object", path=path, line=number)
            yield Row(record, str(path), number)
        return
    if path.is_file():
        builder = _BUILDERS.get(path.suffix)
        if builder is None:
            raise DataSourceError(
                f"cannot read {path}: expected .jsonl, .jsonl.gz, {', '.join(_BUILDERS)}"
            )
        dataset = _datasets().load_dataset(builder, data_files=str(path), split="train")
        for index, record in enumerate(dataset):
            yield Row(record, str(path), index + 1)
        return
    text = os.fspath(source)
    looks_like_file = name.endswith((".jsonl", ".gz", *_BUILDERS))
    if looks_like_file or not _HUB_ID.fullmatch(text):
        raise DataSourceError(f"no such file: {path} (a hub dataset id looks like 'owner/name')")
    yield from _hub_rows(text, hub_split)


def _hub_rows(dataset_id: str, split: str) -> Iterator[Row]:
    datasets = _datasets()
    try:
        dataset = datasets.load_dataset(dataset_id, split=split)
    except Exception as exc:  # the hub client raises many types; all mean "not readable here"
        raise DataSourceError(
            f"could not load {dataset_id!r} (split {split!r}) from the Hugging Face Hub: "
            f"{type(exc).__name__}: {exc}. Without network access, download the dataset's files "
            "elsewhere and pass the local .jsonl/.parquet path instead."
        ) from exc
    for index, record in enumerate(dataset):
        yield Row(record, f"hf:{dataset_id}[{split}]", index)


def _datasets() -> Any:
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - datasets is a core dependency
        raise DataSourceError("reading this source needs `pip install datasets`") from exc
    return datasets
