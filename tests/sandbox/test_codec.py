"""The plain-data codec and type-strict comparison (pure functions)."""

from __future__ import annotations

import math

import pytest

from sandbox.harness import codec

ROUND_TRIP = [
    None,
    True,
    False,
    0,
    -(2**200),
    1.5,
    -0.0,
    float("inf"),
    "héllo\n\x00",
    b"\x00\xff",
    bytearray(b"ab"),
    complex(1, -2),
    [1, [2, (3,)]],
    (1, "a", None),
    (),
    {1: "a", (2, 3): [4], "k": {"n": frozenset({1, 2})}},
    {1, 2, 3},
    frozenset({"x"}),
]


@pytest.mark.parametrize("value", ROUND_TRIP, ids=repr)
def test_round_trip_keeps_value_and_type(value: object) -> None:
    back = codec.loads(codec.dumps(value))
    assert codec.strict_equal(back, value)
    assert type(back) is type(value)


def test_nan_survives() -> None:
    assert math.isnan(codec.loads(codec.dumps(float("nan"))))


def test_builtin_subclasses_arrive_as_the_builtin() -> None:
    class Liar(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    class BigInt(int):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = int.__hash__

    back = codec.loads(codec.dumps([Liar("no"), BigInt(3)]))
    assert back == ["no", 3]
    assert type(back[0]) is str and type(back[1]) is int
    assert back[0] != "anything"


def test_other_objects_cannot_cross() -> None:
    class Anything:
        def __eq__(self, other: object) -> bool:
            return True

    with pytest.raises(codec.CodecError, match="cannot leave the sandbox"):
        codec.encode(Anything())
    with pytest.raises(codec.CodecError):
        codec.encode(lambda: 1)


@pytest.mark.parametrize(
    "data",
    [
        '{"$x": 1}',
        '{"$t": 1}',
        '{"$s": [[1]]}',
        '{"$d": [[1]]}',
        '{"a": 1, "b": 2}',
        '{"$c": ["a", 1]}',
    ],
)
def test_malformed_data_is_rejected(data: str) -> None:
    with pytest.raises(codec.CodecError):
        codec.loads(data)


def test_deep_nesting_is_refused_not_crashing() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(codec.CodecError):
        codec.loads(deep)


@pytest.mark.parametrize(
    ("got", "expected", "tol", "equal"),
    [
        (1, 1, None, True),
        (1, 1.0, None, False),
        (True, 1, None, False),
        ([1, 2], (1, 2), None, False),
        ((1, [2.0]), (1, [2.0]), None, True),
        (0.1 + 0.2, 0.3, None, False),
        (0.1 + 0.2, 0.3, 1e-9, True),
        (float("nan"), float("nan"), None, True),
        ({"a": 1}, {"a": 1.0}, None, False),
        ({"a": 1}, {"a": 1, "b": 2}, None, False),
        ({1, 2}, {2, 1}, None, True),
        (complex(1, 2), complex(1, 2 + 1e-12), 1e-9, True),
        # type-strict all the way down: set elements and dict keys too
        ({1.0, 2.0}, {1, 2}, None, False),
        ({True: "x"}, {1: "x"}, None, False),
        ({1 + 0j}, {1}, None, False),
        (frozenset({1}), {1}, None, False),
        ({(1, 2.0)}, {(1, 2)}, None, False),
        ({(1, 2)}, {(1, 2)}, None, True),
        ({frozenset({1.0})}, {frozenset({1})}, None, False),
        ({(1, 2): [3]}, {(1, 2): [3]}, None, True),
        ({(1.0, 2): [3]}, {(1, 2): [3]}, None, False),
        ({1: {2.0}}, {1: {2}}, None, False),
        ({float("nan"), 1}, {float("nan"), 1}, None, True),
        ({1, 2}, {1, 3}, None, False),
    ],
)
def test_strict_equal(got: object, expected: object, tol: float | None, equal: bool) -> None:
    assert codec.strict_equal(got, expected, tol) is equal
