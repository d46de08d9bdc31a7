"""Cross-check the numpy/math statistics against scipy and statsmodels on many seeded random tables."""

import math

import numpy as np
import pytest

scipy_stats = pytest.importorskip("scipy.stats")
sm_prop = pytest.importorskip("statsmodels.stats.proportion")
sm_multi = pytest.importorskip("statsmodels.stats.multitest")

from coachwire.fairness import stats  # noqa: E402

RNG_SEED = 20240605


def _tables_2x2(count: int, max_n: int = 200):
    rng = np.random.default_rng(RNG_SEED)
    out = []
    while len(out) < count:
        n1, n0 = (int(v) for v in rng.integers(2, max_n, size=2))
        x1, x0 = int(rng.integers(0, n1 + 1)), int(rng.integers(0, n0 + 1))
        out.append((x1, n1, x0, n0))
    return out


def test_worked_example_from_reference_note():
    lo, hi = stats.ratio_score_ci(12, 40, 48, 80)
    ratio = (12 / 40) / (48 / 80)
    assert ratio == pytest.approx(0.50)
    assert round(lo, 2) == 0.29 and round(hi, 2) == 0.80
    assert stats.fisher_exact_2x2(12, 28, 48, 32) == pytest.approx(0.0034, abs=5e-5)


def test_ratio_score_ci_matches_statsmodels():
    worst = 0.0
    checked = 0
    for x1, n1, x0, n0 in _tables_2x2(600):
        # statsmodels' cubic solver returns complex / wrong roots at the edges (x = 0 or x = n): compare interior
        if not (0 < x1 < n1 and 0 < x0 < n0):
            continue
        ref = sm_prop.confint_proportions_2indep(x1, n1, x0, n0, compare="ratio", method="score")
        ours = stats.ratio_score_ci(x1, n1, x0, n0)
        for a, b in zip(ours, ref, strict=True):
            worst = max(worst, abs(a - float(b)) / float(b))
        checked += 1
    assert checked > 400
    # statsmodels takes the bounds from numpy.roots of Nam's cubic (~1e-9 relative); we bisect to machine precision
    assert worst < 1e-7, worst


def test_ratio_score_ci_edge_zero_recipients_matches_statsmodels_upper():
    for x0, n1, n0 in [(48, 40, 80), (5, 12, 30), (30, 100, 60)]:
        ref_lo, ref_hi = sm_prop.confint_proportions_2indep(0, n1, x0, n0, compare="ratio", method="score")
        lo, hi = stats.ratio_score_ci(0, n1, x0, n0)
        assert lo == 0.0 and abs(float(ref_lo)) < 1e-10
        assert hi == pytest.approx(float(ref_hi), rel=1e-9)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels divides by zero in its extra fields
def test_score_test_matches_statsmodels():
    worst = 0.0
    for x1, n1, x0, n0 in _tables_2x2(600):
        if x1 + x0 in (0, n1 + n0):
            continue
        for corr in (True, False):
            ref = sm_prop.test_proportions_2indep(x1, n1, x0, n0, method="score", correction=corr)
            z, p = stats.score_test_2prop(x1, n1, x0, n0, correction=corr)
            assert z == pytest.approx(float(ref.statistic), rel=1e-10, abs=1e-12)
            worst = max(worst, abs(p - float(ref.pvalue)) / max(float(ref.pvalue), 1e-300))
    assert worst < 1e-9, worst


def test_uncorrected_score_z_squared_is_pearson_chi_square():
    for x1, n1, x0, n0 in _tables_2x2(100):
        if x1 + x0 in (0, n1 + n0):
            continue
        z, _ = stats.score_test_2prop(x1, n1, x0, n0, correction=False)
        chi2 = scipy_stats.chi2_contingency([[x1, n1 - x1], [x0, n0 - x0]], correction=False)[0]
        assert z * z == pytest.approx(chi2, rel=1e-10)


def test_fisher_exact_matches_scipy():
    worst = 0.0
    tables = _tables_2x2(800, max_n=120)
    tables += [(1, 20, 9, 20), (5, 10, 5, 10), (0, 3, 3, 3), (3, 6, 3, 6), (12, 40, 28, 40), (0, 5, 0, 7)]
    for x1, n1, x0, n0 in tables:
        ref = scipy_stats.fisher_exact([[x1, n1 - x1], [x0, n0 - x0]]).pvalue
        ours = stats.fisher_exact_2x2(x1, n1 - x1, x0, n0 - x0)
        worst = max(worst, abs(ours - ref) / max(ref, 1e-300))
    assert worst < 1e-9, worst


