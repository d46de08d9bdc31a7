"""Email delivery from the outbox: at most once per message, retried until it is sent or known failed.

Kept apart from the coaching triggers so this function does not import numpy and the domain it never uses.
"""

from __future__ import annotations

from datetime import date, datetime

from coachwire import spine
from coachwire.domain.retention import has_left
from coachwire.errors import UnknownReference
from coachwire.logs import logger
from coachwire.models.coaching import Notification, Outcome
from coachwire.ports import EmailOutcomeUnknown
from coachwire.services.deps import Dependencies
from coachwire.services.unit_of_work import TriggerResult


class DeliveryInProgress(RuntimeError):
    """Another delivery attempt holds the lease: retry after the visibility timeout."""


MAX_SEND_ATTEMPTS = 5


def notification_delivery(detail: dict, deps: Dependencies, delivery_id: str = "") -> TriggerResult:
    """`delivery_id`: which delivery of the queued event this is (stable across its redeliveries), so a retry of
    the attempt that holds the lease is told apart from a second queued copy of the same notification."""
    notification_id = str(detail["notification_id"])
    now = deps.clock.now()
    # Claim first: the common case costs one conditional write; only a refused claim needs a read.
    claimed = deps.outbox.claim(notification_id, now, deps.settings.delivery_lease_seconds, claimed_by=delivery_id)
    if claimed is None:
        return _not_claimed(deps, notification_id, now, delivery_id)
    try:
        gone = _leaver_involved(deps, claimed, now.date())
    except Exception:
        deps.outbox.release(notification_id, final=False)  # nothing was sent: let the retry claim it again
        raise
    if gone:
        deps.outbox.mark_suppressed(notification_id)
        return TriggerResult("no_action", claimed.recipient_id, {"notification_id": notification_id,
                                                                 "status": "suppressed", "reason": gone})
    try:
        message_id = deps.email.send(claimed.recipient_email, claimed.subject, claimed.body)
    except EmailOutcomeUnknown:
        return _unknown(deps, claimed.recipient_id, notification_id, "send_outcome_unknown")
    except Exception:
        deps.outbox.release(notification_id, final=claimed.attempts >= MAX_SEND_ATTEMPTS)
        raise
    deps.outbox.mark_sent(notification_id, message_id, deps.clock.now())
    return TriggerResult("succeeded", claimed.recipient_id, {"notification_id": notification_id,
                                                             "kind": claimed.kind, "attempts": claimed.attempts})


def _leaver_involved(deps: Dependencies, note: Notification, today: date) -> str:
    """Checked at send time, so a message queued before someone left is not sent after. HR mailboxes and other
    recipients with no profile are not employees of the coaching record: they never count as leavers."""
    if has_left(deps.profiles.get(note.recipient_id), today):
        return "recipient_left"
    if note.about_id and note.about_id != note.recipient_id and has_left(deps.profiles.get(note.about_id), today):
        return "subject_left"
    return ""


def _unknown(deps: Dependencies, recipient_id: str, notification_id: str, reason: str) -> TriggerResult:
    # SES may have accepted it: never resend (at most once wins for e-mail). The firing ends here (nothing more will
    # be done for it); the log line pages, since the person may never have had the message.
    deps.outbox.mark_unknown(notification_id)
    logger.error(spine.DELIVERY_UNKNOWN_LOG, extra={"notification_id": notification_id, "reason": reason})
    return TriggerResult("no_action", recipient_id, {"notification_id": notification_id,
                                                     "status": "delivery_unknown", "reason": reason})


def _not_claimed(deps: Dependencies, notification_id: str, now: datetime, delivery_id: str) -> TriggerResult:
    note = deps.outbox.get(notification_id)
    if note is None:
        raise UnknownReference("notification_id", "no such notification in the outbox")
    if note.status == "sending":
        if note.lease_until and note.lease_until < now:
            # A sender died between SES accepting and our bookkeeping: we cannot know, so never resend.
            return _unknown(deps, note.recipient_id, notification_id, "lease_expired")
        if delivery_id and note.claimed_by == delivery_id:
            # This delivery's own earlier attempt claimed it and ended before its bookkeeping: it may have sent.
            return _unknown(deps, note.recipient_id, notification_id, "attempt_ended_mid_send")
        if note.claimed_by:
            # A second queued copy: the holder's own message stays on its queue until the holder finishes, and
            # comes back if it fails, so this copy has nothing left to do.
            return TriggerResult("duplicate", note.recipient_id, {"notification_id": notification_id,
                                                                  "status": "sending_elsewhere"})
        raise DeliveryInProgress(notification_id)
    outcome: Outcome = "duplicate" if note.status == "sent" else "no_action"
    return TriggerResult(outcome, note.recipient_id, {"notification_id": notification_id, "status": note.status})
