"""SlackSender against the local Slack Web API stub, over real HTTP: one post with the rendered blocks, lookups
cached, Slack's answers mapped to what delivery does with them, and never a second post after a lost reply."""

from __future__ import annotations

import socket
from urllib.error import URLError

import pytest
from coachwire.adapters.slack import SlackSender
from coachwire.adapters.slack_blocks import decided_blocks, render_message
from coachwire.ports import Address, ChannelBroken, RateLimited, RecipientUnreachable, SendOutcomeUnknown
from coachwire_tools.local.slack_stub import SlackStub

from tests.channels.slack_notes import AT, alert, nudge

LINKS = "https://coachwire.example"


@pytest.fixture
def slack():
    with SlackStub() as stub:
        yield stub


def _sender(stub: SlackStub, **kwargs) -> SlackSender:
    return SlackSender(lambda: stub.token, base_url=stub.api_url, link_base_url=LINKS, **kwargs)


def test_send_looks_the_person_up_and_posts_once_with_the_rendered_blocks(slack):
    user_id = slack.add_user("ann@example.com")
    note = alert()
    delivered = _sender(slack).send(note, Address(email="ann@example.com"))
    assert [c.method for c in slack.calls] == ["users.lookupByEmail", "chat.postMessage"]
    assert all(c.authorized for c in slack.calls)
    (post,) = slack.calls_to("chat.postMessage")
    expected = render_message(note, LINKS)
    assert post.params["channel"] == user_id
    assert post.params["blocks"] == expected.blocks_json()
    assert post.params["text"] == expected.text
    assert delivered.message_id == delivered.ref["ts"]
    assert delivered.ref["channel"] == "D" + user_id[1:]
    assert (delivered.ref["channel"], delivered.ref["ts"]) in slack.messages


def test_lookups_are_cached_and_a_known_slack_user_id_needs_none(slack):
    sender = _sender(slack)
    slack.add_user("ann@example.com")
    sender.send(alert(), Address(email="ann@example.com"))
    sender.send(alert(), Address(email="ANN@example.com"))
    sender.send(nudge(), Address(email="bo@example.com", slack_user_id=slack.add_user("bo@example.com")))
    assert len(slack.calls_to("users.lookupByEmail")) == 1
    assert len(slack.calls_to("chat.postMessage")) == 3


def test_a_rate_limited_post_is_rate_limited_with_slacks_seconds_and_not_retried(slack):
    sender = _sender(slack)
    sender.user_id_for("ann@example.com")
    slack.faults.rate_limit(1, retry_after=7, methods=("chat.postMessage",))
    with pytest.raises(RateLimited) as caught:
        sender.send(alert(), Address(email="ann@example.com"))
    assert caught.value.retry_after_seconds == 7
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert not slack.messages


def test_a_lookup_waits_out_one_short_rate_limit_but_not_a_long_one(slack):
    slack.faults.rate_limit(1, retry_after=0, methods=("users.lookupByEmail",))
    assert _sender(slack).user_id_for("ann@example.com").startswith("U")
    assert len(slack.calls_to("users.lookupByEmail")) == 2
    slack.faults.rate_limit(2, retry_after=30, methods=("users.lookupByEmail",))
    with pytest.raises(RateLimited) as caught:
        _sender(slack).send(alert(), Address(email="cy@example.com"))
    assert caught.value.retry_after_seconds == 30
    assert len(slack.calls_to("users.lookupByEmail")) == 3  # no in-process wait of 30 s
    assert not slack.calls_to("chat.postMessage")


def test_an_unknown_or_deactivated_person_is_unreachable(slack):
    slack.faults.unknown_email("gone@example.com")
    with pytest.raises(RecipientUnreachable) as caught:
        _sender(slack).send(alert(), Address(email="gone@example.com"))
    assert caught.value.code == "users_not_found"
    slack.add_user("left@example.com", deactivated=True)
    with pytest.raises(RecipientUnreachable) as caught:
        _sender(slack).send(alert(), Address(email="left@example.com"))
    assert caught.value.code == "account_inactive"
    slack.faults.error("cannot_dm_bot", methods=("chat.postMessage",))
    with pytest.raises(RecipientUnreachable):
        _sender(slack).send(alert(), Address(email="ann@example.com"))
    assert not slack.messages


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "missing_scope", "account_inactive"])
def test_a_refused_app_is_a_broken_channel(slack, code):
    slack.faults.error(code)
    with pytest.raises(ChannelBroken) as caught:
        _sender(slack).send(alert(), Address(email="ann@example.com"))
    assert caught.value.code == code


