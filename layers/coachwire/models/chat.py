"""A press of a button in Slack or Teams, as Coachwire handles it whichever chat it came from.

The interaction routes verify the request, turn it into a ChatAction and put it on the bus; the chat_action
trigger applies it through the same services as the HTTP API. Free text (a decline reason, a 1:1 note) travels
here and lands on the plan or alert record only, never in the audit log or the logs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from coachwire.models.base import Record
from coachwire.models.messages import ActionVerb, NotRelevantReason

ChatName = Literal["slack", "teams"]
FreeText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class ChatAction(Record):
    chat: ChatName
    # Stable across redeliveries of the same press (Slack: team, message ts, action ts, user; Teams: activity id).
    interaction_id: str
    notification_id: str
    verb: ActionVerb
    item_id: str | None = None
    # The chat user who pressed: a Slack user id, or a Teams user's Entra object id.
    actor_ref: str
    reason: FreeText | None = None
    reason_code: NotRelevantReason | None = None
    # Where to answer privately or update the message: Slack response_url / channel and ts; Teams needs none
    # (the invoke response replaces the card). Capability URLs: never logged.
    reply: dict[str, str] = Field(default_factory=dict)
    received_at: datetime


class ChatCommand(Record):
    """A slash command: `/coachwire-brief <employee id>` asks for a 1:1 brief, answered to the sender alone."""

    chat: ChatName
    interaction_id: str
    command: str
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    actor_ref: str
    reply: dict[str, str] = Field(default_factory=dict)
    received_at: datetime
