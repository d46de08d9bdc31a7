"""ParkedEventStore: idempotent parking, refused once the profile exists, replay order, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from coachwire.ports import ParkedEvent, ProfileChange

from tests.contracts.records import AT, person


def parked(uid, n=1, minutes=0, arrived=0, event=True, employee=None, days=7):
    received = AT + timedelta(minutes=arrived)
    return ParkedEvent(employee_id=employee or f"emp-{uid}", event_id=f"evt-{uid}-{n}",
                       event_type="performance.checkin.submitted", timestamp=AT + timedelta(minutes=minutes),
                       received_at=received, expires_at=received + timedelta(days=days),
                       event={"event_id": f"evt-{uid}-{n}", "data": {"n": n}} if event else None)


def test_parking_the_same_event_twice_holds_it_once(deps, uid):
    assert deps.parked.park(parked(uid)) is True
    assert deps.parked.park(parked(uid)) is True
    assert deps.parked.for_employee(f"emp-{uid}") == [parked(uid)]
    assert deps.parked.for_employee(f"emp-other-{uid}") == []


def test_replay_order_is_event_time_then_arrival_then_id(deps, uid):
    for item in (parked(uid, 3, minutes=5), parked(uid, 2, minutes=0, arrived=9), parked(uid, 1, minutes=0,
                                                                                          arrived=2),
                 parked(uid, 4, minutes=5)):
        deps.parked.park(item)
    assert [p.event_id for p in deps.parked.for_employee(f"emp-{uid}")] == [
        f"evt-{uid}-1", f"evt-{uid}-2", f"evt-{uid}-3", f"evt-{uid}-4"]


def test_nothing_is_parked_once_the_employee_exists(deps, uid):
    deps.profiles.commit(ProfileChange(profile=person(uid), expected_version=None))
    assert deps.parked.park(parked(uid)) is False
    assert deps.parked.for_employee(f"emp-{uid}") == []


def test_a_marker_has_no_event_and_times_come_back_in_utc(deps, uid):
    plus_two = timezone(timedelta(hours=2))
    marker = parked(uid, event=False)
    marker = ParkedEvent(**{**marker.__dict__, "timestamp": marker.timestamp.astimezone(plus_two)})
    deps.parked.park(marker)
    (held,) = deps.parked.for_employee(f"emp-{uid}")
    assert held.event is None and held.timestamp == AT and held.timestamp.tzinfo == UTC


def test_expired_lists_what_is_due_and_remove_forgets_it(deps, uid):
    deps.parked.park(parked(uid, 1, days=1))
    deps.parked.park(parked(uid, 2, days=3))
    deps.parked.park(parked(uid, 3, days=1, employee=f"emp-{uid}x"))

    def due(now: datetime):
        return sorted(p.event_id for p in deps.parked.expired(now) if p.employee_id.startswith(f"emp-{uid}"))

    assert due(AT + timedelta(hours=23)) == []
    assert due(AT + timedelta(days=1)) == [f"evt-{uid}-1", f"evt-{uid}-3"]  # at the instant counts
    assert due(AT + timedelta(days=5)) == [f"evt-{uid}-1", f"evt-{uid}-2", f"evt-{uid}-3"]
    deps.parked.remove(parked(uid, 1, days=1))
    deps.parked.remove(parked(uid, 1, days=1))  # already gone: no error
    assert [p.event_id for p in deps.parked.for_employee(f"emp-{uid}")] == [f"evt-{uid}-2"]
    assert due(AT + timedelta(days=5)) == [f"evt-{uid}-2", f"evt-{uid}-3"]
