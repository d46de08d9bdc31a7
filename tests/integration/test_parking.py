"""Events that arrive before their employee (HRIS senders post in parallel) are parked, replayed in order once
the employee's upsert arrives, and recorded as expired if it never does: never rejected, never silently dropped."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from coachwire import spine
from coachwire.adapters.demographics import DynamoDemographicsStore
from coachwire.clock import FixedClock
from coachwire.runtime.wiring import aws_dependencies

from tests.integration.conftest import checkin, new_id, role_change, upsert
from tests.integration.test_demographics import GENDER, demographics
from tests.integration.test_triggers import notifications, recommendations


@pytest.fixture(scope="module")
def manager(stack, hris) -> str:
    manager = new_id("mgr")
    assert hris.send(upsert(manager, None, "senior")).status == 202
    stack.wait_until_idle()
    return manager


@pytest.fixture(scope="module")
def sweep(stack):
    """The daily retention sweep, run through its schedule event as if it were `days` from now."""
    module = stack.handlers.module("retention_sweep")

    def run(days: float) -> None:
        module.handler._deps = aws_dependencies(stack.settings, clock=FixedClock(datetime.now(UTC) + timedelta(
            days=days)))
        stack.fire_schedule("retention_sweep")
        stack.wait_until_idle(timeout=60)

    yield run
    module.handler._deps = None


def outcomes(deps, webhook_id: str) -> list[tuple[str, str]]:
    return sorted((r.trigger, r.outcome) for r in deps.audit.for_event(webhook_id))


def stored_demographics(stack) -> dict:
    return {r.employee_id: r for r in DynamoDemographicsStore(stack.settings.demographics_table).all_records()}


def test_a_checkin_and_demographics_sent_before_the_upsert_are_parked_then_take_effect(stack, hris, api, deps,
                                                                                        manager):
    employee = new_id("emp")
    early = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    assert (early.status, early.body["status"]) == (202, "parked"), early.body
    private = hris.send(demographics(employee))
    assert (private.status, private.body["status"]) == (202, "parked"), private.body
    stack.wait_until_idle()
    assert deps.profiles.get(employee) is None
    assert len(deps.parked.for_employee(employee)) == 2
    # The demographic values never sit in the park: a payload-free marker only.
    assert all(p.event is None for p in deps.parked.for_employee(employee) if p.event_id == private.webhook_id)

    assert hris.send(upsert(employee, manager)).status == 202
    stack.wait_until_idle()

    recs = recommendations(api, employee)
    assert {r["skill_id"] for r in recs} == {"design"}
    assert [n["kind"] for n in notifications(api, employee)] == ["nudge"]
    assert stored_demographics(stack)[employee].gender == GENDER
    assert outcomes(deps, early.webhook_id) == [("checkin_gap_nudge", "succeeded"), ("ingest_webhook", "parked")]
    assert deps.parked.for_employee(employee) == []


def test_a_redelivered_parked_webhook_parks_nothing_twice(stack, hris, deps, manager):
    employee = new_id("emp")
    payload = checkin(employee, manager, [{"skill_id": "comms", "level": 1, "gap_flagged": True}])
    statuses = [hris.send(payload, webhook_id=f"msg_park_{employee}").body["status"] for _ in range(3)]
    assert statuses == ["parked", "duplicate", "duplicate"]
    stack.wait_until_idle()
    assert len(deps.parked.for_employee(employee)) == 1
    assert outcomes(deps, f"msg_park_{employee}") == [("ingest_webhook", "parked")]
    assert hris.send(upsert(employee, manager)).status == 202
    stack.wait_until_idle()
    assert outcomes(deps, f"msg_park_{employee}") == [("checkin_gap_nudge", "succeeded"), ("ingest_webhook", "parked")]


def test_parked_checkins_replay_in_event_order_not_arrival_order(stack, hris, deps, manager):
    employee = new_id("emp")
    newer = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 3}], at="2026-10-05T10:00:00Z"))
    older = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1}], at="2026-10-01T10:00:00Z"))
    assert [newer.body["status"], older.body["status"]] == ["parked", "parked"]
    stack.wait_until_idle()
    hello = hris.send(upsert(employee, manager))
    stack.wait_until_idle()
    (synced,) = [r for r in deps.audit.for_event(hello.webhook_id) if r.trigger == "profile_sync"]
    assert (synced.outcome, synced.decision["parked_replayed"]) == ("succeeded", 2)

    # Replayed in arrival order, the older check-in would have found a newer rating and been ignored as stale.
    for delivery in (older, newer):
        assert [o for t, o in outcomes(deps, delivery.webhook_id) if t == "checkin_gap_nudge"] == ["no_action"]
    assert deps.profiles.get(employee).levels["design"].level == 3


def test_an_unknown_skill_is_rejected_on_replay_and_at_ingest_once_the_employee_exists(stack, hris, deps, manager,
                                                                                        caplog):
    employee = new_id("emp")
    bad = checkin(employee, manager, [{"skill_id": "juggling", "level": 1}])
    parked = hris.send(bad)
    assert parked.body["status"] == "parked"
    stack.wait_until_idle()
    assert hris.send(upsert(employee, manager)).status == 202
    stack.wait_until_idle()

    assert outcomes(deps, parked.webhook_id) == [("ingest_webhook", "parked"), ("ingest_webhook", "rejected")]
    rejected = next(r for r in deps.audit.for_event(parked.webhook_id) if r.outcome == "rejected")
    assert rejected.decision["field"] == "data.skill_ratings.0.skill_id"
    # The HRIS got a 202 for it: the log line the stack alarms on is how ops hear of it.
    alarmed = [r for r in caplog.records if r.getMessage() == spine.PARKED_EVENT_REJECTED_LOG]
    assert [r.event_id for r in alarmed] == [parked.webhook_id]
    assert deps.parked.for_employee(employee) == []
    assert hris.send(bad).status == 422


def test_a_role_change_for_an_unknown_employee_still_checks_its_role(stack, hris, deps):
    employee = new_id("emp")
    delivery = hris.send(role_change(employee, "principal", "2026-10-01"))
    assert (delivery.status, delivery.body["field"]) == (422, "data.career_stage")
    assert deps.parked.for_employee(employee) == []


def test_a_parked_event_whose_employee_never_arrives_expires_counted_and_audited(stack, hris, deps, manager,
                                                                                 sweep, caplog):
    employee = new_id("emp")
    lost = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 2}]))
    private = hris.send(demographics(employee))
    assert [lost.body["status"], private.body["status"]] == ["parked", "parked"]
    stack.wait_until_idle()
    days = stack.settings.retention.parked_events_days

    sweep(days - 1)
    assert len(deps.parked.for_employee(employee)) == 2
    expired_before = deps.stats.all().get("ingest_webhook", {}).get("expired", 0)

    sweep(days + 1)
    assert deps.parked.for_employee(employee) == []
    assert outcomes(deps, lost.webhook_id) == [("ingest_webhook", "expired"), ("ingest_webhook", "parked")]
    assert outcomes(deps, private.webhook_id) == [("demographics_sync", "succeeded"), ("ingest_webhook", "expired"),
                                                  ("ingest_webhook", "parked")]
    for webhook_id in (lost.webhook_id, private.webhook_id):
        record = next(r for r in deps.audit.for_event(webhook_id) if r.outcome == "expired")
        assert record.subject_id == employee and GENDER not in record.model_dump_json()
    assert deps.stats.all()["ingest_webhook"]["expired"] == expired_before + 2
    # The line the deployed stack's alarm counts (ids and type only).
    alarmed = [r for r in caplog.records if r.getMessage() == "parked event expired"]
    assert {getattr(r, "event_id", None) for r in alarmed} == {lost.webhook_id, private.webhook_id}
    # Someone who never arrived keeps no demographic record either.
    assert employee not in stored_demographics(stack)


class UpsertLandsAfterTheLook:
    """The profile store as ingest sees it when the employee's upsert commits just after ingest looked them up."""

    def __init__(self, store, employee_id: str) -> None:
        self.store, self.employee_id, self.looked = store, employee_id, False

    def get(self, employee_id: str):
        if employee_id == self.employee_id and not self.looked:
            self.looked = True
            return None
        return self.store.get(employee_id)

    def __getattr__(self, name: str):
        return getattr(self.store, name)


