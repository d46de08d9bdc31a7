"""Pure statistics for bias audits: numpy + math only (no scipy/statsmodels at runtime).

Each function mirrors a reference implementation that the tests cross-check against:

* `ratio_score_ci`            statsmodels `confint_proportions_2indep(compare="ratio", method="score")`
* `score_test_2prop`          statsmodels `test_proportions_2indep(method="score")` (equality, two-sided)
* `fisher_exact_2x2`          scipy `fisher_exact` (two-sided, 2x2)
* `chi2_omnibus`              scipy `chi2_contingency(correction=False)` on a k x 2 table
* `holm`                      statsmodels `multipletests(method="holm")`
* `power_2prop`, `n_per_group_for_ratio`  normal-approximation power / sample size (Fleiss, no continuity correction)

See docs/fairness-statistics.md for the formulas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from statistics import NormalDist

import numpy as np

_STD_NORMAL = NormalDist()

# scipy.stats.fisher_exact treats probabilities within this relative tolerance of the observed one as "as extreme".
FISHER_RELATIVE_TOLERANCE = 1e-14


def norm_ppf(q: float) -> float:
    """Inverse standard normal CDF (Wichura AS241 via `statistics.NormalDist`, ~1e-16 accurate)."""
    return _STD_NORMAL.inv_cdf(q)


def norm_cdf(x: float) -> float:
    """Standard normal CDF, via erfc for accuracy in both tails."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def norm_two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic: 2 * (1 - Phi(|z|)) = erfc(|z| / sqrt 2)."""
    return math.erfc(abs(z) / math.sqrt(2.0))


# --------------------------------------------------------------------------------------------------------------------
# Regularised incomplete gamma -> chi-square survival function
# --------------------------------------------------------------------------------------------------------------------


def _gamma_p_series(a: float, x: float) -> float:
    """Lower regularised gamma P(a, x) by its power series (converges fast for x < a + 1)."""
    term = 1.0 / a
    total = term
    ap = a
    for _ in range(10_000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * 1e-17:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_q_contfrac(a: float, x: float) -> float:
    """Upper regularised gamma Q(a, x) by Lentz's continued fraction (converges fast for x >= a + 1)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-17:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_q(a: float, x: float) -> float:
    """Upper regularised incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a)."""
    if a <= 0:
        raise ValueError("a must be positive")
    if x <= 0:
        return 1.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _gamma_p_series(a, x))
    return _gamma_q_contfrac(a, x)


def chi2_sf(x: float, df: int) -> float:
    """Chi-square survival function P(X >= x) for `df` degrees of freedom: Q(df/2, x/2).

    For df = 1 the exact identity Q(1/2, x/2) = erfc(sqrt(x/2)) is used.
    """
    if df < 1:
        raise ValueError("df must be >= 1")
    if x <= 0:
        return 1.0
    if df == 1:
        return math.erfc(math.sqrt(x / 2.0))
    return gamma_q(df / 2.0, x / 2.0)


def chi2_omnibus(table: Sequence[Sequence[int]]) -> tuple[float, int, float] | None:
    """Pearson chi-square test of independence on a k x 2 (recipients, non-recipients) table, no Yates correction.

    Returns (statistic, df, p) or None when the test is undefined (fewer than 2 rows, or a zero row/column total,
    i.e. some expected count is 0 - scipy raises in that case).
    """
    obs = np.asarray(table, dtype=float)
    if obs.ndim != 2 or obs.shape[0] < 2 or obs.shape[1] != 2:
        return None
    row = obs.sum(axis=1)
    col = obs.sum(axis=0)
    total = obs.sum()
    if total == 0 or np.any(row == 0) or np.any(col == 0):
        return None
    expected = np.outer(row, col) / total
    stat = float(np.sum((obs - expected) ** 2 / expected))
    df = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    return stat, df, chi2_sf(stat, df)


# --------------------------------------------------------------------------------------------------------------------
# Fisher's exact test
# --------------------------------------------------------------------------------------------------------------------


def fisher_exact_2x2(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value for the table [[a, b], [c, d]] (rows = groups, columns = received / not).

    Exact hypergeometric probabilities with integer arithmetic (`math.comb`); the p-value is the sum of the
    probabilities of all tables with the observed margins whose probability is <= the observed one times
    (1 + 1e-14), the relative tolerance scipy uses. A zero row or column total gives p = 1, as in scipy.
    """
    if min(a, b, c, d) < 0:
        raise ValueError("counts must be non-negative")
    n1, n2 = a + b, c + d
    m = a + c  # first column total
    if n1 == 0 or n2 == 0 or m == 0 or (b + d) == 0:
        return 1.0
    lo, hi = max(0, m - n2), min(m, n1)
    weights = [math.comb(n1, x) * math.comb(n2, m - x) for x in range(lo, hi + 1)]
    observed = weights[a - lo]
    # w <= observed * (1 + eps)  <=>  w * 10**14 <= observed * (10**14 + 1), exactly in integers
    scale = round(1 / FISHER_RELATIVE_TOLERANCE)
    threshold = observed * (scale + 1)
    extreme = sum(w for w in weights if w * scale <= threshold)
    return min(1.0, float(Fraction(extreme, math.comb(n1 + n2, m))))


