"""The chat routes as API Gateway calls them: a signed press is acknowledged at once and put on the bus for
chat_action; unsigned, stale or tampered requests are 401 and an unknown action 400, with nothing published;
Teams hears at once whether the press may act."""

from __future__ import annotations

import base64
import copy
import json
import time

import pytest
from coachwire import spine
from coachwire.adapters.botframework_auth import BotFrameworkVerifier
from coachwire.clock import FixedClock
from coachwire.models.coaching import Notification
from coachwire.models.messages import MessageContent, MessageItem
from coachwire.runtime.chat_http import ChatInteractionsHandler
from coachwire_tools.local.botframework_keys import LocalBotFramework
from coachwire_tools.local.slack_stub import signed_block_actions, signed_slash_command

from tests.fakes import FAKE_NOW, fake_dependencies
from tests.shared_data import shared_json

SECRET = "local-signing-secret"
APP_ID = "6f1c2e4a-0000-4000-8000-00000000b07"
TEAMS_INVOKE = shared_json("teams/teams_net_invoke_adaptiveCard_action_Action.Execute.json")


def gateway_event(path: str, body: bytes, headers: dict[str, str], base64_body: bool = False) -> dict:
    return {"version": "2.0", "rawPath": path, "headers": headers, "isBase64Encoded": base64_body,
            "body": base64.b64encode(body).decode() if base64_body else body.decode(),
            "requestContext": {"http": {"method": "POST", "path": path}}}


@pytest.fixture
def now_deps():
    # Slack signs with wall-clock seconds: the handler's clock is now.
    from coachwire.clock import SystemClock

    return fake_dependencies(clock=SystemClock())


def handler(deps, verifier=None):
    return ChatInteractionsHandler(deps, slack_signing_secret=SECRET, teams_verifier=verifier)


@pytest.mark.parametrize("base64_body", [False, True])
def test_a_signed_slack_press_is_acknowledged_and_published(now_deps, base64_body):
    body, headers = signed_block_actions(SECRET, timestamp=int(time.time()), notification_id="ntf_1",
                                         verb="accept", item_id="design-l2", user_id="U1")
    answer = handler(now_deps)(gateway_event("/slack/interactions", body, headers, base64_body), None)
    assert (answer["statusCode"], answer["body"]) == (200, "")
    (published,) = now_deps.events.details(spine.CHAT_ACTION_RECEIVED)
    assert (published["action"]["verb"], published["action"]["item_id"]) == ("accept", "design-l2")
    assert published["event_id"].startswith("chat_")


def test_the_same_press_twice_carries_the_same_firing_id(now_deps):
    body, headers = signed_block_actions(SECRET, timestamp=int(time.time()), notification_id="ntf_1",
                                         verb="done", item_id="x", user_id="U1")
    for _ in range(2):
        handler(now_deps)(gateway_event("/slack/interactions", body, headers), None)
    first, second = now_deps.events.details(spine.CHAT_ACTION_RECEIVED)
    assert first["event_id"] == second["event_id"]


@pytest.mark.parametrize("spoil, status", [
    (lambda b, h: (b + b"x", h), 401),
    (lambda b, h: (b, {k: v for k, v in h.items() if "signature" not in k.lower()}), 401),
    (lambda b, h: (b, {**h, "X-Slack-Request-Timestamp": str(int(time.time()) - 301)}), 401),
])
def test_unsigned_stale_or_tampered_slack_requests_are_401_and_nothing_is_published(now_deps, spoil, status):
    body, headers = signed_block_actions(SECRET, timestamp=int(time.time()), notification_id="ntf_1",
                                         verb="accept", item_id="x", user_id="U1")
    body, headers = spoil(body, headers)
    answer = handler(now_deps)(gateway_event("/slack/interactions", body, headers), None)
    assert answer["statusCode"] == status and now_deps.events.published == []


