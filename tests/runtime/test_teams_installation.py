"""POST /teams/messages when the Coachwire app is installed or removed for a person: the Bot Framework token
verified exactly as for a press (a local key, its JWKS over HTTP), who the person is asked of the (local) Bot
Connector as the bot, their conversation reference stored in their partition and their Entra id linked. Someone
Coachwire does not know is answered 200 and nothing is stored."""

from __future__ import annotations

import json

import pytest
from coachwire.adapters.botframework_auth import BotFrameworkVerifier
from coachwire.adapters.teams_bot import BotConnector, BotTokens
from coachwire.clock import FixedClock
from coachwire.ports import ProfileChange
from coachwire.runtime.chat_http import ChatInteractionsHandler
from coachwire_tools.local.botconnector_stub import TOKEN_FAULT, BotConnectorStub
from coachwire_tools.local.botframework_keys import LocalBotFramework
from coachwire_tools.local.teams_stub import Fault

from tests.contracts.records import person
from tests.fakes import FAKE_NOW, fake_dependencies

APP_ID = "6f1c2e4a-0000-4000-8000-00000000b07"
SECRET = "local-bot-secret"


@pytest.fixture(scope="module")
def bot():
    with LocalBotFramework() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def connector_stub():
    with BotConnectorStub(APP_ID, SECRET) as running:
        yield running


@pytest.fixture
def deps():
    deps = fake_dependencies(clock=FixedClock(FAKE_NOW))
    deps.profiles.commit(ProfileChange(profile=person("grace", email="Grace.Hopper@Example.com"),
                                       expected_version=None))
    return deps


def handler(deps, bot, stub) -> ChatInteractionsHandler:
    connector = BotConnector(BotTokens(APP_ID, lambda: SECRET, stub.token_url))
    return ChatInteractionsHandler(deps, teams_verifier=BotFrameworkVerifier(APP_ID, bot.jwks_url),
                                   teams_connector=connector)


def post(h: ChatInteractionsHandler, bot, activity: dict, token: str | None = None) -> dict:
    token = token or bot.token(APP_ID, activity["serviceUrl"])
    event = {"rawPath": "/teams/messages", "headers": {"authorization": f"Bearer {token}"},
             "body": json.dumps(activity), "isBase64Encoded": False}
    return h(event, None)


def install(stub, conversation="a:conv-grace", user="29:grace", aad="aad-grace", email="grace.hopper@example.com",
            **kw) -> dict:
    stub.add_member(conversation, user, aad_object_id=aad, email=email)
    return stub.installation_activity(conversation, user, aad, **kw)


def test_an_installation_stores_the_reference_and_links_the_chat_user(deps, bot, connector_stub) -> None:
    answer = post(handler(deps, bot, connector_stub), bot, install(connector_stub))
    assert (answer["statusCode"], answer["body"]) == (200, "")
    ref = deps.profiles.chat_reference("emp-grace", "teams")
    assert ref is not None and not ref.removed
    assert (ref.service_url, ref.conversation_id, ref.tenant_id, ref.user_ref, ref.user_id, ref.bot_id) == (
        connector_stub.service_url, "a:conv-grace", "local-tenant", "aad-grace", "29:grace", f"28:{APP_ID}")
    assert ref.installed_at == FAKE_NOW
    assert deps.profiles.employee_for_chat_user("teams", "aad-grace") == "emp-grace"
    (lookup,) = [c for c in connector_stub.calls if c.what == "member" and c.conversation_id == "a:conv-grace"]
    assert lookup.target == "29:grace"
    assert deps.events.published == []  # nothing on the bus


def test_a_conversation_update_adding_the_bot_counts_as_an_installation(deps, bot, connector_stub) -> None:
    activity = install(connector_stub, conversation="a:conv-cu")
    activity.update(type="conversationUpdate", membersAdded=[{"id": activity["recipient"]["id"]}])
    activity.pop("action")
    assert post(handler(deps, bot, connector_stub), bot, activity)["statusCode"] == 200
    assert deps.profiles.chat_reference("emp-grace", "teams").conversation_id == "a:conv-cu"