# --------------------------------------------------------------------------------------------------------------------
# Two-proportion score test and score interval for the ratio
# --------------------------------------------------------------------------------------------------------------------


def expected_counts_2x2(x1: int, n1: int, x0: int, n0: int) -> list[float]:
    """Expected counts of the 2x2 table [[x1, n1-x1], [x0, n0-x0]] under independence."""
    n = n1 + n0
    if n == 0:
        return [0.0, 0.0, 0.0, 0.0]
    x = x1 + x0
    return [n1 * x / n, n1 * (n - x) / n, n0 * x / n, n0 * (n - x) / n]


def score_test_2prop(x1: int, n1: int, x0: int, n0: int, correction: bool = True) -> tuple[float, float]:
    """Two-sided score (z) test of p1 == p0 with the pooled variance; returns (z, p).

    z = (p1 - p0) / sqrt(p(1-p)(1/n1 + 1/n0) * N/(N-1)) with p the pooled proportion. The factor N/(N-1) is
    the Miettinen-Nurminen small-sample correction that statsmodels applies by default (`correction=True`);
    without it, z**2 equals the uncorrected Pearson chi-square of the 2x2 table. Undefined (zero variance)
    tables give (0.0, 1.0).
    """
    n = n1 + n0
    pooled = (x1 + x0) / n
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    if correction:
        var *= n / (n - 1)
    if var <= 0:
        return 0.0, 1.0
    z = (x1 / n1 - x0 / n0) / math.sqrt(var)
    return z, norm_two_sided_p(z)


def _ratio_score_stat(theta: float, x1: int, n1: int, x0: int, n0: int) -> float:
    """Squared Miettinen-Nurminen score statistic (uncorrected) for H0: p1 / p0 = theta.

    Uses the constrained MLE of p0 under the null (root of N*theta*p^2 - (n1*theta + x1 + n0 + x0*theta)*p + x = 0)
    and p1 = theta * p0, exactly as statsmodels `score_test_proportions_2indep(compare="ratio")`.
    """
    n = n1 + n0
    x = x1 + x0
    a = n * theta
    b = -(n1 * theta + x1 + n0 + x0 * theta)
    disc = max(b * b - 4 * a * x, 0.0)
    p0 = (-b - math.sqrt(disc)) / (2 * a)
    p1 = p0 * theta
    var = p1 * (1 - p1) / n1 + theta * theta * p0 * (1 - p0) / n0
    diff = x1 / n1 - theta * x0 / n0
    if var <= 0:
        return 0.0 if diff == 0 else math.inf
    return diff * diff / var


