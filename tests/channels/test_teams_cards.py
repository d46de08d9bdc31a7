"""Teams cards: every card for every kind of message is a valid Adaptive Card 1.5 (the official schema, vendored),
presses carry the ids they act on, the webhook card has nothing that would need to call back, no e-mail address
ever shows, and the envelopes have the shapes Teams takes."""

from __future__ import annotations

import json

import jsonschema
import pytest
from coachwire.adapters import teams_cards
from coachwire.models.messages import ALERT_VERBS, ITEM_VERBS, NOT_RELEVANT_LABELS
from jsonschema.exceptions import best_match

from tests.channels import teams_notes
from tests.shared_data import shared_json

BASE = "https://coachwire.example.com/"
SCHEMA = shared_json("teams/adaptive-card-schema-1.5.0.json")
VALIDATOR = jsonschema.Draft6Validator(SCHEMA)

CARDS = {
    "interactive": lambda note: teams_cards.interactive_card(note, BASE),
    "webhook": lambda note: teams_cards.webhook_card(note, BASE),
    "decided": lambda note: teams_cards.decided_card(note, "Accepted: Design patterns"),
}


def schema_error(card: dict) -> str | None:
    """The most relevant schema failure, readable (errors surface at the root through anyOf otherwise)."""
    error = best_match(VALIDATOR.iter_errors(card))
    return None if error is None else f"{'/'.join(map(str, error.absolute_path))}: {error.message[:500]}"


def walk(node, key: str):
    """Every dict in the card with the given key."""
    if isinstance(node, dict):
        if key in node:
            yield node
        for value in node.values():
            yield from walk(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value, key)


def actions(card: dict, kind: str) -> list[dict]:
    return [node for node in walk(card, "type") if node["type"] == kind]


def test_the_schema_is_1_5_and_accepts_a_valid_sample() -> None:
    assert "Action.Execute" in SCHEMA["definitions"]
    assert schema_error(shared_json("teams/CalendarReminder.json")) is None


def test_the_validator_bites_expense_report_is_refused() -> None:
    error = schema_error(shared_json("teams/ExpenseReport.json"))
    assert error is not None and "firstRowAsHeaders" in error


def test_a_card_with_one_wrong_property_is_refused() -> None:
    card = teams_cards.interactive_card(teams_notes.nudge(), BASE)
    actions(card, "Action.Execute")[0]["verbs"] = "accept"
    assert schema_error(card) is not None


@pytest.mark.parametrize("card_kind", CARDS)
@pytest.mark.parametrize("note_kind", teams_notes.ALL)
def test_every_card_of_every_kind_is_valid_adaptive_card_1_5(card_kind: str, note_kind: str) -> None:
    card = CARDS[card_kind](teams_notes.ALL[note_kind]())
    assert schema_error(card) is None
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    assert "msteams" not in json.dumps(card)


@pytest.mark.parametrize("note_kind", ["nudge", "next_step", "transition_plan"])
def test_item_presses_carry_the_verb_the_notification_and_the_item(note_kind: str) -> None:
    note = teams_notes.ALL[note_kind]()
    assert note.content is not None
    card = teams_cards.interactive_card(note, BASE)
    everything = actions(card, "Action.Execute")
    presses = [p for p in everything if "item_id" in p["data"]]
    expected = [(verb, item.item_id) for item in note.content.items for verb in ITEM_VERBS]
    assert [(p["verb"], p["data"]["item_id"]) for p in presses] == expected
    # The message's own verbs (its recipient's preferences: "Stop messages like this") carry no item.
    assert [p["verb"] for p in everything if "item_id" not in p["data"]] == note.content.verbs == ["mute"]
    assert {p["data"]["notification_id"] for p in everything} == {note.notification_id}
    # One ActionSet per item, inside that item's container.
    containers = [node for node in card["body"] if node["type"] == "Container"]
    assert len(containers) == len(note.content.items)
    for container, item in zip(containers, note.content.items, strict=True):
        (action_set,) = [part for part in container["items"] if part["type"] == "ActionSet"]
        assert {a["data"]["item_id"] for a in action_set["actions"]} == {item.item_id}
    # Decline's optional reason travels in the press's data as "reason".
    assert [i["id"] for i in actions(card, "Input.Text")] == ["reason"]


