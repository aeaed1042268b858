"""Errors of the tasks package. Each carries what the user needs to fix it: the file and line of a
bad record, the suite names that come close to a mistyped one, the install line of a missing
dataset source.

    TaskError
    ├── TaskFormatError       a suite or samples file breaks its format (message starts file:line)
    ├── UnknownSuiteError     load_tasks() got a name that is neither a suite, a format:path,
    │                         nor a file (the message suggests close names)
    ├── UnknownSplitError     the suite has no task in the split asked for
    ├── DataSourceError       a dataset cannot be read: missing file, hub unreachable
    ├── UntrustedDataError    the data needs an unsafe decoder (pickle) the caller did not allow
    └── EvaluationError       samples and tasks do not fit together (unknown task id, a results
                              file written for other samples)

Candidates that fail their tests are never errors: they are `sandbox.ExecResult`s.
"""

from __future__ import annotations

import os


class TaskError(Exception):
    """Base class of every tasks error."""


class TaskFormatError(TaskError, ValueError):
    """A record of a suite (or samples) file is malformed. `path` and `line` locate it."""

    def __init__(
        self, message: str, *, path: str | os.PathLike[str] | None = None, line: int | None = None
    ) -> None:
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        self.reason = message
        where = self.path or "<records>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class UnknownSuiteError(TaskError, KeyError):
    """No suite is registered under that name and no file exists at that path."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class UnknownSplitError(TaskError, ValueError):
    pass


class DataSourceError(TaskError):
    """A dataset could not be read from where it was asked for."""


class UntrustedDataError(TaskError):
    """Decoding the data would run a pickle; pass ``trust_pickle=True`` only for trusted files."""


class EvaluationError(TaskError):
    pass