def ratio_score_ci(
    x1: int, n1: int, x0: int, n0: int, alpha: float = 0.05, correction: bool = True
) -> tuple[float, float]:
    """Score (Koopman / Miettinen-Nurminen) confidence interval for the ratio p1 / p0 of independent proportions.

    The interval is {theta : S(theta) <= z**2 * N/(N-1)} (without the factor if `correction` is False), where S is
    the squared score statistic of `_ratio_score_stat` and z = Phi^-1(1 - alpha/2). statsmodels solves Nam's cubic
    for the same bounds; here each bound is found by bisection on log(theta), which also behaves at the edges
    (x1 = 0 gives a lower bound of 0; an unbounded upper limit is returned as inf). Requires x0 > 0.
    """
    if x0 <= 0:
        raise ValueError("reference group needs at least one recipient for a ratio")
    n = n1 + n0
    crit = norm_ppf(1 - alpha / 2) ** 2
    if correction:
        crit *= n / (n - 1)
    est = (x1 / n1) / (x0 / n0)

    def outside(log_theta: float) -> bool:
        return _ratio_score_stat(math.exp(log_theta), x1, n1, x0, n0) > crit

    def bisect(inside: float, out: float) -> float:
        for _ in range(200):
            mid = 0.5 * (inside + out)
            if mid in (inside, out):
                break
            if outside(mid):
                out = mid
            else:
                inside = mid
        return math.exp(0.5 * (inside + out))

    if x1 == 0:
        lower = 0.0
        upper_start = math.log(1e-12)
    else:
        log_est = math.log(est)
        lo = log_est - 1.0
        while not outside(lo) and lo > log_est - 60:
            lo -= 1.0
        lower = bisect(log_est, lo) if outside(lo) else 0.0
        upper_start = log_est
    hi = upper_start + 1.0
    while not outside(hi) and hi < upper_start + 60:
        hi += 1.0
    upper = bisect(upper_start, hi) if outside(hi) else math.inf
    return lower, upper


