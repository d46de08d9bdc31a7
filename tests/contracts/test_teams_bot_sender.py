"""TeamsBotSender (and the TeamsSender facade) against the local Bot Connector and token stand-in, over real HTTP:
one post of the interactive card per send whatever happens, the token fetched once and reused, and every answer
mapped to what the outbox must do with the message."""

from __future__ import annotations

import jsonschema
import pytest
from coachwire.adapters import teams_cards
from coachwire.adapters.teams import TeamsWorkflowSender
from coachwire.adapters.teams_bot import (
    BotConnector,
    BotNotSent,
    BotTokens,
    TeamsBotSender,
    TeamsSender,
    token_url,
)
from coachwire.models.chat import ChatConversationRef
from coachwire.ports import (
    Address,
    ChannelBroken,
    ChannelSender,
    RateLimited,
    RecipientUnreachable,
    SendOutcomeUnknown,
)
from coachwire_tools.local.botconnector_stub import TOKEN_FAULT, BotConnectorStub
from coachwire_tools.local.teams_stub import Fault, TeamsWebhookStub

from tests.channels import teams_notes
from tests.contracts.records import AT
from tests.shared_data import shared_json

APP_ID = "6f1c2e4a-0000-4000-8000-00000000b07"
SECRET = "local-bot-secret"
BASE = "https://coachwire.example.com"
VALIDATOR = jsonschema.Draft6Validator(shared_json("teams/adaptive-card-schema-1.5.0.json"))
CONVERSATIONS = ("a:conv-1", "a:gone", "a:blocked", "a:busy", "a:drop", "a:teapot", "a:504")


@pytest.fixture(scope="module")
def stub():
    with BotConnectorStub(APP_ID, SECRET) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(stub: BotConnectorStub):
    stub.clear()
    yield
    for name in (*CONVERSATIONS, TOKEN_FAULT):
        stub.fail(name, None)


def ref(stub: BotConnectorStub, conversation: str = "a:conv-1", **fields) -> ChatConversationRef:
    return ChatConversationRef(**{
        "employee_id": "emp-1", "service_url": stub.service_url, "conversation_id": conversation,
        "tenant_id": "local-tenant", "user_ref": "aad-1", "user_id": "29:user-1", "bot_id": f"28:{APP_ID}",
        "installed_at": AT, "changed_at": AT, **fields})


def tokens(stub: BotConnectorStub, secret: str = SECRET, **kw) -> BotTokens:
    return BotTokens(APP_ID, lambda: secret, stub.token_url, **kw)


def sender(stub: BotConnectorStub, conversation: str | None = "a:conv-1", *, secret: str = SECRET,
           read_timeout: float = 5.0, **kw) -> TeamsBotSender:
    found = ref(stub, conversation) if conversation else None
    connector = BotConnector(tokens(stub, secret, **kw), read_timeout=read_timeout)
    return TeamsBotSender(connector, lambda employee_id: found, BASE)


TO = Address(email="grace@example.com")


def test_it_is_a_channel_sender(stub: BotConnectorStub) -> None:
    chosen: ChannelSender = sender(stub)
    assert chosen.channel == "teams"


def test_one_post_of_the_interactive_card_to_the_persons_conversation(stub: BotConnectorStub) -> None:
    note = teams_notes.manager_alert()
    delivered = sender(stub).send(note, TO)
    (post,) = stub.activities
    assert (post.method, post.conversation_id) == ("POST", "a:conv-1")
    assert post.headers["content-type"] == "application/json"
    assert post.headers["authorization"].startswith("Bearer local-bot-")
    assert post.body == teams_cards.message_payload(teams_cards.interactive_card(note, BASE))
    card = post.body["attachments"][0]["content"]
    assert post.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert not list(VALIDATOR.iter_errors(card)), "the card is Adaptive Card 1.5"
    assert "Action.Execute" in post.raw.decode() and b"@" not in post.raw
    assert delivered.message_id == "1:000001"
    assert delivered.ref == {"user": "aad-1", "conversation": "a:conv-1", "service_url": stub.service_url}


def test_the_token_is_fetched_once_with_client_credentials_and_reused(stub: BotConnectorStub) -> None:
    bot = sender(stub)
    for note in (teams_notes.nudge(), teams_notes.next_step(), teams_notes.manager_alert()):
        bot.send(note, TO)
    (form,) = stub.token_requests
    assert form == {"grant_type": "client_credentials", "client_id": APP_ID, "client_secret": SECRET,
                    "scope": "https://api.botframework.com/.default"}
    assert len(stub.activities) == 3 and bot.connector.tokens.fetched == 1