def test_a_wrong_token_is_a_broken_channel_and_the_token_is_read_again(slack):
    tokens = iter(["xoxb-old", slack.token])
    sender = SlackSender(lambda: next(tokens), base_url=slack.api_url)
    with pytest.raises(ChannelBroken):
        sender.send(alert(), Address(email="ann@example.com", slack_user_id=slack.add_user("ann@example.com")))
    sender.send(alert(), Address(email="ann@example.com", slack_user_id=slack.add_user("ann@example.com")))
    assert [c.authorized for c in slack.calls_to("chat.postMessage")] == [False, True]


def test_a_connection_dropped_after_the_post_was_read_is_unknown_and_never_resent(slack):
    sender = _sender(slack)
    sender.user_id_for("ann@example.com")
    slack.faults.drop_after_read(1)
    with pytest.raises(SendOutcomeUnknown):
        sender.send(alert(), Address(email="ann@example.com"))
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0].answered == 0
    assert len(slack.messages) == 1  # Slack did post it: resending would have sent it twice


def test_a_read_timeout_is_unknown(slack):
    sender = _sender(slack, post_timeout=1)
    sender.user_id_for("ann@example.com")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, reads nothing, never answers
        silent_url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/"
        hanging = SlackSender(lambda: slack.token, base_url=silent_url, post_timeout=1)
        with pytest.raises(SendOutcomeUnknown):
            hanging.send(alert(), Address(email="ann@example.com", slack_user_id="U1"))


def test_a_refused_connection_is_a_plain_not_sent_error():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    sender = SlackSender(lambda: "xoxb-unused", base_url=f"http://127.0.0.1:{port}/api/")
    with pytest.raises(URLError) as caught:
        sender.send(alert(), Address(email="ann@example.com", slack_user_id="U1"))
    assert not isinstance(caught.value, SendOutcomeUnknown)


def test_update_replaces_the_message_with_the_decided_blocks(slack):
    sender = _sender(slack)
    note = alert()
    delivered = sender.send(note, Address(email="ann@example.com"))
    sent = note.model_copy(update={"provider_ref": delivered.ref})
    sender.update(sent, "discussed", at=AT)
    (update,) = slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (delivered.ref["channel"], delivered.ref["ts"])
    assert update.params["blocks"] == decided_blocks(sent, "discussed", at=AT, base_url=LINKS).blocks_json()
    assert not [b for b in slack.messages[(delivered.ref["channel"], delivered.ref["ts"])]["blocks"]
                if b["type"] == "actions"]
    sender.update(note, "discussed")  # never posted to Slack: nothing to update
    assert len(slack.calls_to("chat.update")) == 1


def test_reply_privately_posts_an_ephemeral_answer_to_the_response_url(slack):
    url = slack.response_url()
    _sender(slack).reply_privately({"response_url": url}, "This item isn't yours, so nothing changed.")
    (sent,) = slack.responses[url.rsplit("/", 1)[-1]]
    assert sent == {"text": "This item isn't yours, so nothing changed.", "response_type": "ephemeral",
                    "replace_original": False}


def test_nothing_private_reaches_the_logs(slack, caplog):
    caplog.set_level("DEBUG")
    sender = _sender(slack)
    sender.send(alert(), Address(email="ann@example.com"))
    slack.faults.drop_after_read(1)
    with pytest.raises(SendOutcomeUnknown):
        sender.send(alert(), Address(email="ann@example.com"))
    sender.reply_privately({"response_url": slack.response_url()}, "hi")
    assert slack.token not in caplog.text and "ann@example.com" not in caplog.text
    assert "/response/" not in caplog.text
