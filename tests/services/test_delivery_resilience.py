"""notification_delivery when its own bookkeeping fails or a message waits a long time: a message never sent is
never marked unknown, holds do not use up its tries, a fallback to e-mail is kept, and a cap of 0 is a choice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from coachwire.clock import FixedClock
from coachwire.models.coaching import Notification
from coachwire.models.preferences import Preferences
from coachwire.ports import ChannelBroken, RateLimited, RecipientUnreachable
from coachwire.services.delivery import notification_delivery

from tests.fakes import FAKE_NOW, RecordingChatSender, RecordingEmailSender

LATER = timedelta(seconds=180)  # an SQS redelivery after the visibility timeout


def queued(deps, channel="slack", nid="ntf_1"):
    deps.outbox.add(Notification(
        notification_id=nid, recipient_id="emp-1", recipient_email="emp-1@example.com", channel=channel,
        kind="nudge", subject="s", body="b", created_at=FAKE_NOW, source_event_id="msg_1",
        trigger="checkin_gap_nudge"))
    return nid


def at(deps, moment):
    return replace(deps, clock=FixedClock(moment))


def test_holds_do_not_use_up_the_tries_of_a_message(deps):
    slack = RecordingChatSender("slack", [RateLimited(1)] * 4 + [RecipientUnreachable("users_not_found")])
    d = replace(deps, email=RecordingEmailSender([ConnectionError("refused once")]), channels={"slack": slack})
    nid = queued(d)
    now = FAKE_NOW
    for i in range(4):
        assert notification_delivery({"notification_id": nid}, at(d, now), f"evt-{i}").decision["status"] == "held"
        now += timedelta(minutes=15)
    with pytest.raises(ConnectionError):
        notification_delivery({"notification_id": nid}, at(d, now), "evt-5")
    assert d.outbox.get(nid).status == "pending"  # one real try failed: retried, not given up
    assert notification_delivery({"notification_id": nid}, at(d, now + LATER), "evt-5").outcome == "succeeded"


def test_a_failing_stats_count_never_turns_a_fallback_into_an_unknown(deps):
    class FailingFallbackCount:
        def __init__(self, inner):
            self.inner = inner

        def count(self, trigger, outcome):
            if outcome == "fell_back":
                raise RuntimeError("throttled")
            return self.inner.count(trigger, outcome)

        def all(self):
            return self.inner.all()

    d = replace(deps, channels={"slack": RecordingChatSender("slack", [RecipientUnreachable("users_not_found")])})
    d = replace(d, stats=FailingFallbackCount(d.stats))
    nid = queued(d)
    assert notification_delivery({"notification_id": nid}, d, "evt-1").outcome == "succeeded"
    assert d.outbox.get(nid).status == "sent" and len(d.email.sent) == 1


def test_a_hold_that_could_not_be_written_is_decided_again_not_marked_unknown(deps):
    slack = RecordingChatSender("slack", [RateLimited(5)])
    d = replace(deps, channels={"slack": slack})
    nid = queued(d)
    hold = d.outbox.hold
    d.outbox.hold = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("ProvisionedThroughputExceeded"))
    with pytest.raises(RuntimeError):
        notification_delivery({"notification_id": nid}, d, "evt-1")
    d.outbox.hold = hold
    assert d.outbox.get(nid).status == "pending"
    again = notification_delivery({"notification_id": nid}, at(d, FAKE_NOW + LATER), "evt-1")
    assert again.outcome == "succeeded" and len(slack.posts) == 1


def test_a_message_that_gave_way_to_email_keeps_to_email_on_its_retry(deps):
    slack = RecordingChatSender("slack", [ChannelBroken("token_revoked"), ChannelBroken("token_revoked")])
    d = replace(deps, email=RecordingEmailSender([ConnectionError("refused")]), channels={"slack": slack})
    nid = queued(d)
    with pytest.raises(ConnectionError):
        notification_delivery({"notification_id": nid}, d, "evt-1")
    assert d.outbox.get(nid).fell_back_from == "slack"
    done = notification_delivery({"notification_id": nid}, at(d, FAKE_NOW + LATER), "evt-1")
    assert done.outcome == "succeeded" and slack.calls == 1  # Slack not asked again
    assert d.stats.all()["notification_delivery"]["fell_back"] == 1  # one message, counted once


def test_a_cap_of_zero_is_a_choice_to_receive_none_not_a_hold_that_never_ends(deps):
    deps.profiles.put_preferences(Preferences(person_id="emp-1", daily_cap=0), None)
    nid = queued(deps, channel="email")
    result = notification_delivery({"notification_id": nid}, deps, "evt-1")
    assert (result.decision["status"], result.decision["reason"]) == ("suppressed", "capped_off")
    assert deps.outbox.get(nid).suppressed_reason == "capped_off" and deps.email.sent == []


def test_a_rate_limited_message_gives_its_cap_place_back(deps):
    deps.profiles.put_preferences(Preferences(person_id="emp-1", daily_cap=1), None)
    d = replace(deps, channels={"slack": RecordingChatSender("slack", [RateLimited(30)])})
    first = queued(d)
    assert notification_delivery({"notification_id": first}, d, "evt-1").decision["status"] == "held"
    other = queued(d, channel="email", nid="ntf_2")
    assert notification_delivery({"notification_id": other}, d, "evt-2").outcome == "succeeded"  # the place was free
