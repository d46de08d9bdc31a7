"""Kaplan-Meier (curve, pointwise CI, median and its CI) and log-rank cross-checked against lifelines on seeded
random right-censored data with ties. lifelines is a test dependency only."""

import math
import warnings

import numpy as np
import pytest

lifelines = pytest.importorskip("lifelines")
from coachwire.metrics.survival import kaplan_meier, logrank, median_survival  # noqa: E402
from lifelines.statistics import logrank_test  # noqa: E402
from lifelines.utils import median_survival_times  # noqa: E402

SEED = 20260613


def _sample(rng: np.random.Generator, scale: float):
    n = int(rng.integers(3, 250))
    event_days = np.ceil(rng.exponential(scale, n))  # whole days: many ties
    censor_days = np.ceil(rng.uniform(0, 3 * scale, n))
    durations = np.minimum(event_days, censor_days)
    observed = event_days <= censor_days
    return durations, observed


def _none_for_inf(value: float):
    return None if math.isinf(value) else float(value)


def test_kaplan_meier_matches_lifelines():
    rng = np.random.default_rng(SEED)
    checked = 0
    for _ in range(150):
        durations, observed = _sample(rng, float(rng.uniform(5, 120)))
        ours = kaplan_meier(durations, observed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kmf = lifelines.KaplanMeierFitter().fit(durations, observed)
        assert np.array_equal(np.asarray(ours.times), kmf.survival_function_.index.to_numpy())
        np.testing.assert_allclose(ours.survival, kmf.survival_function_.iloc[:, 0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours.lower, kmf.confidence_interval_.iloc[:, 0], rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours.upper, kmf.confidence_interval_.iloc[:, 1], rtol=0, atol=1e-10)
        np.testing.assert_array_equal(ours.at_risk, kmf.event_table["at_risk"].to_numpy())
        np.testing.assert_array_equal(ours.events, kmf.event_table["observed"].to_numpy())
        median = median_survival(ours)
        bounds = median_survival_times(kmf.confidence_interval_)
        assert median.estimate == _none_for_inf(kmf.median_survival_time_)
        assert median.low == _none_for_inf(bounds.iloc[0, 0])
        assert median.high == _none_for_inf(bounds.iloc[0, 1])
        checked += 1
    assert checked == 150


def test_logrank_matches_lifelines():
    rng = np.random.default_rng(SEED + 1)
    for _ in range(150):
        scale = float(rng.uniform(5, 120))
        a = _sample(rng, scale)
        b = _sample(rng, scale * float(rng.uniform(0.6, 1.6)))
        ours = logrank(a[0], a[1], b[0], b[1])
        theirs = logrank_test(a[0], b[0], a[1], b[1])
        assert ours.statistic == pytest.approx(theirs.test_statistic, rel=1e-9, abs=1e-12)
        assert ours.p_value == pytest.approx(theirs.p_value, rel=1e-8, abs=1e-14)
