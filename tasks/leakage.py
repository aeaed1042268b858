"""Near-duplicate prompts between splits: the check that keeps held-out tasks held out.

A held-out task whose prompt is a training prompt with other constants measures recall of the
training task, not what the policy learned. Two prompts are near-duplicates when, after every
run of digits is replaced by ``0`` (so that variants differing only in their constants look the
same), either

- the Jaccard similarity of their word-token sets is at least `threshold` (0.8), or
- their character-level `difflib.SequenceMatcher` ratio is at least 0.9; the ratio is slow, so it
  is computed only for pairs whose Jaccard passes a cheap 0.5 pre-filter.

The built-in suites apply it to the two held-out splits: ``test`` (held-out families) and
``val`` (unseen tasks of the training families) against ``train``. The build refuses a suite
with a near-duplicate pair (`tasks.builtin.build`), and the tests check the shipped files.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from tasks.schema import Task

__all__ = ["near_duplicates", "prompt_tokens"]

JACCARD_THRESHOLD = 0.8
RATIO_THRESHOLD = 0.9
_PREFILTER = 0.5


def prompt_tokens(prompt: str) -> frozenset[str]:
    """Word tokens of a prompt, lower-cased, with every number replaced by 0."""
    return frozenset(re.findall(r"[a-z_]+|0", _digits_to_zero(prompt.lower())))


def _digits_to_zero(text: str) -> str:
    return re.sub(r"\d+", "0", text)


def near_duplicates(
    reference: Sequence[Task], candidates: Sequence[Task], *, threshold: float = JACCARD_THRESHOLD
) -> list[str]:
    """One line per (reference, candidate) pair of near-duplicate prompts (see the module
    docstring), ``"<reference id> ~ <candidate id> (jaccard J, ratio R)"``; empty when none."""
    found = []
    reference_tokens = [(t, prompt_tokens(t.prompt)) for t in reference]
    for b in candidates:
        tb = prompt_tokens(b.prompt)
        text_b = _digits_to_zero(b.prompt)
        for a, ta in reference_tokens:
            jaccard = len(ta & tb) / max(1, len(ta | tb))
            if jaccard < _PREFILTER:
                continue
            ratio = difflib.SequenceMatcher(None, _digits_to_zero(a.prompt), text_b).ratio()
            if jaccard >= threshold or ratio >= RATIO_THRESHOLD:
                found.append(f"{a.id} ~ {b.id} (jaccard {jaccard:.2f}, ratio {ratio:.2f})")
    return found
