"""TeamsWorkflowSender against the local Workflows webhook stand-in, over real HTTP: one post per send whatever
happens, the payload Teams takes, and every answer mapped to what the outbox must do with the message."""

from __future__ import annotations

import logging
import socket

import pytest
from coachwire.adapters import teams_cards
from coachwire.adapters.teams import TeamsWorkflowSender, WebhookNotSent
from coachwire.ports import (
    Address,
    ChannelBroken,
    ChannelSender,
    RateLimited,
    RecipientUnreachable,
    SendOutcomeUnknown,
)
from coachwire_tools.local.teams_stub import NOT_FOUND, UNAUTHORIZED, Fault, TeamsWebhookStub

from tests.channels import teams_notes

BASE = "https://coachwire.example.com"


@pytest.fixture(scope="module")
def stub():
    with TeamsWebhookStub() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(stub: TeamsWebhookStub):
    stub.clear()
    yield
    for ref in ("team-a", "gone", "revoked", "busy", "drop", "slow", "teapot", "sig"):
        stub.fail(ref, None)
    stub.run_ids = True


def sender(stub: TeamsWebhookStub, **kw) -> TeamsWorkflowSender:
    known = {"team-a", "gone", "revoked", "busy", "drop", "slow", "teapot", "sig"}
    return TeamsWorkflowSender(lambda ref: stub.webhook_url(ref) if ref in known else None, BASE, **kw)


def to(ref: str | None) -> Address:
    return Address(email="grace@example.com", teams_webhook_ref=ref)


def test_it_is_a_channel_sender(stub: TeamsWebhookStub) -> None:
    chosen: ChannelSender = sender(stub)
    assert chosen.channel == "teams"


def test_one_post_of_the_webhook_card(stub: TeamsWebhookStub) -> None:
    note = teams_notes.manager_alert()
    delivered = sender(stub).send(note, to("team-a"))
    (call,) = stub.calls
    assert call.ref == "team-a"
    assert call.headers["content-type"] == "application/json"
    assert call.body == teams_cards.message_payload(teams_cards.webhook_card(note, BASE))
    assert call.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "Action.Execute" not in call.raw.decode()
    assert b"@" not in call.raw  # no e-mail address, the recipient's included
    assert delivered.message_id == "run-000001"
    assert delivered.ref == {"webhook_ref": "team-a"}


def test_without_a_run_id_the_message_id_is_a_stable_hash(stub: TeamsWebhookStub) -> None:
    stub.run_ids = False
    note = teams_notes.nudge()
    first = sender(stub).send(note, to("team-a"))
    again = sender(stub).send(note, to("team-a"))
    assert first.message_id == again.message_id and first.message_id.startswith("teams-")
    assert sender(stub).send(teams_notes.next_step(), to("team-a")).message_id != first.message_id


def test_rate_limited_is_retry_after_and_nothing_sent(stub: TeamsWebhookStub) -> None:
    stub.fail("busy", Fault.rate_limited(retry_after=7))
    with pytest.raises(RateLimited) as caught:
        sender(stub).send(teams_notes.nudge(), to("busy"))
    assert caught.value.retry_after_seconds == 7
    assert len(stub.calls) == 1


@pytest.mark.parametrize(("ref", "fault", "raised", "code"), [
    ("gone", NOT_FOUND, RecipientUnreachable, "teams_webhook_404"),
    ("gone", Fault.answer(410), RecipientUnreachable, "teams_webhook_410"),
    ("revoked", UNAUTHORIZED, ChannelBroken, "teams_webhook_401"),
    ("revoked", Fault.answer(403), ChannelBroken, "teams_webhook_403"),
])
def test_refusals_are_mapped(stub: TeamsWebhookStub, ref, fault, raised, code) -> None:
    stub.fail(ref, fault)
    with pytest.raises(raised) as caught:
        sender(stub).send(teams_notes.nudge(), to(ref))
    assert caught.value.code == code
    assert len(stub.calls) == 1


def test_no_webhook_for_the_person_is_unreachable_and_nothing_is_posted(stub: TeamsWebhookStub) -> None:
    with pytest.raises(RecipientUnreachable, match="no_teams_webhook"):
        sender(stub).send(teams_notes.nudge(), to(None))
    with pytest.raises(RecipientUnreachable, match="teams_webhook_not_configured"):
        sender(stub).send(teams_notes.nudge(), to("unknown-ref"))
    assert stub.calls == []


def test_a_dropped_connection_after_the_post_is_unknown_and_posted_once(stub: TeamsWebhookStub) -> None:
    stub.fail("drop", Fault.drop_after_read())
    with pytest.raises(SendOutcomeUnknown):
        sender(stub).send(teams_notes.manager_alert(), to("drop"))
    assert len(stub.calls) == 1  # urllib3 did not retry


def test_a_read_timeout_is_unknown_and_posted_once(stub: TeamsWebhookStub) -> None:
    stub.fail("slow", Fault.slow(1.0))
    with pytest.raises(SendOutcomeUnknown):
        sender(stub, read_timeout=0.2).send(teams_notes.nudge(), to("slow"))
    assert len(stub.calls) == 1


def test_a_server_error_is_not_sent(stub: TeamsWebhookStub) -> None:
    stub.fail("teapot", Fault.answer(500))
    with pytest.raises(WebhookNotSent):
        sender(stub).send(teams_notes.nudge(), to("teapot"))


def test_a_gateway_timeout_is_unknown(stub: TeamsWebhookStub) -> None:
    stub.fail("teapot", Fault.answer(504))
    with pytest.raises(SendOutcomeUnknown):
        sender(stub).send(teams_notes.nudge(), to("teapot"))


def test_a_refused_connection_is_not_sent_and_does_not_name_the_url() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    secret_url = f"http://127.0.0.1:{port}/workflows/abc/triggers/manual/paths/invoke?sig=SECRET"
    teams = TeamsWorkflowSender(lambda ref: secret_url, BASE)
    with pytest.raises(WebhookNotSent) as caught:
        teams.send(teams_notes.nudge(), to("team-a"))
    assert "SECRET" not in str(caught.value) and caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("fault", [None, Fault.drop_after_read(), NOT_FOUND], ids=["posted", "dropped", "gone"])
def test_the_webhook_signature_is_in_no_log_and_no_error(stub: TeamsWebhookStub, caplog, fault) -> None:
    stub.fail("sig", fault)
    signed = stub.webhook_url("sig") + "?api-version=2016-06-01&sig=SECRET-SIGNATURE"
    teams = TeamsWorkflowSender(lambda ref: signed, BASE)
    caplog.set_level(logging.DEBUG)
    try:
        teams.send(teams_notes.nudge(), to("sig"))
    except Exception as err:  # noqa: BLE001 - the error's text is what is checked
        assert "SECRET" not in str(err) and err.__cause__ is None
    assert stub.calls_to("sig")  # it was posted, and urllib3 logged the request
    assert "SECRET" not in caplog.text


def test_update_is_a_no_op(stub: TeamsWebhookStub) -> None:
    sender(stub).update(teams_notes.nudge(), "Accepted")
    assert stub.calls == []
