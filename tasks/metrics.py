"""pass@k and its uncertainty: pure functions of per-task (samples, correct) counts.

pass@k is the chance that at least one of k samples, drawn without replacement from the n
generated for a task, is correct. With c correct among n (Chen et al., 2021, eq. 1):

    pass@k = 1 - C(n - c, k) / C(n, k)

The binomials overflow a float long before n = 200, so the ratio is taken as a product,

    C(n - c, k) / C(n, k) = prod_{i = n - c + 1}^{n} (1 - k / i),

which is exact in real arithmetic and stable in floating point. When n - c < k every draw of k
contains a correct sample and pass@k = 1.

The suite's pass@k is the mean over tasks. A k larger than some task's n is not estimable for
that task; like the reference harness, `suite_pass_at_k` then leaves that k out (returns None)
rather than averaging over a subset of tasks.

Uncertainty is over tasks (the population a benchmark samples from), not over samples:
`bootstrap_ci` resamples tasks with replacement (percentile interval, fixed seed so a report is
reproducible); `normal_ci` is the normal approximation mean ± z·s/√T, cheaper and close to the
bootstrap once T is in the hundreds, but it can leave [0, 1] (it is clipped) and is degenerate
when every task has the same score. The CLI reports the bootstrap interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Interval",
    "bootstrap_ci",
    "normal_ci",
    "parse_ks",
    "pass_at_k",
    "per_task_pass_at_k",
    "suite_pass_at_k",
]


@dataclass(frozen=True)
class Interval:
    """A point estimate and a two-sided confidence interval around it."""

    estimate: float
    low: float
    high: float
    confidence: float

    @property
    def width(self) -> float:
        """high - low: the smallest change this evaluation can tell from noise is about half."""
        return self.high - self.low


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one task with `c` correct among `n` samples."""
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got k={k}, n={n}")
    if n - c < k:
        return 1.0
    # 1 - prod_{i=n-c+1}^{n} (1 - k/i); empty product (c = 0) gives 0.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def per_task_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> list[float] | None:
    """pass@k of each task from its ``(n, c)``; None when some task has fewer than k samples."""
    if any(n < k for n, _ in counts):
        return None
    return [pass_at_k(n, c, k) for n, c in counts]


def suite_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float | None:
    """Mean pass@k over tasks, or None when k exceeds some task's number of samples."""
    values = per_task_pass_at_k(counts, k)
    if not values:
        return None
    return sum(values) / len(values)


def bootstrap_ci(
    values: Sequence[float],
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval of the mean of per-task `values` (resampling tasks)."""
    _check_confidence(confidence)
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        raise ValueError("no values to bootstrap")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, data.size, size=(resamples, data.size))  # (B, T)
    means = data[picks].mean(axis=1)  # (B,)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return Interval(float(data.mean()), float(low), float(high), confidence)


def normal_ci(values: Sequence[float], *, confidence: float = 0.95) -> Interval:
    """Normal-approximation interval mean ± z·s/√T over per-task `values`, clipped to [0, 1]."""
    _check_confidence(confidence)
    if not values:
        raise ValueError("no values")
    t = len(values)
    mean = sum(values) / t
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (t - 1)) if t > 1 else 0.0
    z = _z(confidence)
    half = z * sd / math.sqrt(t)
    return Interval(mean, max(0.0, mean - half), min(1.0, mean + half), confidence)


def parse_ks(text: str) -> tuple[int, ...]:
    """``"1,10,100"`` -> ``(1, 10, 100)``; each k must be a positive integer."""
    try:
        ks = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise ValueError(f"k values must be comma-separated integers, got {text!r}") from None
    if not ks or ks[0] < 1:
        raise ValueError(f"k values must be positive integers, got {text!r}")
    return ks


def _z(confidence: float) -> float:
    # two-sided standard-normal quantile by bisection on erf: no scipy dependency
    target = confidence
    lo, hi = 0.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if math.erf(mid / math.sqrt(2)) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
