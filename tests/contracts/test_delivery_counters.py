"""DeliveryCounters: caps counted atomically, once per message, with a place given back when a message is not sent."""

from __future__ import annotations

from coachwire.ports import CapSlot

FAR = 2_000_000_000


def test_a_message_counts_once_and_the_last_place_goes_to_one_message(deps, uid):
    slots = [CapSlot("weekly_cap", f"{uid}#2026-W40", 5, FAR), CapSlot("daily_cap", f"{uid}#2026-10-01", 1, FAR)]
    assert deps.counters.reserve("n1", slots) is None
    assert deps.counters.reserve("n1", slots) is None  # a retried delivery of the same message
    assert deps.counters.reserve("n2", slots) == "daily_cap"
    deps.counters.give_back("n1", slots)
    assert deps.counters.reserve("n2", slots) is None
    assert deps.counters.reserve("n3", slots) == "daily_cap"


def test_a_full_weekly_window_is_named_even_when_the_day_has_room(deps, uid):
    week = CapSlot("weekly_cap", f"{uid}#2026-W41", 1, FAR)
    assert deps.counters.reserve("n1", [week, CapSlot("daily_cap", f"{uid}#2026-10-05", 3, FAR)]) is None
    assert deps.counters.reserve("n2", [week, CapSlot("daily_cap", f"{uid}#2026-10-06", 3, FAR)]) == "weekly_cap"


def test_a_cap_of_zero_lets_nothing_through(deps, uid):
    assert deps.counters.reserve("n1", [CapSlot("daily_cap", f"{uid}#2026-10-02", 0, FAR)]) == "daily_cap"
