"""Notification delivery: a failed send is retried, a sent message is never sent again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from coachwire.adapters.dynamo import DynamoOutboxStore
from coachwire.clock import FixedClock
from coachwire.models.coaching import Notification
from coachwire.ports import EmailOutcomeUnknown
from coachwire.services.delivery import DeliveryInProgress, notification_delivery
from coachwire_tools.local.moto_server import client

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class FlakySender:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, subject: str, body: str, **_parts) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SES throttled")
        self.sent.append((to, subject))
        return f"ses-{len(self.sent)}"


@pytest.fixture
def outbox_note(stack, request):
    note = Notification(notification_id=f"ntf_{request.node.name[:40]}", recipient_id="emp-1",
                        recipient_email="emp-1@example.com", kind="nudge", subject="Your next step", body="Hi",
                        created_at=NOW, source_event_id="msg_1", trigger="checkin_gap_nudge")
    client("dynamodb").put_item(TableName=stack.settings.outbox_table, Item=DynamoOutboxStore.item(note))
    return note


def with_sender(deps, sender, clock=None):
    return replace(deps, email=sender, clock=clock or FixedClock(NOW))


def test_a_failed_send_is_retried_and_then_sent_exactly_once(deps, outbox_note):
    sender = FlakySender(failures=1)
    d = with_sender(deps, sender)
    with pytest.raises(ConnectionError):
        notification_delivery({"notification_id": outbox_note.notification_id}, d)
    assert d.outbox.get(outbox_note.notification_id).status == "pending"
    first = notification_delivery({"notification_id": outbox_note.notification_id}, d)
    again = notification_delivery({"notification_id": outbox_note.notification_id}, d)
    assert (first.outcome, again.outcome) == ("succeeded", "duplicate")
    assert sender.sent == [("emp-1@example.com", "Your next step")]
    stored = d.outbox.get(outbox_note.notification_id)
    assert stored.status == "sent" and stored.attempts == 2 and stored.provider_message_id == "ses-1"


def test_a_sender_that_died_mid_send_is_never_resent(deps, outbox_note):
    sender = FlakySender(failures=0)
    d = with_sender(deps, sender)
    assert d.outbox.claim(outbox_note.notification_id, NOW, 120) is not None  # then the process died
    with pytest.raises(DeliveryInProgress):  # lease still held: retry later
        notification_delivery({"notification_id": outbox_note.notification_id}, d)
    later = with_sender(deps, sender, FixedClock(NOW + timedelta(minutes=5)))
    result = notification_delivery({"notification_id": outbox_note.notification_id}, later)
    assert result.outcome == "no_action" and result.decision["status"] == "delivery_unknown"
    assert sender.sent == [] and d.outbox.get(outbox_note.notification_id).status == "delivery_unknown"


def test_the_last_allowed_attempt_marks_the_message_failed(deps, outbox_note):
    sender = FlakySender(failures=99)
    d = with_sender(deps, sender)
    for _ in range(5):
        with pytest.raises(ConnectionError):
            notification_delivery({"notification_id": outbox_note.notification_id}, d)
    stored = d.outbox.get(outbox_note.notification_id)
    assert stored.status == "failed" and stored.attempts == 5
    assert notification_delivery({"notification_id": outbox_note.notification_id}, d).outcome == "no_action"


class LostReplySender:
    """SES took the request, then the connection dropped before its reply: it may have sent the e-mail."""

    def __init__(self) -> None:
        self.calls = 0

    def send(self, to: str, subject: str, body: str, **_parts) -> str:
        self.calls += 1
        raise EmailOutcomeUnknown("ReadTimeoutError")


def test_a_send_whose_reply_was_lost_is_never_resent(deps, outbox_note):
    sender = LostReplySender()
    d = with_sender(deps, sender)
    first = notification_delivery({"notification_id": outbox_note.notification_id}, d, "evt-1")
    again = notification_delivery({"notification_id": outbox_note.notification_id}, d, "evt-1")
    assert first.outcome == "no_action" and first.decision["status"] == "delivery_unknown"
    assert again.outcome == "no_action" and sender.calls == 1
    assert d.outbox.get(outbox_note.notification_id).status == "delivery_unknown"


def test_a_second_queued_copy_leaves_a_live_send_to_its_holder(deps, outbox_note):
    sender = FlakySender(failures=0)
    d = with_sender(deps, sender)
    assert d.outbox.claim(outbox_note.notification_id, NOW, 120, claimed_by="evt-holder") is not None
    copy = notification_delivery({"notification_id": outbox_note.notification_id}, d, "evt-copy")
    assert copy.outcome == "duplicate" and copy.decision["status"] == "sending_elsewhere"
    assert sender.sent == [] and d.outbox.get(outbox_note.notification_id).status == "sending"


def test_a_retry_of_the_attempt_holding_the_lease_is_settled_without_resending(deps, outbox_note):
    sender = FlakySender(failures=0)
    d = with_sender(deps, sender)
    # The holder's attempt claimed and ended before its bookkeeping (SES may have accepted): its own retry
    # must not wait out the lease (the local stack retries within seconds) nor send again.
    assert d.outbox.claim(outbox_note.notification_id, NOW, 120, claimed_by="evt-holder") is not None
    retry = notification_delivery({"notification_id": outbox_note.notification_id},
                                  with_sender(deps, sender, FixedClock(NOW + timedelta(seconds=2))), "evt-holder")
    assert retry.outcome == "no_action" and retry.decision == {
        "notification_id": outbox_note.notification_id, "status": "delivery_unknown",
        "reason": "attempt_ended_mid_send"}
    assert sender.sent == [] and d.outbox.get(outbox_note.notification_id).status == "delivery_unknown"


class BrokenProfiles:
    def get(self, employee_id):
        raise ConnectionError("DynamoDB unavailable")


def test_a_failure_before_sending_releases_the_claim_for_the_retry(deps, outbox_note):
    sender = FlakySender(failures=0)
    with pytest.raises(ConnectionError):
        notification_delivery({"notification_id": outbox_note.notification_id},
                              replace(with_sender(deps, sender), profiles=BrokenProfiles()), "evt-1")
    assert deps.outbox.get(outbox_note.notification_id).status == "pending"
    assert notification_delivery({"notification_id": outbox_note.notification_id},
                                 with_sender(deps, sender), "evt-1").outcome == "succeeded"
    assert sender.sent == [("emp-1@example.com", "Your next step")]


def test_a_claim_resent_after_its_reply_was_lost_is_still_ours(deps, outbox_note):
    # The SDK resends a write whose reply timed out, with the same parameters: the resend finds our own claim.
    first = deps.outbox.claim(outbox_note.notification_id, NOW, 120, claimed_by="evt-1")
    resent = deps.outbox.claim(outbox_note.notification_id, NOW, 120, claimed_by="evt-1")
    assert first is not None and resent is not None and resent.attempts == first.attempts == 1
    assert deps.outbox.claim(outbox_note.notification_id, NOW + timedelta(seconds=1), 120, claimed_by="evt-1") is None
    assert deps.outbox.claim(outbox_note.notification_id, NOW, 120, claimed_by="evt-2") is None


def test_a_status_write_resent_after_its_reply_was_lost_succeeds(deps, outbox_note):
    assert deps.outbox.claim(outbox_note.notification_id, NOW, 120, claimed_by="evt-1") is not None
    deps.outbox.mark_sent(outbox_note.notification_id, "ses-1", NOW)
    deps.outbox.mark_sent(outbox_note.notification_id, "ses-1", NOW)  # the resend: no error
    with pytest.raises(ClientError):  # but a write from a state it does not hold is still refused
        deps.outbox.release(outbox_note.notification_id, final=False)
    assert deps.outbox.get(outbox_note.notification_id).status == "sent"


def test_a_held_message_is_released_by_the_schedule_and_sent_once_through_the_stack(stack, deps, request):
    """held_release on the local stack: the schedule's event, the real handlers, the outbox and SES in moto."""
    from coachwire.models.coaching import Hold

    now = datetime.now(UTC)
    note = Notification(notification_id=f"ntf_{request.node.name[:40]}", recipient_id="emp-held",
                        recipient_email="emp-held@example.com", kind="nudge", subject="Your next step", body="Hi",
                        created_at=now, source_event_id="msg_held", trigger="checkin_gap_nudge")
    assert deps.outbox.queue(note)
    deps.outbox.claim(note.notification_id, now, 120, claimed_by="evt-held")  # what delivery does, then holds it
    deps.outbox.hold(note.notification_id, [Hold(reason="rate_limited", at=now - timedelta(minutes=2),
                                                 until=now - timedelta(minutes=1))])
    stack.fire_schedule("held_release")
    stack.wait_until_idle()

    sent = deps.outbox.get(note.notification_id)
    assert (sent.status, sent.attempts, [h.reason for h in sent.holds]) == ("sent", 2, ["rate_limited"])
    release = f"{note.notification_id}#release1"
    assert [r.outcome for r in deps.audit.for_event(release)] == ["succeeded"]  # the release's own firing
    assert note.notification_id not in [n.notification_id for n in deps.outbox.due_held(datetime.now(UTC))]