# --------------------------------------------------------------------------------------------------------------------
# Multiple comparisons
# --------------------------------------------------------------------------------------------------------------------


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values: p_(i) * (m - i + 1), made monotone (cumulative max), capped at 1.

    Ties are ordered stably by input position, as `numpy.argsort(kind="mergesort")`; the adjusted values
    do not depend on tie order.
    """
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="mergesort")
    stepped = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    adjusted = np.empty(m)
    adjusted[order] = stepped
    return [float(v) for v in adjusted]


# --------------------------------------------------------------------------------------------------------------------
# Power and sample size (normal approximation, two-sided, no continuity correction)
# --------------------------------------------------------------------------------------------------------------------


def power_2prop(p_ref: float, p_group: float, n_ref: float, n_group: float, alpha: float = 0.05) -> float:
    """Approximate power of the two-sided pooled two-proportion z test with unequal group sizes.

    power = Phi((|p_ref - p_group| - z_{1-alpha/2} * sqrt(pbar qbar (1/n_ref + 1/n_group)))
                / sqrt(p_ref q_ref / n_ref + p_group q_group / n_group)),  pbar = size-weighted mean rate.
    (The negligible opposite-tail term is ignored, as in the usual sample-size formula.)
    """
    if n_ref <= 0 or n_group <= 0:
        return 0.0
    diff = abs(p_ref - p_group)
    pbar = (n_ref * p_ref + n_group * p_group) / (n_ref + n_group)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 / n_ref + 1 / n_group))
    se1 = math.sqrt(p_ref * (1 - p_ref) / n_ref + p_group * (1 - p_group) / n_group)
    if se1 == 0:
        return 1.0 if diff > 0 else 0.0
    return norm_cdf((diff - norm_ppf(1 - alpha / 2) * se0) / se1)


def n_per_group_for_ratio(base_rate: float, ratio: float = 0.8, alpha: float = 0.05, power: float = 0.8) -> int:
    """People needed in EACH of two equal groups to detect rate ratio `ratio` against `base_rate` (Fleiss, no CC).

    n = (z_{1-alpha/2} sqrt(2 pbar qbar) + z_{power} sqrt(p1 q1 + p2 q2))**2 / (p1 - p2)**2, rounded up,
    with p1 = base_rate, p2 = ratio * base_rate, pbar = (p1 + p2) / 2.
    """
    if not 0 < base_rate <= 1 or not 0 < ratio < 1:
        raise ValueError("need 0 < base_rate <= 1 and 0 < ratio < 1")
    p1, p2 = base_rate, base_rate * ratio
    pbar = (p1 + p2) / 2
    za, zb = norm_ppf(1 - alpha / 2), norm_ppf(power)
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num * num / (p1 - p2) ** 2 - 1e-9)


def additional_people_needed(
    p_ref: float, n_ref: int, n_group: int, ratio: float = 0.8, alpha: float = 0.05, power: float = 0.8
) -> int:
    """How many more people (in total) would give the target power to detect `ratio` against rate `p_ref`.

    First tries growing only the compared group while the reference keeps its size (smallest m with
    power(n_ref, n_group + m) >= target, by bisection); if no group size achieves it because the reference
    itself is too small, both are brought up to the equal-allocation size `n_per_group_for_ratio`. Returns 0
    when the current sizes already reach the target power.
    """
    p_group = p_ref * ratio
    if power_2prop(p_ref, p_group, n_ref, n_group, alpha) >= power:
        return 0
    cap = 10**9
    if power_2prop(p_ref, p_group, n_ref, n_group + cap, alpha) >= power:
        lo, hi = 0, cap  # power(lo) < target <= power(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if power_2prop(p_ref, p_group, n_ref, n_group + mid, alpha) >= power:
                hi = mid
            else:
                lo = mid
        return hi
    n_star = n_per_group_for_ratio(p_ref, ratio, alpha, power)
    return max(1, max(0, n_star - n_group) + max(0, n_star - n_ref))


# --------------------------------------------------------------------------------------------------------------------
# Ratio of two means of counts (recommendations per employee): Poisson log-link with a robust (sandwich) variance
# --------------------------------------------------------------------------------------------------------------------
#
# Counts per employee are over-dispersed (one trigger firing gives several recommendations), so a plain Poisson
# test would be far too confident. The estimate of log(mean) of a group is the Poisson GLM coefficient; its
# sandwich (HC0) variance depends on the observed spread only: var(log m) = sum((y - m)^2) / (n m)^2
# = (n*q - s^2) / (n * s^2), with s = sum(y), q = sum(y^2). The statistics below equal statsmodels
# `GLM(y, X, family=Poisson()).fit(cov_type="HC0")` on the group indicators (tested).


def log_mean_variance(n: int, total: int, total_sq: int) -> float:
    """Sandwich variance of log(mean) of a group of n counts with sum `total` and sum of squares `total_sq`."""
    if n <= 0 or total <= 0:
        raise ValueError("needs n > 0 and a positive total")
    return (n * total_sq - total * total) / (n * total * total)


def mean_ratio_test(
    n1: int, s1: int, q1: int, n0: int, s0: int, q0: int, alpha: float = 0.05
) -> tuple[float, float, float, float]:
    """Ratio of means m1/m0 with its Wald interval and two-sided p-value on the log scale (robust variance).

    Returns (ratio, ci_low, ci_high, p). Requires s0 > 0 (the reference received something). When the compared
    group received nothing (s1 = 0) the log is undefined: the ratio is 0, the interval (0, inf), and p comes
    from the same robust Wald test on the difference of means, (m1 - m0) / sqrt(v1/n1 + v0/n0).
    """
    if s0 <= 0 or n0 <= 0 or n1 <= 0:
        raise ValueError("reference group needs a positive total, both groups people")
    m1, m0 = s1 / n1, s0 / n0
    ratio = m1 / m0
    if s1 == 0:
        var_diff = (n0 * q0 - s0 * s0) / (n0 * n0 * n0)  # v0 / n0 with the biased within-group variance
        if var_diff <= 0:
            return 0.0, 0.0, math.inf, 0.0
        return 0.0, 0.0, math.inf, norm_two_sided_p((m1 - m0) / math.sqrt(var_diff))
    var = log_mean_variance(n1, s1, q1) + log_mean_variance(n0, s0, q0)
    log_ratio = math.log(s1 * n0) - math.log(s0 * n1)
    if var <= 0:
        return ratio, ratio, ratio, (1.0 if log_ratio == 0 else 0.0)
    se = math.sqrt(var)
    z = norm_ppf(1 - alpha / 2)
    return ratio, math.exp(log_ratio - z * se), math.exp(log_ratio + z * se), norm_two_sided_p(log_ratio / se)


def log_mean_omnibus(groups: Sequence[tuple[int, int, int]]) -> tuple[float, int, float] | None:
    """Robust Wald chi-square that all groups' means are equal, on the log scale; groups are (n, sum, sum_sq).

    chi2 = sum w_g (l_g - lbar)^2 with l_g = log mean, w_g = 1 / var(l_g), lbar the w-weighted mean; df = k - 1.
    It is the Wald test of the k - 1 group contrasts of the Poisson GLM with HC0 covariance. None when undefined
    (fewer than two groups, a group with no recommendations, or a group without spread).
    """
    if len(groups) < 2:
        return None
    logs, weights = [], []
    for n, s, q in groups:
        if n <= 0 or s <= 0:
            return None
        var = log_mean_variance(n, s, q)
        if var <= 0:
            return None
        logs.append(math.log(s / n))
        weights.append(1.0 / var)
    w = np.asarray(weights)
    lg = np.asarray(logs)
    centre = float(np.sum(w * lg) / np.sum(w))
    stat = float(np.sum(w * (lg - centre) ** 2))
    df = len(groups) - 1
    return stat, df, chi2_sf(stat, df)


def dispersion_index(groups: Sequence[tuple[int, int, int]]) -> float:
    """Pooled variance-to-mean ratio of counts (1 for Poisson data): sum of within-group squared deviations
    over the total count."""
    total = sum(s for _, s, _ in groups)
    if total <= 0:
        return 0.0
    return sum(q - s * s / n for n, s, q in groups if n > 0) / total


def power_mean_ratio(
    m_ref: float, n_ref: float, n_group: float, dispersion: float, ratio: float = 0.8, alpha: float = 0.05
) -> float:
    """Approximate power of the log-scale Wald test to detect a true mean ratio `ratio` against mean `m_ref`,
    when counts have variance `dispersion` x mean: se = sqrt(D/(n_ref m_ref) + D/(n_group ratio m_ref))."""
    if n_ref <= 0 or n_group <= 0 or m_ref <= 0:
        return 0.0
    if dispersion <= 0:
        return 1.0
    se = math.sqrt(dispersion / (n_ref * m_ref) + dispersion / (n_group * ratio * m_ref))
    return norm_cdf(abs(math.log(ratio)) / se - norm_ppf(1 - alpha / 2))


def additional_people_needed_mean(
    m_ref: float, n_ref: int, n_group: int, dispersion: float, ratio: float = 0.8, alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """More people (in total) for `power_mean_ratio` to reach `power`: first the compared group alone (closed
    form), else both groups up to the equal-allocation size. 0 when already powered."""
    if m_ref <= 0:
        raise ValueError("reference mean must be positive")
    if power_mean_ratio(m_ref, n_ref, n_group, dispersion, ratio, alpha) >= power:
        return 0
    budget = (math.log(ratio) / (norm_ppf(1 - alpha / 2) + norm_ppf(power))) ** 2  # the se^2 that reaches power
    left = budget - dispersion / (n_ref * m_ref)
    if left > 0:
        needed = math.ceil(dispersion / (ratio * m_ref * left) - 1e-9)
        while power_mean_ratio(m_ref, n_ref, needed, dispersion, ratio, alpha) < power:  # float edge
            needed += 1
        return max(1, needed - n_group)
    n_star = math.ceil(dispersion * (1 / m_ref + 1 / (ratio * m_ref)) / budget - 1e-9)
    return max(1, max(0, n_star - n_group) + max(0, n_star - n_ref))