def test_a_token_close_to_expiry_is_fetched_again(stub: BotConnectorStub) -> None:
    now = [1000.0]
    bot = sender(stub, monotonic=lambda: now[0])
    bot.send(teams_notes.nudge(), TO)
    now[0] += 3599 - 300 - 1  # still good: used until five minutes before it expires
    bot.send(teams_notes.nudge(), TO)
    now[0] += 2
    bot.send(teams_notes.nudge(), TO)
    assert len(stub.token_requests) == 2


def test_the_token_endpoint_for_the_tenant() -> None:
    assert token_url() == "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    assert token_url("contoso-tenant") == "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token"
    assert token_url("contoso-tenant", "http://127.0.0.1:9/oauth2/v2.0/token").startswith("http://127.0.0.1")


def test_rate_limited_is_retry_after_and_nothing_more_posted(stub: BotConnectorStub) -> None:
    stub.fail("a:busy", Fault.rate_limited(retry_after=7))
    with pytest.raises(RateLimited) as caught:
        sender(stub, "a:busy").send(teams_notes.nudge(), TO)
    assert caught.value.retry_after_seconds == 7 and len(stub.activities) == 1


@pytest.mark.parametrize("status", [403, 404])
def test_an_uninstalled_or_blocked_bot_is_unreachable(stub: BotConnectorStub, status: int) -> None:
    stub.fail("a:gone", Fault.answer(status))
    with pytest.raises(RecipientUnreachable) as caught:
        sender(stub, "a:gone").send(teams_notes.nudge(), TO)
    assert caught.value.code == f"teams_bot_{status}"


def test_no_reference_is_unreachable_and_nothing_is_asked(stub: BotConnectorStub) -> None:
    with pytest.raises(RecipientUnreachable):
        sender(stub, None).send(teams_notes.nudge(), TO)
    removed = TeamsBotSender(BotConnector(tokens(stub)), lambda e: ref(stub, removed=True), BASE)
    with pytest.raises(RecipientUnreachable):
        removed.send(teams_notes.nudge(), TO)
    assert stub.calls == [] and stub.token_requests == []


def test_a_wrong_client_secret_is_a_broken_channel_and_nothing_posted(stub: BotConnectorStub) -> None:
    with pytest.raises(ChannelBroken) as caught:
        sender(stub, secret="wrong").send(teams_notes.nudge(), TO)
    assert caught.value.code == "teams_bot_token_401" and stub.activities == []


def test_no_client_secret_is_a_broken_channel(stub: BotConnectorStub) -> None:
    def missing() -> str:
        raise LookupError("no teams_bot_client_secret")

    bot = TeamsBotSender(BotConnector(BotTokens(APP_ID, missing, stub.token_url)), lambda e: ref(stub), BASE)
    with pytest.raises(ChannelBroken) as caught:
        bot.send(teams_notes.nudge(), TO)
    assert caught.value.code == "teams_bot_not_configured" and stub.token_requests == []


def test_a_refused_token_on_the_post_is_a_broken_channel_and_forgotten(stub: BotConnectorStub) -> None:
    bot = sender(stub)
    bot.send(teams_notes.nudge(), TO)
    stub.revoke_tokens()
    with pytest.raises(ChannelBroken) as caught:
        bot.send(teams_notes.nudge(), TO)
    assert caught.value.code == "teams_bot_401"
    bot.send(teams_notes.nudge(), TO)  # a new token next time
    assert len(stub.token_requests) == 2 and len(stub.activities) == 3


def test_a_rate_limited_token_is_retry_after(stub: BotConnectorStub) -> None:
    stub.fail(TOKEN_FAULT, Fault.rate_limited(retry_after=11))
    with pytest.raises(RateLimited) as caught:
        sender(stub).send(teams_notes.nudge(), TO)
    assert caught.value.retry_after_seconds == 11 and stub.activities == []


def test_a_connection_dropped_after_the_post_is_unknown_and_posted_once(stub: BotConnectorStub) -> None:
    stub.fail("a:drop", Fault.drop_after_read())
    with pytest.raises(SendOutcomeUnknown):
        sender(stub, "a:drop").send(teams_notes.nudge(), TO)
    assert len(stub.activities) == 1  # never resent: the connector may have posted it


def test_a_read_timeout_is_unknown_and_posted_once(stub: BotConnectorStub) -> None:
    stub.fail("a:teapot", Fault.slow(1.0))
    with pytest.raises(SendOutcomeUnknown):
        sender(stub, "a:teapot", read_timeout=0.2).send(teams_notes.nudge(), TO)
    assert len(stub.activities) == 1