def _tables_kx2(count: int):
    rng = np.random.default_rng(RNG_SEED + 1)
    out = []
    while len(out) < count:
        k = int(rng.integers(2, 9))
        ns = rng.integers(5, 300, size=k)
        rates = rng.uniform(0.05, 0.95, size=k)
        xs = rng.binomial(ns, rates)
        table = [[int(x), int(n - x)] for x, n in zip(xs, ns, strict=True)]
        arr = np.asarray(table)
        if (arr.sum(axis=0) == 0).any():
            continue
        out.append(table)
    return out


def test_chi_square_omnibus_matches_scipy():
    worst_p = 0.0
    for table in _tables_kx2(400):
        ref = scipy_stats.chi2_contingency(table, correction=False)
        stat, df, p = stats.chi2_omnibus(table)
        assert df == ref.dof
        assert stat == pytest.approx(ref.statistic, rel=1e-10)
        if ref.pvalue > 1e-280:
            worst_p = max(worst_p, abs(p - ref.pvalue) / ref.pvalue)
    assert worst_p < 1e-9, worst_p


def test_chi2_sf_matches_scipy_over_a_grid():
    for df in (1, 2, 3, 4, 7, 10, 25, 60):
        for x in (0.01, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 50.0, 120.0):
            assert stats.chi2_sf(x, df) == pytest.approx(scipy_stats.chi2.sf(x, df), rel=1e-10, abs=1e-300)


def test_chi_square_undefined_when_a_column_is_empty():
    assert stats.chi2_omnibus([[0, 10], [0, 20]]) is None
    assert stats.chi2_omnibus([[3, 10]]) is None


def test_normal_functions_match_scipy():
    for q in (1e-10, 0.001, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999999):
        assert stats.norm_ppf(q) == pytest.approx(scipy_stats.norm.ppf(q), rel=1e-12)
    for z in (-8.0, -3.1, -1.0, 0.0, 0.3, 1.96, 5.0, 12.0):
        assert stats.norm_two_sided_p(z) == pytest.approx(2 * scipy_stats.norm.sf(abs(z)), rel=1e-12, abs=1e-300)


def test_holm_matches_statsmodels():
    rng = np.random.default_rng(RNG_SEED + 2)
    for _ in range(25):  # statsmodels multipletests costs ~60 ms per call
        m = int(rng.integers(1, 40))
        p = rng.uniform(0, 1, size=m) ** 3
        if rng.random() < 0.3:  # ties
            p[: m // 2] = p[0]
        ref = sm_multi.multipletests(p, method="holm")[1]
        np.testing.assert_allclose(stats.holm(p.tolist()), ref, rtol=1e-12, atol=1e-15)
    assert stats.holm([]) == []


@pytest.mark.parametrize(("base_rate", "note_figure"), [(0.5, 387), (0.3, 857), (0.1, 3205)])
def test_sample_size_reproduces_reference_note(base_rate, note_figure):
    n = stats.n_per_group_for_ratio(base_rate, ratio=0.8, alpha=0.05, power=0.8)
    assert abs(n - note_figure) / note_figure < 0.01
    # self-consistency: the power function gives >= 80% at n and < 80% at n - 1
    assert stats.power_2prop(base_rate, 0.8 * base_rate, n, n) >= 0.8
    assert stats.power_2prop(base_rate, 0.8 * base_rate, n - 1, n - 1) < 0.8


def test_power_formula_agrees_with_simulation():
    """Seeded Monte Carlo of the score test at the computed n: empirical power ~ 0.80."""
    rng = np.random.default_rng(RNG_SEED + 3)
    n = stats.n_per_group_for_ratio(0.5)
    reps = 4000
    x0 = rng.binomial(n, 0.5, size=reps)
    x1 = rng.binomial(n, 0.4, size=reps)
    pooled = (x0 + x1) / (2 * n)
    z = (x0 - x1) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    empirical = float(np.mean(np.abs(z) > scipy_stats.norm.isf(0.025)))
    assert empirical == pytest.approx(0.80, abs=0.025)


def test_additional_people_needed():
    assert stats.additional_people_needed(0.5, 1000, 1000) == 0
    extra = stats.additional_people_needed(0.5, 100, 100)
    assert extra > 0
    # growing only the group cannot help when the reference is tiny: both brought to the equal-allocation size
    assert extra == 2 * (stats.n_per_group_for_ratio(0.5) - 100)
    m = stats.additional_people_needed(0.5, 5000, 100)
    assert stats.power_2prop(0.5, 0.4, 5000, 100 + m) >= 0.8 > stats.power_2prop(0.5, 0.4, 5000, 100 + m - 1)
    assert math.isfinite(m)
