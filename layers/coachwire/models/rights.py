"""The employee's data rights: correction requests and their decisions.

Requests are strict (an unknown field is a 400 naming it). `evidence` and `reason` are free text: they live on
the correction record, which the employee can read and export; the audit log keeps ids, codes and a hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, RootModel, StringConstraints, TypeAdapter

from coachwire.models.base import Identifier, InboundModel, Record

Evidence = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]

CorrectableField = Literal["skill_level", "role", "display_name"]


class SkillLevelCorrection(InboundModel):
    """"My rating of this skill is wrong": the level the employee believes is right, and why."""

    field: Literal["skill_level"]
    skill_id: Identifier
    proposed: int = Field(ge=0, le=10, description="The level the employee believes is right")
    evidence: Evidence = Field(description="Required: what shows this level (work, certificates, feedback)")


class RoleValue(InboundModel):
    role_id: Identifier
    career_stage: Identifier


class RoleCorrection(InboundModel):
    """"My role or career stage is recorded wrongly"."""

    field: Literal["role"]
    proposed: RoleValue
    evidence: Evidence | None = None


class DisplayNameCorrection(InboundModel):
    field: Literal["display_name"]
    proposed: Name
    evidence: Evidence | None = None


CorrectionRequest = Annotated[SkillLevelCorrection | RoleCorrection | DisplayNameCorrection,
                              Field(discriminator="field")]
CORRECTION_REQUEST = TypeAdapter(CorrectionRequest)


class CorrectionRequestBody(RootModel[CorrectionRequest]):
    """The request body as one named schema (for the OpenAPI document)."""


class CorrectionDecisionRequest(InboundModel):
    decision: Literal["approve", "reject"]
    reason: Reason = Field(description="Mandatory, also for approvals; kept on the correction record")


CorrectionStatus = Literal["open", "approved", "rejected"]
Value = int | str | dict[str, str]


class Correction(Record):
    """A correction request as stored (in the employee's own partition, so it is exported and erased with them).
    `current` is what the record said when the request was made."""

    correction_id: str
    employee_id: str
    field: CorrectableField
    skill_id: str | None = None
    current: Value | None = None
    proposed: Value
    evidence: str | None = None
    status: CorrectionStatus = "open"
    requested_by: str
    requested_at: datetime
    escalated_at: datetime | None = None
    escalation_notification_id: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    # Bumped on every write; a write expecting an older revision loses (two HR admins deciding at once).
    revision: int = 0
