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


class ChatConversationRef(Record):
    """Where Coachwire's Teams bot can post to a person: learnt when they install the Coachwire app (an
    `installationUpdate` / `conversationUpdate` on POST /teams/messages), kept in their own partition (exported and
    erased with them). An uninstall overwrites it with `removed` set, rather than deleting it (the function that
    hears the uninstall may not delete). Ids only: no name, no e-mail address."""

    chat: ChatName = "teams"
    employee_id: str
    service_url: str  # the Bot Connector base URL the activity named (regional)
    conversation_id: str  # the personal chat between the bot and the person
    tenant_id: str | None = None
    user_ref: str  # the person's Entra object id (from.aadObjectId): what a press's actor_ref is compared with
    user_id: str  # their Teams user id in this bot's conversations ("29:...")
    bot_id: str  # the bot's id in the conversation ("28:<app id>")
    installed_at: datetime
    removed: bool = False
    changed_at: datetime
