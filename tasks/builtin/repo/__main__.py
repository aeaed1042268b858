"""``python -m tasks.builtin.repo``: rewrite ``tasks/data/codegym-repo.jsonl`` from the specs."""

from __future__ import annotations

from tasks.builtin.repo import DATA_PATH, build_tasks
from tasks.io import dump_suite


def main() -> None:
    tasks = build_tasks()
    dump_suite(tasks, DATA_PATH)
    by_split = {split: sum(t.split == split for t in tasks) for split in ("train", "test")}
    print(
        f"wrote {len(tasks)} tasks ({by_split['train']} train, {by_split['test']} test) to {DATA_PATH}"
    )


if __name__ == "__main__":
    main()
