"""OutboxStore: a claim moves pending → sending under a lease; every later move starts from sending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

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
