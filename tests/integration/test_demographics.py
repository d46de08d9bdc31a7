"""Demographic data, isolated: its own event type lands in its own KMS-encrypted table, and no API response,
log line or audit record carries a category value."""

from __future__ import annotations

import json
import logging

import boto3
import pytest
from coachwire.adapters.demographics import DynamoDemographicsStore
from coachwire.adapters.dynamo import DynamoAuditLog
from coachwire.runtime.trigger import TriggerHandler
from coachwire.runtime.wiring import aws_dependencies
from coachwire.services.demographics import demographics_sync

from tests.integration.conftest import new_id, person

# Distinctive codes: if any of them shows up in a response, a log line or the audit log, it leaked.
GENDER, RACE, GEOGRAPHY = "gcode-q7w", "rcode-z4x", "geocode-p9v"


def demographics(employee_id: str, at: str = "2026-10-02T09:00:00Z", **fields) -> dict:
    data = {"employee_id": employee_id, "gender": GENDER, "race_ethnicity": RACE, "birth_year_band": "1980-1989",
            "geography": GEOGRAPHY, **fields}
    return {"type": "employee.demographics.upserted", "timestamp": at, "data": data}


def stored(stack) -> dict:
    """What the bias audit would read."""
    return {r.employee_id: r for r in DynamoDemographicsStore(stack.settings.demographics_table).all_records()}


def log_text(capfd, caplog) -> str:
    """Everything logged: stdout/stderr and every log record with all its attributes (extras included)."""
    out, err = capfd.readouterr()
    return out + err + "\n".join(f"{r.getMessage()} {json.dumps(vars(r), default=str)}" for r in caplog.records)


def no_value_in(text: str) -> None:
    for value in (GENDER, RACE, GEOGRAPHY, "1980-1989"):
        assert value not in text, f"a demographic value leaked: {value}"


@pytest.fixture(scope="module")
def known(stack, hris):
    return person(stack, hris)


def test_a_demographics_webhook_is_stored_in_its_own_encrypted_table(stack, hris, known):
    employee, _ = known
    delivery = hris.send(demographics(employee))
    assert delivery.status == 202, delivery.body
    stack.wait_until_idle()
    record = stored(stack)[employee]
    assert (record.gender, record.race_ethnicity, record.geography) == (GENDER, RACE, GEOGRAPHY)
    table = boto3.client("dynamodb").describe_table(TableName=stack.settings.demographics_table)["Table"]
    assert table["SSEDescription"]["KMSMasterKeyArn"] == stack.provisioned.table_keys["demographics"]
    rotation = boto3.client("kms").get_key_rotation_status(KeyId=stack.provisioned.table_keys["demographics"])
    assert rotation["KeyRotationEnabled"] is True


def test_declined_and_missing_fields_are_kept_apart(stack, hris):
    employee, _ = person(stack, hris)
    payload = demographics(employee, gender="declined_to_state", birth_year_band="none")
    del payload["data"]["geography"]
    assert hris.send(payload).status == 202
    stack.wait_until_idle()
    record = stored(stack)[employee]
    assert (record.gender, record.birth_year_band, record.geography) == ("declined_to_state", "none", None)


