"""Wording of the messages Coachwire sends, as plain text (`body`) and in parts (`content`) for the channels that
lay messages out. Pure: the same inputs give the same text."""

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
from coachwire.models.messages import ALERT_VERBS, ITEM_VERBS, MessageContent, MessageItem


def notification_id(recipient_id: str, kind: str, source_event_id: str) -> str:
    """One message per recipient, kind and source event: a redelivered event cannot send twice."""
    return "ntf_" + hashlib.sha256(f"{recipient_id}|{kind}|{source_event_id}".encode()).hexdigest()[:24]


def _first_name(profile: EmployeeProfile) -> str:
    return profile.display_name.split()[0] if profile.display_name else "there"


def _notification(recipient: EmployeeProfile, kind: NotificationKind, subject: str, body: str, *,
                  source_event_id: str, trigger: str, created_at: datetime,
                  about_id: str | None = None, content: MessageContent | None = None,
                  alert_id: str | None = None) -> Notification:
    return Notification(
        content=content,
        alert_id=alert_id,
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
    return "\n".join(f"- {_title(r)}: {r.explanation}" for r in recs)


def _title(rec: Recommendation) -> str:
    return f"{rec.item_title} ({rec.item_kind.replace('_', ' ')}, {rec.skill_name})"


def _employee_links(employee_id: str) -> dict[str, str]:
    return {"plan": f"/employees/{employee_id}/plan", "preferences": f"/people/{employee_id}/preferences"}


def _recommended(profile: EmployeeProfile, lead: str, recs: list[Recommendation], closing: str) -> MessageContent:
    return MessageContent(
        greeting=f"Hi {_first_name(profile)},", lead=lead, closing=closing,
        items=[MessageItem(item_id=r.item_id, title=_title(r), detail=r.explanation) for r in recs],
        item_verbs=list(ITEM_VERBS), verbs=["mute"], links=_employee_links(profile.employee_id))


def nudge(profile: EmployeeProfile, recs: list[Recommendation], **meta) -> Notification:
    skills = ", ".join(dict.fromkeys(r.skill_name for r in recs))
    lead = (f"Your latest check-in highlighted room to grow in {skills}. "
            "We've added these to your learning list:")
    closing = "You and your manager can change this plan at any time."
    body = f"Hi {_first_name(profile)},\n\n{lead}\n{_items(recs)}\n\n{closing}"
    return _notification(profile, "nudge", f"Your next step in {skills}", body,
                         content=_recommended(profile, lead, recs, closing), **meta)


def plan_ready(profile: EmployeeProfile, plan: DevelopmentPlan, role_name: str, **meta) -> Notification:
    steps = [f"{m.order}. {m.skill_name}: level {m.current_level} → {m.target_level} by {m.target_date.isoformat()}"
             for m in plan.milestones]
    lead = (f"Congratulations on your move to {plan.to_stage} {role_name} "
            f"(effective {plan.effective_date.isoformat()}). Here is a transition plan built from the "
            "role's benchmark and your current levels:")
    closing = "Review it with your manager; agreed changes shape your next recommendations."
    lines = "\n".join(steps)
    body = f"Hi {_first_name(profile)},\n\n{lead}\n{lines or 'You already meet every benchmark.'}\n\n{closing}"
    # Each milestone's first recommended item is what its buttons act on; a milestone without one is text only.
    paired = list(zip(plan.milestones, steps, strict=True))
    items = [MessageItem(item_id=m.recommended_item_ids[0], title=step) for m, step in paired if m.recommended_item_ids]
    text_only = [step for m, step in paired if not m.recommended_item_ids]
    content = MessageContent(greeting=f"Hi {_first_name(profile)},", lead=lead, items=items, closing=closing,
                             points=text_only if steps else ["You already meet every benchmark."],
                             item_verbs=list(ITEM_VERBS), verbs=["mute"], links=_employee_links(profile.employee_id))
    return _notification(profile, "transition_plan", f"Your transition plan for {role_name}", body,
                         content=content, **meta)


def next_step(profile: EmployeeProfile, recs: list[Recommendation], finished_title: str, **meta) -> Notification:
    lead = f"Nice work finishing \u201c{finished_title}\u201d. Suggested next:"
    body = f"Hi {_first_name(profile)},\n\n{lead}\n{_items(recs)}"
    return _notification(profile, "next_step", "Your next learning step", body,
                         content=_recommended(profile, lead, recs, ""), **meta)


def manager_alert(manager: EmployeeProfile, alert: ManagerAlert, **meta) -> Notification:
    points = "\n".join(f"- {p}" for p in alert.talking_points)
    lead = (f"{alert.employee_name}'s development has stalled as of {alert.as_of.isoformat()}. "
            "Some talking points for your next 1:1:")
    closing = "This is a prompt for a supportive conversation, not a performance flag."
    body = f"Hi {_first_name(manager)},\n\n{lead}\n{points}\n\n{closing}"
    reason = alert.reasons[0].code if alert.reasons else "low_activity"
    content = MessageContent(
        greeting=f"Hi {_first_name(manager)},", lead=lead, points=list(alert.talking_points), closing=closing,
        verbs=[*ALERT_VERBS, "digest", "mute"],
        links={"guide": f"/guides/{reason}", "brief": f"/managers/{manager.employee_id}/brief/{alert.employee_id}",
               "preferences": f"/people/{manager.employee_id}/preferences"})
    return _notification(manager, "manager_alert", f"1:1 prompt: {alert.employee_name}", body,
                         about_id=alert.employee_id, content=content, alert_id=alert.alert_id, **meta)


_ALERT_SUBJECT = "1:1 prompt: "


def _alert_name(alert: Notification) -> str:
    """Whom a stall alert is about, as its subject names them (manager_alert above)."""
    if alert.subject.startswith(_ALERT_SUBJECT):
        return alert.subject.removeprefix(_ALERT_SUBJECT)
    if alert.content and "'s development" in alert.content.lead:
        return alert.content.lead.split("'s development", 1)[0]
    return alert.about_id or "A member of your team"


def team_digest(alerts: list[Notification], *, source_event_id: str, trigger: str,
                created_at: datetime) -> Notification:
    """One weekly message for a manager who chose a digest: the stall alerts held for it, one item each (whom it
    is about, the first talking point), by name. Each item's `item_id` is the alert's notification id, so the
    digest records which alerts it carries. The recipient, channel and greeting come from the first alert."""
    if not alerts:
        raise ValueError("a digest needs at least one alert")
    first = alerts[0]
    if any(a.recipient_id != first.recipient_id for a in alerts):
        raise ValueError("a digest goes to one recipient")
    greeting = first.content.greeting if first.content else "Hi there,"
    count = len(alerts)
    lead = f"This week's 1:1 prompts for your team ({count} {'person' if count == 1 else 'people'}):"
    items = [MessageItem(item_id=a.notification_id, title=_alert_name(a),
                         detail=(a.content.points[0] if a.content and a.content.points else ""))
             for a in alerts]
    items.sort(key=lambda i: (i.title.casefold(), i.item_id))
    closing = "Each is a prompt for a supportive conversation, not a performance flag."
    lines = "\n".join(f"- {i.title}: {i.detail}" if i.detail else f"- {i.title}" for i in items)
    body = f"{greeting}\n\n{lead}\n{lines}\n\n{closing}"
    preferences = (first.content.links.get("preferences") if first.content else None) \
        or f"/people/{first.recipient_id}/preferences"
    content = MessageContent(greeting=greeting, lead=lead, items=items, closing=closing,
                             links={"preferences": preferences})
    return Notification(
        notification_id=notification_id(first.recipient_id, "team_digest", source_event_id),
        recipient_id=first.recipient_id, recipient_email=first.recipient_email, channel=first.channel,
        kind="team_digest", subject=f"Your team's 1:1 prompts this week ({count})", body=body, content=content,
        created_at=created_at, source_event_id=source_event_id, trigger=trigger)
