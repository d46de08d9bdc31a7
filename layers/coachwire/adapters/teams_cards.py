"""A notification as an Adaptive Card 1.5 for Microsoft Teams, and the envelopes Teams takes cards in.

Two cards: the interactive one a bot sends, whose buttons are `Action.Execute` (Teams answers each press with an
`adaptiveCard/action` invoke on POST /teams/messages), and the one posted to a Workflows webhook, which cannot call
back, so it carries links (`Action.OpenUrl`) only. After a press, `decided_card` replaces the card in place.

Cards are JSON, so nothing is escaped beyond what JSON does; TextBlocks are plain text to Teams except for its small
markdown subset. No e-mail address ever goes into a card: a card can be forwarded, and a channel post is read by
everyone in the channel."""

from __future__ import annotations

import re
from typing import Any

from coachwire.models.coaching import Notification
from coachwire.models.messages import ACTION_LABELS, NOT_RELEVANT_LABELS, ActionVerb, MessageContent

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
ERROR_CONTENT_TYPE = "application/vnd.microsoft.error"

# The ids of the inputs a press carries in its data (Teams merges input values into the action's data).
NOTE_INPUT = "note"
REASON_INPUT = "reason"
REASON_CODE_INPUT = "reason_code"
FREE_TEXT_MAX = 500  # models.chat.FreeText

LINK_LABELS = {"guide": "Conversation guide", "brief": "1:1 brief", "plan": "Your plan",
               "preferences": "Message preferences"}

_EMAIL = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+\.[A-Za-z]{2,}")
EMAIL_HIDDEN = "(e-mail address hidden)"

Card = dict[str, Any]


def _text(value: str) -> str:
    return _EMAIL.sub(EMAIL_HIDDEN, value)


def _block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": _text(text), "wrap": True, **style}


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]], fallback: str) -> Card:
    card: Card = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION,
                  "fallbackText": _text(fallback), "body": body}
    if actions:
        card["actions"] = actions
    return card


def _content(note: Notification) -> MessageContent:
    """The parts to lay out; a notification written before parts existed shows its subject and plain body."""
    if note.content is not None:
        return note.content
    return MessageContent(greeting="", lead=note.body)


def _execute(note: Notification, verb: ActionVerb, item_id: str | None = None) -> dict[str, Any]:
    data = {"notification_id": note.notification_id}
    if item_id is not None:
        data["item_id"] = item_id
    return {"type": "Action.Execute", "title": ACTION_LABELS[verb], "verb": verb, "data": data}


def _open_url(base_url: str, name: str, path: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": LINK_LABELS.get(name, name.replace("_", " ").capitalize()),
            "url": base_url.rstrip("/") + "/" + path.lstrip("/")}


def _body(note: Notification, content: MessageContent, item_actions: bool) -> list[dict[str, Any]]:
    body = [_block(note.subject, size="Medium", weight="Bolder", style="heading")]
    if content.greeting:
        body.append(_block(content.greeting))
    if content.lead:
        body.append(_block(content.lead))
    for item in content.items:
        parts = [_block(item.title, weight="Bolder")]
        if item.detail:
            parts.append(_block(item.detail, isSubtle=True, spacing="None"))
        if item_actions and content.item_verbs:
            parts.append({"type": "ActionSet",
                          "actions": [_execute(note, verb, item.item_id) for verb in content.item_verbs]})
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": parts})
    if content.points:
        body.append({"type": "FactSet", "spacing": "Medium",
                     "facts": [{"title": f"{n}.", "value": _text(point)}
                               for n, point in enumerate(content.points, start=1)]})
    if content.closing:
        body.append(_block(content.closing, isSubtle=True, spacing="Medium"))
    return body


def _inputs(content: MessageContent) -> list[dict[str, Any]]:
    """The optional free text and reason code a press sends along with its verb."""
    verbs = set(content.verbs) | set(content.item_verbs)
    inputs: list[dict[str, Any]] = []
    if "decline" in verbs:
        inputs.append({"type": "Input.Text", "id": REASON_INPUT, "label": "If you decline: why? (optional)",
                       "isMultiline": True, "maxLength": FREE_TEXT_MAX})
    if "discussed" in verbs:
        inputs.append({"type": "Input.Text", "id": NOTE_INPUT, "label": "Note for your 1:1 record (optional)",
                       "isMultiline": True, "maxLength": FREE_TEXT_MAX})
    if "not_relevant" in verbs:
        inputs.append({"type": "Input.ChoiceSet", "id": REASON_CODE_INPUT, "style": "compact",
                       "label": "If not relevant: why?", "placeholder": "Choose a reason",
                       "choices": [{"title": label, "value": code} for code, label in NOT_RELEVANT_LABELS.items()]})
    return inputs


def interactive_card(note: Notification, base_url: str) -> Card:
    """The bot's card: per item an ActionSet of Action.Execute (verb, data {notification_id, item_id}), the
    message's own verbs at the bottom, and the links as Action.OpenUrl (a link the verbs already offer, such as the
    brief, is not repeated)."""
    content = _content(note)
    body = _body(note, content, item_actions=True) + _inputs(content)
    actions = [_execute(note, verb) for verb in content.verbs]
    actions += [_open_url(base_url, name, path) for name, path in content.links.items()
                if name not in content.verbs]
    return _card(body, actions, note.subject)


def webhook_card(note: Notification, base_url: str) -> Card:
    """The card posted to a Workflows webhook: the same words, links only (its buttons could not call back)."""
    content = _content(note)
    actions = [_open_url(base_url, name, path) for name, path in content.links.items()]
    return _card(_body(note, content, item_actions=False), actions, note.subject)


def decided_card(note: Notification, decided: str) -> Card:
    """What replaces the card after a press: what was decided, and nothing left to press."""
    content = _content(note)
    body = [_block(note.subject, size="Medium", weight="Bolder", style="heading"),
            {"type": "FactSet", "facts": [{"title": "Decided", "value": _text(decided)}]}]
    if content.closing:
        body.append(_block(content.closing, isSubtle=True))
    return _card(body, [], f"{note.subject}: {decided}")


def message_payload(card: Card) -> dict[str, Any]:
    """A message activity with the card as its one attachment: what a Workflows webhook (and a bot) posts."""
    return {"type": "message", "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}]}


def invoke_response(card: Card) -> dict[str, Any]:
    """The HTTP 200 body answering an adaptiveCard/action invoke: the card replaces the one pressed."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def invoke_refused(message: str) -> dict[str, Any]:
    """The answer to a press Coachwire refuses (not the recipient's item, a user linked to no one): Teams shows the
    message to the person who pressed only, and the card stays as it was."""
    return {"statusCode": 200, "type": MESSAGE_CONTENT_TYPE, "value": _text(message)}


def invoke_error(status: int, code: str, message: str) -> dict[str, Any]:
    """The answer to an invoke that is not a press we know (400) or not allowed (401/403)."""
    return {"statusCode": status, "type": ERROR_CONTENT_TYPE, "value": {"code": code, "message": _text(message)}}
