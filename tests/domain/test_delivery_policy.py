"""The delivery policy: muted kinds, the weekly digest, quiet hours in the person's zone (across midnight and DST),
daily and weekly caps, the organisation's per-trigger caps, and HR work that nothing mutes, caps or digests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from coachwire.domain.delivery_policy import (
    Hold,
    Send,
    SentCounts,
    Suppress,
    count_windows,
    counts_toward_caps,
    decide,
    next_digest_time,
)
from coachwire.models.coaching import Notification
from coachwire.models.preferences import Preferences, QuietHours
from coachwire.settings import DeliveryRules
from hypothesis import given, settings
from hypothesis import strategies as st

# An organisation that set quiet hours (the default has none): email, UTC, quiet 20:00-08:00, 3 a day, 10 a week,
# digest Monday 08:00.
RULES = DeliveryRules(quiet_start=time(20), quiet_end=time(8))
NY, BERLIN = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")


def note(kind: str = "nudge", trigger: str = "checkin_gap_nudge") -> Notification:
    return Notification(notification_id="ntf-1", recipient_id="emp-1", recipient_email="a@example.com", kind=kind,
                        subject="s", body="b", created_at=datetime(2026, 10, 1, tzinfo=UTC), source_event_id="e",
                        trigger=trigger)


def prefs(**fields) -> Preferences:
    return Preferences(person_id="emp-1", **fields)


def at(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


NOON = utc(2026, 10, 1, 12)  # a Thursday


# -- what goes out, on which channel -------------------------------------------------------------------------


def test_nothing_chosen_and_nothing_in_the_way_sends_on_the_organisations_channel():
    assert decide(note(), None, RULES, SentCounts(), NOON) == Send("email")
    assert decide(note(), prefs(channel="slack"), RULES, SentCounts(), NOON) == Send("slack")
    assert decide(note(), None, RULES.model_copy(update={"channel": "teams"}), SentCounts(), NOON) == Send("teams")


def test_a_kind_switched_off_is_suppressed_whatever_else_applies():
    muted = prefs(muted_kinds=["nudge"])
    assert decide(note(), muted, RULES, SentCounts(), NOON) == Suppress("muted")
    assert decide(note(), muted, RULES, SentCounts(today=99), utc(2026, 10, 1, 23)) == Suppress("muted")
    assert decide(note("next_step"), muted, RULES, SentCounts(), NOON) == Send("email")


def test_a_manager_on_the_weekly_digest_gets_stall_alerts_held_until_the_digest():
    manager = prefs(digest="weekly", timezone="Europe/Berlin")
    decision = decide(note("manager_alert", "stall_detection"), manager, RULES, SentCounts(), NOON)
    assert decision == Hold("digest", at(BERLIN, 2026, 10, 5, 8).astimezone(UTC))  # Monday 08:00 in Berlin
    assert decide(note("nudge"), manager, RULES, SentCounts(), NOON) == Send("email")  # only alerts are digested
    assert decide(note("manager_alert"), prefs(), RULES, SentCounts(), NOON) == Send("email")


def test_the_next_digest_is_strictly_later_and_outside_quiet_hours():
    monday_8 = utc(2026, 10, 5, 8)
    assert next_digest_time(None, RULES, utc(2026, 10, 5, 7, 59)) == monday_8
    assert next_digest_time(None, RULES, monday_8) == utc(2026, 10, 12, 8)
    late_riser = prefs(quiet_hours=QuietHours(start=time(22), end=time(9, 30)))
    assert next_digest_time(late_riser, RULES, NOON) == utc(2026, 10, 5, 9, 30)
    friday = RULES.model_copy(update={"digest_weekday": "friday", "digest_time": time(16)})
    assert next_digest_time(prefs(timezone="America/New_York"), friday, NOON) == at(NY, 2026, 10, 2, 16)


# -- quiet hours ---------------------------------------------------------------------------------------------


def test_quiet_hours_across_midnight_hold_until_their_end_in_the_persons_zone():
    berlin = prefs(timezone="Europe/Berlin")  # org default window 20:00-08:00
    evening = at(BERLIN, 2026, 10, 1, 21)
    assert decide(note(), berlin, RULES, SentCounts(), evening) == Hold("quiet_hours", at(BERLIN, 2026, 10, 2, 8))
    after_midnight = at(BERLIN, 2026, 10, 2, 3)
    assert decide(note(), berlin, RULES, SentCounts(), after_midnight) == Hold("quiet_hours",
                                                                               at(BERLIN, 2026, 10, 2, 8))
    assert decide(note(), berlin, RULES, SentCounts(), at(BERLIN, 2026, 10, 2, 8)) == Send("email")
    assert decide(note(), berlin, RULES, SentCounts(), at(BERLIN, 2026, 10, 1, 19, 59)) == Send("email")


def test_a_window_within_one_day_and_quiet_hours_switched_off():
    lunch = prefs(quiet_hours=QuietHours(start=time(12), end=time(13)))
    assert decide(note(), lunch, RULES, SentCounts(), utc(2026, 10, 1, 12, 30)) == Hold("quiet_hours",
                                                                                       utc(2026, 10, 1, 13))
    assert decide(note(), lunch, RULES, SentCounts(), utc(2026, 10, 1, 22)) == Send("email")
    assert decide(note(), prefs(quiet_hours="off"), RULES, SentCounts(), utc(2026, 10, 1, 23)) == Send("email")
    no_default = DeliveryRules(quiet_start=None, quiet_end=None)
    assert decide(note(), None, no_default, SentCounts(), utc(2026, 10, 1, 23)) == Send("email")


def test_an_end_the_clocks_skip_moves_to_the_first_valid_instant():
    """New York springs forward on 2026-03-08 at 02:00 → 03:00: an end at 02:30 does not exist that night."""
    ny = prefs(timezone="America/New_York", quiet_hours=QuietHours(start=time(22), end=time(2, 30)))
    decision = decide(note(), ny, RULES, SentCounts(), at(NY, 2026, 3, 8, 1, 45))
    assert decision == Hold("quiet_hours", utc(2026, 3, 8, 7))  # 03:00 EDT, the jump itself
    assert decision.until.astimezone(NY).time() == time(3)
    assert decide(note(), ny, RULES, SentCounts(), utc(2026, 3, 8, 7)) == Send("email")
    # Berlin springs forward on 2026-03-29 at 02:00 → 03:00.
    berlin = prefs(timezone="Europe/Berlin", quiet_hours=QuietHours(start=time(23), end=time(2, 15)))
    assert decide(note(), berlin, RULES, SentCounts(), at(BERLIN, 2026, 3, 29, 0, 30)) == Hold(
        "quiet_hours", at(BERLIN, 2026, 3, 29, 3))


def test_an_end_the_clocks_show_twice_is_whichever_comes_next():
    """New York falls back on 2026-11-01 at 02:00 → 01:00: 01:30 happens twice."""
    ny = prefs(timezone="America/New_York", quiet_hours=QuietHours(start=time(1), end=time(1, 30)))
    first = decide(note(), ny, RULES, SentCounts(), at(NY, 2026, 11, 1, 1, 10))
    assert first == Hold("quiet_hours", utc(2026, 11, 1, 5, 30))  # 01:30 EDT
    second = decide(note(), ny, RULES, SentCounts(), at(NY, 2026, 11, 1, 1, 10, fold=1))
    assert second == Hold("quiet_hours", utc(2026, 11, 1, 6, 30))  # 01:30 EST, an hour later
    # Berlin falls back on 2026-10-25 at 03:00 → 02:00; a window ending at 07:00 is an hour longer that night.
    berlin = prefs(timezone="Europe/Berlin")
    assert decide(note(), berlin, RULES, SentCounts(), at(BERLIN, 2026, 10, 24, 22)) == Hold(
        "quiet_hours", utc(2026, 10, 25, 7))  # 08:00 CET


def test_the_window_length_follows_the_clocks_on_the_nights_they_change():
    ny = prefs(timezone="America/New_York")  # 20:00-08:00
    spring = decide(note(), ny, RULES, SentCounts(), at(NY, 2026, 3, 7, 20))
    autumn = decide(note(), ny, RULES, SentCounts(), at(NY, 2026, 10, 31, 20))
    assert isinstance(spring, Hold) and isinstance(autumn, Hold)
    assert spring.until - at(NY, 2026, 3, 7, 20) == timedelta(hours=11)
    assert autumn.until - at(NY, 2026, 10, 31, 20) == timedelta(hours=13)


# -- caps ----------------------------------------------------------------------------------------------------


def test_the_daily_cap_holds_until_the_next_local_day_outside_quiet_hours():
    ny = prefs(timezone="America/New_York", quiet_hours="off")
    assert decide(note(), ny, RULES, SentCounts(today=2), NOON) == Send("email")
    assert decide(note(), ny, RULES, SentCounts(today=3), NOON) == Hold("daily_cap", at(NY, 2026, 10, 2, 0))
    # With the default quiet hours, local midnight is inside them: it waits for their end.
    assert decide(note(), prefs(timezone="America/New_York"), RULES, SentCounts(today=3), NOON) == Hold(
        "daily_cap", at(NY, 2026, 10, 2, 8))
    own = prefs(daily_cap=5, quiet_hours="off")
    assert decide(note(), own, RULES, SentCounts(today=4), NOON) == Send("email")
    # A cap of 0 is a choice to receive none: waiting for the next day would never end.
    assert decide(note(), prefs(daily_cap=0, quiet_hours="off"), RULES, SentCounts(), NOON) == Suppress("capped_off")
    assert decide(note(), prefs(weekly_cap=0, quiet_hours="off"), RULES, SentCounts(), NOON) == Suppress("capped_off")


def test_the_weekly_cap_holds_until_the_next_iso_week():
    ny = prefs(timezone="America/New_York", quiet_hours="off")
    assert decide(note(), ny, RULES, SentCounts(this_week=10), NOON) == Hold("weekly_cap", at(NY, 2026, 10, 5, 0))
    sunday_night = at(NY, 2026, 10, 4, 23, 30)
    assert decide(note(), ny, RULES, SentCounts(this_week=10), sunday_night) == Hold("weekly_cap",
                                                                                    at(NY, 2026, 10, 5, 0))
    monday = at(NY, 2026, 10, 5, 0, 1)
    assert decide(note(), ny, RULES, SentCounts(this_week=10), monday) == Hold("weekly_cap", at(NY, 2026, 10, 12, 0))


def test_a_local_day_whose_midnight_the_clocks_skip_starts_after_the_jump():
    """Santiago springs forward at 24:00 → 01:00 (2026-09-06): that day starts at 01:00."""
    santiago = ZoneInfo("America/Santiago")
    chile = prefs(timezone="America/Santiago", quiet_hours="off")
    decision = decide(note(), chile, RULES, SentCounts(today=3), at(santiago, 2026, 9, 5, 15))
    assert isinstance(decision, Hold) and decision.reason == "daily_cap"
    assert decision.until.astimezone(santiago).replace(tzinfo=None) == datetime(2026, 9, 6, 1)


def test_the_organisations_cap_per_trigger_holds_until_the_next_utc_day():
    rules = RULES.model_copy(update={"trigger_daily_caps": {"stall_detection": 50}})
    alert = note("manager_alert", "stall_detection")
    counts = SentCounts(trigger_today={"stall_detection": 50})
    assert decide(alert, prefs(quiet_hours="off"), rules, counts, NOON) == Hold("org_cap", utc(2026, 10, 2))
    assert decide(alert, None, rules, counts, NOON) == Hold("org_cap", utc(2026, 10, 2, 8))  # then quiet hours
    assert decide(alert, None, rules, SentCounts(trigger_today={"stall_detection": 49}), NOON) == Send("email")
    assert decide(note(), None, rules, counts, NOON) == Send("email")  # another trigger


def test_the_windows_counts_are_kept_over_are_the_persons_day_and_week():
    late = utc(2026, 10, 5, 2)  # Monday in UTC, still Sunday in New York
    ny = count_windows(prefs(timezone="America/New_York"), RULES, late)
    assert (ny.local_day.isoformat(), ny.iso_week, ny.utc_day.isoformat()) == ("2026-10-04", "2026-W40",
                                                                             "2026-10-05")
    assert count_windows(None, RULES, late).iso_week == "2026-W41"


# -- HR work -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["correction_escalated", "audit_flag", "model_review"])
def test_hr_work_is_never_muted_capped_or_digested(kind):
    everything = prefs(muted_kinds=[kind], digest="weekly", daily_cap=0, weekly_cap=0, quiet_hours="off")
    rules = RULES.model_copy(update={"trigger_daily_caps": {"retention_sweep": 0, "bias_audit": 0}})
    full = SentCounts(today=99, this_week=99, trigger_today={"retention_sweep": 99, "bias_audit": 99})
    for trigger in ("retention_sweep", "bias_audit"):
        assert decide(note(kind, trigger), everything, rules, full, NOON) == Send("email")
    assert not counts_toward_caps(note(kind)) and counts_toward_caps(note("nudge"))


def test_hr_work_waits_out_quiet_hours_only_for_a_recipient_who_has_preferences():
    night = utc(2026, 10, 1, 23)
    assert decide(note("correction_escalated"), None, RULES, SentCounts(), night) == Send("email")
    assert decide(note("audit_flag"), prefs(), RULES, SentCounts(), night) == Hold("quiet_hours", utc(2026, 10, 2, 8))
    assert decide(note("audit_flag"), prefs(quiet_hours="off"), RULES, SentCounts(), night) == Send("email")


def test_a_hold_becomes_the_record_the_notification_shows():
    hold = Hold("quiet_hours", utc(2026, 10, 2, 8))
    assert hold.record(NOON).model_dump() == {"reason": "quiet_hours", "at": NOON, "until": utc(2026, 10, 2, 8)}


# -- properties over zones and windows -----------------------------------------------------------------------

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata",
         "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca", "Pacific/Apia", "Europe/London"]
walls = st.times().map(lambda t: t.replace(microsecond=0))
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC))


@st.composite
def windows(draw) -> QuietHours:
    start = draw(walls)
    end = draw(walls.filter(lambda t: t != start))
    return QuietHours(start=start, end=end)


def wall_of(moment: datetime, zone: str) -> time:
    return moment.astimezone(ZoneInfo(zone)).time().replace(tzinfo=None)


@settings(max_examples=400, deadline=None)
@given(zone=st.sampled_from(ZONES) | st.timezone_keys(), window=windows(), now=instants,
       kind=st.sampled_from(["nudge", "manager_alert", "audit_flag"]), today=st.integers(0, 4),
       week=st.integers(0, 11), digest=st.sampled_from(["off", "weekly"]))
def test_a_hold_ends_in_the_future_outside_quiet_hours_and_nothing_is_sent_inside_them(
        zone, window, now, kind, today, week, digest):
    person = prefs(timezone=zone, quiet_hours=window, digest=digest)
    rules = RULES.model_copy(update={"trigger_daily_caps": {"t": 1}})
    decision = decide(note(kind, "t"), person, rules, SentCounts(today, week, {"t": today}), now)
    if isinstance(decision, Send):
        assert not window.contains(wall_of(now, zone))
    else:
        assert isinstance(decision, Hold)
        assert decision.until > now
        assert not window.contains(wall_of(decision.until, zone))
        if decision.reason == "quiet_hours":
            assert window.contains(wall_of(now, zone))
            # The window ends at its end time, or at the first instant after the clocks jumped past it.
            until_wall = wall_of(decision.until, zone)
            jumped = decision.until.astimezone(ZoneInfo(zone)).utcoffset() != (
                decision.until - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).utcoffset()
            assert until_wall == window.end or jumped


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES) | st.timezone_keys(), window=windows(), now=instants)
def test_released_at_its_until_a_quiet_hours_hold_goes_out(zone, window, now):
    person = prefs(timezone=zone, quiet_hours=window)
    decision = decide(note(), person, RULES, SentCounts(), now)
    if isinstance(decision, Hold):
        assert decide(note(), person, RULES, SentCounts(), decision.until) == Send("email")


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES) | st.timezone_keys(), now=instants, window=st.none() | windows())
def test_the_next_digest_is_on_the_digest_day_within_a_week_and_outside_quiet_hours(zone, now, window):
    person = prefs(timezone=zone, quiet_hours=window if window is not None else "off")
    when = next_digest_time(person, RULES, now)
    assert now < when
    assert window is None or not window.contains(wall_of(when, zone))
    if window is None:
        assert when - now <= timedelta(days=7, hours=3)
        assert when.astimezone(ZoneInfo(zone)).weekday() == 0
