"""Delivery from the outbox: at most once per message, on the person's channel, retried until it is sent or known
failed; a chat channel that cannot reach the person gives way to e-mail, visibly.

Kept apart from the coaching triggers so this function does not import numpy and the domain it never uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coachwire import spine
from coachwire.domain import delivery_policy as policy
from coachwire.domain import email_layout
from coachwire.domain.retention import epoch, has_left
from coachwire.errors import UnknownReference
from coachwire.logs import logger
from coachwire.models.coaching import Hold, HoldReason, Notification, Outcome
from coachwire.models.messages import Channel
from coachwire.models.preferences import Preferences
from coachwire.ports import (
    Address,
    CapSlot,
    ChannelBroken,
    RateLimited,
    RecipientUnreachable,
    SendOutcomeUnknown,
)
from coachwire.services.deps import Dependencies
from coachwire.services.unit_of_work import TriggerResult
from coachwire.settings import DeliveryRules

TRIGGER = "notification_delivery"


class DeliveryInProgress(RuntimeError):
    """Another delivery attempt holds the lease: retry after the visibility timeout."""


MAX_SEND_ATTEMPTS = 5


@dataclass(frozen=True)
class Route:
    """Where a claimed message goes now."""

    channel: Channel
    address: Address
    fell_back_from: Channel | None = None
    fallback_reason: str | None = None


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
        return _suppress(deps, claimed, gone)
    try:
        prefs = deps.profiles.preferences(claimed.recipient_id)
        decision, slots = _decide(deps, claimed, prefs, now)
    except Exception:
        deps.outbox.release(notification_id, final=False)
        raise
    if isinstance(decision, policy.Suppress):
        return _suppress(deps, claimed, decision.reason)
    if isinstance(decision, policy.Hold):
        return _hold(deps, claimed, decision.reason, decision.until)
    try:
        return _send(deps, claimed, _route(deps, claimed, decision.channel, prefs), slots)
    except Exception:
        _give_back(deps, claimed, slots)
        raise


def _give_back(deps: Dependencies, note: Notification, slots: list[CapSlot]) -> None:
    """Not sent (or not now): it does not use up the person's allowance."""
    if deps.counters and slots:
        deps.counters.give_back(note.notification_id, slots)


def _decide(deps: Dependencies, note: Notification, prefs: Preferences | None,
            now: datetime) -> tuple[policy.Decision, list[CapSlot]]:
    """The person's preferences over the organisation's rules; caps are counted atomically (two messages sent at
    once cannot both take the last place), so `decide` sees them only when one is full."""
    rules = deps.settings.delivery
    decision = policy.decide(note, prefs, rules, policy.SentCounts(), now)
    if not isinstance(decision, policy.Send) or deps.counters is None or not policy.counts_toward_caps(note):
        return decision, []
    slots = _cap_slots(note, prefs, now, rules)
    full = deps.counters.reserve(note.notification_id, slots)
    if full is None:
        return decision, slots
    # Asked again with the full window at its cap, `decide` says until when the message waits.
    cap = next(slot.cap for slot in slots if slot.name == full)
    counts = policy.SentCounts(today=cap if full == "daily_cap" else 0, this_week=cap if full == "weekly_cap" else 0,
                               trigger_today={note.trigger: cap} if full == "org_cap" else {})
    return policy.decide(note, prefs, rules, counts, now), []


def _cap_slots(note: Notification, prefs: Preferences | None, now: datetime, rules: DeliveryRules) -> list[CapSlot]:
    mine = policy.effective(prefs, rules)
    windows = policy.count_windows(prefs, rules, now)
    keep = epoch(now) + 9 * 86400  # longer than any window
    slots = [CapSlot("weekly_cap", f"{note.recipient_id}#{windows.iso_week}", mine.weekly_cap, keep),
             CapSlot("daily_cap", f"{note.recipient_id}#{windows.local_day.isoformat()}", mine.daily_cap, keep)]
    org_cap = rules.trigger_daily_caps.get(note.trigger)
    if org_cap is not None:
        slots.append(CapSlot("org_cap", f"{note.trigger}#{windows.utc_day.isoformat()}", org_cap, keep))
    return slots


def _suppress(deps: Dependencies, note: Notification, reason: str) -> TriggerResult:
    try:
        deps.outbox.mark_suppressed(note.notification_id, reason)
    except Exception:
        deps.outbox.release(note.notification_id, final=False)  # not sent: the retry decides again
        raise
    return TriggerResult("no_action", note.recipient_id, {"notification_id": note.notification_id,
                                                          "status": "suppressed", "reason": reason})


def _route(deps: Dependencies, note: Notification, channel: Channel, prefs: Preferences | None) -> Route:
    """The channel chosen for the message; one that gave way once stays given way, and one this deployment has
    not configured is e-mail."""
    address = Address(email=note.recipient_email, teams_webhook_ref=prefs.teams_webhook_ref if prefs else None)
    wanted = note.channel if note.channel != "email" else channel
    if note.fell_back_from or wanted == "email":
        return Route("email", address, note.fell_back_from, note.fallback_reason)
    if wanted not in deps.channels:
        return Route("email", address, wanted, "channel_not_configured")
    return Route(wanted, address)


