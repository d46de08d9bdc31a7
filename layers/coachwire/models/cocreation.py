"""Co-creation requests: plan changes by employee and manager, and the personalisation switch.
Strict: an unknown field or op is a 400 naming it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from coachwire.models.base import Identifier, InboundModel

Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AcceptItem(InboundModel):
    op: Literal["accept"]
    item_id: Identifier


class DeclineItem(InboundModel):
    op: Literal["decline"]
    item_id: Identifier
    reason: Reason | None = Field(None, description="Optional, ≤ 500 characters; kept on the plan only")


class MarkDone(InboundModel):
    op: Literal["done"]
    item_id: Identifier


class SnoozeItem(InboundModel):
    op: Literal["snooze"]
    item_id: Identifier
    days: int = Field(7, ge=1, le=90, description="Not suggested again for this many days")


class ReorderPriorities(InboundModel):
    op: Literal["reorder"]
    skill_ids: list[Identifier] = Field(max_length=50, description="Agreed priorities, most important first; "
                                                                   "[] clears them")


class AddAction(InboundModel):
    op: Literal["add"]
    title: Title
    skill_id: Identifier
    due_date: date


PlanChangeRequest = Annotated[AcceptItem | DeclineItem | MarkDone | SnoozeItem | ReorderPriorities | AddAction,
                              Field(discriminator="op")]


class PlanPatch(InboundModel):
    changes: list[PlanChangeRequest] = Field(min_length=1, max_length=50)


class PersonalisationRequest(InboundModel):
    enabled: bool
