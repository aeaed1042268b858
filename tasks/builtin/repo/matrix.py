"""Bug fix: `transpose` assumes a square matrix, which also breaks `multiply`."""

from tasks.builtin.repo._spec import RepoSpec

_HEAD = r'''
"""Dense matrices as lists of rows (lists of numbers)."""


def shape(m: list[list[float]]) -> tuple[int, int]:
    """(rows, columns); every row must have the same length."""
    cols = len(m[0]) if m else 0
    if any(len(row) != cols for row in m):
        raise ValueError("ragged matrix: rows differ in length")
    return (len(m), cols)


def identity(n: int) -> list[list[int]]:
    return [[int(i == j) for j in range(n)] for i in range(n)]
'''

_BUGGY_TRANSPOSE = r'''

def transpose(m: list[list[float]]) -> list[list[float]]:
    """The matrix with rows and columns swapped."""
    n = len(m)
    return [[m[j][i] for j in range(n)] for i in range(n)]
'''

_FIXED_TRANSPOSE = r'''

def transpose(m: list[list[float]]) -> list[list[float]]:
    """The matrix with rows and columns swapped: an r x c matrix becomes c x r."""
    rows, cols = shape(m)
    return [[m[i][j] for i in range(rows)] for j in range(cols)]
'''

_MULTIPLY = r'''

def multiply(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """The product ``a @ b``; the columns of `a` must match the rows of `b`."""
    if shape(a)[1] != shape(b)[0]:
        raise ValueError(f"cannot multiply {shape(a)} by {shape(b)}")
    columns = transpose(b)
    return [[sum(x * y for x, y in zip(row, col)) for col in columns] for row in a]
'''

SPEC = RepoSpec(
    name="matrix-transpose-rectangular",
    split="train",
    difficulty="easy",
    change="bugfix",
    tags=("matrix", "indexing"),
    entry_point="matrix.ops:transpose",
    issue="""
`transpose` and `multiply` fail on non-square matrices

`matrix.ops.transpose([[1, 2, 3], [4, 5, 6]])` returns `[[1, 4], [2, 5]]` (the third column is
lost), and a 3x2 matrix raises `IndexError`. An r x c matrix must become c x r. Because
`multiply` transposes its right operand, multiplying a 2x3 matrix by a 3x2 one is wrong too.
""",
    files={
        "README.md": r"""
# matrix

Small dense-matrix helpers for the layout engine. A matrix is a list of rows.

- `shape(m)` -> `(rows, cols)`; ragged matrices raise `ValueError`.
- `identity(n)`, `transpose(m)`, `multiply(a, b)` (shapes must agree, else `ValueError`).
""",
        "matrix/__init__.py": "",
        "matrix/ops.py": _HEAD + _BUGGY_TRANSPOSE + _MULTIPLY,
        "tests/test_ops.py": r"""
import pytest

from matrix.ops import identity, multiply, shape, transpose


def test_square():
    assert transpose([[1, 2], [3, 4]]) == [[1, 3], [2, 4]]
    assert multiply([[1, 2], [3, 4]], identity(2)) == [[1, 2], [3, 4]]


def test_shape_mismatch():
    with pytest.raises(ValueError):
        multiply([[1, 2]], [[1, 2]])


def test_wide_matrix():
    assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
    assert shape(transpose([[1, 2, 3]])) == (3, 1)
""",
    },
    reference_files={"matrix/ops.py": _HEAD + _FIXED_TRANSPOSE + _MULTIPLY},
    test_script=r"""
def check(candidate):
    assert candidate([[1, 2], [3, 4], [5, 6]]) == [[1, 3, 5], [2, 4, 6]]
    assert candidate([[7, 8, 9, 10]]) == [[7], [8], [9], [10]]
    assert candidate([[1], [2], [3]]) == [[1, 2, 3]]
    assert candidate([]) == []
    m = [[0.5, -1.0, 2.0], [3.0, 4.5, 6.0]]
    assert candidate(candidate(m)) == m
    multiply = candidate_function("matrix.ops:multiply")
    assert multiply([[1, 2, 3], [4, 5, 6]], [[7, 8], [9, 10], [11, 12]]) == [[58, 64], [139, 154]]
    assert multiply([[1, 2]], [[3], [4]]) == [[11]]
    assert multiply([[2], [3]], [[4, 5, 6]]) == [[8, 10, 12], [12, 15, 18]]
""",
)
