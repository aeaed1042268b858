"""Fixtures of the mining tests: a tiny project laid out like a PyPI sdist (package, tests,
setup.cfg, PKG-INFO), packed as ``tinycalc-1.0.tar.gz`` into a mining cache, so the tests mine
it without any network."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

OPS = '''\
"""Small arithmetic helpers."""


def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def mean(xs):
    if not xs:
        raise ValueError("mean of nothing")
    return sum(xs) / len(xs)


def window(xs, n):
    return [xs[i : i + n] for i in range(0, len(xs) - n + 1)]
'''

INIT = "from tinycalc.ops import clamp, mean, window\n\n__all__ = ['clamp', 'mean', 'window']\n"

TESTS = """\
from datetime import date

import pytest

from tinycalc import clamp, mean, window


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_low():
    assert clamp(-3, 0, 10) == 0


def test_clamp_high():
    assert clamp(30, 0, 10) == 10


def test_clamp_edges():
    assert clamp(0, 0, 10) == 0
    assert clamp(10, 0, 10) == 10


def test_mean():
    assert mean([1, 2, 3, 6]) == 3


def test_mean_empty():
    with pytest.raises(ValueError):
        mean([])


def test_window():
    assert window([1, 2, 3, 4], 2) == [[1, 2], [2, 3], [3, 4]]


def test_window_whole():
    assert window([1, 2], 2) == [[1, 2]]


# ids from a set: their order, so each id's case, follows the hash seed
@pytest.mark.parametrize(
    "word, when",
    {("alpha", date(2020, 1, 1)), ("beta", date(2020, 1, 2)), ("gamma", date(2020, 1, 3))},
)
def test_set_params(word, when):
    assert when.day == {"alpha": 1, "beta": 2, "gamma": 3}[word]
"""

FILES = {
    "tinycalc/__init__.py": INIT,
    "tinycalc/ops.py": OPS,
    "tests/__init__.py": "",
    "tests/test_ops.py": TESTS,
    "setup.cfg": "[metadata]\nname = tinycalc\n",
    "PKG-INFO": "Metadata-Version: 2.1\nName: tinycalc\nVersion: 1.0\nLicense-Expression: MIT\n",
}


def make_sdist(cache_dir: Path) -> Path:
    """Write ``cache_dir/sdists/tinycalc-1.0.tar.gz``; returns its path."""
    where = cache_dir / "sdists"
    where.mkdir(parents=True, exist_ok=True)
    archive = where / "tinycalc-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for path, text in FILES.items():
            data = text.encode()
            info = tarfile.TarInfo(f"tinycalc-1.0/{path}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return archive


@pytest.fixture
def tiny_cache(tmp_path: Path) -> Path:
    """A mining cache folder holding the tinycalc sdist."""
    cache = tmp_path / "cache"
    make_sdist(cache)
    return cache
