"""notification_delivery on a chat channel: posted once; rate limits wait and are not failures; a channel that
cannot reach the person, refuses everyone or keeps failing gives way to e-mail, visibly; a post that may have
gone out is never sent again, by chat or by e-mail."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from coachwire import spine
from coachwire.api.routes.triggers import get_stats
from coachwire.clock import FixedClock
from coachwire.models.coaching import Notification
from coachwire.models.messages import MessageContent
from coachwire.ports import ChannelBroken, RateLimited, RecipientUnreachable, SendOutcomeUnknown
from coachwire.services.delivery import notification_delivery

from tests.api.test_routes_alone import context
from tests.fakes import FAKE_NOW, RecordingChatSender


def queued(deps, channel="slack", nid="ntf_1", content=None) -> str:
    deps.outbox.add(Notification(
        notification_id=nid, recipient_id="emp-1", recipient_email="emp-1@example.com", channel=channel,
        kind="nudge", subject="Your next step", body="Hi Ada,\n\nTry <b>this</b>.", created_at=FAKE_NOW,
        source_event_id="msg_1", trigger="checkin_gap_nudge", content=content))
    return nid


def with_slack(deps, *failures):
    slack = RecordingChatSender("slack", failures)
    return replace(deps, channels={"slack": slack}), slack


def deliver(deps, nid="ntf_1", delivery_id="evt-1"):
    return notification_delivery({"notification_id": nid}, deps, delivery_id)


def test_a_slack_message_is_posted_once_and_remembers_where(deps):
    d, slack = with_slack(deps)
    nid = queued(d)
    result = deliver(d)
    assert (result.outcome, result.decision["channel"]) == ("succeeded", "slack")
    (post,) = slack.posts
    stored = d.outbox.get(nid)
    assert (stored.status, stored.channel, stored.provider_message_id) == ("sent", "slack", post.message_id)
    assert stored.provider_ref == {"channel": "D-emp-1", "ts": post.message_id, "user": "U-emp-1"}
    assert d.email.sent == []
    assert deliver(d, delivery_id="evt-2").outcome == "duplicate" and len(slack.posts) == 1


@pytest.mark.parametrize("refusal", [RecipientUnreachable("users_not_found"), ChannelBroken("token_revoked")])
def test_a_channel_that_cannot_reach_the_person_gives_way_to_email_at_once(deps, refusal, caplog):
    d, slack = with_slack(deps, refusal)
    nid = queued(d)
    with caplog.at_level(logging.ERROR):
        result = deliver(d)
    assert result.outcome == "succeeded"
    assert (result.decision["channel"], result.decision["fell_back_from"]) == ("email", "slack")
    (mail,) = d.email.sent
    stored = d.outbox.get(nid)
    assert (stored.status, stored.channel, stored.fell_back_from, stored.fallback_reason) == (
        "sent", "email", "slack", refusal.code)
    assert (stored.provider_message_id, slack.posts) == (mail.message_id, [])
    assert d.stats.all()["notification_delivery"]["fell_back"] == 1
    row = next(r for r in get_stats(context(d, "hr-1", "hr_admin")).triggers if r.trigger == "notification_delivery")
    assert row.fell_back == 1  # GET /triggers/stats shows it
    broken = [r for r in caplog.records if r.getMessage() == spine.CHANNEL_BROKEN_LOG]
    assert len(broken) == (1 if isinstance(refusal, ChannelBroken) else 0)


def test_a_channel_that_keeps_failing_gives_way_to_email_on_the_last_allowed_try(deps):
    d, slack = with_slack(deps, ConnectionError("refused"), ConnectionError("refused"), ConnectionError("refused"))
    nid = queued(d)
    for attempt in (1, 2):
        with pytest.raises(ConnectionError):
            deliver(d, delivery_id=f"evt-{attempt}")
        assert (d.outbox.get(nid).status, d.outbox.get(nid).channel_failures) == ("pending", attempt)
    assert d.email.sent == []
    result = deliver(d, delivery_id="evt-3")
    assert (result.outcome, result.decision["fallback_reason"]) == ("succeeded", "channel_failing")
    assert len(d.email.sent) == 1 and slack.calls == 3 and slack.posts == []


def test_a_post_that_may_have_gone_out_is_never_sent_again_by_any_channel(deps):
    d, slack = with_slack(deps, SendOutcomeUnknown("ReadTimeout"))
    nid = queued(d)
    result = deliver(d)
    assert (result.outcome, result.decision["status"]) == ("no_action", "delivery_unknown")
    assert deliver(d, delivery_id="evt-2").outcome == "no_action"
    assert (d.outbox.get(nid).status, d.email.sent, slack.calls) == ("delivery_unknown", [], 1)


def test_a_rate_limit_holds_the_message_until_slack_says_and_then_it_is_posted_once(deps):
    d, slack = with_slack(deps, RateLimited(30))
    nid = queued(d)
    result = deliver(d)
    assert (result.outcome, result.decision["status"], result.decision["reason"]) == ("no_action", "held",
                                                                                      "rate_limited")
    held = d.outbox.get(nid)
    assert (held.status, held.not_before, held.attempts) == ("held", FAKE_NOW + timedelta(seconds=30), 1)
    assert [h.reason for h in held.holds] == ["rate_limited"]
    assert deliver(d, delivery_id="evt-2").outcome == "no_action" and slack.calls == 1  # not before its time
    later = replace(d, clock=FixedClock(FAKE_NOW + timedelta(seconds=31)))
    assert [n.notification_id for n in later.outbox.due_held(later.clock.now())] == [nid]
    assert deliver(later, delivery_id="evt-3").outcome == "succeeded"
    sent = later.outbox.get(nid)
    assert (sent.status, len(slack.posts), [h.reason for h in sent.holds]) == ("sent", 1, ["rate_limited"])
    assert d.stats.all()["notification_delivery"]["held"] == 1


def test_a_channel_this_deployment_has_not_configured_is_email_and_says_so(deps):
    nid = queued(deps, channel="teams")
    result = deliver(deps)
    assert (result.outcome, result.decision["fallback_reason"]) == ("succeeded", "channel_not_configured")
    assert deps.outbox.get(nid).fell_back_from == "teams" and len(deps.email.sent) == 1


def test_email_is_html_and_text_with_a_link_to_preferences_and_list_unsubscribe(deps):
    d = replace(deps, settings=deps.settings.model_copy(update={"app_base_url": "https://coach.example.com"}))
    content = MessageContent(greeting="Hi Ada,", lead="Try <b>this</b> & that.",
                             links={"plan": "/employees/emp-1/plan", "preferences": "/people/emp-1/preferences"})
    queued(d, channel="email", content=content)
    assert deliver(d).outcome == "succeeded"
    (mail,) = d.email.sent
    prefs = "https://coach.example.com/people/emp-1/preferences"
    assert mail.headers == {"List-Unsubscribe": f"<{prefs}>"}
    assert prefs in mail.body and mail.body.startswith("Hi Ada,")
    assert "Try &lt;b&gt;this&lt;/b&gt; &amp; that." in mail.html and "<b>this</b>" not in mail.html
    assert 'href="https://coach.example.com/employees/emp-1/plan"' in mail.html and prefs in mail.html


def test_without_a_base_url_email_carries_no_links(deps):
    content = MessageContent(greeting="Hi", lead="x", links={"preferences": "/people/emp-1/preferences"})
    queued(deps, channel="email", content=content)
    deliver(deps)
    (mail,) = deps.email.sent
    assert mail.headers == {} and "href" not in mail.html
