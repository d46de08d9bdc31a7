"""Proportions, differences, difference in differences, means and eNPS on small data with known answers."""

import math

import pytest
from coachwire.metrics.proportions import (
    BaselineDesign,
    DifferenceInDifferences,
    Effect,
    NoBaseline,
    SmallSample,
    difference,
    difference_in_differences,
    effect_against_baseline,
    enps,
    mean_interval,
    proportion,
)
from hypothesis import given
from hypothesis import strategies as st

Z = 1.959963984540054


def test_wilson_worked_example():
    p = proportion(8, 10)
    assert (round(p.low, 4), round(p.high, 4)) == (0.4902, 0.9433)
    assert p.warnings == (SmallSample.N_BELOW_30, SmallSample.EXPECTED_BELOW_5)  # 2 failures
    assert proportion(50, 100).warnings == ()


def test_newcombe_worked_example():
    # Newcombe (1998), method 10: 56/70 - 48/80 = 0.2, 95 % CI 0.0524 to 0.3339.
    diff = difference(proportion(56, 70), proportion(48, 80))
    assert diff.estimate == pytest.approx(0.2)
    assert (round(diff.low, 4), round(diff.high, 4)) == (0.0524, 0.3339)


def test_difference_in_differences_worked_example():
    did = difference_in_differences(proportion(30, 100), proportion(60, 100), proportion(30, 100),
                                    proportion(40, 100))
    assert isinstance(did, DifferenceInDifferences)
    assert did.pilot_change == pytest.approx(0.3) and did.comparison_change == pytest.approx(0.1)
    assert did.estimate == pytest.approx(0.2)
    se = math.sqrt((0.21 + 0.24 + 0.21 + 0.24) / 100)
    assert did.standard_error == pytest.approx(se)
    assert (did.low, did.high) == pytest.approx((0.2 - Z * se, 0.2 + Z * se))


@pytest.mark.parametrize("missing", ["pilot_before", "comparison_before", "comparison_after"])
def test_a_missing_baseline_gives_no_baseline_never_a_number(missing):
    parts = {"pilot_before": proportion(30, 100), "comparison_before": proportion(30, 100),
             "comparison_after": proportion(40, 100)}
    parts[missing] = None
    result = difference_in_differences(parts["pilot_before"], proportion(60, 100), parts["comparison_before"],
                                       parts["comparison_after"])
    assert isinstance(result, NoBaseline) and result.missing == (missing,)
    assert result.model_dump()["kind"] == "no_baseline" and "estimate" not in result.model_dump()


def test_effect_takes_the_strongest_design_available():
    after, before = proportion(60, 100), proportion(30, 100)
    comparison_after, comparison_before = proportion(40, 100), proportion(30, 100)
    full = effect_against_baseline(after, pilot_before=before, comparison_after=comparison_after,
                                   comparison_before=comparison_before)
    assert isinstance(full, Effect) and full.design is BaselineDesign.DIFFERENCE_IN_DIFFERENCES
    versus = effect_against_baseline(after, comparison_after=comparison_after)
    assert isinstance(versus, Effect) and versus.design is BaselineDesign.PILOT_VS_COMPARISON
    assert versus.result.estimate == pytest.approx(0.2)
    own = effect_against_baseline(after, pilot_before=before)
    assert isinstance(own, Effect) and own.design is BaselineDesign.PILOT_BEFORE_AFTER
    assert own.result.estimate == pytest.approx(0.3)
    assert isinstance(effect_against_baseline(after), NoBaseline)
    assert isinstance(effect_against_baseline(after, comparison_before=comparison_before), NoBaseline)


def test_mean_with_t_interval_worked_example():
    result = mean_interval([1, 2, 3, 4, 5], invited=10)
    assert result.mean == 3 and result.sd == pytest.approx(math.sqrt(2.5))
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)  # t(4) 0.975
    assert (result.low, result.high) == pytest.approx((3 - half, 3 + half))
    assert result.response_rate == 0.5 and result.warnings == (SmallSample.N_BELOW_30,)
    one = mean_interval([4])
    assert one.low is None and one.high is None and one.sd is None
    with pytest.raises(ValueError):
        mean_interval([])
    with pytest.raises(ValueError):
        mean_interval([1, 2], invited=1)


def test_enps_worked_example():
    result = enps([10] * 6 + [9] * 4 + [8, 7] * 2 + [1] + [6] * 4, invited=40)
    assert (result.n, result.promoters, result.passives, result.detractors) == (19, 10, 4, 5)
    assert result.score == pytest.approx(100 * 5 / 19)
    variance = (10 / 19 + 5 / 19 - (5 / 19) ** 2) / 19
    assert (result.low, result.high) == pytest.approx((100 * (5 / 19 - Z * math.sqrt(variance)),
                                                       100 * (5 / 19 + Z * math.sqrt(variance))))
    assert result.response_rate == pytest.approx(19 / 40)
    assert enps([10] * 40).score == 100 and enps([10] * 40).high == 100.0
    assert enps([0] * 40).score == -100 and enps([0] * 40).low == -100.0
    for bad in ([11], [-1], [7.5]):
        with pytest.raises(ValueError):
            enps(bad)


def test_refusals():
    with pytest.raises(ValueError):
        proportion(0, 0)
    with pytest.raises(ValueError):
        proportion(5, 4)
    with pytest.raises(ValueError):
        difference(proportion(1, 4), proportion(1, 4, confidence=0.9))


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_estimate_inside_zero_one(counts):
    p = proportion(*counts)
    assert 0.0 <= p.low <= p.estimate <= p.high <= 1.0


@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
def test_enps_interval_holds_the_score_inside_the_range(scores):
    result = enps(scores)
    assert -100.0 <= result.low <= result.score + 1e-9 and result.score - 1e-9 <= result.high <= 100.0