@pytest.fixture
def racing_ingest(stack):
    """Ingest wired with a profile store that misses the given employee once."""
    handler = stack.handlers.module(spine.INGEST_FUNCTION).handler

    def race(employee_id: str) -> None:
        deps = aws_dependencies(stack.settings)
        handler._deps = dataclasses.replace(deps, profiles=UpsertLandsAfterTheLook(deps.profiles, employee_id))
        handler._deduper = None  # rebuilt around these deps

    yield race
    handler._deps = handler._deduper = None


def test_an_event_parked_as_its_employee_arrives_is_published_not_left_waiting(stack, hris, deps, manager,
                                                                                racing_ingest):
    employee = new_id("emp")
    assert hris.send(upsert(employee, manager)).status == 202
    stack.wait_until_idle()
    racing_ingest(employee)
    # The upsert's replay ran before this event could be parked: parked now, it would wait for the next upsert.
    late = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    assert (late.status, late.body["status"]) == (202, "accepted"), late.body
    stack.wait_until_idle()
    assert deps.parked.for_employee(employee) == []
    assert [o for t, o in outcomes(deps, late.webhook_id) if t == "checkin_gap_nudge"] == ["succeeded"]


def test_an_unknown_skill_found_as_its_employee_arrives_is_a_422_and_nothing_is_kept(stack, hris, deps, manager,
                                                                                     racing_ingest):
    employee = new_id("emp")
    assert hris.send(upsert(employee, manager)).status == 202
    stack.wait_until_idle()
    racing_ingest(employee)
    bad = hris.send(checkin(employee, manager, [{"skill_id": "juggling", "level": 1}]))
    assert (bad.status, bad.body["field"]) == (422, "data.skill_ratings.0.skill_id"), bad.body
    stack.wait_until_idle()
    assert deps.parked.for_employee(employee) == []
    assert outcomes(deps, bad.webhook_id) == [("ingest_webhook", "rejected")]
