"""Small-number statistics for the dashboard: Wilson score intervals and rolling windows.

A school gets a handful of posts a week, so "67% negative" may mean two posts out of three. The dashboard shows
counts as bars and a share only over a rolling window of weeks, with a 95% Wilson interval that says how much the
share could be off (Wilson, 1927; Newcombe, 1998, method 3: the interval without continuity correction).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95%: the 0.975 quantile of the standard normal distribution


@dataclass(frozen=True)
class Share:
    """``k`` of ``n`` with the point estimate and its Wilson interval (all None when ``n`` is 0)."""

    k: int
    n: int
    share: float | None
    low: float | None
    high: float | None


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes out of ``n`` trials (``n`` > 0), clipped to [0, 1]."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= k <= n:
        raise ValueError(f"k must be between 0 and n, got k={k}, n={n}")
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At k = 0 or k = n the bound is exactly 0 or 1; rounding can leave 1e-17 either side.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def share(k: int, n: int) -> Share:
    if n == 0:
        return Share(k, n, None, None, None)
    low, high = wilson(k, n)
    return Share(k, n, k / n, low, high)


def rolling_sum(values: Sequence[int], window: int) -> list[int]:
    """Sum over the last ``window`` values at each position (fewer at the start)."""
    if window < 1:
        raise ValueError("window must be at least 1")
    out: list[int] = []
    total = 0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total)
    return out


def rolling_shares(hits: Sequence[int], totals: Sequence[int], window: int) -> list[Share]:
    """Per position: the share of ``hits`` in ``totals`` over the last ``window`` positions, with its interval."""
    if len(hits) != len(totals):
        raise ValueError("hits and totals must have the same length")
    return [share(k, n) for k, n in zip(rolling_sum(hits, window), rolling_sum(totals, window), strict=True)]
