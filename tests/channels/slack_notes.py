"""Notifications as domain/messages.py builds them, for the Slack tests (an alert, a nudge, a plain one)."""

from __future__ import annotations

from datetime import UTC, datetime

from coachwire.models.coaching import Notification
from coachwire.models.messages import ALERT_VERBS, ITEM_VERBS, MessageContent, MessageItem

AT = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
HOSTILE = "Bo <!channel> & <https://evil.example|click>"


def note(kind: str = "manager_alert", content: MessageContent | None = None, **fields) -> Notification:
    values = {"notification_id": "ntf_0123456789abcdef01234567", "recipient_id": "emp-m1",
              "recipient_email": "ann@example.com", "kind": kind, "subject": f"1:1 prompt: {HOSTILE}",
              "body": f"Hi Ann,\n\n{HOSTILE}'s development has stalled.", "content": content, "created_at": AT,
              "source_event_id": "evt-1", "trigger": "stall_check"} | fields
    return Notification(**values)


def alert(**fields) -> Notification:
    return note(content=MessageContent(
        greeting="Hi Ann,", lead=f"{HOSTILE}'s development has stalled as of 2025-03-01. Some talking points:",
        points=["Ask what is getting in the way", "Offer time <for> learning & practice"],
        closing="This is a prompt for a supportive conversation, not a performance flag.",
        verbs=list(ALERT_VERBS),
        links={"guide": "/guides/low_activity", "brief": "/managers/emp-m1/brief/emp-e1",
               "preferences": "/people/emp-m1/preferences"}), about_id="emp-e1", **fields)


def nudge(**fields) -> Notification:
    return note(kind="nudge", subject="Your next step in SQL", content=MessageContent(
        greeting="Hi Bo,", lead="Your latest check-in highlighted room to grow in SQL:",
        items=[MessageItem(item_id="item-sql-1", title="SQL basics (course, SQL)", detail="Fills the <gap> fast"),
               MessageItem(item_id="item-sql-2", title="Query tuning (article, SQL)")],
        closing="You and your manager can change this plan at any time.", item_verbs=list(ITEM_VERBS),
        links={"plan": "/employees/emp-e1/plan", "preferences": "/people/emp-e1/preferences"}), **fields)
