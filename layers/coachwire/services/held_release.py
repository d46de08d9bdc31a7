"""Every 15 minutes: held messages whose hold is over are queued for delivery again, and a manager's stall alerts
held for the weekly digest are merged into one `team_digest` message.

Releasing changes nothing in the outbox: it publishes `notification.queued` again, and the delivery's claim takes
the message from held (the claim accepts a held message once `not_before` has passed). Each release carries an
event id of its own (`<id>#release<n>`), so the audit log counts the released delivery as a firing of its own,
not as a redelivery of the firing that held it.

A digest is crash-safe in this order: queue it (its id is deterministic and `queue` refuses a taken id), announce
it, then suppress each merged alert (`merged_into:<digest id>`, a conditional move from held). A re-run after a
crash anywhere in between finds the same digest and only finishes the suppressions; the alerts a digest carries
are its items' ids, so an alert held since the crash is never counted as merged into a digest that does not
carry it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Literal

from coachwire import spine
from coachwire.domain import messages
from coachwire.domain.retention import expires_at, has_left
from coachwire.models.base import Identifier, InboundModel
from coachwire.models.coaching import Notification
from coachwire.services.deps import Dependencies
from coachwire.services.unit_of_work import TriggerResult

TRIGGER = "held_release"
SUBJECT = "job:held_release"
# Due messages read per run; any more wait for the next run, 15 minutes later (oldest first).
RELEASE_LIMIT = 500
MERGED_PREFIX = "merged_into:"

Job = Callable[[TriggerResult], None]


class HeldReleaseJob(InboundModel):
    """The schedule's event. No `as_of`: what is due is decided by the clock alone."""

    job: Literal["held_release"]
    requested_by: str = "schedule"
    run_id: Identifier | None = None


def release_detail(note: Notification) -> dict[str, str]:
    """The `notification.queued` detail that releases `note`: one event id per release of the message."""
    return {"notification_id": note.notification_id, "event_id": f"{note.notification_id}#release{len(note.holds)}"}


def goes_to_digest(note: Notification) -> bool:
    """A stall alert whose last hold waits for its manager's weekly digest."""
    return note.kind == "manager_alert" and bool(note.holds) and note.holds[-1].reason == "digest"


def held_release(detail: dict, deps: Dependencies, event_id: str, on_subject: Job) -> TriggerResult:
    """Release what is due; merge each manager's due digest alerts into one message (reported per manager through
    `on_subject`, which audits the digest and publishes it for delivery)."""
    HeldReleaseJob.model_validate(detail)
    now = deps.clock.now()
    due = deps.outbox.due_held(now, RELEASE_LIMIT)
    released = [n for n in due if not goes_to_digest(n)]
    if released:
        deps.events.publish_many(spine.EVENT_SOURCE_INTERNAL, spine.NOTIFICATION_QUEUED,
                                 [release_detail(n) for n in released])
    by_recipient: dict[str, list[Notification]] = {}
    for note in due:
        if goes_to_digest(note):
            by_recipient.setdefault(note.recipient_id, []).append(note)
    counts = {"due": len(due), "released": len(released), "digests": 0, "merged": 0, "subject_left": 0}
    for recipient_id in sorted(by_recipient):
        digests, merged, left = merge_digest(deps, by_recipient[recipient_id], now, on_subject)
        counts["digests"] += digests
        counts["merged"] += merged
        counts["subject_left"] += left
    acted = counts["released"] or counts["digests"] or counts["subject_left"]
    return TriggerResult("succeeded" if acted else "no_action", SUBJECT, {**counts, "started_at": now.isoformat()})


def merge_digest(deps: Dependencies, alerts: list[Notification], now: datetime,
                 on_subject: Job) -> tuple[int, int, int]:
    """One recipient's due digest alerts → digests queued (normally one), alerts merged, alerts left out because
    the person they are about has left (suppressed `subject_left`, as the delivery would)."""
    today = now.date()
    waiting: list[Notification] = []
    left = 0
    for alert in sorted(alerts, key=_order):
        if alert.about_id and has_left(deps.profiles.get(alert.about_id), today):
            deps.outbox.mark_suppressed(alert.notification_id, "subject_left", held_only=True)
            left += 1
        else:
            waiting.append(alert)
    digests = merged = 0
    while waiting:
        digest, fresh = _queue_digest(deps, waiting, now)
        carried = {item.item_id for item in digest.content.items} if digest.content else set()
        into = [a for a in waiting if a.notification_id in carried]
        anchor = waiting[0]
        if not into or into[0] is not anchor:  # the anchor names the digest, so it is always in it
            raise RuntimeError(f"digest {digest.notification_id} does not carry the alert it is named after")
        on_subject(TriggerResult("succeeded" if fresh else "duplicate", digest.recipient_id, {
            "notification_id": digest.notification_id, "merged": len(into),
            "alert_ids": [a.notification_id for a in into]}, notification_ids=(digest.notification_id,)))
        # Each person it names finds it in their export, and their erasure deletes it (as for the alert it carries).
        expires = expires_at(digest.created_at, deps.settings.retention.notifications_days)
        for person in sorted({a.about_id for a in into if a.about_id}):
            deps.profiles.note_message_about(person, digest.notification_id, expires)
        # The anchor last: until it is suppressed a re-run names the same digest and finishes the rest.
        for alert in [*into[1:], anchor]:
            deps.outbox.mark_suppressed(alert.notification_id, f"{MERGED_PREFIX}{digest.notification_id}",
                                        held_only=True)
        digests += 1
        merged += len(into)
        waiting = [a for a in waiting if a.notification_id not in carried]
    return digests, merged, left


def _queue_digest(deps: Dependencies, waiting: list[Notification], now: datetime) -> tuple[Notification, bool]:
    """The digest of `waiting`, named after its first alert (and that alert's digest week); if a crashed run
    queued it already, the stored one (what it carries is what it says). True when queued by this call."""
    anchor = waiting[0]
    source = f"digest:{anchor.recipient_id}:{_iso_week((anchor.not_before or now).date())}:{anchor.notification_id}"
    digest = messages.team_digest(waiting, source_event_id=source, trigger=TRIGGER, created_at=now)
    if deps.outbox.queue(digest):
        return digest, True
    stored = deps.outbox.get(digest.notification_id)
    if stored is None:  # queue refused it, so it exists; read-after-write is consistent on the table
        raise RuntimeError(f"digest {digest.notification_id} was refused but cannot be read")
    return stored, False


def _order(note: Notification) -> tuple[str, str]:
    """Oldest hold first, then by id: a re-run sorts the alerts still held the same way, so names the same digest
    (anything held after a run ends later than everything that run saw as due)."""
    return ((note.not_before.isoformat() if note.not_before else ""), note.notification_id)


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
