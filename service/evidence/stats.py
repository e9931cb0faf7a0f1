"""Statistics for small samples: means with Student's t interval, shares with Wilson's, and a difference.

Evaluations are few (a city evaluates tens of processes, not thousands), so
every number comes with its count and a 95% interval, and nothing counts as
a finding below a minimum number of evaluations (evidence.min_evaluations in
rules/lint.yaml). Plain Python, no numerical library: the t quantiles are
tabulated (two-sided 95%, by degrees of freedom) and interpolated in 1/df.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

# two-sided 95% quantiles of Student's t, t(0.975; df)
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
         11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
         20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
         29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}
Z975 = 1.959964


def t975(df: float) -> float:
    """t(0.975; df) for df >= 1 (fractional df, as Welch's, interpolated linearly in 1/df)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df in _T975:
        return _T975[df]
    known = sorted(_T975)
    if df > known[-1]:
        lo, hi, q_lo, q_hi = known[-1], math.inf, _T975[known[-1]], Z975
    else:
        lo = max(k for k in known if k < df)
        hi = min(k for k in known if k > df)
        q_lo, q_hi = _T975[lo], _T975[hi]
    x, x_lo, x_hi = 1 / df, 1 / lo, (0.0 if hi == math.inf else 1 / hi)
    return q_hi + (q_lo - q_hi) * (x - x_hi) / (x_lo - x_hi)


def mean_interval(values: Sequence[float]) -> tuple[int, float | None, float | None, float | None]:
    """(n, mean, low, high): the mean and its 95% t interval; no interval for fewer than two values."""
    n = len(values)
    if n == 0:
        return 0, None, None, None
    mean = sum(values) / n
    if n < 2:
        return n, mean, None, None
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = t975(n - 1) * math.sqrt(var / n)
    return n, mean, mean - half, mean + half


def wilson(successes: int, n: int) -> tuple[float | None, float | None, float | None]:
    """(share, low, high): Wilson's 95% score interval, which stays inside [0, 1] and honest for small n."""
    if n == 0:
        return None, None, None
    p = successes / n
    z2 = Z975 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z975 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def welch(a: Sequence[float], b: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """(mean(a) - mean(b), low, high): Welch's 95% interval for the difference of two means (unequal
    variances); no interval unless each side has two values and some spread."""
    if not a or not b:
        return None, None, None
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    diff = ma - mb
    if len(a) < 2 or len(b) < 2:
        return diff, None, None
    va = sum((v - ma) ** 2 for v in a) / (len(a) - 1) / len(a)
    vb = sum((v - mb) ** 2 for v in b) / (len(b) - 1) / len(b)
    se2 = va + vb
    if se2 == 0:
        return diff, diff, diff
    df = se2 ** 2 / ((va ** 2 / (len(a) - 1) if va else 0) + (vb ** 2 / (len(b) - 1) if vb else 0))
    half = t975(max(1.0, df)) * math.sqrt(se2)
    return diff, diff - half, diff + half
