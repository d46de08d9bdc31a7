"""notification_delivery: claimed first, sent at most once, never to or about a leaver."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from coachwire import spine
from coachwire.clock import FixedClock
from coachwire.errors import UnknownReference
from coachwire.models.coaching import Notification
from coachwire.ports import EmailOutcomeUnknown
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge
from coachwire.services.delivery import MAX_SEND_ATTEMPTS, DeliveryInProgress, notification_delivery

from tests.fakes import FAKE_NOW, RecordingEmailSender
from tests.services.events import change_profile, checkin, gap, hire


def queued(deps, recipient="emp-1", about=None, nid="ntf_1") -> str:
    deps.outbox.add(Notification(notification_id=nid, recipient_id=recipient,
                                 recipient_email=f"{recipient}@example.com", kind="nudge", subject="Your next step",
                                 body="Hi", created_at=FAKE_NOW, source_event_id="msg_1", trigger="checkin_gap_nudge",
                                 about_id=about))
    return nid


def deliver(deps, nid="ntf_1", delivery_id="evt-1"):
    return notification_delivery({"notification_id": nid}, deps, delivery_id)


def test_the_queued_nudge_is_mailed_with_its_content_once(deps):
    hire(deps)
    fired = checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)]), deps)
    (nid,) = fired.notification_ids
    result = deliver(deps, nid)
    assert (result.outcome, result.decision) == ("succeeded", {"notification_id": nid, "kind": "nudge", "attempts": 1,
                                                    "channel": "email"})
    (mail,) = deps.email.sent
    assert (mail.to, mail.subject) == ("emp-1@example.com", "Your next step in System design")
    assert "Design a queue-based service" in mail.body
    stored = deps.outbox.get(nid)
    assert (stored.status, stored.provider_message_id, stored.sent_at) == ("sent", mail.message_id, FAKE_NOW)
    assert deliver(deps, nid).outcome == "duplicate" and len(deps.email.sent) == 1


def test_a_refused_send_is_released_retried_and_then_sent_exactly_once(deps):
    d = replace(deps, email=RecordingEmailSender([ConnectionError("SES throttled")]))
    nid = queued(d)
    with pytest.raises(ConnectionError):
        deliver(d)
    assert d.outbox.get(nid).status == "pending"
    assert deliver(d).outcome == "succeeded"
    assert [m.to for m in d.email.sent] == ["emp-1@example.com"] and d.outbox.get(nid).attempts == 2


def test_the_last_allowed_attempt_marks_it_failed(deps):
    d = replace(deps, email=RecordingEmailSender([ConnectionError()] * 99))
    nid = queued(d)
    for _ in range(MAX_SEND_ATTEMPTS):
        with pytest.raises(ConnectionError):
            deliver(d)
    assert (d.outbox.get(nid).status, d.outbox.get(nid).attempts) == ("failed", MAX_SEND_ATTEMPTS)
    assert deliver(d).outcome == "no_action" and d.email.calls == MAX_SEND_ATTEMPTS


def test_a_lost_reply_is_never_resent(deps):
    d = replace(deps, email=RecordingEmailSender([EmailOutcomeUnknown("ReadTimeoutError")]))
    nid = queued(d)
    first, again = deliver(d), deliver(d)
    assert (first.outcome, first.decision["status"], first.decision["reason"]) == (
        "no_action", "delivery_unknown", "send_outcome_unknown")
    assert again.outcome == "no_action" and d.email.calls == 1
    assert d.outbox.get(nid).status == "delivery_unknown"


def test_an_unknown_outcome_is_logged_for_the_alarm_with_ids_only(deps, caplog):
    d = replace(deps, email=RecordingEmailSender([EmailOutcomeUnknown("ReadTimeoutError")]))
    nid = queued(d)
    deliver(d)
    (alarmed,) = [r for r in caplog.records if r.getMessage() == spine.DELIVERY_UNKNOWN_LOG]
    assert (alarmed.notification_id, alarmed.reason) == (nid, "send_outcome_unknown")
    assert "emp-1@example.com" not in caplog.text


def test_a_sender_that_died_mid_send_is_waited_for_then_settled_unknown(deps):
    nid = queued(deps)
    deps.outbox.claim(nid, FAKE_NOW, deps.settings.delivery_lease_seconds)  # then the process died
    with pytest.raises(DeliveryInProgress):
        deliver(deps)
    later = replace(deps, clock=FixedClock(FAKE_NOW + timedelta(seconds=deps.settings.delivery_lease_seconds + 1)))
    result = deliver(later)
    assert (result.outcome, result.decision["reason"]) == ("no_action", "lease_expired")
    assert deps.email.sent == [] and deps.outbox.get(nid).status == "delivery_unknown"


def test_a_second_queued_copy_leaves_the_send_to_its_holder(deps):
    nid = queued(deps)
    deps.outbox.claim(nid, FAKE_NOW, 120, claimed_by="evt-holder")
    copy = deliver(deps, delivery_id="evt-copy")
    assert (copy.outcome, copy.decision["status"]) == ("duplicate", "sending_elsewhere")
    assert deps.email.sent == [] and deps.outbox.get(nid).status == "sending"


def test_the_holders_own_retry_settles_at_once_without_resending(deps):
    nid = queued(deps)
    deps.outbox.claim(nid, FAKE_NOW, 120, claimed_by="evt-holder")
    # A retry comes later than the attempt it retries (the same instant would be the SDK resending the claim).
    retry = deliver(replace(deps, clock=FixedClock(FAKE_NOW + timedelta(seconds=2))), delivery_id="evt-holder")
    assert retry.decision == {"notification_id": nid, "status": "delivery_unknown", "reason": "attempt_ended_mid_send"}
    assert deps.email.sent == []


def test_nothing_goes_to_a_recipient_who_has_left(deps):
    hire(deps)
    change_profile(deps, "emp-1", leaving_date=date(2026, 9, 30))
    nid = queued(deps)
    result = deliver(deps)
    assert (result.outcome, result.decision["reason"]) == ("no_action", "recipient_left")
    assert deps.email.sent == [] and deps.outbox.get(nid).status == "suppressed"


def test_nothing_goes_to_a_manager_about_someone_who_has_left(deps):
    hire(deps)
    change_profile(deps, "emp-1", leaving_date=date(2026, 9, 30))
    queued(deps, recipient="mgr-1", about="emp-1")
    assert deliver(deps).decision["reason"] == "subject_left" and deps.email.sent == []


def test_a_recipient_with_no_profile_such_as_an_hr_mailbox_is_mailed(deps):
    queued(deps, recipient="hr-mailbox", about="emp-404")
    assert deliver(deps).outcome == "succeeded" and [m.to for m in deps.email.sent] == ["hr-mailbox@example.com"]


def test_a_failure_before_sending_releases_the_claim(deps):
    nid = queued(deps)

    class BrokenProfiles:
        def get(self, employee_id):
            raise ConnectionError("DynamoDB unavailable")

    with pytest.raises(ConnectionError):
        deliver(replace(deps, profiles=BrokenProfiles()))
    assert deps.outbox.get(nid).status == "pending" and deps.email.calls == 0
    assert deliver(deps).outcome == "succeeded"


def test_an_unknown_notification_is_a_field_named_error(deps):
    with pytest.raises(UnknownReference) as err:
        deliver(deps, "ntf_missing")
    assert err.value.field == "notification_id"