def test_someone_coachwire_does_not_know_is_answered_200_and_nothing_is_stored(deps, bot, connector_stub) -> None:
    answer = post(handler(deps, bot, connector_stub), bot,
                  install(connector_stub, conversation="a:stranger", user="29:x", aad="aad-x",
                          email="stranger@elsewhere.example"))
    assert (answer["statusCode"], answer["body"]) == (200, "")
    assert deps.profiles.chat_reference("emp-grace", "teams") is None
    assert deps.profiles.employee_for_chat_user("teams", "aad-x") is None
    assert not [k for k in deps.profiles.items if k[1].startswith(("CHATREF", "CHATUSER"))]


def test_a_member_who_is_not_the_sender_is_not_trusted(deps, bot, connector_stub) -> None:
    connector_stub.add_member("a:mismatch", "29:grace", aad_object_id="aad-other", email="grace.hopper@example.com")
    activity = connector_stub.installation_activity("a:mismatch", "29:grace", "aad-grace")
    assert post(handler(deps, bot, connector_stub), bot, activity)["statusCode"] == 200
    assert deps.profiles.chat_reference("emp-grace", "teams") is None


def test_an_installation_without_a_valid_token_is_401_and_nothing_is_asked_or_stored(deps, bot,
                                                                                   connector_stub) -> None:
    connector_stub.clear()
    activity = install(connector_stub, conversation="a:forged")
    forged = bot.token("another-app", activity["serviceUrl"])
    assert post(handler(deps, bot, connector_stub), bot, activity, token=forged)["statusCode"] == 401
    other_service = bot.token(APP_ID, "https://evil.example/")
    assert post(handler(deps, bot, connector_stub), bot, activity, token=other_service)["statusCode"] == 401
    assert deps.profiles.chat_reference("emp-grace", "teams") is None and connector_stub.calls == []


def test_an_uninstall_marks_the_reference_removed(deps, bot, connector_stub) -> None:
    h = handler(deps, bot, connector_stub)
    post(h, bot, install(connector_stub, conversation="a:conv-rm"))
    answer = post(h, bot, connector_stub.installation_activity("a:conv-rm", "29:grace", "aad-grace",
                                                               action="remove"))
    assert (answer["statusCode"], answer["body"]) == (200, "")
    ref = deps.profiles.chat_reference("emp-grace", "teams")
    assert ref is not None and ref.removed and ref.conversation_id == "a:conv-rm"
    # an uninstall by someone with no reference changes nothing
    assert post(h, bot, connector_stub.installation_activity("a:x", "29:x", "aad-x", action="remove"))[
        "statusCode"] == 200


def test_an_installation_in_a_team_is_not_a_persons(deps, bot, connector_stub) -> None:
    activity = install(connector_stub, conversation="19:team-thread")
    activity["conversation"]["conversationType"] = "channel"
    assert post(handler(deps, bot, connector_stub), bot, activity)["statusCode"] == 200
    assert deps.profiles.chat_reference("emp-grace", "teams") is None


def test_a_connector_that_fails_is_503_so_teams_may_retry(deps, bot, connector_stub) -> None:
    connector_stub.fail(TOKEN_FAULT, Fault.answer(500))
    try:
        answer = post(handler(deps, bot, connector_stub), bot, install(connector_stub, conversation="a:later"))
    finally:
        connector_stub.fail(TOKEN_FAULT, None)
    assert answer["statusCode"] == 503 and deps.profiles.chat_reference("emp-grace", "teams") is None


def test_a_message_to_the_bot_is_still_400(deps, bot, connector_stub) -> None:
    activity = install(connector_stub)
    activity.update(type="message", text="hello")
    assert post(handler(deps, bot, connector_stub), bot, activity)["statusCode"] == 400
