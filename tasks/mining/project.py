"""A Python project from its PyPI source distribution: fetch, unpack, and find its code and tests.

    archive = fetch_sdist("toolz==1.2.0", cache_dir)   # pip download --no-deps --no-binary :all:
    project = read_project(unpack(archive, cache_dir))

The sdist is fetched with the ordinary package client into ``cache_dir/sdists`` once; a pinned
``NAME==VERSION`` already there is not fetched again, so mining a known version works offline.
`Project` holds the text files a task needs (the package's source, its tests and their data),
which of them the agent may edit (`editable`, see `tasks.Task.editable`), and the licence from
the sdist's metadata.
"""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tasks.errors import TaskError

__all__ = ["MiningError", "Project", "fetch_sdist", "read_project", "unpack"]

_NOT_SOURCE = {"docs", "doc", "examples", "example", "benchmarks", "benchmark", "bench", "build",
               "dist", "scripts", "tools", "ci", "tests", "test", "testing", "misc"}  # fmt: skip
_NOT_MODULES = {"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "tasks.py", "conf.py",
                "_codegym_runner.py"}  # fmt: skip
_MAX_DATA_BYTES = 256 * 1024


class MiningError(TaskError):
    """A project cannot be fetched, read or mined; the message says why and what to do."""


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    license: str
    files: dict[str, str]
    """Every text file a task carries: source, tests, conftest.py, test data."""
    source_files: tuple[str, ...]
    """The .py files that mutations may change (no tests, no conftest)."""
    test_files: tuple[str, ...]
    test_roots: tuple[str, ...]
    """What pytest is given for a full run: test folders and top-level test files."""
    pythonpath: tuple[str, ...]
    """Import roots besides the repository root (``src`` for a src layout)."""
    editable: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


def fetch_sdist(spec: str, cache_dir: Path) -> Path:
    """The sdist archive for `spec` (``NAME`` or ``NAME==VERSION``), from the cache or pip."""
    name, _, version = spec.partition("==")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) or (
        version and not re.fullmatch(r"[A-Za-z0-9.+!_-]+", version)
    ):
        raise MiningError(f"{spec!r} is not NAME or NAME==VERSION")
    where = cache_dir / "sdists"
    where.mkdir(parents=True, exist_ok=True)
    if version:
        found = _cached(where, name, version)
        if found is not None:
            return found
    before = set(where.iterdir())
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           "--disable-pip-version-check", "-q", "-d", str(where), spec]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise MiningError(
            f"pip could not download the source distribution of {spec}: "
            f"{proc.stderr.strip()[-800:]}\nCheck the name and version (`pip index versions "
            f"{name}`) and that the package index is reachable."
        )
    new = sorted(set(where.iterdir()) - before)
    if new:
        return new[0]
    found = _cached(where, name, version) if version else None
    if found is None:  # pip found it already there: the newest matching archive
        matches = sorted(p for p in where.iterdir() if _norm(p.name).startswith(_norm(name) + "-"))
        if not matches:
            raise MiningError(f"pip reported success but no archive of {spec} is in {where}")
        found = matches[-1]
    return found


