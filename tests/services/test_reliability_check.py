"""The hourly reliability check and GET /triggers/reliability on the fakes: the window's events accounted for, the
run recorded in the audit log, each silent event logged with ids only."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from coachwire import spine
from coachwire.api.request import RequestContext
from coachwire.api.routes import reliability as route
from coachwire.domain.reliability import AcceptedEvent
from coachwire.models.coaching import AuditRecord
from coachwire.runtime.trigger import TriggerHandler
from coachwire.services import reliability
from coachwire.services.reliability import reliability_check

from tests.api.test_routes_alone import event
from tests.fakes import FAKE_NOW, fake_dependencies


def sqs(detail: dict) -> SQSRecord:
    return SQSRecord({"messageId": "sqs-1", "body": json.dumps({"id": "run-1", "detail": detail}),
                      "attributes": {"ApproximateReceiveCount": "1"}})


@pytest.fixture
def deps():
    made = fake_dependencies()
    early = FAKE_NOW - timedelta(hours=3)
    for n, outcome in enumerate(["succeeded", "no_action", None]):
        made.audit.mark_accepted(AcceptedEvent(f"e{n}", spine.CHECKIN_SUBMITTED, early))
        if outcome:
            made.audit.append(AuditRecord(event_id=f"e{n}", trigger="checkin_gap_nudge", subject_id="emp-1",
                                          outcome=outcome, recorded_at=early + timedelta(seconds=5)),
                              counted=True, once_per_event=True)
    # Accepted ten minutes ago: still in flight, outside the scheduled window.
    made.audit.mark_accepted(AcceptedEvent("young", spine.CHECKIN_SUBMITTED, FAKE_NOW - timedelta(minutes=10)))
    return made


def test_the_scheduled_check_records_its_report_and_logs_each_silent_event(deps, caplog):
    handler = TriggerHandler("reliability_check", job=reliability_check, deps=deps)
    with caplog.at_level(logging.INFO):
        handler.process_record(sqs({"job": "reliability_check", "requested_by": "schedule"}))
    (run,) = deps.audit.for_event("run-1")
    assert (run.trigger, run.subject_id, run.outcome) == ("reliability_check", reliability.JOB_SUBJECT, "succeeded")
    assert run.decision["accepted"] == 3 and run.decision["silent"] == 1
    assert run.decision["checkin_gap_nudge.succeeded"] == 1 and run.decision["checkin_gap_nudge.no_action"] == 1
    assert run.decision["silent_events"] == ["e2#checkin_gap_nudge"]
    assert run.decision["window_end"] == (FAKE_NOW - timedelta(minutes=60)).isoformat()
    (logged,) = [r for r in caplog.records if r.getMessage() == spine.SILENT_EVENT_LOG]
    assert (logged.event_id, logged.trigger, logged.event_type) == ("e2", "checkin_gap_nudge", spine.CHECKIN_SUBMITTED)
    assert deps.stats.all()["reliability_check"] == {"attempts": 1, "succeeded": 1}


def test_nothing_silent_logs_nothing(deps, caplog):
    deps.audit.append(AuditRecord(event_id="e2", trigger="checkin_gap_nudge", subject_id="emp-1",
                                  outcome="stale_ignored", recorded_at=FAKE_NOW), counted=True, once_per_event=True)
    with caplog.at_level(logging.INFO):
        result = reliability_check({}, deps, "run-2", lambda _: None)
    assert result.decision["silent"] == 0
    assert not [r for r in caplog.records if r.getMessage() == spine.SILENT_EVENT_LOG]


def test_on_request_the_window_includes_what_is_still_in_flight(deps):
    found = reliability.report(deps, FAKE_NOW - timedelta(days=1), FAKE_NOW)
    assert found.accepted == 4
    assert found.triggers["checkin_gap_nudge"]["in_flight"] == 1
    assert [s.event_id for s in found.silent] == ["e2"]


def test_the_silent_threshold_is_a_setting():
    settings = fake_dependencies().settings
    assert settings.reliability_silent_after_minutes == 60
    short = settings.model_copy(update={"reliability_silent_after_minutes": 5})
    made = fake_dependencies(settings=short)
    made.audit.mark_accepted(AcceptedEvent("e", spine.CHECKIN_SUBMITTED, FAKE_NOW - timedelta(minutes=10)))
    assert [s.event_id for s in reliability.report(made, FAKE_NOW - timedelta(hours=1), FAKE_NOW).silent] == ["e"]



def test_the_route_lists_the_recorded_checks_of_its_window(deps):
    TriggerHandler("reliability_check", job=reliability_check, deps=deps).process_record(sqs({}))
    view = route.get_reliability(RequestContext(deps=deps, event=APIGatewayProxyEventV2(event("hr-1", "hr_admin"))))
    assert [(c.run_id, c.accepted, c.silent, c.silent_events) for c in view.checks] == [
        ("run-1", 3, 1, ["e2#checkin_gap_nudge"])]
