"""Proportions, their differences, the difference in differences, survey means and eNPS, with intervals.

Pure numpy/math. Methods (the tests cross-check each against statsmodels, a test dependency only):

* `proportion`                 Wilson score interval (statsmodels `proportion_confint(method="wilson")`).
* `difference`                 p1 - p2 with Newcombe's hybrid score interval built from the two Wilson intervals
                               (statsmodels `confint_proportions_2indep(compare="diff", method="newcomb")`).
* `difference_in_differences`  (pilot after - pilot before) - (comparison after - comparison before) with a normal
                               interval, variance = sum of p (1 - p) / n over the four proportions. That assumes four
                               independent samples. When "before" and "after" are the same people the two are
                               usually positively correlated, so the true variance is smaller: the interval is then
                               conservative (too wide, never too narrow). Equal to the interaction coefficient of a
                               saturated linear probability model (OLS of y on pilot x after) with HC0 standard
                               errors. A missing baseline gives `NoBaseline`, never a number.
* `effect_against_baseline`    the best design the data allow: difference in differences with both baselines, else
                               pilot vs comparison over the same period, else pilot after vs before, else
                               `NoBaseline`.
* `mean_interval`              mean with a Student t interval, t quantile from the regularised incomplete beta
                               (coachwire.metrics.distributions.t_ppf) for every n >= 2, not a table.
* `enps`                       promoters (9-10) minus detractors (0-6), x 100, with a normal interval from the
                               multinomial variance (p_p + p_d - (p_p - p_d)^2) / n, clipped to [-100, 100].

Small samples are flagged, not hidden: `SmallSample.N_BELOW_30` when n < 30 and
`SmallSample.EXPECTED_BELOW_5` when successes or failures (n p or n (1 - p)) are below 5.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from coachwire.metrics.distributions import t_ppf, two_sided_z

SMALL_N = 30
SMALL_EXPECTED = 5
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
SCALE_MAX = 10


class SmallSample(StrEnum):
    N_BELOW_30 = "n_below_30"
    EXPECTED_BELOW_5 = "expected_count_below_5"


class Proportion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    successes: int
    n: int
    estimate: float
    low: float
    high: float
    confidence: float
    method: Literal["wilson"] = "wilson"
    warnings: tuple[SmallSample, ...] = ()


class ProportionDifference(BaseModel):
    """first - second."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first: Proportion
    second: Proportion
    estimate: float
    low: float
    high: float
    confidence: float
    method: Literal["newcombe_hybrid_wilson"] = "newcombe_hybrid_wilson"
    warnings: tuple[SmallSample, ...] = ()


