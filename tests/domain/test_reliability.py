"""Trigger reliability accounting on constructed audit records with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from coachwire import spine
from coachwire.domain import reliability
from coachwire.domain.reliability import AcceptedEvent
from coachwire.models.coaching import AuditRecord
from coachwire.services import parking

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=3)
CHECKIN = spine.CHECKIN_SUBMITTED


def accepted(event_id: str, event_type: str = CHECKIN, minutes: int = 0) -> AcceptedEvent:
    return AcceptedEvent(event_id, event_type, T0 + timedelta(minutes=minutes))


def rec(event_id: str, trigger: str, outcome: str, minutes: int = 1, **decision) -> AuditRecord:
    return AuditRecord(event_id=event_id, trigger=trigger, subject_id="emp-1", outcome=outcome,
                       recorded_at=T0 + timedelta(minutes=minutes), decision=decision)


def account(events, records, now=NOW, silent_after=60, start=T0 - timedelta(hours=1), end=NOW):
    return reliability.account(events, records, start=start, end=end, now=now, silent_after_minutes=silent_after,
                               parked_days=7)


def fate_of(records, event=None, trigger="checkin_gap_nudge", now=NOW) -> str:
    return reliability.fate(event or accepted("e1"), trigger, records, now, timedelta(minutes=60), 7).fate


@pytest.mark.parametrize(("outcome", "expected"), [
    ("succeeded", "succeeded"), ("no_action", "no_action"), ("stale_ignored", "stale"), ("rejected", "rejected")])
def test_the_first_terminal_outcome_is_the_fate(outcome, expected):
    assert fate_of([rec("e1", "checkin_gap_nudge", "failed", receive_count=1),
                    rec("e1", "checkin_gap_nudge", outcome, minutes=2)]) == expected


def test_a_duplicate_redelivery_counts_once_under_the_first_outcome():
    records = {"e1": [rec("e1", "checkin_gap_nudge", "succeeded"), rec("e1", "checkin_gap_nudge", "duplicate", 5)]}
    report = account([accepted("e1"), accepted("e1", minutes=2)], records)  # accepted twice (a retried publish)
    assert report.accepted == 1
    assert report.triggers["checkin_gap_nudge"]["succeeded"] == 1
    assert report.totals == {**dict.fromkeys(reliability.FATES, 0), "succeeded": 1}


def test_only_duplicates_is_duplicate_only():
    assert fate_of([rec("e1", "checkin_gap_nudge", "duplicate")]) == "duplicate_only"


def test_another_triggers_records_do_not_count():
    assert fate_of([rec("e1", "learning_next_step", "succeeded")]) == "silent"


def test_parked_then_replayed():
    records = [rec("e1", parking.INGEST, "parked", 0, parked_events_days=7),
               rec("e1", "checkin_gap_nudge", "succeeded", 90)]
    found = reliability.fate(accepted("e1"), "checkin_gap_nudge", records, NOW, timedelta(minutes=60), 7)
    assert (found.fate, found.parked, found.replayed) == ("succeeded", True, True)


def test_parked_then_expired_and_parked_then_refused_on_replay():
    parked = rec("e1", parking.INGEST, "parked", 0, parked_events_days=7)
    later = T0 + timedelta(days=8)
    assert fate_of([parked, rec("e1", parking.INGEST, "expired", 8 * 24 * 60)], now=later) == "expired"
    refused = rec("e1", parking.INGEST, "rejected", 120, reason=parking.PARKED_REPLAY, status=422)
    assert fate_of([parked, refused]) == "rejected"
    assert reliability.PARKED_REPLAY_REASON == parking.PARKED_REPLAY


def test_a_parked_event_waits_for_its_parking_period_then_is_silent():
    parked = [rec("e1", parking.INGEST, "parked", 0, parked_events_days=7)]
    assert fate_of(parked, now=T0 + timedelta(days=6)) == "parked_waiting"
    assert fate_of(parked, now=T0 + timedelta(days=7, minutes=59)) == "parked_waiting"
    assert fate_of(parked, now=T0 + timedelta(days=7, minutes=61)) == "silent"


def test_a_parked_demographics_event_is_stored_at_once_not_replayed():
    event = accepted("e1", spine.DEMOGRAPHICS_UPSERTED)
    records = [rec("e1", parking.INGEST, "parked", 0), rec("e1", "demographics_sync", "succeeded", 0)]
    found = reliability.fate(event, "demographics_sync", records, NOW, timedelta(minutes=60), 7)
    assert (found.fate, found.parked, found.replayed) == ("succeeded", True, False)


def test_dead_lettered_is_inferred_from_failed_attempts_up_to_the_max_receive_count():
    max_receives = spine.TRIGGERS_BY_NAME["checkin_gap_nudge"].max_receive_count
    failures = [rec("e1", "checkin_gap_nudge", "failed", n, receive_count=n) for n in range(1, max_receives + 1)]
    assert fate_of(failures) == "dead_lettered"
    assert fate_of(failures[:-1]) == "silent"  # retries stopped short of the DLQ: nobody hears of it
    # A receive count the runtime could not read (0): the number of failed records decides.
    assert fate_of([rec("e1", "checkin_gap_nudge", "failed", n) for n in range(max_receives)]) == "dead_lettered"
    # Redriven from the DLQ, then it succeeded: not dead-lettered any more.
    assert fate_of([*failures, rec("e1", "checkin_gap_nudge", "succeeded", 99)]) == "succeeded"


def test_silent_only_after_the_threshold():
    assert fate_of([], event=accepted("e1"), now=T0 + timedelta(minutes=59)) == "in_flight"
    assert fate_of([], event=accepted("e1"), now=T0 + timedelta(minutes=60)) == "silent"
    report = account([accepted("e1"), accepted("e2", minutes=150)], {}, now=T0 + timedelta(minutes=160))
    assert report.triggers["checkin_gap_nudge"]["silent"] == 1
    assert report.triggers["checkin_gap_nudge"]["in_flight"] == 1
    assert [(s.event_id, s.trigger) for s in report.silent] == [("e1", "checkin_gap_nudge")]
    assert not report.accounted


def test_every_trigger_an_event_routes_to_is_accounted(monkeypatch):
    # Today each HRIS type feeds one trigger; a second rule on the same type is accounted on its own.
    extra = spine.Trigger(name="second_listener", summary="", detail_types=(CHECKIN,),
                          sources=(spine.EVENT_SOURCE_HRIS,), grants=())
    monkeypatch.setattr(spine, "TRIGGERS", (*spine.TRIGGERS, extra))
    assert reliability.routes(CHECKIN) == ("checkin_gap_nudge", "second_listener")
    report = account([accepted("e1")], {"e1": [rec("e1", "checkin_gap_nudge", "succeeded")]})
    assert report.triggers["checkin_gap_nudge"]["succeeded"] == 1
    assert [(s.event_id, s.trigger) for s in report.silent] == [("e1", "second_listener")]


def test_each_hris_event_type_routes_to_its_trigger():
    assert reliability.routes(spine.EMPLOYEE_UPSERTED) == ("profile_sync",)
    assert reliability.routes(spine.EMPLOYEE_LEFT) == ("profile_sync",)
    assert reliability.routes(spine.ROLE_CHANGED) == ("role_change_plan",)
    assert reliability.routes(spine.LEARNING_COMPLETED) == ("learning_next_step",)
    assert reliability.routes(spine.DEMOGRAPHICS_UPSERTED) == ("demographics_sync",)
    assert reliability.routes("no.such.type") == (reliability.UNROUTED,)


def test_the_window_is_by_acceptance_time_and_the_record_holds_ids_and_counts_only():
    events = [accepted("before", minutes=-120), accepted("in"), accepted("after", minutes=200)]
    report = account(events, {"in": [rec("in", "checkin_gap_nudge", "no_action")]}, start=T0 - timedelta(hours=1),
                     end=T0 + timedelta(hours=1))
    assert report.accepted == 1
    decision = report.decision()
    assert decision["accepted"] == 1 and decision["silent"] == 0 and decision["checkin_gap_nudge.no_action"] == 1
    assert decision["silent_events"] == []
    silent = account([accepted("lost")], {}).decision()
    assert silent["silent"] == 1 and silent["silent_events"] == ["lost#checkin_gap_nudge"]


def test_windows_on_request_are_bounded():
    assert reliability.check_window(T0, T0 + timedelta(days=31)) is None
    assert reliability.check_window(T0, T0 + timedelta(days=32))
    assert reliability.check_window(T0, T0)
