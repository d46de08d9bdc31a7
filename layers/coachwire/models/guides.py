"""Conversation guides: what a manager reads before a 1:1 that a stall alert prompted, one per alert reason.

Guides are content files HR edits (layers/coachwire/content/guides/*.yaml, docs/guides.md); this is their schema.
Unknown fields are an error, so a misspelt section is caught by `coachwire guides validate`, not silently lost."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from coachwire.models.base import PrintableText
from coachwire.models.coaching import StallReasonCode

REASON_CODES: tuple[str, ...] = get_args(StallReasonCode)

# What a manager reads: one line of plain text, neither empty nor an essay.
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400), PrintableText]
Version = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32,
                                           pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]

# The plan actions a guide can point to: the ops of PATCH /employees/{id}/plan (models/cocreation.py), which the
# chat buttons use too.
PlanAction = Literal["accept", "decline", "done", "snooze", "add", "reorder"]
PLAN_ACTION_LABELS: dict[str, str] = {
    "accept": "Accept", "decline": "Decline", "done": "Mark done", "snooze": "Not now",
    "add": "Add an agreed action", "reorder": "Reorder priorities"}


class PlanStep(BaseModel):
    """One step of co-creating the plan, tied to the plan action that records it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    action: PlanAction = Field(description="The plan action (PATCH /employees/{id}/plan op) this step ends in")
    when: Line = Field(description="When to use it, in the manager's words")


class ConversationGuide(BaseModel):
    """How to hold the 1:1 a stall alert prompts: open it, ask, co-create the plan, and what not to do."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reason_code: StallReasonCode
    version: Version = Field(description="Unique per reason code; a new wording is a new version")
    effective_date: date = Field(description="In use from this date (the latest one on or before today is current)")
    title: Line
    why_you_got_this: Line = Field(description="What the alert means, and what it does not")
    opening: list[Line] = Field(min_length=1, description="Ways to open without making the person feel watched")
    questions: list[Line] = Field(min_length=1, description="Open questions to ask")
    co_create: list[PlanStep] = Field(min_length=1, description="Agreeing the plan together, step by step")
    avoid: list[Line] = Field(min_length=1, description="What not to do")
    follow_up: Line = Field(description="How to close and when to check in again")


class GuideRef(BaseModel):
    """Where a guide is: its reason, version and the API path that serves it."""

    reason_code: StallReasonCode
    version: str
    path: str
