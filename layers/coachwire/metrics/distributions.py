"""The few distribution functions the metrics need, in numpy/math only (scipy is not in the Lambda layer).

* `norm_ppf`        inverse standard normal CDF: `statistics.NormalDist.inv_cdf` (Wichura's AS241 rational
                    approximation, ~1e-16 relative accuracy).
* `chi2_1_sf`       upper tail of chi-square with 1 degree of freedom: P(X >= x) = erfc(sqrt(x / 2)).
* `t_ppf`           quantile of Student's t: numeric inversion (bisection) of the CDF written with the regularised
                    incomplete beta function, which is evaluated by its continued fraction (modified Lentz).

The tests compare each with scipy.stats (a test dependency only): 1e-12 relative or better, the t quantile 1e-9
(lgamma's rounding grows with the degrees of freedom; ~1e-13 below 100 df).
"""

from __future__ import annotations

import math
from statistics import NormalDist

_STD_NORMAL = NormalDist()
_EPS = 1e-16
_TINY = 1e-300


def norm_ppf(q: float) -> float:
    """Inverse standard normal CDF."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"a probability strictly between 0 and 1 is needed, not {q}")
    return _STD_NORMAL.inv_cdf(q)


def two_sided_z(confidence: float) -> float:
    """The normal critical value for a two-sided interval at `confidence` (1.959964... for 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, not {confidence}")
    return norm_ppf(1.0 - (1.0 - confidence) / 2.0)


def chi2_1_sf(x: float) -> float:
    """P(chi-square with 1 df >= x): a chi-square(1) is the square of a standard normal."""
    if x <= 0.0:
        return 1.0
    return math.erfc(math.sqrt(x / 2.0))


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (converges fast for x < (a + 1) / (a + b + 2))."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        even = m * (b - m) * x / ((qam + m2) * (a + m2))
        odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        for numerator in (even, odd):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            step = d * c
            h *= step
        if abs(step - 1.0) < _EPS:
            break
    return h


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if a <= 0.0 or b <= 0.0:
        raise ValueError("a and b must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T >= t) for Student's t with `df` degrees of freedom."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    tail = 0.5 * regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def t_ppf(q: float, df: float) -> float:
    """Quantile of Student's t: the t with P(T <= t) = q, by bisection on the upper tail."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"a probability strictly between 0 and 1 is needed, not {q}")
    if q == 0.5:
        return 0.0
    upper = 1.0 - q if q > 0.5 else q  # the tail area beyond |t|
    low, high = 0.0, 1.0
    while t_sf(high, df) > upper:
        low, high = high, high * 2.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if t_sf(mid, df) > upper:
            low = mid
        else:
            high = mid
        if high - low <= 1e-15 * max(1.0, high):
            break
    value = 0.5 * (low + high)
    return value if q > 0.5 else -value