def test_an_unknown_action_is_400(now_deps):
    body, headers = signed_block_actions(SECRET, timestamp=int(time.time()), notification_id="ntf_1",
                                         verb="delete_everything", item_id="x", user_id="U1")
    answer = handler(now_deps)(gateway_event("/slack/interactions", body, headers), None)
    assert answer["statusCode"] == 400 and now_deps.events.published == []


def test_a_slash_command_is_acknowledged_privately_and_answered_by_chat_action(now_deps):
    body, headers = signed_slash_command(SECRET, timestamp=int(time.time()), text="emp-1", user_id="U9")
    answer = handler(now_deps)(gateway_event("/slack/interactions", body, headers), None)
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["response_type"] == "ephemeral"
    (published,) = now_deps.events.details(spine.CHAT_COMMAND_RECEIVED)
    assert (published["command"]["text"], published["command"]["actor_ref"]) == ("emp-1", "U9")


@pytest.fixture(scope="module")
def bot():
    with LocalBotFramework() as issuer:
        yield issuer


def teams_press(bot, verb="accept", notification_id="ntf_t", **data):
    activity = copy.deepcopy(TEAMS_INVOKE)
    activity["value"]["action"].update(verb=verb, data={"notification_id": notification_id, **data})
    token = bot.token(APP_ID, activity["serviceUrl"])
    return json.dumps(activity).encode(), {"authorization": f"Bearer {token}"}


def teams_note(deps, user):
    deps.outbox.add(Notification(
        notification_id="ntf_t", recipient_id="emp-1", recipient_email="emp-1@example.com", channel="teams",
        kind="nudge", subject="Next", body="Hi", created_at=FAKE_NOW, source_event_id="m", trigger="t",
        status="sent", provider_ref={"user": user},
        content=MessageContent(greeting="Hi", lead="Try", items=[MessageItem(item_id="design-l2", title="Design")],
                               item_verbs=["accept", "decline", "done", "snooze"])))


def test_a_teams_press_by_the_recipient_is_published_and_answered_with_the_decided_card(bot):
    deps = fake_dependencies(clock=FixedClock(FAKE_NOW))
    teams_note(deps, TEAMS_INVOKE["from"]["aadObjectId"])
    body, headers = teams_press(bot, item_id="design-l2")
    answer = handler(deps, BotFrameworkVerifier(APP_ID, bot.jwks_url))(gateway_event("/teams/messages", body,
                                                                                      headers), None)
    card = json.loads(answer["body"])
    assert answer["statusCode"] == 200 and card["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Accepted" in json.dumps(card["value"])
    (published,) = deps.events.details(spine.CHAT_ACTION_RECEIVED)
    assert published["action"]["chat"] == "teams"


def test_a_teams_press_by_someone_else_is_refused_to_them_alone_and_not_published(bot):
    deps = fake_dependencies(clock=FixedClock(FAKE_NOW))
    teams_note(deps, "someone-else")
    body, headers = teams_press(bot, item_id="design-l2")
    answer = handler(deps, BotFrameworkVerifier(APP_ID, bot.jwks_url))(gateway_event("/teams/messages", body,
                                                                                      headers), None)
    refused = json.loads(answer["body"])
    assert answer["statusCode"] == 200 and refused["type"] == "application/vnd.microsoft.activity.message"
    assert "someone else" in refused["value"] and deps.events.published == []


def test_a_teams_press_without_a_valid_token_is_401(bot):
    deps = fake_dependencies(clock=FixedClock(FAKE_NOW))
    body, _ = teams_press(bot)
    answer = handler(deps, BotFrameworkVerifier(APP_ID, bot.jwks_url))(gateway_event("/teams/messages", body,
                                                                                      {}), None)
    assert answer["statusCode"] == 401 and deps.events.published == []


def test_any_other_path_is_404(now_deps):
    assert handler(now_deps)(gateway_event("/slack/other", b"", {}), None)["statusCode"] == 404