def _send(deps: Dependencies, note: Notification, route: Route, slots: list[CapSlot]) -> TriggerResult:
    if route.channel == "email":
        return _send_email(deps, note, route)
    sender = deps.channels[route.channel]
    try:
        delivered = sender.send(note, route.address)
    except SendOutcomeUnknown:
        # It may be in their chat: never resent, and not sent again by e-mail either.
        return _unknown(deps, note.recipient_id, note.notification_id, f"{route.channel}_outcome_unknown")
    except RateLimited as err:
        wait = timedelta(seconds=max(1.0, err.retry_after_seconds))
        _give_back(deps, note, slots)  # counted again when it goes out, in whatever window that is
        return _hold(deps, note, "rate_limited", deps.clock.now() + wait)
    except (RecipientUnreachable, ChannelBroken) as err:
        if isinstance(err, ChannelBroken):
            logger.error(spine.CHANNEL_BROKEN_LOG, extra={"channel": route.channel, "code": err.code})
        return _fall_back(deps, note, route, err.code)
    except Exception:
        failures = note.channel_failures + 1
        if failures >= deps.settings.channel_failures_before_fallback:
            return _fall_back(deps, note, route, "channel_failing")
        deps.outbox.release(note.notification_id, final=False, channel_failures=failures)
        raise
    deps.outbox.mark_sent(note.notification_id, delivered.message_id, deps.clock.now(), channel=route.channel,
                          ref=delivered.ref)
    _link_chat_user(deps, note, route.channel, delivered.ref.get("user"))
    return _sent(note, route)


def _link_chat_user(deps: Dependencies, note: Notification, channel: str, user_ref: str | None) -> None:
    """Who the person is in the chat, for their slash commands; best effort (the message went out)."""
    if not user_ref:
        return
    try:
        deps.profiles.link_chat_user(note.recipient_id, channel, user_ref)
    except Exception as err:  # noqa: BLE001 - sent already; the link is made again by the next message
        logger.warning("chat user not linked", extra={"notification_id": note.notification_id,
                                                      "error_type": type(err).__name__})


def _fall_back(deps: Dependencies, note: Notification, route: Route, reason: str) -> TriggerResult:
    return _send_email(deps, note, Route("email", route.address, route.channel, reason))


def _send_email(deps: Dependencies, note: Notification, route: Route) -> TriggerResult:
    base = deps.settings.app_base_url
    try:
        message_id = deps.email.send(route.address.email, note.subject, email_layout.plain_text(note, base),
                                     html=email_layout.html(note, base), headers=email_layout.headers(note, base))
    except SendOutcomeUnknown:
        return _unknown(deps, note.recipient_id, note.notification_id, "send_outcome_unknown")
    except Exception:
        # Every hold took a claim without trying to send: only real tries count toward giving up. A message that
        # gave way to e-mail keeps that: its retry goes by e-mail, and it counts as fallen back once.
        tries = note.attempts - len(note.holds)
        deps.outbox.release(note.notification_id, final=tries >= MAX_SEND_ATTEMPTS,
                            fell_back_from=route.fell_back_from, fallback_reason=route.fallback_reason)
        raise
    deps.outbox.mark_sent(note.notification_id, message_id, deps.clock.now(), channel="email",
                          fell_back_from=route.fell_back_from, fallback_reason=route.fallback_reason)
    if route.fell_back_from:
        _count(deps, "fell_back")
    return _sent(note, route)


def _count(deps: Dependencies, what: str) -> None:
    """The stats are a view: a failed count is logged, never a reason to redo what was done."""
    try:
        deps.stats.count(TRIGGER, what)
    except Exception as err:  # noqa: BLE001 - the message's own state is already right
        logger.warning("delivery stats not counted", extra={"counter": what, "error_type": type(err).__name__})


def _sent(note: Notification, route: Route) -> TriggerResult:
    decision: dict = {"notification_id": note.notification_id, "kind": note.kind, "attempts": note.attempts,
                      "channel": route.channel}
    if route.fell_back_from:
        decision |= {"fell_back_from": route.fell_back_from, "fallback_reason": route.fallback_reason}
    return TriggerResult("succeeded", note.recipient_id, decision)


def _hold(deps: Dependencies, note: Notification, reason: HoldReason, until: datetime) -> TriggerResult:
    """Delivered later, not dropped: the release job queues the message again once `until` has passed."""
    hold = Hold(reason=reason, at=deps.clock.now(), until=until)
    try:
        deps.outbox.hold(note.notification_id, [*note.holds, hold])
    except Exception:
        deps.outbox.release(note.notification_id, final=False)  # not sent: the retry decides again
        raise
    _count(deps, "held")
    return TriggerResult("no_action", note.recipient_id, {"notification_id": note.notification_id,
                                                          "status": "held", "reason": reason,
                                                          "until": until.isoformat()})


def _leaver_involved(deps: Dependencies, note: Notification, today: date) -> str:
    """Checked at send time, so a message queued before someone left is not sent after. HR mailboxes and other
    recipients with no profile are not employees of the coaching record: they never count as leavers."""
    if has_left(deps.profiles.get(note.recipient_id), today):
        return "recipient_left"
    if note.about_id and note.about_id != note.recipient_id and has_left(deps.profiles.get(note.about_id), today):
        return "subject_left"
    return ""


def _unknown(deps: Dependencies, recipient_id: str, notification_id: str, reason: str) -> TriggerResult:
    # The provider may have accepted it: never resend (at most once wins). The firing ends here (nothing more will
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
            # A sender died between the provider accepting and our bookkeeping: we cannot know, so never resend.
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