class DifferenceInDifferences(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pilot_before: Proportion
    pilot_after: Proportion
    comparison_before: Proportion
    comparison_after: Proportion
    pilot_change: float
    comparison_change: float
    estimate: float  # pilot_change - comparison_change
    standard_error: float
    low: float
    high: float
    confidence: float
    method: Literal["normal_independent_samples"] = "normal_independent_samples"
    warnings: tuple[SmallSample, ...] = ()


class NoBaseline(BaseModel):
    """No effect can be shown: the baseline it needs is missing. Reports print "no baseline", never a number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["no_baseline"] = "no_baseline"
    missing: tuple[str, ...]
    reason: str


class BaselineDesign(StrEnum):
    DIFFERENCE_IN_DIFFERENCES = "difference_in_differences"
    PILOT_VS_COMPARISON = "pilot_vs_comparison"
    PILOT_BEFORE_AFTER = "pilot_before_after"


class Effect(BaseModel):
    """An effect against a baseline: which design, and its estimate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    design: BaselineDesign
    result: DifferenceInDifferences | ProportionDifference


class MeanEstimate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int
    mean: float
    sd: float | None  # sample standard deviation (n - 1); None for n = 1
    low: float | None  # None for n = 1: no interval from one answer
    high: float | None
    confidence: float
    invited: int | None = None
    response_rate: float | None = None
    method: Literal["student_t"] = "student_t"
    warnings: tuple[SmallSample, ...] = ()


class Enps(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int
    promoters: int
    passives: int
    detractors: int
    score: float  # -100..100
    low: float
    high: float
    confidence: float
    invited: int | None = None
    response_rate: float | None = None
    method: Literal["multinomial_normal"] = "multinomial_normal"
    warnings: tuple[SmallSample, ...] = ()


def _warnings(n: int, *counts: int) -> tuple[SmallSample, ...]:
    found = []
    if n < SMALL_N:
        found.append(SmallSample.N_BELOW_30)
    if any(count < SMALL_EXPECTED for count in counts):
        found.append(SmallSample.EXPECTED_BELOW_5)
    return tuple(found)


def _union(parts: Iterable[tuple[SmallSample, ...]]) -> tuple[SmallSample, ...]:
    seen = {warning for part in parts for warning in part}
    return tuple(warning for warning in SmallSample if warning in seen)


def _response_rate(n: int, invited: int | None) -> float | None:
    if invited is None:
        return None
    if invited < n or invited <= 0:
        raise ValueError(f"{n} answers cannot come from {invited} people invited")
    return n / invited


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of successes / n."""
    if n <= 0:
        raise ValueError("a proportion needs n >= 1")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n ({n}), not {successes}")
    z = two_sided_z(confidence)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    low = 0.0 if successes == 0 else max(0.0, center - half)  # exactly 0 / 1 at the edges, not 1e-17 off
    high = 1.0 if successes == n else min(1.0, center + half)
    return low, high


def proportion(successes: int, n: int, *, confidence: float = 0.95) -> Proportion:
    low, high = wilson_interval(successes, n, confidence)
    return Proportion(successes=successes, n=n, estimate=successes / n, low=low, high=high, confidence=confidence,
                      warnings=_warnings(n, successes, n - successes))


def _same_confidence(*parts: Proportion) -> float:
    levels = {part.confidence for part in parts}
    if len(levels) != 1:
        raise ValueError(f"proportions at different confidence levels: {sorted(levels)}")
    return levels.pop()


def difference(first: Proportion, second: Proportion) -> ProportionDifference:
    """first - second, Newcombe's hybrid score interval (independent samples)."""
    confidence = _same_confidence(first, second)
    p1, p2 = first.estimate, second.estimate
    estimate = p1 - p2
    low = estimate - math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2)
    high = estimate + math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2)
    return ProportionDifference(first=first, second=second, estimate=estimate, low=low, high=high,
                                confidence=confidence, warnings=_union((first.warnings, second.warnings)))


def _variance(part: Proportion) -> float:
    return part.estimate * (1.0 - part.estimate) / part.n


def difference_in_differences(pilot_before: Proportion | None, pilot_after: Proportion,
                              comparison_before: Proportion | None, comparison_after: Proportion | None
                              ) -> DifferenceInDifferences | NoBaseline:
    """(pilot after - pilot before) - (comparison after - comparison before); `NoBaseline` if a baseline is missing."""
    missing = tuple(name for name, part in (("pilot_before", pilot_before), ("comparison_before", comparison_before),
                                            ("comparison_after", comparison_after)) if part is None)
    if pilot_before is None or comparison_before is None or comparison_after is None:
        return NoBaseline(missing=missing, reason="the difference in differences needs the pilot's own baseline and "
                                                  "a comparison cohort before and after")
    parts = (pilot_before, pilot_after, comparison_before, comparison_after)
    confidence = _same_confidence(*parts)
    pilot_change = pilot_after.estimate - pilot_before.estimate
    comparison_change = comparison_after.estimate - comparison_before.estimate
    estimate = pilot_change - comparison_change
    standard_error = math.sqrt(sum(_variance(part) for part in parts))
    half = two_sided_z(confidence) * standard_error
    return DifferenceInDifferences(
        pilot_before=pilot_before, pilot_after=pilot_after, comparison_before=comparison_before,
        comparison_after=comparison_after, pilot_change=pilot_change, comparison_change=comparison_change,
        estimate=estimate, standard_error=standard_error, low=estimate - half, high=estimate + half,
        confidence=confidence, warnings=_union(part.warnings for part in parts))


