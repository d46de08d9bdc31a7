"""The trigger runtime on the fakes: each firing audited and counted once per event, its messages republished."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from coachwire import spine
from coachwire.errors import UnknownReference
from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge
from coachwire.services.stall_detection import stall_detection

from tests.services.events import checkin, gap, hire


def record(detail: dict, bus_id: str = "bus-1", receives: int = 1) -> SQSRecord:
    return SQSRecord({"messageId": f"sqs-{bus_id}", "body": json.dumps({"id": bus_id, "detail": detail}),
                      "attributes": {"ApproximateReceiveCount": str(receives)}})


def test_three_deliveries_of_one_event_are_one_counted_outcome_and_one_message_republished(deps):
    hire(deps)
    handler = TriggerHandler("checkin_gap_nudge", checkin_gap_nudge, deps=deps)
    detail = checkin("emp-1", "mgr-1", [gap("design", 1)], event_id="msg_redelivered")
    for n in range(3):
        handler.process_record(record(detail, f"bus-{n}"))

    audited = deps.audit.for_event("msg_redelivered")
    assert [r.outcome for r in audited] == ["succeeded", "duplicate", "duplicate"]
    assert all(r.trigger == "checkin_gap_nudge" and r.framework_version == "2026.1" for r in audited)
    assert "emp-1@example.com" not in json.dumps([r.model_dump(mode="json") for r in audited])
    assert deps.stats.all()["checkin_gap_nudge"] == {"attempts": 3, "succeeded": 1}
    queued = deps.events.details(spine.NOTIFICATION_QUEUED)
    assert len(queued) == 3 and len({q["notification_id"] for q in queued}) == 1  # delivery's claim dedupes
    assert len(deps.outbox.items) == 1


class UnreachableProfiles:
    """DynamoDB down: a cause a retry can outlive."""

    def get(self, employee_id):
        raise ConnectionError("profiles table unreachable")


def test_a_failing_record_is_audited_by_type_counted_as_an_attempt_and_raised_for_the_retry(deps):
    handler = TriggerHandler("checkin_gap_nudge", checkin_gap_nudge, deps=replace(deps, profiles=UnreachableProfiles()))
    detail = checkin("emp-1", "mgr-1", [gap("design", 1)], event_id="msg_unreachable")
    with pytest.raises(ConnectionError):
        handler.process_record(record(detail, receives=2))
    (failed,) = deps.audit.for_event("msg_unreachable")
    assert (failed.outcome, failed.error_type, failed.decision) == ("failed", "ConnectionError",
                                                                    {"receive_count": 2})
    assert deps.stats.all()["checkin_gap_nudge"] == {"attempts": 1, "failed_attempts": 1}
    assert deps.events.published == []


def test_an_event_whose_ids_no_longer_resolve_is_rejected_once_not_retried_and_logged_for_the_alarm(deps, caplog):
    # Accepted at ingest, then overtaken (here: the employee is gone by the time the trigger runs). No retry can
    # fix it, so it must not loop into the DLQ: a terminal, counted `rejected` naming the field, and a log line.
    handler = TriggerHandler("checkin_gap_nudge", checkin_gap_nudge, deps=deps)
    detail = checkin("emp-404", "mgr-1", [gap("design", 1)], event_id="msg_overtaken")
    # The first receive may only have met a stale cached catalog: it reads afresh on the retry.
    with pytest.raises(UnknownReference):
        handler.process_record(record(detail, receives=1))
    assert deps.catalog.forgotten == 1
    handler.process_record(record(detail, receives=2))  # no exception: the record is done
    failed, rejected = deps.audit.for_event("msg_overtaken")
    assert failed.outcome == "failed"
    assert (rejected.outcome, rejected.decision) == ("rejected", {"field": "data.employee_id",
                                                                 "reason": "UnknownReference"})
    assert deps.stats.all()["checkin_gap_nudge"] == {"attempts": 2, "failed_attempts": 1, "rejected": 1}
    alarmed = [r for r in caplog.records if r.getMessage() == spine.TRIGGER_REJECTED_LOG]
    assert [(r.event_id, r.field) for r in alarmed] == [("msg_overtaken", "data.employee_id")]
    assert deps.events.published == [] and deps.outbox.items == {}


def test_a_jobs_alerts_are_audited_per_employee_and_the_run_counted_once(deps):
    hire(deps)  # no levels and no activity: gaps from the start, stalled by any date
    handler = TriggerHandler("stall_detection", job=stall_detection, deps=deps)
    handler.process_record(record({"job": "stall_detection", "as_of": "2026-10-01"}, "bus-job"))

    (alert,) = deps.audit.for_subject("emp-1")
    assert (alert.trigger, alert.outcome, alert.event_id) == ("stall_detection", "succeeded", "bus-job")
    (job,) = deps.audit.for_subject("job:stall_detection")
    assert job.decision["alerted"] == 1
    assert deps.stats.all()["stall_detection"] == {"attempts": 1, "succeeded": 1}  # the run, not the employee
    (to_manager,) = deps.outbox.for_recipient("mgr-1")
    assert deps.events.details(spine.NOTIFICATION_QUEUED) == [{"notification_id": to_manager.notification_id}]


def test_a_redelivery_whose_data_changed_after_its_firing_committed_republishes_instead_of_rejecting(deps):
    # The check-in committed (nudge queued, receipt written), then the publish failed; before the retry a role
    # change moved the employee to a framework without the rated skill. The retry must not reject what was done.
    hire(deps)
    detail = checkin("emp-1", "mgr-1", [gap("design", 1)], event_id="msg_committed")
    first = checkin_gap_nudge(detail, deps)
    assert first.outcome == "succeeded" and first.notification_ids
    other = deps.profiles.get("emp-1").model_copy(update={"framework_id": "fw-elsewhere"})
    deps.profiles.items[("EMP#emp-1", "PROFILE")]["doc"] = other.model_dump_json()
    handler = TriggerHandler("checkin_gap_nudge", checkin_gap_nudge, deps=deps)
    handler.process_record(record(detail, "bus-retry", receives=2))
    assert deps.audit.for_event("msg_committed")[-1].outcome == "duplicate"
    assert [q["notification_id"] for q in deps.events.details(spine.NOTIFICATION_QUEUED)] == \
        list(first.notification_ids)


def test_an_outcome_the_audit_log_refuses_is_logged_and_retried_not_lost_silently(deps, caplog):
    import logging

    from coachwire.services.unit_of_work import TriggerResult

    def leaves_a_value_the_audit_log_refuses(detail, deps):
        return TriggerResult("succeeded", "emp-1", {"code": None})  # an AuditRecord decision holds no None

    handler = TriggerHandler("checkin_gap_nudge", leaves_a_value_the_audit_log_refuses, deps=deps)
    with caplog.at_level(logging.ERROR), pytest.raises(Exception) as refused:
        handler.process_record(record({"event_id": "msg_unrecordable"}))
    assert type(refused.value).__name__ == "ValidationError"
    (line,) = [r for r in caplog.records if r.getMessage() == "trigger outcome not recorded"]
    assert (line.trigger, line.event_id, line.outcome, line.error_type) == (
        "checkin_gap_nudge", "msg_unrecordable", "succeeded", "ValidationError")
