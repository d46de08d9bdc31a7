"""Kaplan-Meier and the log-rank test for right-censored durations (e.g. days from role start to proficient).

Pure numpy. Each figure matches lifelines (a test dependency only; tests/metrics/test_survival_reference.py):

* `kaplan_meier`      `KaplanMeierFitter().fit(durations, observed)`: the curve on the timeline {0} and every
                      distinct duration, computed as exp(cumsum(log(n - d) - log(n))) like lifelines (so a curve
                      that sits exactly on 0.5 is read the same way), with Greenwood's variance of log S(t),
                      sum d / (n (n - d)), and the pointwise interval on the log(-log S) scale ("exponential
                      Greenwood"): exp(-exp(log(-log S) -/+ z sqrt(var) / log S)). Where S = 1 the interval is
                      [1, 1]; where S = 0 it is [0, 0] (lifelines' convention).
* `median_survival`   `kmf.median_survival_time_` and `median_survival_times(kmf.confidence_interval_)`: the median
                      is the first time S(t) <= 0.5; its interval is the first time the lower and the upper
                      pointwise curves are <= 0.5. That reads the Brookmeyer-Crowley interval (the times whose
                      S(t) is not significantly different from 0.5) off the log(-log) transformed curves. A curve
                      (or interval curve) that never comes down to 0.5 gives None: "not reached".
* `logrank`           `logrank_test(durations_a, durations_b, observed_a, observed_b)`: observed minus expected
                      events in cohort A over every distinct time, the hypergeometric variance, chi-square with 1 df.

Never average only the people who reached the event: censored people (still in role, not yet proficient, or left)
count at risk until their last observed time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from coachwire.metrics.distributions import chi2_1_sf, two_sided_z

MEDIAN = 0.5


class SurvivalCurve(BaseModel):
    """The Kaplan-Meier estimate at every time of the timeline (0 and each distinct duration)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    times: tuple[float, ...]
    survival: tuple[float, ...]
    at_risk: tuple[int, ...]  # just before the time
    events: tuple[int, ...]  # observed at the time
    censored: tuple[int, ...]  # censored at the time (still at risk at it)
    greenwood_variance: tuple[float, ...]  # of log S(t): sum of d / (n (n - d)) so far
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    confidence: float
    interval_method: str = "log(-log) transformed Greenwood (exponential Greenwood)"

    @property
    def n(self) -> int:
        return self.at_risk[0] if self.at_risk else 0

    @property
    def total_events(self) -> int:
        return sum(self.events)


