"""A pilot's scorecard: each criterion of record judged on the data Coachwire holds, as of day 30 and day 60 (or
one day asked for). Figures are percentages; each names the metric definition it used (`key@version`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from coachwire.models.base import Record
from coachwire.models.pilots import Comparator, Unit

CriterionStatus = Literal["met", "not_met", "not_measurable"]


class Interval(Record):
    low: float = Field(description="Lower bound, in the criterion's unit (percent)")
    high: float
    confidence: float = Field(description="e.g. 0.95")
    method: str = Field(description="wilson")


class CriterionResult(Record):
    key: str
    unit: Unit
    comparator: Comparator
    threshold: float
    definition: str = Field(description="The metric definition used, key@version (docs/metrics.md)")
    status: CriterionStatus
    value: float | None = Field(None, description="In the criterion's unit; None when nothing could be computed")
    interval: Interval | None = Field(None, description="Where the statistic has one (proportions: Wilson)")
    n: int | None = Field(None, description="The denominator")
    successes: int | None = None
    reason: str | None = Field(None, description="Why not measurable, or what the figure leaves out")
    details: dict[str, int] = Field(default_factory=dict, description="Counts beside the figure")


class ScorecardPoint(Record):
    label: str = Field(description="day_30, day_60 or as_of")
    as_of: date = Field(description="The last day the figures cover")
    criteria: list[CriterionResult]


class Scorecard(Record):
    pilot_id: str
    criteria_sha256: str = Field(description="The hash of the criteria of record the scorecard judges against")
    frozen_at: datetime
    start: date
    end: date
    computed_at: datetime
    points: list[ScorecardPoint]