def test_a_gateway_timeout_is_unknown_and_another_error_is_not_sent(stub: BotConnectorStub) -> None:
    stub.fail("a:504", Fault.answer(504))
    with pytest.raises(SendOutcomeUnknown):
        sender(stub, "a:504").send(teams_notes.nudge(), TO)
    stub.fail("a:504", Fault.answer(500))
    with pytest.raises(BotNotSent):
        sender(stub, "a:504").send(teams_notes.nudge(), TO)


def test_a_connector_that_is_not_there_is_not_sent(stub: BotConnectorStub) -> None:
    nowhere = ref(stub).model_copy(update={"service_url": "http://127.0.0.1:9/teams/"})
    bot = TeamsBotSender(BotConnector(tokens(stub)), lambda e: nowhere, BASE)
    with pytest.raises(BotNotSent):
        bot.send(teams_notes.nudge(), TO)
    unreachable_tokens = BotTokens(APP_ID, lambda: SECRET, "http://127.0.0.1:9/oauth2/v2.0/token")
    with pytest.raises(BotNotSent):
        TeamsBotSender(BotConnector(unreachable_tokens), lambda e: ref(stub), BASE).send(teams_notes.nudge(), TO)


def test_update_replaces_the_card_with_the_decided_card(stub: BotConnectorStub) -> None:
    bot = sender(stub)
    note = teams_notes.nudge()
    delivered = bot.send(note, TO)
    sent = note.model_copy(update={"provider_message_id": delivered.message_id, "provider_ref": delivered.ref})
    bot.update(sent, "Accepted: Design reviews")
    (update,) = [c for c in stub.calls if c.what == "activity"]
    assert (update.method, update.conversation_id, update.target) == ("PUT", "a:conv-1", delivered.message_id)
    card = update.body["attachments"][0]["content"]
    assert card == teams_cards.decided_card(sent, "Accepted: Design reviews")
    assert not list(VALIDATOR.iter_errors(card))
    bot.update(note, "Accepted")  # never sent by the bot: nothing to update
    assert len([c for c in stub.calls if c.what == "activity"]) == 1


def test_the_member_lookup_names_the_persons_email(stub: BotConnectorStub) -> None:
    stub.add_member("a:conv-1", "29:user-1", aad_object_id="aad-1", email="grace@example.com")
    connector = BotConnector(tokens(stub))
    member = connector.member(stub.service_url, "a:conv-1", "29:user-1")
    assert member is not None
    assert (member["aadObjectId"], member["email"], member["userPrincipalName"]) == \
        ("aad-1", "grace@example.com", "grace@example.com")
    assert connector.member(stub.service_url, "a:conv-1", "29:nobody") is None


# ------------------------------------------------------------------------------------------- the facade

@pytest.fixture(scope="module")
def webhooks():
    with TeamsWebhookStub() as running:
        yield running


def test_the_facade_sends_as_the_bot_when_the_person_installed_the_app(stub, webhooks) -> None:
    webhooks.clear()
    refs = {"emp-bot": ref(stub), "emp-removed": ref(stub, removed=True)}
    bot = TeamsBotSender(BotConnector(tokens(stub)), refs.get, BASE)
    facade = TeamsSender(bot, TeamsWorkflowSender(lambda name: webhooks.webhook_url(name), BASE), refs.get)
    chosen: ChannelSender = facade
    assert chosen.channel == "teams"

    as_bot = facade.send(teams_notes.nudge().model_copy(update={"recipient_id": "emp-bot"}),
                         Address(email="a@example.com", teams_webhook_ref="team-a"))
    assert as_bot.ref["user"] == "aad-1" and len(stub.activities) == 1 and webhooks.calls == []

    by_webhook = facade.send(teams_notes.nudge().model_copy(update={"recipient_id": "emp-removed"}),
                             Address(email="b@example.com", teams_webhook_ref="team-a"))
    assert by_webhook.ref == {"webhook_ref": "team-a"} and len(webhooks.calls) == 1 and len(stub.activities) == 1

    with pytest.raises(RecipientUnreachable):  # neither: e-mail
        facade.send(teams_notes.nudge().model_copy(update={"recipient_id": "emp-none"}), Address(email="c@x.org"))


def test_without_a_bot_configured_the_facade_is_the_webhook(stub, webhooks) -> None:
    webhooks.clear()
    facade = TeamsSender(None, TeamsWorkflowSender(lambda name: webhooks.webhook_url(name), BASE),
                         lambda e: ref(stub))
    facade.send(teams_notes.nudge(), Address(email="a@example.com", teams_webhook_ref="team-a"))
    assert len(webhooks.calls) == 1 and stub.calls == []
