"""Kaplan-Meier and log-rank on small data with answers worked by hand."""

import math

import pytest
from coachwire.metrics.survival import kaplan_meier, logrank, median_survival


def test_kaplan_meier_worked_example():
    # 6 people: proficient at days 3, 5, 8, 12; censored (still learning / left) at 5 and 10.
    curve = kaplan_meier([3, 5, 5, 8, 10, 12], [1, 1, 0, 1, 0, 1])
    assert curve.times == (0, 3, 5, 8, 10, 12)
    assert curve.at_risk == (6, 6, 5, 3, 2, 1)
    assert curve.events == (0, 1, 1, 1, 0, 1)
    assert curve.censored == (0, 0, 1, 0, 1, 0)
    assert curve.survival == pytest.approx((1, 5 / 6, 5 / 6 * 4 / 5, 2 / 3 * 2 / 3, 4 / 9, 0.0))
    # Greenwood: sum of d / (n (n - d)); the last step (n = d) adds nothing, as in lifelines.
    assert curve.greenwood_variance == pytest.approx((0, 1 / 30, 1 / 30 + 1 / 20, 1 / 30 + 1 / 20 + 1 / 6,
                                                      0.25, 0.25))
    # log(-log) interval at day 3: S = 5/6, v = log S
    v = math.log(5 / 6)
    z = 1.959963984540054
    assert curve.lower[1] == pytest.approx(math.exp(-math.exp(math.log(-v) - z * math.sqrt(1 / 30) / v)))
    assert curve.upper[1] == pytest.approx(math.exp(-math.exp(math.log(-v) + z * math.sqrt(1 / 30) / v)))
    assert curve.lower[0] == curve.upper[0] == 1.0 and curve.lower[-1] == curve.upper[-1] == 0.0
    median = median_survival(curve)
    assert (median.estimate, median.low, median.high) == (8, 3, 12)
    assert median.reached and median.n == 6 and median.events == 4


def test_a_median_the_curve_never_reaches_is_not_reached():
    median = median_survival(kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0]))  # S stays at 3/4
    assert median.estimate is None and not median.reached
    assert median.high is None  # the upper curve never comes down either


def test_a_curve_exactly_on_one_half_reaches_the_median_there():
    median = median_survival(kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1]))
    assert median.estimate == 2


def test_censored_people_count_at_risk_and_are_never_dropped():
    # Averaging only those who got there would give (10 + 20) / 2 = 15 days; the three still learning at day 30
    # keep the curve above 0.5 until day 20 and beyond: the median is not 15.
    median = median_survival(kaplan_meier([10, 20, 30, 30, 30], [1, 1, 0, 0, 0]))
    assert median.estimate is None


def test_logrank_worked_example():
    # A reaches the event at 1 and 2, B at 3 and 4. At t=1: n=4, nA=2, d=1: E=1/2, V=1/4; t=2: n=3, nA=1: E=1/3,
    # V=2/9; afterwards nobody in A is at risk. O - E = 7/6, V = 17/36, chi2 = 49/17; B expects the rest of the 4.
    result = logrank([1, 2], [1, 1], [3, 4], [1, 1])
    assert result.observed_a == 2 and result.observed_b == 2
    assert result.expected_a == pytest.approx(5 / 6) and result.expected_b == pytest.approx(4 - 5 / 6)
    assert result.variance == pytest.approx(17 / 36)
    assert result.statistic == pytest.approx(49 / 17)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(49 / 34)))


def test_logrank_without_events_is_zero_with_p_one():
    result = logrank([1, 2], [0, 0], [3, 4], [0, 0])
    assert (result.statistic, result.p_value, result.variance) == (0.0, 1.0, 0.0)


def test_identical_cohorts_do_not_differ():
    result = logrank([1, 2, 3, 4], [1, 1, 0, 1], [1, 2, 3, 4], [1, 1, 0, 1])
    assert result.statistic == pytest.approx(0.0) and result.p_value == pytest.approx(1.0)


@pytest.mark.parametrize(("durations", "observed"), [([], []), ([1, 2], [1]), ([-1], [1]), ([float("nan")], [1]),
                                                     ([1], [2])])
def test_bad_input_is_refused(durations, observed):
    with pytest.raises(ValueError):
        kaplan_meier(durations, observed)
