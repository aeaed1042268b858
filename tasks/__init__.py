"""Coding tasks: the `Task` schema, suite files, loaders of upstream datasets, held-out scoring.

>>> from tasks import load_tasks
>>> len(load_tasks("humaneval", split="test"))
164
"""

from tasks.io import dump_suite, load_suite
from tasks.registry import available_suites, load_tasks, register_suite, unregister_suite
from tasks.schema import SCHEMA_VERSION, Task

__all__ = [
    "SCHEMA_VERSION",
    "Task",
    "available_suites",
    "dump_suite",
    "load_suite",
    "load_tasks",
    "register_suite",
    "unregister_suite",
]
