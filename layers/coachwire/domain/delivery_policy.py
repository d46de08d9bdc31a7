"""Whether a queued message goes out now, waits, or never goes: the person's preferences over the organisation's rules.

Pure: the message, the person's stored preferences (or None), the rules, what was already sent and the time are all
arguments. The delivery service asks `decide` before it sends; a `Hold` is recorded on the notification (so nothing
is silently delayed) and released at `until`, when `decide` is asked again.

Times of day are the person's wall-clock times in their own zone, across midnight and daylight saving time: a wall
time the clocks skip (spring forward) means the first instant after the gap; one they show twice (fall back) means
whichever occurrence comes next. Every `until` is in the future and outside the person's quiet hours."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from coachwire.models import coaching
from coachwire.models.coaching import HoldReason, Notification, NotificationKind
from coachwire.models.messages import Channel
from coachwire.models.preferences import HR_WORK_KINDS, Digest, Preferences, QuietHours
from coachwire.settings import DeliveryRules

MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class Send:
    channel: Channel


@dataclass(frozen=True)
class Hold:
    reason: HoldReason
    until: datetime

    def record(self, at: datetime) -> coaching.Hold:
        """The hold as the notification shows it."""
        return coaching.Hold(reason=self.reason, at=at, until=self.until)


@dataclass(frozen=True)
class Suppress:
    # muted: the kind switched off; capped_off: a daily or weekly cap of 0 (nothing that counts toward caps, ever).
    reason: Literal["muted", "capped_off"]


Decision = Send | Hold | Suppress


@dataclass(frozen=True)
class SentCounts:
    """What already went out, filled in by the caller over the windows `count_windows` names: messages that count
    toward caps sent to this person in their local day and ISO week, and per trigger across the organisation in
    the UTC day."""

    today: int = 0
    this_week: int = 0
    trigger_today: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Effective:
    """A person's preferences with the organisation's defaults filled in where they chose nothing."""

    channel: Channel
    zone: ZoneInfo
    quiet_hours: QuietHours | None
    daily_cap: int
    weekly_cap: int
    digest: Digest
    muted_kinds: frozenset[NotificationKind]


def effective(prefs: Preferences | None, rules: DeliveryRules) -> Effective:
    if prefs is None:
        return Effective(rules.channel, ZoneInfo(rules.timezone), rules.quiet_hours, rules.daily_cap,
                         rules.weekly_cap, "off", frozenset())
    quiet = rules.quiet_hours if prefs.quiet_hours is None else (
        None if prefs.quiet_hours == "off" else prefs.quiet_hours)
    return Effective(
        channel=prefs.channel or rules.channel, zone=ZoneInfo(prefs.timezone or rules.timezone), quiet_hours=quiet,
        daily_cap=rules.daily_cap if prefs.daily_cap is None else prefs.daily_cap,
        weekly_cap=rules.weekly_cap if prefs.weekly_cap is None else prefs.weekly_cap,
        digest=prefs.digest, muted_kinds=frozenset(prefs.muted_kinds))


def counts_toward_caps(note: Notification) -> bool:
    """HR work items are never capped, so they never use up a person's allowance either."""
    return note.kind not in HR_WORK_KINDS


@dataclass(frozen=True)
class CountWindows:
    """The windows SentCounts counts over: the person's local day, their ISO week ("2026-W40") and the UTC day."""

    local_day: date
    iso_week: str
    utc_day: date


def count_windows(prefs: Preferences | None, rules: DeliveryRules, now: datetime) -> CountWindows:
    local = now.astimezone(effective(prefs, rules).zone)
    year, week, _ = local.isocalendar()
    return CountWindows(local.date(), f"{year}-W{week:02d}", now.astimezone(UTC).date())


