"""Pilots: who takes part, when, and the success criteria registered before the start.

A pilot is registered (criteria may still be edited, attributed), then at its start date frozen: the criteria
become a `RegisteredCriteria` record (the criteria, when, and the sha256 of their canonical JSON) that nothing
replaces. A later change is an `Amendment` beside it, attributed and visible; results are judged against the
registered criteria (`coachwire.domain.pilots.criteria_of_record`). Names, notes and reasons are free text by HR
admins: they live on the pilot, never in logs or the audit log.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from coachwire.models.base import Identifier, InboundModel, PrintableText, Record

CriterionKey = Literal["adoption", "manager_utilisation", "skill_progression", "trigger_reliability",
                       "employee_sentiment"]
CRITERION_KEYS: tuple[str, ...] = ("adoption", "manager_utilisation", "skill_progression", "trigger_reliability",
                                   "employee_sentiment")
Comparator = Literal[">=", "<="]
Unit = Literal["percent", "score", "enps"]
PilotStatus = Literal["registered", "running", "ended"]

# Which units each criterion is measured in (metrics.md): shares are percent; sentiment is the mean of the 5-point
# items (score) or the eNPS of the 0-10 item.
UNITS_BY_CRITERION: dict[str, tuple[str, ...]] = {
    "adoption": ("percent",),
    "manager_utilisation": ("percent",),
    "skill_progression": ("percent",),
    "trigger_reliability": ("percent",),
    "employee_sentiment": ("score", "enps"),
}
UNIT_RANGES: dict[str, tuple[float, float]] = {"percent": (0.0, 100.0), "score": (1.0, 5.0),
                                               "enps": (-100.0, 100.0)}

MIN_COHORT = 50
MAX_COHORT = 200
MIN_DAYS = 60
MAX_CRITERIA = 20

Note = Annotated[str, StringConstraints(min_length=1, max_length=500), PrintableText]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500), PrintableText]
Family = Annotated[str, StringConstraints(min_length=1, max_length=100), PrintableText]


class SuccessCriterion(InboundModel):
    """One pre-registered criterion: the measured value `comparator` `threshold` (in `unit`) means success."""

    key: CriterionKey = Field(description="Which criterion (docs/metrics.md defines each)")
    comparator: Comparator = Field(description="'>=' (at least) or '<=' (at most)")
    threshold: Annotated[float, Strict()] = Field(
        description="percent: 0-100; score (mean of the 5-point items): 1-5; enps: -100..100")
    unit: Unit = Field(description="percent for adoption, manager_utilisation, skill_progression and "
                                   "trigger_reliability; score or enps for employee_sentiment")
    note: Note | None = Field(None, description="Why this threshold (at most 500 characters)")

    @model_validator(mode="after")
    def _unit_fits(self) -> SuccessCriterion:
        allowed = UNITS_BY_CRITERION[self.key]
        if self.unit not in allowed:
            raise ValueError(f"unit of {self.key} must be {' or '.join(allowed)}, not {self.unit}")
        low, high = UNIT_RANGES[self.unit]
        if not low <= self.threshold <= high:
            raise ValueError(f"threshold in {self.unit} must be between {low:g} and {high:g}, got {self.threshold:g}")
        return self


def _distinct_criteria(criteria: list[SuccessCriterion]) -> list[SuccessCriterion]:
    seen: set[tuple[str, str]] = set()
    for criterion in criteria:
        if (criterion.key, criterion.unit) in seen:
            raise ValueError(f"criterion {criterion.key} in {criterion.unit} is listed twice")
        seen.add((criterion.key, criterion.unit))
    return criteria


Criteria = Annotated[list[SuccessCriterion], Field(min_length=1, max_length=MAX_CRITERIA),
                     AfterValidator(_distinct_criteria)]


class Cohort(InboundModel):
    """Who: every current employee in these role families (the frameworks' roles' `family`), or these people."""

    role_families: list[Family] | None = Field(None, min_length=1, max_length=50)
    employee_ids: list[Identifier] | None = Field(None, min_length=1, max_length=MAX_COHORT)

    @model_validator(mode="after")
    def _one_way(self) -> Cohort:
        if (self.role_families is None) == (self.employee_ids is None):
            raise ValueError("give either role_families or employee_ids")
        listed = self.role_families or self.employee_ids or []
        if len(set(listed)) != len(listed):
            raise ValueError("lists an entry twice")
        return self


class PilotRequest(InboundModel):
    """POST /pilots. The cohort must resolve to 50-200 current employees; the pilot runs at least 60 days."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200), PrintableText]
    cohort: Cohort
    comparison_cohort: Cohort | None = Field(None, description="People who do not get coaching over the same "
                                                               "period (50-200, none of them in the cohort)")
    start: date = Field(description="First day (YYYY-MM-DD); the criteria freeze on it. Today or later "
                                    "(yesterday is tolerated)")
    end: date = Field(description="Last day (YYYY-MM-DD), at least 60 days after start")
    criteria: Criteria

    @field_validator("end")
    @classmethod
    def _long_enough(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if isinstance(start, date) and end - start < timedelta(days=MIN_DAYS):
            raise ValueError(f"end must be at least {MIN_DAYS} days after start ({start})")
        return end


class CriteriaUpdate(InboundModel):
    """PUT /pilots/{id}/criteria, before the start: the criteria replaced (attributed)."""

    criteria: Criteria


class AmendmentRequest(InboundModel):
    """POST /pilots/{id}/amendments, after the start: a proposed change, shown beside the registered criteria."""

    reason: Reason = Field(description="Why (at most 500 characters); kept on the pilot, never in the audit log")
    criteria: Criteria


class RegisteredCriteria(BaseModel):
    """The criteria of record, fixed at the start: immutable. `sha256` is over their canonical JSON (a list of
    objects, keys sorted, no whitespace; `coachwire.domain.pilots.canonical_json`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    criteria: tuple[SuccessCriterion, ...]
    frozen_at: datetime = Field(description="00:00 UTC on the start date")
    sha256: str


class CriteriaEdit(BaseModel):
    """A change before the start (free, but attributed): the criteria as they were set."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    at: datetime
    by: str
    criteria: tuple[SuccessCriterion, ...]


class Amendment(BaseModel):
    """A change after the start: attributed and visible, never replacing the registered criteria."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    at: datetime
    by: str
    reason: str
    criteria: tuple[SuccessCriterion, ...]


class Pilot(Record):
    pilot_id: Identifier
    request: PilotRequest = Field(description="As registered; `request.criteria` are the current ones (edits "
                                              "before the start change them; amendments never do)")
    members: list[str] = Field(description="The cohort's employee ids, resolved at registration")
    comparison_members: list[str] = Field(default_factory=list)
    created_by: str
    created_at: datetime
    status: PilotStatus = "registered"
    registered: RegisteredCriteria | None = Field(None, description="Set at the start date; never changes")
    edits: list[CriteriaEdit] = Field(default_factory=list)
    amendments: list[Amendment] = Field(default_factory=list)
    version: int = 0
