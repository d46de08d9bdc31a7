"""Small records for the contract tests: each names its own employee, so tests sharing a table never collide."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from coachwire.models.coaching import ManagerAlert, Notification, Recommendation, StallReason
from coachwire.models.rights import Correction

from tests.factories import profile

AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def person(uid: str, **overrides):
    fields = {"employee_id": f"emp-{uid}", "manager_id": f"mgr-{uid}", "email": f"{uid}@example.com",
              "framework_id": f"fw-{uid}", **overrides}
    return profile(**fields)


def note(uid: str, n: int = 1, recipient: str | None = None, minutes: int = 0) -> Notification:
    return Notification(notification_id=f"ntf-{uid}-{n}", recipient_id=recipient or f"emp-{uid}",
                        recipient_email=f"{uid}@example.com", kind="nudge", subject=f"Step {n}", body="Hi",
                        created_at=AT + timedelta(minutes=minutes), source_event_id=f"evt-{uid}",
                        trigger="checkin_gap_nudge")


def rec(uid: str, n: int = 1, minutes: int = 0) -> Recommendation:
    return Recommendation(
        recommendation_id=f"rec-{uid}-{n}", employee_id=f"emp-{uid}", item_id=f"item-{n}", item_title="A course",
        item_kind="course", skill_id="design", skill_name="System design", current_level=1, target_level=2,
        score=0.5, factors=[], explanation="because", recommender_version="v1", framework_id=f"fw-{uid}",
        framework_version="2026.1", trigger="checkin_gap_nudge", source_event_id=f"evt-{uid}",
        created_at=AT + timedelta(minutes=minutes))


def alert(uid: str) -> ManagerAlert:
    return ManagerAlert(alert_id=f"alert-{uid}", manager_id=f"mgr-{uid}", employee_id=f"emp-{uid}",
                        employee_name="Ada Example", as_of=date(2026, 10, 1),
                        reasons=[StallReason(code="low_activity", detail="no activity")], talking_points=["talk"],
                        open_gaps={"design": 1}, created_at=AT, source_event_id=f"evt-{uid}")


def correction(uid: str, revision: int = 0, status: str = "open") -> Correction:
    decided = {"decided_by": "hr-1", "decided_at": AT, "reason": "ok"} if status != "open" else {}
    return Correction(correction_id=f"corr-{uid}", employee_id=f"emp-{uid}", field="display_name",
                      current="Ada Example", proposed="Ada Lovelace", requested_by=f"emp-{uid}", requested_at=AT,
                      revision=revision, status=status, **decided)
