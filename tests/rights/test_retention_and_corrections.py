"""Retention, erasure and corrections, pure: expiry dates, leaver marks, what the sweep does with each item,
and the correction rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from coachwire.domain import corrections, retention
from coachwire.domain.retention import ScannedItem, SweepPlanner
from coachwire.errors import DomainError
from coachwire.models.events import EmployeeLeft
from coachwire.models.rights import CORRECTION_REQUEST

from tests.factories import T0, framework, profile

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def item(partition: str, sort: str, expires: datetime | None, table: str = "profiles") -> ScannedItem:
    return ScannedItem(table, {"pk": partition, "sk": sort}, partition, sort,
                       retention.epoch(expires) if expires else None)


def test_expiry_is_the_start_plus_the_period_in_epoch_seconds():
    assert retention.expires_at(datetime(2026, 1, 1, tzinfo=UTC), 1) == 1767312000
    assert retention.epoch(date(2026, 1, 2)) == 1767312000


def test_a_leaver_is_marked_for_erasure_after_the_grace_period_and_a_late_older_event_changes_nothing():
    left = EmployeeLeft(employee_id="emp-1", leaving_date=date(2026, 12, 31))
    marked = retention.mark_leaver(profile(), left, T0, grace_days=30)
    assert marked is not None and marked.erase_after == date(2027, 1, 30) and marked.leaving_date == left.leaving_date
    earlier = EmployeeLeft(employee_id="emp-1", leaving_date=date(2026, 11, 30))
    assert retention.mark_leaver(marked, earlier, T0 - timedelta(hours=1), grace_days=30) is None
    later = retention.mark_leaver(marked, earlier, T0 + timedelta(hours=1), grace_days=30)
    assert later is not None and later.erase_after == date(2026, 12, 30)


def test_the_planner_erases_people_whose_profile_expired_and_deletes_other_expired_items():
    planner = SweepPlanner(NOW)
    past, future = NOW - timedelta(seconds=1), NOW + timedelta(days=1)
    assert planner.see(item("EMP#a", "PROFILE", past)) == retention.Action("erase", "profile", "a")
    assert planner.see(item("EMP#b", "PROFILE", None)) is None
    assert planner.see(item("EMP#b", "REC#r1", past)) == retention.Action("delete", "recommendations")
    assert planner.see(item("EMP#b", "REC#r2", future)) is None
    assert planner.see(item("EMP#b", "RECEIPT#x#y", NOW)) == retention.Action("delete", "receipts")
    assert planner.see(item("MGR#m", "ALERT#2026-01-01#b", past)) == retention.Action("delete", "alerts")
    assert planner.see(item("EMP#b", "CORR#c", past)).data_class == "corrections"
    assert planner.see(item("ntf_1", "", past, table="outbox")) == retention.Action("delete", "notifications")
    assert planner.see(item("w1", "", past, table="idempotency")).data_class == "webhook_records"
    assert planner.orphans() == []


def test_records_without_a_profile_are_orphans_to_erase():
    planner = SweepPlanner(NOW)
    for it in (item("EMP#gone", "REC#1", None), item("EMP#gone", "PLAN", None), item("EMP#here", "PLAN", None),
               item("EMP#here", "PROFILE", None), item("MGR#m", "ALERT#x", None)):
        planner.see(it)
    assert planner.orphans() == ["gone"]


def request(body: dict):
    return CORRECTION_REQUEST.validate_python(body)


@pytest.mark.parametrize(("body", "field"), [
    ({"field": "skill_level", "skill_id": "nope", "proposed": 2, "evidence": "x"}, "skill_id"),
    ({"field": "skill_level", "skill_id": "design", "proposed": 5, "evidence": "x"}, "proposed"),
    ({"field": "skill_level", "skill_id": "design", "proposed": 1, "evidence": "x"}, "proposed"),  # unchanged
    ({"field": "role", "proposed": {"role_id": "swe", "career_stage": "principal"}}, "proposed.career_stage"),
    ({"field": "role", "proposed": {"role_id": "swe", "career_stage": "mid"}}, "proposed"),  # unchanged
    ({"field": "display_name", "proposed": "Ada Example"}, "proposed"),
])
def test_a_request_that_does_not_fit_the_record_names_its_field(body, field):
    with pytest.raises(DomainError) as err:
        corrections.check(profile({"design": 1}), request(body), framework())
    assert err.value.field == field


def test_an_unknown_role_is_refused_on_its_field():
    with pytest.raises(DomainError) as err:
        corrections.check(profile(), request({"field": "role", "proposed": {"role_id": "pilot",
                                                                            "career_stage": "mid"}}), None)
    assert err.value.field == "proposed.role_id"


def test_an_approved_level_is_recorded_as_a_correction_with_the_level_it_replaced():
    held = profile({"design": 1})
    asked = corrections.new_correction(held, request({"field": "skill_level", "skill_id": "design", "proposed": 3,
                                                      "evidence": "Led the payments redesign"}),
                                       correction_id="corr_1", requested_by="emp-1", now=T0)
    assert (asked.current, asked.proposed, asked.status) == (1, 3, "open")
    approved = corrections.decided(asked, True, by="hr-1", reason="Design doc reviewed", now=NOW)
    updated = corrections.applied(held, approved, framework(), NOW)
    design = updated.levels["design"]
    assert (design.level, design.source, design.previous_level, design.evidence_id) == (3, "correction", 1, "corr_1")
    with pytest.raises(corrections.CorrectionClosed):
        corrections.decided(approved, False, by="hr-2", reason="no", now=NOW)


def test_role_and_name_corrections_change_only_their_fields():
    held = profile()
    role = corrections.new_correction(held, request({"field": "role", "proposed": {"role_id": "swe",
                                                                                   "career_stage": "senior"}}),
                                      correction_id="c1", requested_by="emp-1", now=T0)
    after = corrections.applied(held, role, framework(), NOW)
    assert (after.role_id, after.career_stage, after.display_name) == ("swe", "senior", held.display_name)
    name = corrections.new_correction(held, request({"field": "display_name", "proposed": "Ada Lovelace"}),
                                      correction_id="c2", requested_by="emp-1", now=T0)
    assert corrections.applied(held, name, framework(), NOW).display_name == "Ada Lovelace"


def test_escalation_is_due_once_after_the_period_and_tells_hr_nothing_personal():
    asked = corrections.new_correction(profile(), request({"field": "display_name", "proposed": "Secret Name",
                                                           "evidence": "private evidence"}),
                                       correction_id="corr_9", requested_by="emp-1", now=T0)
    assert not corrections.overdue(asked, T0 + timedelta(days=29, hours=23), 30)
    assert corrections.overdue(asked, T0 + timedelta(days=30), 30)
    marked, note = corrections.escalation(asked, hr_email="hr@example.com", now=T0 + timedelta(days=31),
                                          source_event_id="run-1", trigger="retention_sweep")
    assert not corrections.overdue(marked, T0 + timedelta(days=60), 30)
    assert marked.revision == asked.revision + 1 and marked.escalation_notification_id == note.notification_id
    assert note.recipient_email == "hr@example.com" and "corr_9" in note.body and "31 days" in note.subject
    assert "Secret Name" not in note.body + note.subject and "private evidence" not in note.body
    again, _ = corrections.escalation(asked, hr_email="hr@example.com", now=T0 + timedelta(days=40),
                                      source_event_id="run-2", trigger="retention_sweep")
    assert again.escalation_notification_id == note.notification_id  # one message per request, ever


def test_a_duplicate_open_request_is_found_per_field_and_skill():
    held = profile()
    open_design = corrections.new_correction(held, request({"field": "skill_level", "skill_id": "design",
                                                            "proposed": 2, "evidence": "x"}),
                                             correction_id="c1", requested_by="emp-1", now=T0)
    same = request({"field": "skill_level", "skill_id": "design", "proposed": 3, "evidence": "y"})
    other = request({"field": "skill_level", "skill_id": "review", "proposed": 3, "evidence": "y"})
    assert corrections.open_duplicate(same, [open_design]) == open_design
    assert corrections.open_duplicate(other, [open_design]) is None
    closed = corrections.decided(open_design, False, by="hr", reason="r", now=NOW)
    assert corrections.open_duplicate(same, [closed]) is None


class FakeStore:
    """The RetentionStore port in memory: scanned items per table, what was deleted and erased."""

    def __init__(self, items: list[ScannedItem], profiles_now: set[str]) -> None:
        self.items, self.profiles_now = items, profiles_now
        self.deleted: list[ScannedItem] = []
        self.erased: list[str] = []

    def scan(self, table):
        return [i for i in self.items if i.table == table]

    def delete(self, item):
        self.deleted.append(item)

    def profile_exists(self, employee_id):
        return employee_id in self.profiles_now

    def erase_person(self, employee_id):
        self.erased.append(employee_id)
        return {"profile": 1}


def test_the_sweep_erases_leavers_and_confirmed_orphans_and_deletes_expired_items():
    from types import SimpleNamespace

    from coachwire.clock import FixedClock
    from coachwire.services.retention import retention_sweep
    from coachwire.settings import Settings

    past = NOW - timedelta(days=1)
    store = FakeStore([
        item("EMP#leaver", "PROFILE", past), item("EMP#leaver", "REC#1", None),
        item("EMP#gone", "REC#2", None),                       # profile removed by DynamoDB's own TTL
        item("EMP#racing", "REC#3", None),                     # profile written while the scan ran
        item("EMP#kept", "PROFILE", None), item("EMP#kept", "RECEIPT#t#e", past),
        item("ntf_1", "", past, table="outbox"), item("ntf_2", "", NOW + timedelta(days=1), table="outbox"),
        item("whk_1", "", past, table="idempotency"),
    ], profiles_now={"racing"})
    deps = SimpleNamespace(clock=FixedClock(NOW), settings=Settings(),
                           profiles=SimpleNamespace(open_corrections=lambda opened_before: iter(())),
                           parked=None)
    subjects = []
    result = retention_sweep({"job": "retention_sweep", "requested_by": "schedule"}, deps, store, "run-1",
                             subjects.append)
    assert store.erased == ["leaver", "gone"]
    assert [(s.subject_id, s.decision["reason"]) for s in subjects] == [("leaver", "left"), ("gone", "profile_gone")]
    assert sorted(i.partition for i in store.deleted) == ["EMP#kept", "ntf_1", "whk_1"]
    assert result.outcome == "succeeded" and result.subject_id == "job:retention_sweep"
    assert result.decision == {"deleted_notifications": 1, "deleted_receipts": 1, "deleted_webhook_records": 1,
                               "erased_people": 2, "as_of": "2027-03-01"}
    with pytest.raises(ValueError):
        retention_sweep({"job": "retention_sweep", "as_of": "2030-01-01"}, deps, store, "run-2", subjects.append)


def test_only_the_employee_asks_and_hr_decides_but_never_on_their_own_record():
    from coachwire.domain.access import Caller, may_decide_correction, may_export, may_request_correction

    assert may_request_correction(Caller("emp-1", "employee"), "emp-1")
    assert may_request_correction(Caller("emp-1", "manager"), "emp-1")
    assert not may_request_correction(Caller("emp-1", "hr_admin"), "emp-1")
    assert not may_request_correction(Caller("emp-9", "manager"), "emp-1")
    assert may_decide_correction(Caller("hr-1", "hr_admin"), "emp-1")
    assert not may_decide_correction(Caller("emp-1", "hr_admin"), "emp-1")
    assert not may_export(Caller("emp-9", "manager"), "emp-1") and may_export(Caller("hr-1", "hr_admin"), "emp-1")


def test_a_lowered_level_from_a_correction_is_not_a_rating_drop_for_stall_detection():
    from coachwire.domain import stall
    from coachwire.domain.gaps import FrameworkIndex
    from coachwire.settings import StallRules

    held = profile({"design": 3}, activity_dates=[T0])
    asked = corrections.new_correction(held, request({"field": "skill_level", "skill_id": "design", "proposed": 1,
                                                      "evidence": "I was rated too high"}),
                                       correction_id="c1", requested_by="emp-1", now=T0)
    at = T0 + timedelta(days=1)
    corrected = corrections.applied(held, corrections.decided(asked, True, by="hr", reason="ok", now=at),
                                    framework(), at)
    index = FrameworkIndex.of(framework())
    gaps = index.gaps({k: v.level for k, v in corrected.levels.items()}, "swe", "mid")
    finding = stall.assess(corrected, gaps, {}, at.date(), StallRules())
    assert "rating_dropped" not in {r.code for r in finding.reasons}
    checkin_drop = corrected.model_copy(update={"levels": {"design": corrected.levels["design"].model_copy(
        update={"source": "checkin"})}})
    assert "rating_dropped" in {r.code for r in stall.assess(checkin_drop, gaps, {}, at.date(), StallRules()).reasons}


def test_a_rehire_lifts_the_erasure_mark():
    from datetime import UTC, datetime

    from coachwire.domain.profiles import apply_upsert
    from coachwire.models.events import EmployeeUpserted

    from tests.factories import framework, profile

    recorded = datetime(2026, 10, 1, tzinfo=UTC)
    leaver = profile(leaving_date=date(2026, 10, 31), erase_after=date(2026, 11, 30), left_recorded_at=recorded,
                     hris_updated_at=recorded)
    upsert = {"employee_id": leaver.employee_id, "manager_id": leaver.manager_id, "role_id": leaver.role_id,
              "career_stage": leaver.career_stage, "email": leaver.email, "display_name": leaver.display_name}
    at = datetime(2026, 11, 10, tzinfo=UTC)
    rehired = apply_upsert(leaver, EmployeeUpserted(**upsert, hire_date=date(2026, 11, 9)), framework(), at)
    assert rehired.leaving_date is None and rehired.erase_after is None
    still_leaving = apply_upsert(leaver, EmployeeUpserted(**upsert, hire_date=date(2024, 2, 1)), framework(), at)
    assert still_leaving.erase_after == date(2026, 11, 30)  # an ordinary update of a leaver keeps the mark
