"""Recommendations per employee: the ratio of means, its interval and tests against statsmodels (Poisson GLM with
the HC0 sandwich covariance, OLS HC0 for the zero-group fallback) and scipy's chi-square distribution."""

import math

import numpy as np
import pytest

sm = pytest.importorskip("statsmodels.api")
scipy_stats = pytest.importorskip("scipy.stats")

from coachwire.fairness import AuditConfig, EmployeeRow, Verdict, run_audit, stats  # noqa: E402

SEED = 20260105


def _counts(rng, n, mean, dispersion):
    """Over-dispersed counts (negative binomial with variance = dispersion x mean)."""
    p = 1 / dispersion
    r = mean * p / (1 - p)
    return rng.negative_binomial(r, p, size=n)


def _summary(y):
    return len(y), int(y.sum()), int((y.astype(np.int64) ** 2).sum())


def _glm(groups):
    """statsmodels Poisson GLM on group indicators (first group = reference), HC0 covariance."""
    y = np.concatenate(groups)
    x = np.zeros((len(y), len(groups)))
    x[:, 0] = 1
    start = len(groups[0])
    for j, g in enumerate(groups[1:], start=1):
        x[start : start + len(g), j] = 1
        start += len(g)
    return sm.GLM(y, x, family=sm.families.Poisson()).fit(cov_type="HC0")


def test_mean_ratio_ci_and_p_match_statsmodels_poisson_glm_hc0():
    rng = np.random.default_rng(SEED)
    worst = 0.0
    for _ in range(40):
        n0, n1 = (int(v) for v in rng.integers(15, 400, size=2))
        y0 = _counts(rng, n0, float(rng.uniform(1, 12)), float(rng.uniform(1.2, 4)))
        y1 = _counts(rng, n1, float(rng.uniform(1, 12)), float(rng.uniform(1.2, 4)))
        if y0.sum() == 0 or y1.sum() == 0:
            continue
        fit = _glm([y0, y1])
        lo_ref, hi_ref = np.exp(fit.conf_int(alpha=0.05)[1])
        ratio, lo, hi, p = stats.mean_ratio_test(*_summary(y1), *_summary(y0), alpha=0.05)
        expected = (math.exp(fit.params[1]), lo_ref, hi_ref, fit.pvalues[1])
        for got, want in zip((ratio, lo, hi), expected[:3], strict=True):
            assert got == pytest.approx(want, rel=1e-9)
            worst = max(worst, abs(got - want) / abs(want))
        # far-tail p-values (1e-80) differ in the last digits between erfc and scipy's norm.sf
        assert p == pytest.approx(expected[3], rel=1e-9 if expected[3] > 1e-12 else 1e-6)
    assert worst < 1e-9


def test_mean_ratio_with_an_empty_group_uses_the_robust_difference_test():
    rng = np.random.default_rng(SEED + 1)
    y0 = _counts(rng, 60, 4.0, 2.0)
    y1 = np.zeros(25, dtype=np.int64)
    ratio, lo, hi, p = stats.mean_ratio_test(*_summary(y1), *_summary(y0))
    assert (ratio, lo, hi) == (0.0, 0.0, math.inf)
    # OLS on group indicators with HC0 = the difference of means with per-group (biased) variances
    y = np.concatenate([y0, y1]).astype(float)
    x = np.column_stack([np.ones(len(y)), np.r_[np.zeros(len(y0)), np.ones(len(y1))]])
    ols = sm.OLS(y, x).fit(cov_type="HC0")
    assert p == pytest.approx(ols.pvalues[1], rel=1e-9)


def test_log_mean_omnibus_matches_the_glm_wald_test():
    rng = np.random.default_rng(SEED + 2)
    for k in (2, 3, 5):
        groups = [_counts(rng, int(rng.integers(30, 300)), float(rng.uniform(2, 8)), 2.5) for _ in range(k)]
        fit = _glm(groups)
        contrasts = np.eye(k)[1:]  # every group equal to the reference
        wald = fit.wald_test(contrasts, scalar=True)
        stat, df, p = stats.log_mean_omnibus([_summary(g) for g in groups])
        assert df == k - 1
        assert stat == pytest.approx(float(wald.statistic), rel=1e-9)
        assert p == pytest.approx(float(wald.pvalue), rel=1e-8)
        assert p == pytest.approx(scipy_stats.chi2.sf(stat, df), rel=1e-10)


def test_power_of_the_mean_ratio_test_holds_in_simulation():
    """At the computed size, the robust test detects a true ratio of 0.8 about 80% of the time."""
    rng = np.random.default_rng(SEED + 3)
    mean, dispersion = 3.0, 2.0
    n_ref = 150
    assert stats.power_mean_ratio(mean, n_ref, n_ref, dispersion, 0.8, 0.05) < 0.7
    n_group = n_ref + stats.additional_people_needed_mean(mean, n_ref, n_ref, dispersion, 0.8, 0.05, 0.8)
    planned = stats.power_mean_ratio(mean, n_ref, n_group, dispersion, 0.8, 0.05)
    assert 0.8 <= planned < 0.81
    hits = 0
    trials = 600
    for _ in range(trials):
        y0 = _counts(rng, n_ref, mean, dispersion)
        y1 = _counts(rng, n_group, 0.8 * mean, dispersion)
        hits += stats.mean_ratio_test(*_summary(y1), *_summary(y0))[3] < 0.05
    assert hits / trials == pytest.approx(0.8, abs=0.05)


def test_mean_outcome_in_the_audit_uses_the_reference_statistics():
    rng = np.random.default_rng(SEED + 4)
    groups = {"A": _counts(rng, 300, 6.0, 2.0), "B": _counts(rng, 250, 3.6, 2.0), "C": _counts(rng, 5, 6.0, 2.0)}
    rows = [
        EmployeeRow(attributes={"team": label}, received={}, counts={"recs": int(v)})
        for label, ys in groups.items() for v in ys
    ]
    audit = run_audit(rows, AuditConfig(intersections=(), small_category_share=0.0))
    (res,) = audit.results
    assert res.measure == "mean" and res.reference_group == "A"
    a, b, c = res.groups
    assert a.mean == pytest.approx(groups["A"].mean(), rel=1e-11) and a.total == int(groups["A"].sum())
    fit = _glm([groups["A"], groups["B"]])
    assert b.impact_ratio == pytest.approx(math.exp(fit.params[1]), rel=1e-10)
    assert (b.ci_low, b.ci_high) == pytest.approx(tuple(np.exp(fit.conf_int()[1])), rel=1e-10)
    assert b.p_value == pytest.approx(fit.pvalues[1], rel=1e-9)
    assert b.test == "mean_ratio_robust_z" and b.verdict is Verdict.FLAGGED
    assert c.p_value is None and c.verdict is Verdict.INSUFFICIENT_DATA and c.additional_people_needed > 0
    assert res.omnibus is not None and audit.holm_family_size == 2  # omnibus + B (C is below min_n)
    assert b.rate is None and b.recipients is None
