"""Canonical events as ingest publishes them (the `detail` each trigger is routed), and people made through
profile_sync the way the HRIS makes them."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from coachwire import spine
from coachwire.models.coaching import EmployeeProfile
from coachwire.ports import ProfileChange
from coachwire.services.deps import Dependencies
from coachwire.services.rights import profile_lifecycle

_ids = itertools.count(1)


def event(kind: str, data: dict, at: str, event_id: str | None = None, received: str | None = None) -> dict:
    return {"event_id": event_id or f"msg_{next(_ids):05d}", "type": kind, "timestamp": at,
            "received_at": received or at, "data": data}


def upsert(employee_id: str, manager_id: str | None, stage: str = "mid", at: str = "2026-09-01T08:00:00Z",
           **changes) -> dict:
    return event(spine.EMPLOYEE_UPSERTED, {
        "employee_id": employee_id, "manager_id": manager_id, "role_id": "swe", "career_stage": stage,
        "email": f"{employee_id}@example.com", "display_name": f"Test {employee_id.title()}",
        "hire_date": "2024-02-01", **changes}, at)


def checkin(employee_id: str, manager_id: str, ratings: list[dict], at: str = "2026-10-01T10:00:00Z",
            event_id: str | None = None) -> dict:
    return event(spine.CHECKIN_SUBMITTED, {
        "checkin_id": f"ci-{next(_ids)}", "employee_id": employee_id, "manager_id": manager_id, "submitted_at": at,
        "skill_ratings": ratings}, at, event_id)


def gap(skill: str, level: int, flagged: bool = True) -> dict:
    return {"skill_id": skill, "level": level, "gap_flagged": flagged}


def role_change(employee_id: str, stage: str, effective: str, previous: str = "mid") -> dict:
    return event(spine.ROLE_CHANGED, {
        "employee_id": employee_id, "role_id": "swe", "career_stage": stage, "effective_date": effective,
        "previous_role_id": "swe", "previous_career_stage": previous}, f"{effective}T00:00:00Z")


def completed(employee_id: str, activity_id: str, at: str, score: float | None = None) -> dict:
    data: dict = {"employee_id": employee_id, "activity_id": activity_id, "completed_at": at}
    if score is not None:
        data["score"] = score
    return event(spine.LEARNING_COMPLETED, data, at)


def left(employee_id: str, leaving: date, at: str = "2026-09-15T08:00:00Z") -> dict:
    return event(spine.EMPLOYEE_LEFT, {"employee_id": employee_id, "leaving_date": leaving.isoformat()}, at)


def hire(deps: Dependencies, employee_id: str = "emp-1", manager_id: str | None = "mgr-1",
         stage: str = "mid") -> EmployeeProfile:
    """The employee (and their manager, a senior) created by profile_sync, as the HRIS would."""
    if manager_id and deps.profiles.get(manager_id) is None:
        assert profile_lifecycle(upsert(manager_id, None, "senior"), deps).outcome == "succeeded"
    assert profile_lifecycle(upsert(employee_id, manager_id, stage), deps).outcome == "succeeded"
    created = deps.profiles.get(employee_id)
    assert created is not None
    return created


def change_profile(deps: Dependencies, employee_id: str, **fields) -> EmployeeProfile:
    """A direct edit (e.g. opting out of personalisation), committed on the version read."""
    current = deps.profiles.get(employee_id)
    assert current is not None
    deps.profiles.commit(ProfileChange(profile=current.model_copy(update=fields), expected_version=current.version))
    return deps.profiles.get(employee_id)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


GENDER, RACE = "gcode-q7w", "rcode-z4x"


def demographics(employee_id: str, at: str = "2026-10-02T09:00:00Z", **fields) -> dict:
    return event(spine.DEMOGRAPHICS_UPSERTED, {"employee_id": employee_id, "gender": GENDER, "race_ethnicity": RACE,
                                               "birth_year_band": "1980-1989", **fields}, at)
