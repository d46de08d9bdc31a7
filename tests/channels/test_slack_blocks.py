"""The Slack layout of a notification: valid Block Kit for slack_sdk's own models, buttons that say which
notification and item they act on, the alert's actions, the decided form, the text fallback, escaping."""

from __future__ import annotations

import json

import pytest
from coachwire.adapters.slack_blocks import (
    NOTE_ACTION_ID,
    NOTE_BLOCK_ID,
    blocks_as_text,
    decided_blocks,
    escape_mrkdwn,
    parse_action_value,
    render_message,
)
from coachwire.models.messages import ACTION_LABELS, ITEM_VERBS, NOT_RELEVANT_LABELS
from slack_sdk.models.blocks import Block

from tests.channels.slack_notes import AT, HOSTILE, alert, note, nudge
from tests.shared_data import shared_json

BASE = "https://coachwire.example"


def _round_trip(blocks: list[dict]) -> None:
    """slack_sdk parses every block back into its model, which validates (lengths, counts) on to_dict()."""
    parsed = Block.parse_all(blocks)
    assert [b.to_dict() for b in parsed] == blocks
    assert all(type(b) is not Block for b in parsed)  # each became its concrete model


def _elements(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def _mrkdwn_texts(blocks: list[dict]) -> list[str]:
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    texts += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    return texts


def test_the_vendored_block_kit_layout_parses_with_slack_sdk_models():
    # A control: the round trip holds for a real Block Kit Builder layout, buttons and styles included.
    blocks = shared_json("slack/slack_sdk_view_home_004_expense_approval_buttons.json")["blocks"]
    _round_trip(blocks)


@pytest.mark.parametrize("make", [alert, nudge, note], ids=["alert", "nudge", "plain"])
def test_every_layout_is_valid_block_kit_with_a_text_fallback(make):
    message = render_message(make(), BASE)
    blocks = message.blocks_json()
    _round_trip(blocks)
    assert blocks[0]["type"] == "header"
    assert len(blocks) <= 50
    assert message.text.startswith(escape_mrkdwn(make().subject))
    assert "Hi Ann," in message.text or "Hi Bo," in message.text


def test_item_buttons_carry_the_verb_the_notification_and_the_item():
    n = nudge()
    blocks = render_message(n, BASE).blocks_json()
    rows = [b for b in blocks if b["type"] == "actions"]
    assert len(rows) == 2
    for row, item_id in zip(rows, ["item-sql-1", "item-sql-2"], strict=True):
        assert [e["action_id"] for e in row["elements"]] == list(ITEM_VERBS)
        assert [e["text"]["text"] for e in row["elements"]] == [ACTION_LABELS[v] for v in ITEM_VERBS]
        for element in row["elements"]:
            assert parse_action_value(element["value"]) == {
                "notification_id": n.notification_id, "item_id": item_id, "reason_code": None}
    assert len({b.get("block_id") for b in blocks if b.get("block_id")}) == len(
        [b for b in blocks if b.get("block_id")])  # block ids unique in a message
    # A decline may carry a reason: one optional input, not dispatching on its own.
    (note_input,) = [b for b in blocks if b["type"] == "input"]
    assert note_input["block_id"] == NOTE_BLOCK_ID and note_input["element"]["action_id"] == NOTE_ACTION_ID
    assert note_input["optional"] is True and note_input["dispatch_action"] is False


def test_an_alert_offers_discussed_with_a_note_snooze_not_relevant_and_the_brief():
    n = alert()
    blocks = render_message(n, BASE).blocks_json()
    elements = {e["action_id"]: e for e in _elements(blocks)}
    assert set(elements) == {"discussed", "snooze", "not_relevant", "brief", "link_guide"}
    assert elements["discussed"]["style"] == "primary"
    assert elements["discussed"]["text"]["text"] == ACTION_LABELS["discussed"]
    select = elements["not_relevant"]
    assert select["type"] == "static_select"
    assert [o["text"]["text"] for o in select["options"]] == list(NOT_RELEVANT_LABELS.values())
    assert [parse_action_value(o["value"])["reason_code"] for o in select["options"]] == list(NOT_RELEVANT_LABELS)
    assert all(len(o["value"]) <= 150 for o in select["options"])  # Slack's limit for option values
    assert elements["brief"]["url"] == f"{BASE}/managers/emp-m1/brief/emp-e1"
    assert elements["link_guide"]["url"] == f"{BASE}/guides/low_activity"
    for element in elements.values():
        value = element["value"] if "value" in element else element["options"][0]["value"]
        assert parse_action_value(value)["notification_id"] == n.notification_id
    (note_input,) = [b for b in blocks if b["type"] == "input"]
    assert note_input["optional"] is True and note_input["dispatch_action"] is False
    assert note_input["element"]["max_length"] == 500
    closing = [b for b in blocks if b["type"] == "context"][-1]["elements"][0]["text"]
    assert "not a performance flag" in closing
    assert f"<{BASE}/people/emp-m1/preferences|" in closing


def test_without_a_base_url_links_are_left_out_and_the_brief_is_a_plain_button():
    elements = {e["action_id"]: e for e in _elements(render_message(alert()).blocks_json())}
    assert "link_guide" not in elements and "url" not in elements["brief"]


def test_every_user_string_is_escaped_in_mrkdwn():
    for make in (alert, nudge, note):
        message = render_message(make(), BASE)
        blocks = message.blocks_json()
        joined = "\n".join(_mrkdwn_texts(blocks)) + message.text
        assert "<!channel>" not in joined and "<https://evil" not in joined and "<for>" not in joined
        assert "<gap>" not in joined
        assert escape_mrkdwn(HOSTILE) in joined or make is nudge
    # Plain-text objects (the header) are shown as typed, so they are left as they are.
    assert render_message(alert(), BASE).blocks_json()[0]["text"]["text"] == alert().subject
    assert escape_mrkdwn("a & <b> c") == "a &amp; &lt;b&gt; c"


def test_the_decided_message_has_no_buttons_and_says_what_and_when():
    n = alert()
    message = decided_blocks(n, "not_relevant:on_leave", at=AT, base_url=BASE)
    blocks = message.blocks_json()
    _round_trip(blocks)
    assert not [b for b in blocks if b["type"] in ("actions", "input")]
    contexts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert any("Marked not relevant (On leave or away)" in c and f"<!date^{int(AT.timestamp())}^" in c
               for c in contexts)
    assert "Marked not relevant" in message.text
    # The same words stay.
    assert [b for b in blocks if b["type"] == "header"] == [render_message(n, BASE).blocks_json()[0]]
    words = decided_blocks(nudge(), "I'll <do> it")
    assert "I'll &lt;do&gt; it" in json.dumps(words.blocks_json())
    assert not [b for b in decided_blocks(note(), "accept").blocks_json() if b["type"] == "actions"]


def test_the_text_form_reads_as_the_message():
    text = blocks_as_text(render_message(alert(), BASE).blocks)
    assert text.splitlines()[0] == alert().subject
    assert f"{HOSTILE}'s development has stalled" in text  # unescaped for reading
    assert "[Discussed in our 1:1]" in text and "[Not now]" in text
    assert "[Not relevant v On leave or away | Already being supported" in text
    assert f"[Open 1:1 brief -> {BASE}/managers/emp-m1/brief/emp-e1]" in text
    assert "not a performance flag" in text
    decided = blocks_as_text(decided_blocks(alert(), "discussed", at=AT).blocks_json())
    assert "Discussed in your 1:1 · 2025-03-03 09:30 UTC" in decided and "[Discussed" not in decided


def test_many_items_stay_within_slacks_block_limit():
    from coachwire.models.messages import MessageItem

    base = nudge()
    assert base.content is not None
    many = base.content.model_copy(update={"items": [MessageItem(item_id=f"i{k}", title=f"Item {k}")
                                                     for k in range(30)]})
    blocks = render_message(base.model_copy(update={"content": many}), BASE).blocks_json()
    _round_trip(blocks)
    assert len(blocks) <= 50
    assert "20 more" in json.dumps(blocks)
