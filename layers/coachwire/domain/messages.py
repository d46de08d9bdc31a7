"""Wording of the messages Coachwire sends. Pure: the same inputs give the same text."""

from __future__ import annotations

import hashlib
from datetime import datetime

from coachwire.models.coaching import (
    DevelopmentPlan,
    EmployeeProfile,
    ManagerAlert,
    Notification,
    NotificationKind,
    Recommendation,
)


def notification_id(recipient_id: str, kind: str, source_event_id: str) -> str:
    """One message per recipient, kind and source event: a redelivered event cannot send twice."""
    return "ntf_" + hashlib.sha256(f"{recipient_id}|{kind}|{source_event_id}".encode()).hexdigest()[:24]


def _first_name(profile: EmployeeProfile) -> str:
    return profile.display_name.split()[0] if profile.display_name else "there"


def _notification(recipient: EmployeeProfile, kind: NotificationKind, subject: str, body: str, *,
                  source_event_id: str, trigger: str, created_at: datetime,
                  about_id: str | None = None) -> Notification:
    return Notification(
        notification_id=notification_id(recipient.employee_id, kind, source_event_id),
        recipient_id=recipient.employee_id,
        recipient_email=recipient.email,
        kind=kind,
        subject=subject,
        body=body,
        created_at=created_at,
        source_event_id=source_event_id,
        trigger=trigger,
        about_id=about_id,
    )


def _items(recs: list[Recommendation]) -> str:
    return "\n".join(f"- {r.item_title} ({r.item_kind.replace('_', ' ')}, {r.skill_name}): {r.explanation}"
                     for r in recs)


def nudge(profile: EmployeeProfile, recs: list[Recommendation], **meta) -> Notification:
    skills = ", ".join(dict.fromkeys(r.skill_name for r in recs))
    body = (f"Hi {_first_name(profile)},\n\nYour latest check-in highlighted room to grow in {skills}. "
            f"We've added these to your learning list:\n{_items(recs)}\n\n"
            "You and your manager can change this plan at any time.")
    return _notification(profile, "nudge", f"Your next step in {skills}", body, **meta)


def plan_ready(profile: EmployeeProfile, plan: DevelopmentPlan, role_name: str, **meta) -> Notification:
    lines = "\n".join(f"{m.order}. {m.skill_name}: level {m.current_level} → {m.target_level} by "
                      f"{m.target_date.isoformat()}" for m in plan.milestones)
    body = (f"Hi {_first_name(profile)},\n\nCongratulations on your move to {plan.to_stage} {role_name} "
            f"(effective {plan.effective_date.isoformat()}). Here is a transition plan built from the "
            f"role's benchmark and your current levels:\n{lines or 'You already meet every benchmark.'}\n\n"
            "Review it with your manager; agreed changes shape your next recommendations.")
    return _notification(profile, "transition_plan", f"Your transition plan for {role_name}", body, **meta)


def next_step(profile: EmployeeProfile, recs: list[Recommendation], finished_title: str, **meta) -> Notification:
    body = (f"Hi {_first_name(profile)},\n\nNice work finishing \u201c{finished_title}\u201d. "
            f"Suggested next:\n{_items(recs)}")
    return _notification(profile, "next_step", "Your next learning step", body, **meta)


def manager_alert(manager: EmployeeProfile, alert: ManagerAlert, **meta) -> Notification:
    points = "\n".join(f"- {p}" for p in alert.talking_points)
    body = (f"Hi {_first_name(manager)},\n\n{alert.employee_name}'s development has stalled as of "
            f"{alert.as_of.isoformat()}. Some talking points for your next 1:1:\n{points}\n\n"
            "This is a prompt for a supportive conversation, not a performance flag.")
    return _notification(manager, "manager_alert", f"1:1 prompt: {alert.employee_name}", body,
                         about_id=alert.employee_id, **meta)
