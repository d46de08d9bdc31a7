"""Wilson, Newcombe, the difference in differences, t intervals and the distribution functions cross-checked
against statsmodels and scipy (test dependencies only) on seeded random data."""

import numpy as np
import pytest

sm = pytest.importorskip("statsmodels.api")
sm_prop = pytest.importorskip("statsmodels.stats.proportion")
sm_weight = pytest.importorskip("statsmodels.stats.weightstats")
scipy_stats = pytest.importorskip("scipy.stats")

from coachwire.metrics import distributions  # noqa: E402
from coachwire.metrics.proportions import (  # noqa: E402
    DifferenceInDifferences,
    difference,
    difference_in_differences,
    mean_interval,
    proportion,
)

SEED = 20260613


def _counts(rng: np.random.Generator, count: int):
    out = []
    for _ in range(count):
        n = int(rng.integers(1, 400))
        out.append((int(rng.integers(0, n + 1)), n))
    return out


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(confidence):
    for x, n in _counts(np.random.default_rng(SEED), 500):
        ours = proportion(x, n, confidence=confidence)
        low, high = sm_prop.proportion_confint(x, n, alpha=1 - confidence, method="wilson")
        assert (ours.low, ours.high) == pytest.approx((low, high), abs=1e-12)


def test_newcombe_matches_statsmodels():
    rng = np.random.default_rng(SEED + 1)
    for (x1, n1), (x2, n2) in zip(_counts(rng, 500), _counts(rng, 500), strict=True):
        ours = difference(proportion(x1, n1), proportion(x2, n2))
        low, high = sm_prop.confint_proportions_2indep(x1, n1, x2, n2, compare="diff", method="newcomb")
        assert (ours.low, ours.high) == pytest.approx((low, high), abs=1e-12)


def _individual_data(rng: np.random.Generator):
    """Four independent groups of people with a 0/1 outcome: pilot/comparison x before/after."""
    rows = []
    rates = rng.uniform(0.15, 0.85, 4)
    for index, (pilot, after) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        n = int(rng.integers(40, 600))
        y = (rng.random(n) < rates[index]).astype(float)
        rows.append((pilot, after, y))
    return rows


def test_difference_in_differences_equals_ols_interaction_with_hc0_errors():
    """y ~ pilot + after + pilot:after is saturated, so its interaction coefficient *is* the difference in
    differences of the four cell proportions, and its HC0 (robust) variance is exactly sum p (1 - p) / n: they agree
    to rounding. The default (non-robust) OLS errors pool one residual variance over the cells, so they differ;
    with cell proportions in 0.15-0.85 and 40-600 people per cell they stay within 35 % of ours."""
    rng = np.random.default_rng(SEED + 2)
    for _ in range(60):
        cells = _individual_data(rng)
        parts = {(pilot, after): proportion(int(y.sum()), y.size) for pilot, after, y in cells}
        did = difference_in_differences(parts[1, 0], parts[1, 1], parts[0, 0], parts[0, 1])
        assert isinstance(did, DifferenceInDifferences)
        y = np.concatenate([cell[2] for cell in cells])
        pilot = np.concatenate([np.full(cell[2].size, cell[0]) for cell in cells])
        after = np.concatenate([np.full(cell[2].size, cell[1]) for cell in cells])
        design = np.column_stack([np.ones_like(y), pilot, after, pilot * after])
        robust = sm.OLS(y, design).fit(cov_type="HC0")
        assert did.estimate == pytest.approx(robust.params[3], abs=1e-10)
        assert did.standard_error == pytest.approx(robust.bse[3], rel=1e-8)
        low, high = robust.conf_int(alpha=0.05)[3]
        assert (did.low, did.high) == pytest.approx((low, high), abs=1e-8)
        plain = sm.OLS(y, design).fit()
        assert plain.params[3] == pytest.approx(did.estimate, abs=1e-10)
        assert plain.bse[3] == pytest.approx(did.standard_error, rel=0.35)


def test_mean_interval_matches_statsmodels():
    rng = np.random.default_rng(SEED + 3)
    for _ in range(200):
        values = rng.integers(1, 6, int(rng.integers(2, 300))).astype(float)  # 5-point answers
        if values.std() == 0:
            continue
        ours = mean_interval(values)
        low, high = sm_weight.DescrStatsW(values).tconfint_mean(alpha=0.05)
        assert (ours.low, ours.high) == pytest.approx((low, high), rel=1e-10)


def test_distributions_match_scipy():
    for df in (1, 2, 3, 4, 5, 9, 19, 29, 30, 60, 120, 1000, 10_000):
        for q in (0.001, 0.025, 0.05, 0.5, 0.9, 0.95, 0.975, 0.995, 0.9995):
            assert distributions.t_ppf(q, df) == pytest.approx(scipy_stats.t.ppf(q, df), rel=1e-9)
    for x in np.linspace(0, 40, 161):
        assert distributions.chi2_1_sf(float(x)) == pytest.approx(scipy_stats.chi2.sf(x, 1), rel=1e-12, abs=1e-300)
    for q in (1e-10, 0.001, 0.025, 0.5, 0.975, 0.999999):
        assert distributions.norm_ppf(q) == pytest.approx(scipy_stats.norm.ppf(q), rel=1e-13)