def _norm(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _cached(where: Path, name: str, version: str) -> Path | None:
    stem = _norm(f"{name}-{version}")
    for path in sorted(where.iterdir()):
        base = re.sub(r"\.(tar\.gz|tgz|tar\.bz2|zip)$", "", path.name)
        if _norm(base) == stem:
            return path
    return None


def unpack(archive: Path, cache_dir: Path) -> Path:
    """Unpack `archive` once under ``cache_dir/src``; returns the project's top folder."""
    base = re.sub(r"\.(tar\.gz|tgz|tar\.bz2|zip)$", "", archive.name)
    dest = cache_dir / "src" / base
    if not dest.exists():
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    if member.startswith("/") or ".." in member.split("/"):
                        raise MiningError(f"{archive.name}: unsafe member {member!r}")
                zf.extractall(tmp)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(tmp, filter="data")
        os.replace(tmp, dest)
    tops = [p for p in dest.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 else dest


def read_project(root: Path) -> Project:
    """Find the package(s), tests and licence of an unpacked sdist."""
    meta = _metadata(root)
    name, version = meta.get("Name", root.name), meta.get("Version", "")
    base = root / "src" if (root / "src").is_dir() else root
    prefix = "src/" if base != root else ""
    packages = sorted(
        p.name
        for p in base.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name.lower() not in _NOT_SOURCE
    )
    modules = sorted(
        p.name
        for p in base.glob("*.py")
        if p.name not in _NOT_MODULES and not _is_test_name(p.name)
    )
    if not packages and not modules:
        raise MiningError(f"{root.name}: found no importable package or module")
    files: dict[str, str] = {}
    source: list[str] = []
    tests: list[str] = []
    roots: set[str] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        parts = rel.split("/")
        if any(part.startswith(".") or part in ("build", "dist", "docs", "doc") for part in parts):
            continue
        in_test_dir = any(part in ("tests", "test", "testing") for part in parts[:-1])
        is_test = path.suffix == ".py" and (
            in_test_dir or _is_test_name(path.name) or path.name == "conftest.py"
        )
        in_package = (
            parts[0] in packages
            if not prefix
            else parts[0] == "src" and (len(parts) > 1 and parts[1] in packages)
        )
        is_module = rel == f"{prefix}{parts[-1]}" and parts[-1] in modules
        if is_test:
            text = _text(path)
            if text is None:
                continue
            files[rel] = text
            tests.append(rel)
            if path.name != "conftest.py" or in_test_dir:
                roots.add(_test_root(parts))
        elif path.suffix == ".py" and (in_package or is_module):
            text = _text(path)
            if text is not None:
                files[rel] = text
                source.append(rel)
        elif (in_package or in_test_dir) and path.stat().st_size <= _MAX_DATA_BYTES:
            text = _text(path)
            if text is not None and path.suffix not in (".pyc", ".pyo", ".so"):
                files[rel] = text
    if not tests:
        raise MiningError(
            f"{root.name}: its source distribution ships no tests (no test_*.py, *_test.py or "
            "tests/ folder); only projects whose sdist carries its test suite can be mined"
        )
    test_dirs = sorted(r for r in roots if not r.endswith(".py"))
    editable = [f"{prefix}{p}/*.py" for p in packages] + [f"{prefix}{m}" for m in modules]
    loose = [t for t in tests if not any(t.startswith(d + "/") for d in test_dirs)]
    editable += [f"!{d}/*" for d in test_dirs] + [f"!{t}" for t in loose] + ["!*conftest.py"]
    return Project(
        name=name,
        version=version,
        license=_license(meta),
        files=files,
        source_files=tuple(source),
        test_files=tuple(tests),
        test_roots=tuple(sorted(roots)),
        pythonpath=("src",) if prefix else (),
        editable=tuple(editable),
    )


def _is_test_name(name: str) -> bool:
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _test_root(parts: list[str]) -> str:
    for i, part in enumerate(parts[:-1]):
        if part in ("tests", "test", "testing"):
            return "/".join(parts[: i + 1])
    return "/".join(parts)


def _text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _metadata(root: Path) -> dict[str, str]:
    pkg_info = root / "PKG-INFO"
    if not pkg_info.exists():
        return {}
    msg = email.parser.Parser().parsestr(pkg_info.read_text("utf-8", errors="replace"))
    out = {k: str(v) for k, v in msg.items() if k not in ("Classifier",)}
    out["Classifier"] = "\n".join(str(c) for c in msg.get_all("Classifier") or [])
    return out


def _license(meta: dict[str, str]) -> str:
    """The licence the sdist declares: SPDX expression, else an OSI classifier, else the
    License field's first line; "" when it declares none (such projects are not mined)."""
    if meta.get("License-Expression"):
        return meta["License-Expression"].strip()
    for line in meta.get("Classifier", "").splitlines():
        if line.startswith("License :: OSI Approved :: "):
            return line.removeprefix("License :: OSI Approved :: ").strip()
    text = meta.get("License", "").strip()
    return text.splitlines()[0][:80] if text and text != "UNKNOWN" else ""
