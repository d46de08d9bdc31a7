"""Canonical inbound HRIS events (Standard Webhooks payloads: {"type", "timestamp", "data"})."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Annotated, Literal, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from coachwire import spine
from coachwire.models.base import Identifier, InboundModel, PrintableText
from coachwire.models.demographics import DemographicsUpserted


def _sendable(address: str) -> str:
    """An address email can be sent to (syntax only, no DNS): ASCII before the @, since SES does not take
    SMTPUTF8, and a domain that can receive mail, kept in its ASCII (punycode) form, the form SES sends to."""
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as err:
        raise ValueError(str(err)) from None
    return checked.ascii_email or checked.normalized


Email = Annotated[str, StringConstraints(max_length=254), PrintableText, AfterValidator(_sendable)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), PrintableText]


# -- HRIS facts for outcome metrics only (docs/metrics.md): never read by the recommender ----------------------

LeavingReason = Literal["voluntary", "involuntary", "other"]
# How a role change moved the person. `correction`: the HRIS fixed a wrong record; not a move at all.
MoveKind = Literal["promotion", "lateral", "demotion", "correction"]
# Performance quartile within the organisation for the period: 4 is the top quartile, 1 the bottom.
TOP_QUARTILE = 4
Quartile = Annotated[int, Field(ge=1, le=TOP_QUARTILE)]


class PerformanceRating(InboundModel):
    """The person's performance for one review period, as the HRIS holds it: a rating on the organisation's own
    scale, a quartile (1..4, 4 = top), or both. Kept on the profile as a short dated history for the outcome
    metrics (high-performer retention: "top quartile at period start"); the recommendation engine never reads it."""

    period_start: date
    period_end: date
    # On the organisation's own scale (1-5, 0-100, ...): compared only within one organisation and period.
    rating: float | None = Field(default=None, ge=0.0, le=1000.0, allow_inf_nan=False)
    quartile: Quartile | None = None

    @field_validator("period_end")
    @classmethod
    def _end_after_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("period_start")
        if start is not None and end < start:
            raise ValueError(f"{end.isoformat()} is before period_start {start.isoformat()}")
        return end

    @model_validator(mode="after")
    def _rating_or_quartile(self) -> PerformanceRating:
        if self.rating is None and self.quartile is None:
            raise ValueError("a performance record needs a rating, a quartile or both")
        return self


class EmployeeUpserted(InboundModel):
    employee_id: Identifier
    manager_id: Identifier | None = None
    role_id: Identifier
    career_stage: Identifier
    email: Email
    display_name: Name
    hire_date: date
    # The latest performance rating or quartile, for the outcome metrics only (see PerformanceRating).
    performance: PerformanceRating | None = None


class SkillRating(InboundModel):
    skill_id: Identifier
    level: int = Field(ge=0, le=10)
    gap_flagged: bool = False


class CheckinSubmitted(InboundModel):
    checkin_id: Identifier
    employee_id: Identifier
    manager_id: Identifier
    submitted_at: AwareDatetime
    skill_ratings: list[SkillRating] = Field(min_length=1, max_length=200)

    @field_validator("skill_ratings")
    @classmethod
    def _one_rating_per_skill(cls, ratings: list[SkillRating]) -> list[SkillRating]:
        seen: set[str] = set()
        for rating in ratings:
            if rating.skill_id in seen:
                raise ValueError(f"skill '{rating.skill_id}' is rated twice")
            seen.add(rating.skill_id)
        return ratings


class RoleChanged(InboundModel):
    employee_id: Identifier
    role_id: Identifier
    career_stage: Identifier
    effective_date: date
    previous_role_id: Identifier | None = None
    previous_career_stage: Identifier | None = None
    # For the internal mobility metric. Absent = unknown: nothing is derived from the roles or stages.
    move_kind: MoveKind | None = None
    # The internal requisition (open position) this move filled, if any.
    requisition_id: Identifier | None = None


class LearningCompleted(InboundModel):
    employee_id: Identifier
    activity_id: Identifier
    completed_at: AwareDatetime
    # Scaled score as in xAPI result.score.scaled, clipped to completion semantics (0..1).
    score: float | None = Field(default=None, ge=0.0, le=1.0)


class EmployeeLeft(InboundModel):
    """The employee left (or will leave) the organisation: their records are erased after the policy's grace
    period (Settings.retention.leaver_grace_days), counted from `leaving_date`, or from when Coachwire learned of
    the leaving if that is later."""

    employee_id: Identifier
    leaving_date: date
    # For the high-performer retention metric. Absent = unknown (older senders do not send it).
    leaving_reason: LeavingReason | None = None


class RequisitionFilled(InboundModel):
    """An open position (requisition) was filled: for the mobility metric's "share of positions filled
    internally". Not yet accepted on the webhook (no trigger stores it yet): validated and stored through
    CatalogStore.put_requisition."""

    requisition_id: Identifier
    role_id: Identifier
    career_stage: Identifier
    filled_at: date
    filled_internally: bool
    hired_employee_id: Identifier | None = None


EventData = (EmployeeUpserted | CheckinSubmitted | RoleChanged | LearningCompleted | EmployeeLeft
             | DemographicsUpserted)

DATA_MODELS: dict[str, type[EventData]] = {
    spine.EMPLOYEE_UPSERTED: EmployeeUpserted,
    spine.EMPLOYEE_LEFT: EmployeeLeft,
    spine.CHECKIN_SUBMITTED: CheckinSubmitted,
    spine.ROLE_CHANGED: RoleChanged,
    spine.LEARNING_COMPLETED: LearningCompleted,
    spine.DEMOGRAPHICS_UPSERTED: DemographicsUpserted,
}

_Data = TypeVar("_Data", bound=InboundModel)

EventType = Literal[
    "employee.upserted",
    "employee.left",
    "performance.checkin.submitted",
    "employee.role.changed",
    "learning.activity.completed",
    "employee.demographics.upserted",
]


class WebhookEnvelope(InboundModel):
    type: EventType
    timestamp: AwareDatetime
    data: dict


class CanonicalEvent(InboundModel):
    """What travels on the bus as EventBridge `detail`: the verified envelope plus its webhook id."""

    event_id: Identifier
    type: EventType
    timestamp: AwareDatetime
    data: dict
    received_at: datetime
    # External ids (vendor skill or course ids) that ingest translated through a crosswalk: external → ours.
    translated_ids: dict[str, str] = Field(default_factory=dict)

    def parsed(self) -> EventData:
        return DATA_MODELS[self.type].from_json_data(self.data)

    def parsed_as(self, model: builtins.type[_Data]) -> _Data:
        """`parsed()`, narrowed to the data model the caller was routed this event for (a trigger handles one
        event type); an event of another type is a routing bug, raised as a TypeError. (`builtins.type`: the
        `type` field shadows the builtin in this class.)"""
        data = self.parsed()
        if not isinstance(data, model):
            raise TypeError(f"a {self.type} event carries {type(data).__name__}, not {model.__name__}")
        return data

    @property
    def subject_id(self) -> str:
        return str(self.data.get("employee_id", ""))


class ScheduledJob(InboundModel):
    """Detail of a scheduled job event (from EventBridge Scheduler or `POST /jobs/...`)."""

    job: Literal["stall_detection", "model_training"]
    as_of: date | None = None
    requested_by: str = "schedule"
    run_id: Identifier | None = None