def test_alert_presses_and_their_inputs() -> None:
    note = teams_notes.manager_alert()
    card = teams_cards.interactive_card(note, BASE)
    presses = actions(card, "Action.Execute")
    assert [p["verb"] for p in presses] == [*ALERT_VERBS, "digest", "mute"] == note.content.verbs
    assert all(p["data"] == {"notification_id": note.notification_id} for p in presses)
    assert [i["id"] for i in actions(card, "Input.Text")] == ["note"]
    (choices,) = actions(card, "Input.ChoiceSet")
    assert choices["id"] == "reason_code"
    assert [c["value"] for c in choices["choices"]] == list(NOT_RELEVANT_LABELS)
    # The guide and the preferences are links; the brief is a press already, so it is not offered twice.
    urls = {a["title"]: a["url"] for a in actions(card, "Action.OpenUrl")}
    assert urls == {"Conversation guide": "https://coachwire.example.com/guides/low_activity",
                    "Message preferences": "https://coachwire.example.com/people/emp-9/preferences"}


@pytest.mark.parametrize("note_kind", teams_notes.ALL)
def test_the_webhook_card_only_links(note_kind: str) -> None:
    note = teams_notes.ALL[note_kind]()
    card = teams_cards.webhook_card(note, BASE)
    kinds = {node["type"] for node in walk(card, "type")}
    assert not {"Action.Execute", "Action.Submit", "ActionSet", "Input.Text", "Input.ChoiceSet"} & kinds
    links = (note.content.links if note.content else {})
    assert {a["url"] for a in actions(card, "Action.OpenUrl")} == {BASE.rstrip("/") + p for p in links.values()}


def test_the_alert_webhook_card_links_the_guide_and_the_brief() -> None:
    card = teams_cards.webhook_card(teams_notes.manager_alert(), BASE)
    assert {a["title"] for a in actions(card, "Action.OpenUrl")} == {
        "Conversation guide", "1:1 brief", "Message preferences"}


def test_the_decided_card_says_what_was_decided_and_offers_nothing() -> None:
    note = teams_notes.manager_alert()
    card = teams_cards.decided_card(note, "Discussed in our 1:1")
    assert "actions" not in card
    assert not [n for n in walk(card, "type") if n["type"].startswith(("Action.", "Input."))]
    (facts,) = actions(card, "FactSet")
    assert facts["facts"] == [{"title": "Decided", "value": "Discussed in our 1:1"}]


@pytest.mark.parametrize("card_kind", CARDS)
@pytest.mark.parametrize("note_kind", teams_notes.ALL)
def test_no_email_address_is_ever_in_a_card(card_kind: str, note_kind: str) -> None:
    note = teams_notes.ALL[note_kind]()
    text = json.dumps(CARDS[card_kind](note))
    assert "@" not in text, text


def test_text_is_not_escaped_beyond_json() -> None:
    card = teams_cards.interactive_card(teams_notes.nudge(), BASE)
    titles = [b["text"] for b in actions(card, "TextBlock")]
    assert "Design *patterns* & <queues> (course, Design)" in titles


def test_a_message_without_parts_shows_its_subject_and_body() -> None:
    note = teams_notes.plain()
    card = teams_cards.webhook_card(note, BASE)
    texts = [b["text"] for b in actions(card, "TextBlock")]
    assert texts == [note.subject, f"Ask {teams_cards.EMAIL_HIDDEN} if this is not yours."]
    assert "actions" not in card


def test_envelopes() -> None:
    card = teams_cards.webhook_card(teams_notes.nudge(), BASE)
    payload = teams_cards.message_payload(card)
    assert payload == {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}
    # The same envelope as the outgoing message activity Teams' own tests use.
    sample = shared_json("teams/teams_net_AdaptiveCardActivity_message.json")
    assert sample["type"] == payload["type"]
    assert sample["attachments"][0]["contentType"] == payload["attachments"][0]["contentType"]
    assert teams_cards.invoke_response(card) == {
        "statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card}
    assert teams_cards.invoke_refused("This item isn't yours.") == {
        "statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "This item isn't yours."}
    assert teams_cards.invoke_error(400, "unknown_action", "No such action") == {
        "statusCode": 400, "type": "application/vnd.microsoft.error",
        "value": {"code": "unknown_action", "message": "No such action"}}