def effect_against_baseline(pilot_after: Proportion, *, pilot_before: Proportion | None = None,
                            comparison_after: Proportion | None = None,
                            comparison_before: Proportion | None = None) -> Effect | NoBaseline:
    """The strongest design the baselines allow, or `NoBaseline` when there is neither a comparison cohort over the
    same period nor the pilot population before the pilot."""
    if pilot_before is not None and comparison_before is not None and comparison_after is not None:
        did = difference_in_differences(pilot_before, pilot_after, comparison_before, comparison_after)
        assert isinstance(did, DifferenceInDifferences)
        return Effect(design=BaselineDesign.DIFFERENCE_IN_DIFFERENCES, result=did)
    if comparison_after is not None:
        return Effect(design=BaselineDesign.PILOT_VS_COMPARISON, result=difference(pilot_after, comparison_after))
    if pilot_before is not None:
        return Effect(design=BaselineDesign.PILOT_BEFORE_AFTER, result=difference(pilot_after, pilot_before))
    return NoBaseline(missing=("pilot_before", "comparison_after"),
                      reason="neither a comparison cohort over the same period nor the pilot population before it")


def mean_interval(values: Sequence[float], *, confidence: float = 0.95, invited: int | None = None) -> MeanEstimate:
    """Mean with a Student t interval (n - 1 df); `invited` adds the response rate shown beside the score."""
    data = np.asarray(values, dtype=np.float64).reshape(-1)
    n = int(data.size)
    if n == 0:
        raise ValueError("a mean needs at least one value")
    if not np.all(np.isfinite(data)):
        raise ValueError("values must be finite")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, not {confidence}")
    mean = float(data.mean())
    response_rate = _response_rate(n, invited)
    if n == 1:
        return MeanEstimate(n=1, mean=mean, sd=None, low=None, high=None, confidence=confidence, invited=invited,
                            response_rate=response_rate, warnings=_warnings(1))
    sd = float(data.std(ddof=1))
    half = t_ppf(1.0 - (1.0 - confidence) / 2.0, n - 1) * sd / math.sqrt(n)
    return MeanEstimate(n=n, mean=mean, sd=sd, low=mean - half, high=mean + half, confidence=confidence,
                        invited=invited, response_rate=response_rate, warnings=_warnings(n))


def enps(scores: Sequence[int], *, confidence: float = 0.95, invited: int | None = None) -> Enps:
    """eNPS of 0-10 answers: 100 x (share 9-10 - share 0-6), with its normal interval (multinomial variance)."""
    data = np.asarray(scores).reshape(-1)
    n = int(data.size)
    if n == 0:
        raise ValueError("eNPS needs at least one answer")
    if not np.all((data == np.round(data)) & (data >= 0) & (data <= SCALE_MAX)):
        raise ValueError("eNPS answers are whole numbers from 0 to 10")
    promoters = int(np.sum(data >= PROMOTER_MIN))
    detractors = int(np.sum(data <= DETRACTOR_MAX))
    p_promoter, p_detractor = promoters / n, detractors / n
    net = p_promoter - p_detractor
    variance = max(0.0, p_promoter + p_detractor - net * net) / n
    half = two_sided_z(confidence) * math.sqrt(variance)
    return Enps(n=n, promoters=promoters, passives=n - promoters - detractors, detractors=detractors,
                score=100.0 * net, low=max(-100.0, 100.0 * (net - half)), high=min(100.0, 100.0 * (net + half)),
                confidence=confidence, invited=invited, response_rate=_response_rate(n, invited),
                warnings=_warnings(n, promoters, detractors))
