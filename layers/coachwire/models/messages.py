"""What a message says, in parts every channel can lay out, and what its recipient can do from it.

A message's plain-text `body` stays the record of what was said; `MessageContent` holds the same words in parts
(a greeting, a lead, items, talking points, a closing) so Slack Block Kit, a Teams Adaptive Card and HTML e-mail
lay them out without parsing text. Actions are verbs the chat routes accept; each names who may press it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from coachwire.models.base import Record

Channel = Literal["email", "slack", "teams"]
CHANNELS: tuple[Channel, ...] = ("email", "slack", "teams")

# Employee, on a nudge, next step or plan item: accept, decline (optional reason), done, "not now".
# Manager, on a stall alert: "discussed in our 1:1" (optional note), "not now", "not relevant" (reason code), brief.
# Anyone, on their own message: "Stop messages like this" (mute the kind), and for a manager's stall alert "Weekly
# digest instead": their preferences, changed from the message.
ActionVerb = Literal["accept", "decline", "done", "snooze", "discussed", "not_relevant", "brief", "mute", "digest"]
ITEM_VERBS: tuple[ActionVerb, ...] = ("accept", "decline", "done", "snooze")
ALERT_VERBS: tuple[ActionVerb, ...] = ("discussed", "snooze", "not_relevant", "brief")
ACTION_LABELS: dict[ActionVerb, str] = {
    "accept": "Accept", "decline": "Decline", "done": "Mark done", "snooze": "Not now",
    "discussed": "Discussed in our 1:1", "not_relevant": "Not relevant", "brief": "Open 1:1 brief",
    "mute": "Stop messages like this", "digest": "Weekly digest instead"}
PREFERENCE_VERBS: tuple[ActionVerb, ...] = ("mute", "digest")

# Why a manager says an alert is not relevant: codes, never free text, so HR can tune the stall thresholds.
NotRelevantReason = Literal["on_leave", "already_supported", "priorities_changed", "data_wrong", "other"]
NOT_RELEVANT_LABELS: dict[NotRelevantReason, str] = {
    "on_leave": "On leave or away", "already_supported": "Already being supported",
    "priorities_changed": "Priorities changed", "data_wrong": "The data is wrong", "other": "Other"}


class MessageItem(Record):
    """One thing the message suggests (a learning item), with the actions that apply to it."""

    item_id: str
    title: str
    detail: str = ""


class MessageContent(Record):
    greeting: str
    lead: str
    items: list[MessageItem] = Field(default_factory=list)
    points: list[str] = Field(default_factory=list)
    closing: str = ""
    # Verbs offered once per item (item_verbs) and once for the whole message (verbs).
    item_verbs: list[ActionVerb] = Field(default_factory=list)
    verbs: list[ActionVerb] = Field(default_factory=list)
    # Named links a channel shows as buttons or anchors: "guide", "brief", "plan", "preferences" (API paths).
    links: dict[str, str] = Field(default_factory=dict)
