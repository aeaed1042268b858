"""envs.spaces.OpenText: any string is an observation or an action."""

from __future__ import annotations

import pytest

from envs.spaces import OpenText


@pytest.mark.parametrize(
    "text", ["", "def f(x):\n    return x  # ok", "Crème brûlée → 中文 😀", "\t\r\n", "a" * 100_000]
)
def test_contains_any_string(text: str) -> None:
    assert text in OpenText()


@pytest.mark.parametrize("value", [None, b"bytes", 3, ["a"]])
def test_contains_only_strings(value: object) -> None:
    assert value not in OpenText()


def test_max_length() -> None:
    space = OpenText(max_length=3)
    assert "abc" in space and "abcd" not in space
    assert all(len(space.sample()) <= 3 for _ in range(50))


def test_samples_are_strings_in_the_space_and_reproducible() -> None:
    a, b = OpenText(seed=7), OpenText(seed=7)
    samples = [a.sample() for _ in range(200)]
    assert samples == [b.sample() for _ in range(200)]
    assert all(isinstance(s, str) and s in a for s in samples)
    joined = "".join(samples)
    # the sampler exercises what Gymnasium's Text space rejects
    assert " " in joined and "\n" in joined and any(ord(c) > 127 for c in joined)
    assert "" in samples or min(map(len, samples)) <= 2


def test_equality_and_repr() -> None:
    assert OpenText() == OpenText() and OpenText() != OpenText(max_length=5)
    assert repr(OpenText(max_length=5)) == "OpenText(max_length=5)"


def test_masks_are_refused() -> None:
    with pytest.raises(NotImplementedError):
        OpenText().sample(mask=(3, None))
