"""Whether a press in a chat may act on the message it came from. Pure: the stored message and the press.

Only the person the message went to may act on it, and only with a verb that message offered: a chat user who
maps to nobody, or presses on someone else's message, changes nothing and is told so privately."""

from __future__ import annotations

from coachwire.models.chat import ChatAction
from coachwire.models.coaching import EmployeeProfile, Notification

REFUSALS = {
    "unknown_message": "Coachwire no longer has this message, so nothing changed.",
    "not_your_message": "This message was sent to someone else, so nothing changed.",
    "not_offered": "That action is not available on this message, so nothing changed.",
    "unknown_item": "That item is not on this message, so nothing changed.",
    "needs_reason_code": "Choose why it is not relevant, so HR can tune the alerts.",
    "no_longer_your_report": "This person no longer reports to you, so nothing changed.",
    "alert_gone": "Coachwire no longer holds this alert, so nothing changed.",
}


def still_their_report(note: Notification, employee: EmployeeProfile | None) -> bool:
    """A stall alert acts only for the person's current manager (the brief and 'not now' are theirs alone)."""
    return employee is not None and employee.manager_id == note.recipient_id


def refusal(note: Notification | None, action: ChatAction) -> str | None:
    """The refusal code, or None when the press may act."""
    if note is None or note.content is None:
        return "unknown_message"
    # The chat user the message was delivered to (recorded when it was posted): a forwarded or shared message
    # cannot be acted on by anyone else.
    if note.channel != action.chat or note.provider_ref.get("user") != action.actor_ref:
        return "not_your_message"
    if action.verb in ("mute", "digest"):
        return None if action.verb in note.content.verbs else "not_offered"
    if note.kind == "manager_alert":
        if action.verb not in note.content.verbs:
            return "not_offered"
        if action.verb == "not_relevant" and action.reason_code is None:
            return "needs_reason_code"
        return None
    if action.verb not in note.content.item_verbs:
        return "not_offered"
    if action.item_id not in {item.item_id for item in note.content.items}:
        return "unknown_item"
    return None


DECIDED = {"accept": "Accepted", "decline": "Declined", "done": "Marked done", "snooze": "Not now",
           "discussed": "Discussed in our 1:1", "not_relevant": "Marked not relevant", "brief": "Brief opened",
           "mute": "Messages like this switched off", "digest": "Weekly digest chosen instead"}


def decided_text(action: ChatAction, item_title: str | None = None) -> str:
    said = DECIDED[action.verb]
    return f"{said}: {item_title}" if item_title else said
