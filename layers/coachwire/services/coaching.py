"""What the coaching triggers share: the profile lookup, benchmark levels, recommendation origin and filters,
shadow scoring, behavioural history and the leaver rule."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypedDict

from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.recommender import pick, to_recommendation
from coachwire.errors import UnknownReference
from coachwire.models.coaching import (
    EmployeeProfile,
    Notification,
    Recommendation,
)
from coachwire.models.events import (
    CanonicalEvent,
)
from coachwire.models.framework import Catalog, Framework
from coachwire.models.history import HistoryEntry
from coachwire.ports import ProfileChange
from coachwire.services.deps import Dependencies
from coachwire.services.model_versions import Scorers
from coachwire.services.ranking import ranked
from coachwire.services.unit_of_work import TriggerResult


def require_profile(profile: EmployeeProfile | None, employee_id: str) -> EmployeeProfile:
    if profile is None:
        raise UnknownReference("data.employee_id", f"unknown employee '{employee_id}'")
    return profile


def benchmarks_of(index: FrameworkIndex, profile: EmployeeProfile) -> dict[str, int]:
    vector = index.benchmark_vector(profile.role_id, profile.career_stage)
    return {s: int(v) for s, v in zip(index.skill_ids, vector, strict=True) if v > 0}


def levels_of(profile: EmployeeProfile) -> dict[str, int]:
    return {skill: assessed.level for skill, assessed in profile.levels.items()}


def message_meta(event: CanonicalEvent, trigger: str, at: datetime) -> dict:
    return {"source_event_id": event.event_id, "trigger": trigger, "created_at": at}


def acted(before: EmployeeProfile, after: EmployeeProfile, note: Notification, decision: dict,
           framework: Framework, model_version: str, **effects) -> tuple[ProfileChange, TriggerResult]:
    """A firing that changed the profile, wrote its effects and queued one message."""
    return (ProfileChange(profile=after, expected_version=before.version, notifications=(note,), **effects),
            TriggerResult("succeeded", before.employee_id, decision, (note.notification_id,), framework.version,
                          model_version))


class RecommendationOrigin(TypedDict):
    """Where a recommendation came from (to_recommendation's keyword arguments)."""

    trigger: str
    source_event_id: str
    created_at: datetime


class CandidateFilters(TypedDict, total=False):
    """ranked()'s candidate filters."""

    only_skills: set[str]
    flagged: list[str]


def shadow_recommendations(deps: Dependencies, models: Scorers, profile: EmployeeProfile, framework: Framework,
                           catalog: Catalog, today: date, count: int, per_skill: int, meta: RecommendationOrigin,
                           filters: CandidateFilters | None = None) -> tuple[Recommendation, ...]:
    """What the shadow candidate would have recommended in the same firing: stored beside the real ones for
    comparison and the review audit, never delivered (no open item, no message). Opted-out employees have none."""
    if models.shadow is None or not profile.personalisation_enabled:
        return ()
    chosen = pick(ranked(deps.settings, profile, framework, catalog, models.shadow, today, **(filters or {})), count,
                  per_skill)
    return tuple(to_recommendation(s, profile, framework, shadow=True, **meta) for s in chosen)


def history_entries(profile: EmployeeProfile, event: CanonicalEvent, at: datetime, **facts) -> tuple[HistoryEntry, ...]:
    """Behavioural history for training the efficacy model. Nothing is kept while the employee has opted out of
    personalisation: their data must not feed the model."""
    if not profile.personalisation_enabled:
        return ()
    return (HistoryEntry(employee_id=profile.employee_id, entry_id=event.event_id, at=at, **facts),)


def left_result(profile: EmployeeProfile) -> TriggerResult:
    """Someone past their leaving date gets no coaching: their record waits for erasure, nothing is sent."""
    return TriggerResult("no_action", profile.employee_id, {"reason": "employee_left"})


def basis_of(profile: EmployeeProfile) -> str:
    return "personalised" if profile.personalisation_enabled else "core_programme"
