"""Requests to the Slack interaction route: Slack's own signature vectors verify with the clock at their time;
tampered, stale or unsigned requests are 401; signed bodies that are not ours are 400 naming the field; a press
becomes one ChatAction whose interaction id is the same on every redelivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from coachwire.clock import FixedClock
from coachwire.runtime.slack_interactions import (
    ChatRequestRejected,
    LinkOpened,
    SlashCommand,
    parse_slack_request,
    verify_slack_signature,
)
from coachwire_tools.local.slack_stub import (
    STUB_SIGNING_SECRET,
    block_actions_payload,
    signed_block_actions,
    signed_slash_command,
    slack_signature_headers,
)

from tests.shared_data import shared_json, shared_path

SECRET = STUB_SIGNING_SECRET
TS = 1_740_000_000
NID = "ntf_0123456789abcdef01234567"


def _clock(ts: float):
    return lambda: float(ts)


def _rejected(status: int, body: bytes, headers: dict, *, secret: str = SECRET, now: float = TS) -> str:
    with pytest.raises(ChatRequestRejected) as caught:
        parse_slack_request(body, headers, secret, _clock(now))
    assert caught.value.status == status
    return caught.value.message


# --- Slack's own vectors ----------------------------------------------------------------------------------------

def test_the_official_signature_vector_verifies_at_its_time_and_reads_as_a_slash_command():
    vector = shared_json("slack/slack_signature_test_vector.json")
    body = vector["body"].encode()
    command = parse_slack_request(body, vector["headers"], vector["signing_secret"], _clock(vector["mock_clock_now"]))
    assert isinstance(command, SlashCommand)
    assert (command.command, command.user_id, command.team_id) == ("/webhook-collect", "U2CERLKJA", "T1DC2JH3J")
    assert command.response_url.startswith("https://hooks.slack.com/commands/")
    assert vector["expected_signature"] == vector["headers"]["X-Slack-Signature"]


def test_the_official_vector_fails_tampered_stale_and_unsigned():
    vector = shared_json("slack/slack_signature_test_vector.json")
    body, headers, secret = vector["body"].encode(), vector["headers"], vector["signing_secret"]
    now = vector["mock_clock_now"]
    assert _rejected(401, body + b"------", headers, secret=secret, now=now) == "signature mismatch"
    assert "stale" in _rejected(401, body, headers, secret=secret, now=datetime.now(UTC).timestamp())
    assert "missing" in _rejected(401, body, {}, secret=secret, now=now)
    assert "missing" in _rejected(401, body, {"X-Slack-Request-Timestamp": str(now)}, secret=secret, now=now)
    assert _rejected(401, body, headers, secret="another-secret", now=now) == "signature mismatch"


def test_the_window_is_five_minutes_either_way():
    vector = shared_json("slack/slack_signature_test_vector.json")
    body, headers, secret = vector["body"].encode(), vector["headers"], vector["signing_secret"]
    now = vector["mock_clock_now"]
    for edge in (now - 300, now + 300):
        assert isinstance(parse_slack_request(body, headers, secret, _clock(edge)), SlashCommand)
    for outside in (now - 301, now + 301):
        assert "stale" in _rejected(401, body, headers, secret=secret, now=outside)


def test_the_bolt_block_actions_body_verifies_and_one_changed_byte_does_not():
    vector = shared_json("slack/DERIVED_block_actions_signature_vector.json")
    raw = shared_path(f"slack/{vector['body_file']}").read_bytes()
    headers = {"x-slack-request-timestamp": vector["timestamp"], "x-slack-signature": vector["expected_signature"]}
    verify_slack_signature(raw, headers, vector["signing_secret"], _clock(int(vector["timestamp"])))
    # Signed, but not one of our buttons (action_id "a", value "click_me_123"): 400, not 401.
    message = _rejected(400, raw, headers, secret=vector["signing_secret"], now=int(vector["timestamp"]))
    assert "actions[0].value" in message
    changed = bytearray(raw)
    changed[-3] = ord("0") if changed[-3] != ord("0") else ord("1")
    assert _rejected(401, bytes(changed), headers, secret=vector["signing_secret"],
                     now=int(vector["timestamp"])) == "signature mismatch"
    assert _rejected(401, raw + b"\n", headers, secret=vector["signing_secret"],
                     now=int(vector["timestamp"])) == "signature mismatch"


def test_the_bolt_body_with_one_of_our_buttons_reads_as_a_chat_action():
    # Slack's real block_actions layout (team, container, user, state, response_url), our value and verb.
    for name in ("slack/bolt_python_block_actions_body.json",
                 "slack/bolt_python_block_actions_socket_mode_with_message.json"):
        payload = shared_json(name)
        payload["actions"][0].update(action_id="discussed", value=json.dumps({"n": NID}))
        payload["state"] = {"values": {"cw_note": {"note": {"type": "plain_text_input", "value": "  Agreed a plan "}}}}
        body = urlencode({"payload": json.dumps(payload)}).encode()
        action = parse_slack_request(body, slack_signature_headers(SECRET, body, TS), SECRET, _clock(TS))
        assert action.verb == "discussed" and action.notification_id == NID
        assert action.actor_ref == payload["user"]["id"]
        assert action.reason == "Agreed a plan"
        assert action.interaction_id == (f"slack:{payload['team']['id']}:{payload['container']['message_ts']}:"
                                         f"{payload['actions'][0]['action_ts']}:{payload['user']['id']}")
        assert action.reply == {"response_url": payload["response_url"],
                                "channel": payload["container"]["channel_id"],
                                "ts": payload["container"]["message_ts"]}


# --- our own presses -------------------------------------------------------------------------------------------

def test_an_item_press_reads_as_a_chat_action_at_the_callers_clock():
    body, headers = signed_block_actions(SECRET, timestamp=TS, notification_id=NID, verb="decline",
                                         item_id="item-sql-1", user_id="U0BO", note="Not this quarter")
    clock = FixedClock(datetime.fromtimestamp(TS + 2, UTC))
    action = parse_slack_request(body, headers, SECRET, clock)
    assert (action.chat, action.verb, action.item_id, action.reason) == ("slack", "decline", "item-sql-1",
                                                                         "Not this quarter")
    assert action.received_at == clock.now()


def test_not_relevant_carries_the_reason_code_and_no_free_text():
    body, headers = signed_block_actions(SECRET, timestamp=TS, notification_id=NID, verb="not_relevant",
                                         reason_code="on_leave", user_id="U0ANN", note="typed but not sent on")
    action = parse_slack_request(body, headers, SECRET, _clock(TS))
    assert (action.verb, action.reason_code, action.reason, action.item_id) == ("not_relevant", "on_leave", None,
                                                                                None)


def test_the_same_press_redelivered_has_the_same_interaction_id():
    press = {"notification_id": NID, "verb": "snooze", "user_id": "U0ANN", "message_ts": "1700000000.000007",
             "action_ts": "1740000001.123456"}
    first = parse_slack_request(*signed_block_actions(SECRET, timestamp=TS, **press), SECRET, _clock(TS))
    # Slack retries with a new request timestamp (so a new signature): still the same press.
    again = parse_slack_request(*signed_block_actions(SECRET, timestamp=TS + 60, **press), SECRET, _clock(TS + 60))
    assert first.interaction_id == again.interaction_id
    other = parse_slack_request(*signed_block_actions(SECRET, timestamp=TS, **(press | {"action_ts": "1740000009.1"})),
                                SECRET, _clock(TS))
    assert other.interaction_id != first.interaction_id


def test_the_guide_link_is_acknowledged_not_acted_on():
    payload = block_actions_payload(notification_id=NID, verb="snooze", user_id="U0ANN")
    payload["actions"][0]["action_id"] = "link_guide"
    body = urlencode({"payload": json.dumps(payload)}).encode()
    opened = parse_slack_request(body, slack_signature_headers(SECRET, body, TS), SECRET, _clock(TS))
    assert isinstance(opened, LinkOpened) and (opened.link, opened.notification_id) == ("guide", NID)


def _signed(payload: dict) -> tuple[bytes, dict]:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return body, slack_signature_headers(SECRET, body, TS)


@pytest.mark.parametrize(("change", "field"), [
    (lambda p: p["actions"][0].update(action_id="delete_everything"), "actions[0].action_id"),
    (lambda p: p["actions"][0].update(value="not json"), "actions[0].value"),
    (lambda p: p["actions"][0].update(value=json.dumps({"i": "x"})), "actions[0].value"),
    (lambda p: p["actions"][0].update(action_id="accept"), "actions[0].value"),  # an item verb without an item
    (lambda p: p.update(type="view_submission"), "payload.type"),
    (lambda p: p.update(actions=[]), "actions"),
    (lambda p: p["container"].pop("message_ts"), "container.message_ts"),
    (lambda p: p["user"].pop("id"), "user.id"),
    (lambda p: p["state"].update(values={"cw_note": {"note": {"value": "x" * 501}}}), "state.values.cw_note.note"),
])
def test_a_signed_body_that_is_not_ours_is_400_naming_the_field(change, field):
    payload = block_actions_payload(notification_id=NID, verb="discussed", user_id="U0ANN")
    change(payload)
    assert _rejected(400, *_signed(payload)).startswith(field)


def test_a_bad_not_relevant_reason_is_400():
    payload = block_actions_payload(notification_id=NID, verb="not_relevant", reason_code="other", user_id="U0ANN")
    payload["actions"][0]["selected_option"]["value"] = json.dumps({"n": NID, "r": "hates_it"})
    assert _rejected(400, *_signed(payload)).startswith("actions[0].selected_option.value")


def test_a_signed_body_that_is_neither_a_payload_nor_a_command_is_400():
    body = b"hello=world"
    assert _rejected(400, body, slack_signature_headers(SECRET, body, TS)).startswith("body")
    body = b"payload=%7Bnot-json"
    assert _rejected(400, body, slack_signature_headers(SECRET, body, TS)).startswith("payload")


def test_a_slash_command_parses():
    body, headers = signed_slash_command(SECRET, timestamp=TS, text=" emp-e1 ", user_id="U0ANN", team_id="T0X")
    command = parse_slack_request(body, headers, SECRET, _clock(TS))
    assert command == SlashCommand(command="/coachwire-brief", text="emp-e1", user_id="U0ANN", team_id="T0X",
                                   response_url="https://hooks.slack.com/commands/T0LOCAL01/1/local")
    assert _rejected(401, body, headers, now=TS + 301).startswith("stale")
