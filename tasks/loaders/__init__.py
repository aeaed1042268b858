"""Readers of upstream dataset formats, each returning `tasks.schema.Task`s.

One module per format; `tasks.registry` reaches them by name (``"mbpp:/path/to/mbpp.jsonl"``).
Each accepts a local file (JSONL, JSONL.gz, or a format `datasets` reads) or, where a hub is
reachable, a Hugging Face dataset id.
"""

from tasks.loaders.apps import load_apps, load_codecontests
from tasks.loaders.humaneval import humaneval_data_path, load_humaneval
from tasks.loaders.livecodebench import load_livecodebench
from tasks.loaders.mbpp import load_mbpp

__all__ = [
    "humaneval_data_path",
    "load_apps",
    "load_codecontests",
    "load_humaneval",
    "load_livecodebench",
    "load_mbpp",
]