def decide(note: Notification, prefs: Preferences | None, rules: DeliveryRules, counts: SentCounts,
           now: datetime) -> Decision:
    mine = effective(prefs, rules)
    if note.kind in HR_WORK_KINDS:
        # Never muted, capped or digested (see HR_WORK_KINDS). Quiet hours only when the recipient chose
        # preferences: the HR mailbox and anyone who never did get work items as soon as they arise.
        quiet = mine.quiet_hours if prefs is not None else None
        if quiet is not None and quiet.contains(_wall(now, mine.zone)):
            return Hold("quiet_hours", _quiet_end_after(now, quiet, mine.zone))
        return Send(mine.channel)
    if note.kind in mine.muted_kinds:
        return Suppress("muted")
    if note.kind == "manager_alert" and mine.digest == "weekly":
        return Hold("digest", _next_digest(mine, rules, now))
    if mine.quiet_hours is not None and mine.quiet_hours.contains(_wall(now, mine.zone)):
        return Hold("quiet_hours", _quiet_end_after(now, mine.quiet_hours, mine.zone))
    local = now.astimezone(mine.zone)
    if mine.weekly_cap == 0 or mine.daily_cap == 0:
        return Suppress("capped_off")  # waiting would never end: a cap of 0 is a choice to receive none
    if counts.this_week >= mine.weekly_cap:
        monday = local.date() + timedelta(days=7 - local.weekday())
        return Hold("weekly_cap", _outside_quiet(_day_start(monday, mine.zone), mine))
    if counts.today >= mine.daily_cap:
        return Hold("daily_cap", _outside_quiet(_day_start(local.date() + timedelta(days=1), mine.zone), mine))
    cap = rules.trigger_daily_caps.get(note.trigger)
    if cap is not None and counts.trigger_today.get(note.trigger, 0) >= cap:
        tomorrow = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), MIDNIGHT, tzinfo=UTC)
        return Hold("org_cap", _outside_quiet(tomorrow, mine))
    return Send(mine.channel)


def next_digest_time(prefs: Preferences | None, rules: DeliveryRules, now: datetime) -> datetime:
    """When the person's next weekly digest goes out: the organisation's digest weekday and time in their zone,
    strictly after `now`, moved to the end of their quiet hours if it falls inside them."""
    return _next_digest(effective(prefs, rules), rules, now)


def _next_digest(mine: Effective, rules: DeliveryRules, now: datetime) -> datetime:
    start = now.astimezone(mine.zone).date()
    for offset in range(8):
        day = start + timedelta(days=offset)
        if day.weekday() != rules.digest_weekday_number:
            continue
        later = [t for t in _instants(day, rules.digest_time, mine.zone) if t > now]
        if later:
            return _outside_quiet(later[0], mine)
    raise AssertionError("a weekday recurs within eight days")  # pragma: no cover


# -- wall-clock time in a zone ---------------------------------------------------------------------------


def _wall(moment: datetime, zone: ZoneInfo) -> time:
    return moment.astimezone(zone).time().replace(tzinfo=None)


def _instants(day: date, wall: time, zone: ZoneInfo) -> list[datetime]:
    """The instants (UTC) at which the zone's clocks show `wall` on `day`: one; two when the clocks fall back over
    it; or, when they skip it, the first instant after the gap (the moment the clocks jump)."""
    naive = datetime.combine(day, wall)
    found = sorted({utc for fold in (0, 1)
                    if (utc := naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)).astimezone(zone).replace(
                        tzinfo=None) == naive})
    if found:
        return found
    # Skipped. Read with the offset after the jump it is an instant before the gap; with the offset before, one
    # after. The jump lies between: the first whole second whose wall time is past `naive`.
    low, high = sorted(int(naive.replace(tzinfo=zone, fold=fold).timestamp()) for fold in (0, 1))
    while low + 1 < high:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return [datetime.fromtimestamp(high, UTC)]


def _walls_after(moment: datetime, wall: time, zone: ZoneInfo) -> Iterator[datetime]:
    """Every instant after `moment` at which the clocks show `wall` (or jump past it), earliest first."""
    start = moment.astimezone(zone).date() - timedelta(days=1)
    for offset in range(10):
        for instant in _instants(start + timedelta(days=offset), wall, zone):
            if instant > moment:
                yield instant


def _quiet_end_after(moment: datetime, quiet: QuietHours, zone: ZoneInfo) -> datetime:
    """The end of the quiet window `moment` is in: the next instant the clocks reach its end time. Where a jump
    skips over the window's start and end both, the window runs on to the next day's end."""
    for instant in _walls_after(moment, quiet.end, zone):
        if not quiet.contains(_wall(instant, zone)):
            return instant
    raise AssertionError("quiet hours end within a week")  # pragma: no cover


def _outside_quiet(moment: datetime, mine: Effective) -> datetime:
    quiet = mine.quiet_hours
    if quiet is None or not quiet.contains(_wall(moment, mine.zone)):
        return moment
    return _quiet_end_after(moment, quiet, mine.zone)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day (after the jump, where the clocks skip midnight)."""
    return _instants(day, MIDNIGHT, zone)[0]
