"""OutboxStore: a claim moves pending → sending under a lease; every later move starts from sending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from coachwire.models.coaching import Hold

from tests.contracts.records import AT, note


def queued(deps, uid, n=1, **kwargs):
    deps.governance.queue_notifications([note(uid, n, **kwargs)])
    return f"ntf-{uid}-{n}"


def test_one_claim_wins_and_holds_a_lease(deps, uid):
    nid = queued(deps, uid)
    claimed = deps.outbox.claim(nid, AT, 120, claimed_by="evt-holder")
    assert (claimed.status, claimed.attempts, claimed.claimed_by) == ("sending", 1, "evt-holder")
    assert claimed.lease_until == AT + timedelta(seconds=120)
    assert claimed.subject == "Step 1" and claimed.recipient_email == f"{uid}@example.com"
    assert deps.outbox.claim(nid, AT, 120, claimed_by="evt-copy") is None
    assert deps.outbox.get(nid).claimed_by == "evt-holder"
    assert deps.outbox.claim(f"ntf-{uid}-missing", AT, 120) is None
    assert deps.outbox.get(f"ntf-{uid}-missing") is None


def test_an_anonymous_claim_reads_back_as_no_holder(deps, uid):
    nid = queued(deps, uid)
    assert deps.outbox.claim(nid, AT, 60).claimed_by is None


def test_sent_is_final_and_clears_the_lease(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    deps.outbox.mark_sent(nid, "provider-1", AT + timedelta(seconds=3))
    sent = deps.outbox.get(nid)
    assert (sent.status, sent.provider_message_id, sent.sent_at) == ("sent", "provider-1", AT + timedelta(seconds=3))
    assert sent.lease_until is None and sent.claimed_by is None and sent.attempts == 1
    assert deps.outbox.claim(nid, AT, 120) is None


def test_a_release_lets_the_retry_claim_again_and_a_final_one_fails_it(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120)
    deps.outbox.release(nid, final=False)
    assert deps.outbox.get(nid).status == "pending" and deps.outbox.get(nid).lease_until is None
    assert deps.outbox.claim(nid, AT, 120).attempts == 2
    deps.outbox.release(nid, final=True)
    assert (deps.outbox.get(nid).status, deps.outbox.get(nid).attempts) == ("failed", 2)
    assert deps.outbox.claim(nid, AT, 120) is None


@pytest.mark.parametrize("move,status", [("mark_unknown", "delivery_unknown"), ("mark_suppressed", "suppressed")])
def test_unknown_and_suppressed_are_terminal(deps, uid, move, status):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120)
    getattr(deps.outbox, move)(nid)
    assert deps.outbox.get(nid).status == status
    assert deps.outbox.claim(nid, AT, 120) is None


@pytest.mark.parametrize("move", [
    lambda o, n: o.mark_sent(n, "p", AT), lambda o, n: o.release(n, final=True), lambda o, n: o.mark_unknown(n),
    lambda o, n: o.mark_suppressed(n)])
def test_every_move_needs_a_claim(deps, uid, move):
    nid = queued(deps, uid)
    with pytest.raises(ClientError) as refused:
        move(deps.outbox, nid)
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert deps.outbox.get(nid).status == "pending"


def test_queueing_again_keeps_the_first_copy_and_its_state(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120)
    queued(deps, uid)
    assert deps.outbox.get(nid).status == "sending"


def test_a_recipients_messages_come_newest_first(deps, uid):
    for n, minutes in ((1, 0), (2, 30), (3, 10)):
        queued(deps, uid, n, minutes=minutes)
    queued(deps, uid, 4, recipient=f"other-{uid}")
    assert [n.notification_id for n in deps.outbox.for_recipient(f"emp-{uid}")] == [
        f"ntf-{uid}-2", f"ntf-{uid}-3", f"ntf-{uid}-1"]


def test_a_claim_resent_after_a_lost_reply_finds_itself(deps, uid):
    nid = queued(deps, uid)
    first = deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    again = deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")  # the SDK's resend: the same parameters
    assert first is not None and again is not None and again.attempts == 1
    assert deps.outbox.claim(nid, AT, 120, claimed_by="evt-2") is None


def test_a_move_resent_after_a_lost_reply_succeeds(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    deps.outbox.mark_sent(nid, "p", AT)
    deps.outbox.mark_sent(nid, "p", AT)
    assert deps.outbox.get(nid).status == "sent"
    with pytest.raises(ClientError):
        deps.outbox.mark_unknown(nid)


def test_a_send_given_up_as_unknown_by_a_concurrent_copy_is_still_recorded_sent(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    deps.outbox.mark_unknown(nid)  # a copy decided it could not know
    deps.outbox.mark_sent(nid, "ses-1", AT)  # the holder's send went out after all
    stored = deps.outbox.get(nid)
    assert (stored.status, stored.provider_message_id) == ("sent", "ses-1")


def test_a_send_records_its_channel_its_reference_and_any_fallback(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    deps.outbox.mark_sent(nid, "1700000000.000100", AT, channel="email", ref={"channel": "D1", "ts": "1.2"},
                          fell_back_from="slack", fallback_reason="users_not_found")
    sent = deps.outbox.get(nid)
    assert (sent.channel, sent.provider_ref, sent.fell_back_from, sent.fallback_reason) == (
        "email", {"channel": "D1", "ts": "1.2"}, "slack", "users_not_found")


def test_a_release_counts_the_channels_failures(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    deps.outbox.release(nid, final=False, channel_failures=2)
    again = deps.outbox.claim(nid, AT, 120, claimed_by="evt-2")
    assert (again.status, again.channel_failures, again.attempts) == ("sending", 2, 2)


def test_a_held_message_waits_is_listed_when_due_and_is_claimable_once_its_hold_is_over(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    holds = [Hold(reason="quiet_hours", at=AT, until=AT + timedelta(hours=8))]
    deps.outbox.hold(nid, holds)
    held = deps.outbox.get(nid)
    assert (held.status, held.holds, held.not_before, held.claimed_by) == ("held", holds, holds[0].until, None)
    assert deps.outbox.claim(nid, AT + timedelta(hours=7), 120, claimed_by="evt-2") is None  # still held
    assert nid not in [n.notification_id for n in deps.outbox.due_held(AT + timedelta(hours=7))]
    assert nid in [n.notification_id for n in deps.outbox.due_held(AT + timedelta(hours=8))]
    again = deps.outbox.claim(nid, AT + timedelta(hours=8), 120, claimed_by="evt-3")
    assert (again.status, again.holds, again.claimed_by) == ("sending", holds, "evt-3")  # the hold stays visible
    assert nid not in [n.notification_id for n in deps.outbox.due_held(AT + timedelta(days=1))]
    assert deps.outbox.claim(nid, AT + timedelta(hours=9), 120, claimed_by="evt-4") is None  # one claim wins


def test_a_held_message_can_be_suppressed_with_its_reason(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    deps.outbox.hold(nid, [Hold(reason="digest", at=AT, until=AT + timedelta(days=3))])
    deps.outbox.mark_suppressed(nid, "merged_into:ntf-digest")
    gone = deps.outbox.get(nid)
    assert (gone.status, gone.suppressed_reason) == ("suppressed", "merged_into:ntf-digest")
    assert nid not in [n.notification_id for n in deps.outbox.due_held(AT + timedelta(days=4))]


def test_a_decision_is_recorded_on_a_sent_message_only(deps, uid):
    nid = queued(deps, uid)
    deps.outbox.claim(nid, AT, 120, claimed_by="evt-1")
    with pytest.raises(ClientError):
        deps.outbox.record_decision(nid, "accepted")
    deps.outbox.mark_sent(nid, "m-1", AT)
    deps.outbox.record_decision(nid, "accepted")
    assert deps.outbox.get(nid).decided == "accepted"


def test_queue_stores_a_new_message_once_and_never_replaces_it(deps, uid):
    digest = note(uid, 1).model_copy(update={"kind": "team_digest", "trigger": "held_release"})
    assert deps.outbox.queue(digest) is True
    stored = deps.outbox.get(digest.notification_id)
    assert (stored.status, stored.kind, stored.attempts, stored.subject) == ("pending", "team_digest", 0, "Step 1")
    deps.outbox.claim(digest.notification_id, AT, 120, claimed_by="evt-1")
    # A re-run after a crash queues the same (deterministic) id again: refused, the first copy and its state kept.
    assert deps.outbox.queue(digest.model_copy(update={"subject": "Changed"})) is False
    again = deps.outbox.get(digest.notification_id)
    assert (again.status, again.subject, again.claimed_by) == ("sending", "Step 1", "evt-1")
    assert [n.notification_id for n in deps.outbox.for_recipient(f"emp-{uid}")] == [digest.notification_id]
