"""retention_sweep: leavers erased everywhere, expired items deleted, overdue corrections escalated once,
parked events of people who never arrived recorded as expired."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from coachwire.clock import FixedClock
from coachwire.models.rights import DisplayNameCorrection
from coachwire.services import parking
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge
from coachwire.services.demographics import demographics_sync
from coachwire.services.retention import retention_sweep
from coachwire.services.rights import profile_lifecycle, request_correction
from coachwire.services.stall_detection import stall_detection

from tests.fakes import FAKE_NOW, retention_store
from tests.services.events import checkin, demographics, gap, hire, left


def sweep(deps, now: datetime, event_id: str = "sweep-1"):
    subjects: list = []
    at = replace(deps, clock=FixedClock(now))
    result = retention_sweep({"job": "retention_sweep"}, at, retention_store(at), event_id, subjects.append)
    return result, subjects


def partition(deps, pk: str) -> list[str]:
    return sorted(sk for p, sk in deps.profiles.items if p == pk)


def test_a_leaver_past_the_grace_is_erased_from_every_table_and_no_one_else_is(deps):
    hire(deps)
    checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)], at="2026-09-01T10:00:00Z"), deps)
    stall_detection({"job": "stall_detection", "as_of": "2026-10-01"}, deps, "job-1", lambda _: None)
    demographics_sync(demographics("emp-1"), deps)
    profile_lifecycle(left("emp-1", date(2026, 10, 1), at="2026-10-01T08:00:00Z"), deps)
    assert deps.profiles.alerts_for_manager("mgr-1") and len(deps.outbox.items) == 2  # a nudge, an alert
    manager_before = partition(deps, "EMP#mgr-1")

    early, _ = sweep(deps, datetime(2026, 10, 30, 12, tzinfo=FAKE_NOW.tzinfo))  # erase_after is 31 October
    assert early.outcome == "no_action" and deps.profiles.get("emp-1") is not None

    result, subjects = sweep(deps, datetime(2026, 11, 1, 12, tzinfo=FAKE_NOW.tzinfo))
    assert result.decision["erased_people"] == 1
    (erased,) = subjects
    assert (erased.subject_id, erased.decision["action"], erased.decision["reason"]) == ("emp-1", "retention.erased",
                                                                                        "left")
    assert erased.decision["deleted_profile"] == 1 and erased.decision["deleted_notifications"] == 2
    assert erased.decision["deleted_recommendations"] == 2
    assert partition(deps, "EMP#emp-1") == [] and deps.profiles.alerts_for_manager("mgr-1") == []
    assert deps.outbox.items == {} and list(deps.demographics.all_records()) == []
    # The manager keeps everything but processing receipts, which expire 30 days after their firing.
    assert [sk for sk in partition(deps, "EMP#mgr-1") if not sk.startswith("RECEIPT#")] == \
        [sk for sk in manager_before if not sk.startswith("RECEIPT#")] and deps.profiles.get("mgr-1") is not None
    assert any(sk.startswith("RECEIPT#") for sk in manager_before)
    assert not any(sk.startswith("RECEIPT#") for sk in partition(deps, "EMP#mgr-1"))  # counted from the clock


def test_expired_items_are_deleted_by_class_while_the_person_stays(deps):
    hire(deps)
    checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)]), deps)
    half_year, _ = sweep(deps, FAKE_NOW + timedelta(days=181))
    assert half_year.decision["deleted_notifications"] == 1 and "deleted_recommendations" not in half_year.decision
    assert len(deps.profiles.recommendations("emp-1")) == 2

    two_years, _ = sweep(deps, FAKE_NOW + timedelta(days=731), "sweep-2")
    assert two_years.decision["deleted_recommendations"] == 2 and two_years.decision["deleted_training_history"] == 1
    assert deps.profiles.recommendations("emp-1") == [] and list(deps.profiles.history(["2026-10"])) == []
    assert deps.profiles.get("emp-1") is not None and "erased_people" not in two_years.decision


def test_records_whose_profile_is_already_gone_are_erased_as_orphans(deps):
    hire(deps)
    checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)]), deps)
    deps.profiles.items.pop(("EMP#emp-1", "PROFILE"))  # DynamoDB's own TTL got there first
    result, subjects = sweep(deps, FAKE_NOW + timedelta(days=1))
    assert [(s.subject_id, s.decision["reason"]) for s in subjects] == [("emp-1", "profile_gone")]
    assert partition(deps, "EMP#emp-1") == [] and deps.outbox.for_recipient("emp-1") == []


def test_an_overdue_correction_request_is_escalated_to_hr_once(deps):
    hire(deps)
    asked = request_correction(deps, "emp-1", DisplayNameCorrection(field="display_name", proposed="Ada Lovelace"),
                               requested_by="emp-1")
    due = FAKE_NOW + timedelta(days=deps.settings.correction_escalation_days + 1)
    not_yet, _ = sweep(deps, due - timedelta(days=2))
    assert not_yet.outcome == "no_action"

    result, subjects = sweep(deps, due)
    assert result.decision["escalated"] == 1
    (escalated,) = subjects
    assert escalated.decision["action"] == "correction.escalated" and escalated.decision["waited_days"] == 31
    mail = deps.outbox.get(escalated.notification_ids[0])
    assert mail.recipient_email == deps.settings.hr_admin_email and "Ada Lovelace" not in mail.body
    assert deps.profiles.correction("emp-1", asked.correction.correction_id).escalated_at == due

    redelivered, subjects = sweep(deps, due)  # the same firing: its receipt hands the message on again
    assert "escalated" not in redelivered.decision
    assert [(s.outcome, s.notification_ids) for s in subjects] == [("duplicate", escalated.notification_ids)]
    next_day, subjects = sweep(deps, due + timedelta(days=1), "sweep-2")
    assert subjects == [] and len([n for n in deps.outbox.items.values() if '"correction_escalated"' in n["doc"]]) == 1


def test_parked_events_of_someone_who_never_arrives_expire_audited_counted_and_erased(deps):
    lost = checkin("emp-ghost", "mgr-1", [gap("design", 2)])
    private = demographics("emp-ghost")
    parking.park(deps, lost)
    parking.park(deps, private)
    demographics_sync(private, deps)  # its record went to the isolated table at ingest
    days = deps.settings.retention.parked_events_days
    received = datetime.fromisoformat(lost["received_at"])

    before, _ = sweep(deps, received + timedelta(days=days - 1))
    assert "expired_parked_events" not in before.decision and len(deps.parked.for_employee("emp-ghost")) == 2

    result, _ = sweep(deps, received + timedelta(days=days + 1))
    assert result.decision["expired_parked_events"] == 2 and deps.parked.for_employee("emp-ghost") == []
    for event in (lost, private):
        (record,) = deps.audit.for_event(event["event_id"])
        assert (record.trigger, record.outcome, record.subject_id) == ("ingest_webhook", "expired", "emp-ghost")
        assert record.decision["reason"] == "employee_never_arrived" and "gcode" not in record.model_dump_json()
    assert deps.stats.all()["ingest_webhook"] == {"attempts": 2, "expired": 2}
    assert list(deps.demographics.all_records()) == []


def test_a_sweep_with_nothing_due_does_nothing(deps):
    hire(deps)
    result, subjects = sweep(deps, FAKE_NOW + timedelta(days=1))
    assert (result.outcome, result.decision, subjects) == ("no_action", {"as_of": "2026-10-02"}, [])
    assert deps.profiles.get("emp-1") is not None
