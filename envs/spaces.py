"""`OpenText`: a Gymnasium space holding any Python string.

Gymnasium's `Text` space draws from a fixed charset (alphanumerics by default), so a prompt with a
space, a newline, a quote or a non-ASCII letter is "not in the observation space" and a model's
reply is not a valid action. Coding environments exchange arbitrary unicode text, so their spaces
accept every `str`, of any length unless `max_length` says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.spaces import Space

__all__ = ["OpenText"]

# What `sample` draws from: enough variety to catch an environment that assumes ASCII, one-line
# or non-empty input, without producing lone surrogates (which cannot be encoded to UTF-8).
_SAMPLE_ALPHABET: tuple[str, ...] = (
    *(chr(c) for c in range(0x20, 0x7F)),  # printable ASCII, space included
    "\n",
    "\t",
    "\r",
    "é",
    "ß",
    "λ",
    "ж",
    "中",
    "文",
    "→",
    "∑",
    "😀",
    "\u00a0",  # no-break space
    "\u200b",  # zero-width space
)


class OpenText(Space[str]):
    """The set of all strings (up to `max_length` characters, when given).

    `sample()` returns a random string of 0 to `sample_max_length` characters drawn from printable
    ASCII, whitespace and a few multi-byte characters.
    """

    def __init__(
        self,
        *,
        max_length: int | None = None,
        sample_max_length: int = 64,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if max_length is not None and max_length < 0:
            raise ValueError(f"max_length must be >= 0 or None, got {max_length}")
        if sample_max_length < 0:
            raise ValueError(f"sample_max_length must be >= 0, got {sample_max_length}")
        self.max_length = max_length
        self.sample_max_length = (
            sample_max_length if max_length is None else min(sample_max_length, max_length)
        )
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and (self.max_length is None or len(x) <= self.max_length)

    def sample(self, mask: Any | None = None, probability: Any | None = None) -> str:
        if mask is not None or probability is not None:
            raise NotImplementedError("OpenText.sample does not support masks or probabilities")
        length = int(self.np_random.integers(0, self.sample_max_length + 1))
        picks = self.np_random.integers(0, len(_SAMPLE_ALPHABET), size=length)
        return "".join(_SAMPLE_ALPHABET[i] for i in picks)

    def to_jsonable(self, sample_n: Sequence[str]) -> list[str]:  # type: ignore[override]
        return list(sample_n)

    def from_jsonable(self, sample_n: list[str]) -> list[str]:  # type: ignore[override]
        return list(sample_n)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpenText) and other.max_length == self.max_length

    def __hash__(self) -> int:
        return hash(("OpenText", self.max_length))

    def __repr__(self) -> str:
        return (
            "OpenText()" if self.max_length is None else f"OpenText(max_length={self.max_length})"
        )
