"""Behavioural history the efficacy model trains on: ids and levels only, kept apart from the coaching records so
the engine can read it without importing anything else about a person."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from coachwire.models.base import Record


class CompletionFact(Record):
    item_id: str
    skill_id: str
    level_at_completion: int


class AssessmentFact(Record):
    skill_id: str
    level: int


class HistoryEntry(Record):
    """Behavioural history the efficacy model trains on: completions and check-in ratings, ids and levels only.
    Written only while the employee has personalisation on."""

    employee_id: str
    entry_id: str  # the event that produced it
    at: datetime
    completions: list[CompletionFact] = Field(default_factory=list)
    assessments: list[AssessmentFact] = Field(default_factory=list)
