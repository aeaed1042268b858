"""Bug fix: version strings are compared as text, so 1.10.0 sorts before 1.9.0."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""Version numbers of the form MAJOR.MINOR.PATCH, with an optional leading "v"."""
'''

_BUGGY_PARSE = r'''

def parse(version: str) -> tuple:
    """``"v1.2.3"`` -> the parts of the version, for comparisons."""
    parts = version.strip().removeprefix("v").split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {version!r}")
    return tuple(parts)
'''

_FIXED_PARSE = r'''

def parse(version: str) -> tuple[int, int, int]:
    """``"v1.2.3"`` -> ``(1, 2, 3)``: numbers, so that 10 > 9 (as text, "10" < "9")."""
    parts = version.strip().removeprefix("v").split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {version!r}")
    major, minor, patch = (int(p) for p in parts)
    return (major, minor, patch)
'''

_TAIL = r'''

def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as version `a` is older than, the same as, or newer than `b`."""
    pa, pb = parse(a), parse(b)
    return (pa > pb) - (pa < pb)


def latest(versions: list[str]) -> str:
    """The newest of `versions` (the first one written, among equal versions)."""
    if not versions:
        raise ValueError("no versions given")
    return max(versions, key=parse)


def sort_versions(versions: list[str]) -> list[str]:
    """Oldest first; equal versions keep their order."""
    return sorted(versions, key=parse)
'''

SPEC = RepoSpec(
    name="semver-numeric-compare",
    split="test",
    difficulty="easy",
    change="bugfix",
    tags=("sorting", "versions", "parsing"),
    entry_point="versions.semver:compare",
    issue="""
Release tool thinks 1.9.0 is newer than 1.10.0

`versions.semver.latest(["1.9.0", "1.10.0"])` returns `"1.9.0"` and `compare("2.0.0", "10.0.0")`
returns 1. Each part of a version is a number and must be compared as one, in `compare`,
`latest` and `sort_versions` alike. Leading zeros do not matter (`"1.02.0"` is the same version
as `"1.2.0"`), and the optional leading `v` keeps working.
""",
    files={
        "README.md": r"""
# versions

Version helpers for the release tool. Versions look like `1.2.3` or `v1.2.3`.

- `parse(version)`: the comparable parts; malformed versions raise `ValueError`.
- `compare(a, b)` -> -1, 0 or 1; `latest(versions)`; `sort_versions(versions)` (stable).
""",
        "versions/__init__.py": "",
        "versions/semver.py": _HEAD + _BUGGY_PARSE + _TAIL,
        "tests/test_semver.py": r"""
import pytest

from versions.semver import compare, latest


def test_simple_compare():
    assert compare("1.2.3", "1.2.4") == -1
    assert compare("v1.2.3", "1.2.3") == 0


def test_malformed():
    with pytest.raises(ValueError):
        compare("1.2", "1.2.0")


def test_two_digit_minor():
    assert latest(["1.9.0", "1.10.0"]) == "1.10.0"
""",
    },
    reference_files={"versions/semver.py": _HEAD + _FIXED_PARSE + _TAIL},
    test_script=r"""
def _raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


def check(candidate):
    assert candidate("2.0.0", "10.0.0") == -1 and candidate("10.0.0", "2.0.0") == 1
    assert candidate("1.2.10", "1.2.9") == 1 and candidate("0.10.1", "0.9.12") == 1
    assert candidate("1.02.0", "1.2.0") == 0 and candidate("v3.0.0", "3.0.00") == 0
    sort_versions = candidate_function("versions.semver:sort_versions")
    assert sort_versions(["1.10.0", "v1.2.0", "1.9.9", "1.2.0", "0.100.0"]) == ["0.100.0", "v1.2.0", "1.2.0", "1.9.9", "1.10.0"]
    latest = candidate_function("versions.semver:latest")
    assert latest(["9.9.9", "10.0.0", "1.99.99"]) == "10.0.0" and latest(["v2.1.0", "2.01.0"]) == "v2.1.0"
    assert _raises(ValueError, candidate, "1.2.x", "1.2.3") and _raises(ValueError, candidate, "1..3", "1.2.3")
""",
)