def test_an_older_update_never_overwrites_a_newer_one(stack, hris, deps):
    employee, _ = person(stack, hris)
    assert hris.send(demographics(employee, at="2026-10-05T09:00:00Z", geography="newer")).status == 202
    stack.wait_until_idle()
    late = hris.send(demographics(employee, at="2026-10-01T09:00:00Z", geography="older"))
    assert late.status == 202
    stack.wait_until_idle()
    assert stored(stack)[employee].geography == "newer"
    outcomes = [r.outcome for r in DynamoAuditLog(stack.settings.audit_table).for_event(late.webhook_id)]
    assert outcomes == ["stale_ignored"]


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"gender": "Woman!"}, 400, "data.gender"),
    ({"birth_year_band": "born 1984"}, 400, "data.birth_year_band"),
    ({"birth_year_band": "1989-1980"}, 400, "data.birth_year_band"),  # backwards
    ({"birth_year_band": "1985-1985"}, 400, "data.birth_year_band"),  # an exact birth year
    ({"religion": "any"}, 400, "data.religion"),
])
def test_bad_demographics_are_refused_naming_the_field_without_echoing_it(stack, hris, known, change, status, field):
    employee, _ = known
    payload = demographics(employee)
    payload["data"] |= change
    before = stored(stack).get(change.get("employee_id", employee))
    delivery = hris.send(payload)
    assert (delivery.status, delivery.body["field"]) == (status, field)
    for name, value in change.items():
        if name != "employee_id":  # an id may be named; a category never
            assert value not in json.dumps(delivery.body)
    stack.wait_until_idle()
    assert stored(stack).get(change.get("employee_id", employee)) == before


def test_no_api_route_log_line_or_audit_record_carries_a_value(stack, hris, api, known, capfd, caplog):
    employee, manager = known
    caplog.set_level(logging.INFO)
    capfd.readouterr()
    delivery = hris.send(demographics(employee, at="2026-10-03T09:00:00Z"))
    assert delivery.status == 202
    stack.wait_until_idle()
    for path, params in [(f"/employees/{employee}", {}), (f"/employees/{employee}/recommendations", {}),
                         (f"/employees/{employee}/plan", {}), ("/notifications", {"recipient_id": employee}),
                         (f"/managers/{manager}/alerts", {}), ("/triggers/stats", {}), ("/openapi.json", {})]:
        response = api.get(path, "hr_admin", "hr-1", **params)
        assert response.status_code == 200, path
        no_value_in(response.text)
    # The webhook route may name the event type it accepts; nothing the API answers may describe demographics.
    document = api.get("/openapi.json", "hr_admin", "hr-1").json()
    del document["paths"]["/webhooks/hris"]
    del document["components"]["schemas"]["WebhookEnvelope"]
    assert "demographic" not in json.dumps(document).lower()
    records = DynamoAuditLog(stack.settings.audit_table).for_event(delivery.webhook_id)
    assert [(r.trigger, r.outcome, r.subject_id) for r in records] == [("demographics_sync", "succeeded", employee)]
    no_value_in(json.dumps([r.model_dump(mode="json") for r in DynamoAuditLog(
        stack.settings.audit_table).for_subject(employee)]))
    logged = log_text(capfd, caplog)
    assert delivery.webhook_id in logged, "the capture saw nothing: the trigger logs its event id"
    no_value_in(logged)


class _LeakyStore:
    """A store whose error quotes the record, as a driver's message might."""

    def put(self, record):
        raise RuntimeError(f"cannot store {record.model_dump_json()}")

    def all_records(self):
        return iter(())


def test_a_failing_write_is_audited_and_logged_by_type_only(stack, hris, known, capfd, caplog):
    employee, _ = known
    deps = aws_dependencies(stack.settings)
    deps.demographics = _LeakyStore()
    handler = TriggerHandler("demographics_sync", demographics_sync, deps=deps)
    event_id = new_id("msg")
    detail = {"event_id": event_id, "type": "employee.demographics.upserted", "timestamp": "2026-10-04T09:00:00Z",
              "data": demographics(employee)["data"], "received_at": "2026-10-04T09:00:01Z"}
    record = {"messageId": "m-1", "receiptHandle": "r", "body": json.dumps({"id": "eb-1", "detail": detail}),
              "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
              "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
              "awsRegion": "us-east-1"}
    caplog.set_level(logging.INFO)
    capfd.readouterr()
    result = handler({"Records": [record]}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    (audited,) = DynamoAuditLog(stack.settings.audit_table).for_event(event_id)
    assert (audited.outcome, audited.error_type) == ("failed", "RuntimeError")
    logged = log_text(capfd, caplog)
    assert event_id in logged
    no_value_in(logged + audited.model_dump_json())