class MedianSurvival(BaseModel):
    """The median time with its confidence interval; None means "not reached" (the curve stays above 0.5)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    estimate: float | None
    low: float | None
    high: float | None
    confidence: float
    n: int
    events: int
    interval_method: str = "Brookmeyer-Crowley on the log(-log) pointwise bounds (lifelines median_survival_times)"

    @property
    def reached(self) -> bool:
        return self.estimate is not None


class LogRankResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    statistic: float  # chi-square, 1 df
    p_value: float
    observed_a: int
    expected_a: float
    observed_b: int
    expected_b: float
    variance: float  # of observed_a - expected_a; 0 (no informative time) gives statistic 0 and p 1, like lifelines
    degrees_of_freedom: int = 1


def _checked(durations: Sequence[float] | NDArray[np.floating], observed: Sequence[bool] | NDArray[np.bool_]
             ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    times = np.asarray(durations, dtype=np.float64).reshape(-1)
    flags = np.asarray(observed).reshape(-1)
    if times.shape != flags.shape:
        raise ValueError(f"{times.size} durations but {flags.size} event flags")
    if times.size == 0:
        raise ValueError("no durations")
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError("durations must be finite and not negative")
    if not np.all((flags == 0) | (flags == 1)):
        raise ValueError("event flags must be true/false (1/0)")
    return times, flags.astype(bool)


def _table(times: NDArray[np.float64], flags: NDArray[np.bool_], timeline: NDArray[np.float64]
           ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """At risk just before, events and removals at each timeline time (timeline holds every duration)."""
    index = np.searchsorted(timeline, times)
    removed = np.bincount(index, minlength=timeline.size).astype(np.int64)
    events = np.bincount(index, weights=flags, minlength=timeline.size).astype(np.int64)
    at_risk = times.size - np.concatenate(([0], np.cumsum(removed)[:-1]))
    return at_risk, events, removed


def kaplan_meier(durations: Sequence[float] | NDArray[np.floating], observed: Sequence[bool] | NDArray[np.bool_],
                 *, confidence: float = 0.95) -> SurvivalCurve:
    """The Kaplan-Meier curve of right-censored durations: `observed[i]` is True if person i reached the event at
    `durations[i]`, False if they were censored then (still under observation up to that time, outcome unknown)."""
    times, flags = _checked(durations, observed)
    z = two_sided_z(confidence)
    timeline = np.unique(np.concatenate(([0.0], times)))
    at_risk, events, removed = _table(times, flags, timeline)
    n = at_risk.astype(np.float64)
    d = events.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_survival = np.cumsum(np.log(n - d) - np.log(n))
        steps = d / (n * (n - d))
        variance = np.cumsum(np.where(np.isinf(steps), 0.0, steps))
        survival = np.exp(log_survival)
        spread = z * np.sqrt(variance) / log_survival
        lower = np.exp(-np.exp(np.log(-log_survival) - spread))
        upper = np.exp(-np.exp(np.log(-log_survival) + spread))
    lower = np.where(np.isnan(lower), 1.0, lower)
    upper = np.where(np.isnan(upper), 1.0, upper)
    return SurvivalCurve(
        times=tuple(timeline.tolist()), survival=tuple(survival.tolist()), at_risk=tuple(at_risk.tolist()),
        events=tuple(events.tolist()), censored=tuple((removed - events).tolist()),
        greenwood_variance=tuple(variance.tolist()), lower=tuple(lower.tolist()), upper=tuple(upper.tolist()),
        confidence=confidence)


def first_time_at_or_below(times: Sequence[float], curve: Sequence[float], q: float = MEDIAN) -> float | None:
    """The first time a non-increasing curve is <= q (lifelines' qth_survival_time); None if it never is."""
    values = np.asarray(curve, dtype=np.float64)
    if values.size == 0 or values[-1] > q:
        return None
    return float(times[int(np.searchsorted(-values, -q))])


def median_survival(curve: SurvivalCurve) -> MedianSurvival:
    """The median time and its interval (see the module docstring); None where not reached."""
    return MedianSurvival(
        estimate=first_time_at_or_below(curve.times, curve.survival),
        low=first_time_at_or_below(curve.times, curve.lower),
        high=first_time_at_or_below(curve.times, curve.upper),
        confidence=curve.confidence, n=curve.n, events=curve.total_events)


def logrank(durations_a: Sequence[float] | NDArray[np.floating], observed_a: Sequence[bool] | NDArray[np.bool_],
            durations_b: Sequence[float] | NDArray[np.floating], observed_b: Sequence[bool] | NDArray[np.bool_]
            ) -> LogRankResult:
    """The log-rank test of equal survival in cohorts A and B (two-sided, chi-square with 1 df)."""
    times_a, flags_a = _checked(durations_a, observed_a)
    times_b, flags_b = _checked(durations_b, observed_b)
    timeline = np.unique(np.concatenate((times_a, times_b)))
    risk_a, events_a, _ = _table(times_a, flags_a, timeline)
    risk_b, events_b, _ = _table(times_b, flags_b, timeline)
    n_a = risk_a.astype(np.float64)
    n = n_a + risk_b
    d = (events_a + events_b).astype(np.float64)
    expected_a = float(np.sum(n_a * d / n))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (n - d) / (n - 1.0)
    ratio = np.where(np.isfinite(ratio), ratio, 1.0)  # n = 1: nobody else at risk, the term is 0 anyway
    variance = float(np.sum(n_a * (n - n_a) * d * ratio / (n * n)))
    observed = int(events_a.sum())
    difference = observed - expected_a
    statistic = difference * difference / variance if variance > 0 else 0.0
    total = int(d.sum())
    return LogRankResult(statistic=statistic, p_value=chi2_1_sf(statistic), observed_a=observed,
                         expected_a=expected_a, observed_b=total - observed, expected_b=float(total - expected_a),
                         variance=variance)
