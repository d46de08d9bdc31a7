"""One notification of every kind the channels lay out, built by the domain's own wording functions (with parts),
plus one written before parts existed (subject and body only)."""

from __future__ import annotations

from datetime import date, timedelta

from coachwire.domain import messages
from coachwire.models.coaching import (
    DevelopmentPlan,
    ManagerAlert,
    Milestone,
    Notification,
    Recommendation,
    StallReason,
)

from tests.factories import T0, profile

META = {"source_event_id": "evt-1", "trigger": "test", "created_at": T0}


def _rec(item_id: str, title: str, skill: str) -> Recommendation:
    return Recommendation(
        recommendation_id=f"rec-{item_id}", employee_id="emp-1", item_id=item_id, item_title=title,
        item_kind="course", skill_id=skill, skill_name=skill.title(), current_level=1, target_level=2, score=0.8,
        factors=[], explanation=f"Builds {skill} from level 1 to 2", recommender_version="v1", framework_id="eng",
        framework_version="2026.1", trigger="test", source_event_id="evt-1", created_at=T0)


def nudge() -> Notification:
    recs = [_rec("design-l2", "Design *patterns* & <queues>", "design"), _rec("review-l2", "Review well", "review")]
    return messages.nudge(profile(), recs, **META)


def next_step() -> Notification:
    return messages.next_step(profile(), [_rec("comms-l2", "Talk to people", "comms")], "Design basics", **META)


def transition_plan() -> Notification:
    milestones = [Milestone(order=1, skill_id="design", skill_name="System design", current_level=2, target_level=3,
                            recommended_item_ids=["design-l3"], target_date=date(2026, 12, 1)),
                  Milestone(order=2, skill_id="comms", skill_name="Communication", current_level=2, target_level=3,
                            recommended_item_ids=[], target_date=date(2027, 3, 1))]
    plan = DevelopmentPlan(plan_id="plan-1", employee_id="emp-1", from_role_id="swe", from_stage="mid",
                           to_role_id="swe", to_stage="senior", effective_date=date(2026, 10, 1),
                           milestones=milestones, framework_id="eng", framework_version="2026.1",
                           recommender_version="v1", source_event_id="evt-1", created_at=T0)
    return messages.plan_ready(profile(), plan, "Software Engineer", **META)


def manager_alert() -> Notification:
    manager = profile(employee_id="emp-9", display_name="Grace Manager", email="grace@example.com")
    alert = ManagerAlert(alert_id="alert-1", manager_id="emp-9", employee_id="emp-1", employee_name="Ada Example",
                         as_of=(T0 + timedelta(days=30)).date(),
                         reasons=[StallReason(code="low_activity", detail="No learning activity for 30 days")],
                         talking_points=["Ask what got in the way", "Agree one small next step"],
                         open_gaps={"design": 1}, created_at=T0, source_event_id="evt-1")
    return messages.manager_alert(manager, alert, **META)


def plain() -> Notification:
    """No parts: the card falls back to the subject and the plain-text body (which here names an address)."""
    return Notification(notification_id="ntf_plain", recipient_id="emp-1", recipient_email="ada@example.com",
                        kind="correction_escalated", subject="A correction request waits for you",
                        body="Ask hr-team@example.com if this is not yours.", created_at=T0,
                        source_event_id="evt-1", trigger="test")


def team_digest() -> Notification:
    """A manager's weekly digest of two held stall alerts (built by held_release)."""
    second = manager_alert().model_copy(update={"notification_id": "ntf_alert_2", "subject": "1:1 prompt: Bo Two"})
    return messages.team_digest([manager_alert(), second], source_event_id="digest:emp-9:2026-W40:x",
                                trigger="held_release", created_at=T0)


ALL = {"nudge": nudge, "next_step": next_step, "transition_plan": transition_plan, "manager_alert": manager_alert,
       "plain": plain, "team_digest": team_digest}
