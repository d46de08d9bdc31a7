"""The local runtime against a real moto subprocess and real HTTP, with fake handlers from fakes.py."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import uuid
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest
import requests
from coachwire import spine
from coachwire.settings import Settings
from coachwire_tools.local import tokens
from coachwire_tools.local.dispatcher import _cron_days, _rate_seconds, _schedule_due
from coachwire_tools.local.moto_server import client
from coachwire_tools.local.provision import provision, resource_name
from coachwire_tools.local.stack import LocalStack

from tests.local.fakes import write_fake_handlers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    saved = {k: os.environ.get(k) for k in ("COACHWIRE_HOME", "COACHWIRE_WEBHOOK_SECRETS")}
    os.environ["COACHWIRE_HOME"] = str(home)
    os.environ.pop("COACHWIRE_WEBHOOK_SECRETS", None)
    root = write_fake_handlers(tmp_path_factory.mktemp("handlers"))
    try:
        with LocalStack(handler_root=root) as running:
            yield running
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def received(stack, name):
    return stack.handlers.module(name).RECEIVED


def records_with(stack, trigger_name, marker):
    """Every record the trigger's handler got whose detail carries `marker`, in arrival order."""
    return [
        record
        for call in received(stack, trigger_name)
        for record in call["event"]["Records"]
        if json.loads(record["body"])["detail"].get("marker") == marker
    ]


def put_event(trigger, **detail):
    response = client("events").put_events(
        Entries=[
            {
                "Source": trigger.sources[0],
                "DetailType": trigger.detail_types[0],
                "Detail": json.dumps(detail),
                "EventBusName": Settings().event_bus_name,
            }
        ]
    )
    assert response["FailedEntryCount"] == 0


def drain(queue_url):
    sqs = client("sqs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for m in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


# -- provisioning ----------------------------------------------------------------------------------


def test_tables_match_the_spine(stack):
    ddb = client("dynamodb")
    settings = Settings()
    for spec in spine.TABLES:
        table = ddb.describe_table(TableName=getattr(settings, f"{spec.key}_table"))["Table"]
        keys = {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]}
        assert keys == {"HASH": spec.partition_key, **({"RANGE": spec.sort_key} if spec.sort_key else {})}
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        indexes = {
            i["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]}
            for i in table.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == {
            i.name: {"HASH": i.partition_key, **({"RANGE": i.sort_key} if i.sort_key else {})} for i in spec.indexes
        }
        ttl = ddb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
        if spec.ttl_attribute:
            assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", spec.ttl_attribute)
        else:
            assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_queues_rules_schedules_and_sender_match_the_spine(stack):
    settings, sqs, events = Settings(), client("sqs"), client("events")
    p = stack.provisioned
    assert set(p.queue_urls) == set(p.dlq_urls) == set(spine.TRIGGERS_BY_NAME)
    assert settings.dead_letter_queue_urls() == p.dlq_urls  # exported for the api handler
    for trigger in spine.TRIGGERS:
        attributes = sqs.get_queue_attributes(QueueUrl=p.queue_urls[trigger.name], AttributeNames=["All"])
        redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
        dlq_arn = sqs.get_queue_attributes(QueueUrl=p.dlq_urls[trigger.name], AttributeNames=["QueueArn"])
        assert redrive["deadLetterTargetArn"] == dlq_arn["Attributes"]["QueueArn"]
        assert int(redrive["maxReceiveCount"]) == trigger.max_receive_count
        rule = events.describe_rule(Name=resource_name(settings, trigger), EventBusName=settings.event_bus_name)
        assert json.loads(rule["EventPattern"]) == trigger.event_pattern()
        targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=settings.event_bus_name)
        assert [t["Arn"] for t in targets["Targets"]] == [p.queue_arns[trigger.name]]
    scheduled = {t.name: t for t in spine.TRIGGERS if t.schedule}
    assert set(p.schedule_names) == set(scheduled)
    for name, schedule_name in p.schedule_names.items():
        schedule = client("scheduler").get_schedule(Name=schedule_name)
        assert schedule["ScheduleExpression"] == scheduled[name].schedule
        assert schedule["Target"]["Arn"] == p.bus_arn
    assert settings.sender_email in client("ses").list_identities()["Identities"]


def test_provisioning_twice_is_safe(stack):
    again = provision(Settings())
    assert again == stack.provisioned


# -- queue-fed triggers ----------------------------------------------------------------------------


def test_each_event_reaches_only_its_trigger_as_an_sqs_record(stack):
    markers = {t.name: uuid.uuid4().hex for t in spine.TRIGGERS}
    for trigger in spine.TRIGGERS:
        put_event(trigger, marker=markers[trigger.name])
    stack.wait_until_idle(timeout=20)

    for trigger in spine.TRIGGERS:
        for other, marker in markers.items():
            expected = 1 if other == trigger.name else 0
            assert len(records_with(stack, trigger.name, marker)) == expected, (trigger.name, other)
        record = records_with(stack, trigger.name, markers[trigger.name])[0]
        assert set(record) == {
            "messageId",
            "receiptHandle",
            "body",
            "attributes",
            "messageAttributes",
            "md5OfBody",
            "eventSource",
            "eventSourceARN",
            "awsRegion",
        }
        assert set(record["attributes"]) == {
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
        }
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
        assert (record["eventSource"], record["awsRegion"]) == ("aws:sqs", "us-east-1")
        assert record["eventSourceARN"] == stack.provisioned.queue_arns[trigger.name]
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()  # noqa: S324
        body = json.loads(record["body"])  # the EventBridge event as the rule delivered it
        assert (body["source"], body["detail-type"]) == (trigger.sources[0], trigger.detail_types[0])
        call = next(c for c in received(stack, trigger.name) if record in c["event"]["Records"])
        assert call["function_name"] == f"coachwire-local-{trigger.name.replace('_', '-')}"
        assert 0 < call["remaining_ms"] <= trigger.timeout_seconds * 1000
        assert call["memory"] == trigger.memory_mb
        assert call["arn"].endswith(f":function:{call['function_name']}")
    assert all(d["ApproximateNumberOfMessages"] == 0 for d in stack.dispatcher.queue_depths().values())


def _batch_trigger(minimum):
    return next(t for t in spine.TRIGGERS if t.batch_size >= minimum and not t.schedule)


def test_a_failed_record_alone_is_retried_then_dead_lettered(stack):
    trigger = _batch_trigger(3)
    ok, bad = [uuid.uuid4().hex, uuid.uuid4().hex], uuid.uuid4().hex
    failures_before = stack.dispatcher.failed_records[trigger.name]
    with stack.dispatcher.paused(trigger.name):  # let all three land in one batch
        put_event(trigger, marker=ok[0])
        put_event(trigger, marker=bad, fail=True)
        put_event(trigger, marker=ok[1])
    stack.wait_until_idle(timeout=30)

    first = records_with(stack, trigger.name, ok[0])[0]
    first_batch = next(c for c in received(stack, trigger.name) if first in c["event"]["Records"])
    assert len(first_batch["event"]["Records"]) == 3
    for marker in ok:
        assert len(records_with(stack, trigger.name, marker)) == 1  # deleted after the first success
    attempts = records_with(stack, trigger.name, bad)
    assert [r["attributes"]["ApproximateReceiveCount"] for r in attempts] == [
        str(n) for n in range(1, trigger.max_receive_count + 1)
    ]
    assert len({r["messageId"] for r in attempts}) == 1
    assert stack.dispatcher.failed_records[trigger.name] - failures_before == trigger.max_receive_count
    dead = drain(stack.provisioned.dlq_urls[trigger.name])
    assert [d["detail"]["marker"] for d in dead] == [bad]


def test_a_handler_exception_fails_the_whole_batch_without_logging_the_message(stack, caplog):
    trigger = _batch_trigger(2)
    markers = [uuid.uuid4().hex, uuid.uuid4().hex]
    with caplog.at_level(logging.INFO), stack.dispatcher.paused(trigger.name):
        put_event(trigger, marker=markers[0])
        put_event(trigger, marker=markers[1], **{"raise": True})
    with caplog.at_level(logging.INFO):
        stack.wait_until_idle(timeout=30)

    for marker in markers:
        assert len(records_with(stack, trigger.name, marker)) == trigger.max_receive_count
    dead = drain(stack.provisioned.dlq_urls[trigger.name])
    assert sorted(d["detail"]["marker"] for d in dead) == sorted(markers)
    assert "RuntimeError" in caplog.text
    assert "jane.doe" not in caplog.text and markers[0] not in caplog.text


# -- schedules -------------------------------------------------------------------------------------

SCHEDULED = [t for t in spine.TRIGGERS if t.schedule]


@pytest.mark.parametrize("trigger", SCHEDULED, ids=lambda t: t.name)
def test_fire_schedule_puts_the_schedule_event(stack, trigger):
    before = len(received(stack, trigger.name))
    stack.fire_schedule(trigger.name, as_of=date(2026, 3, 2))
    stack.fire_schedule(trigger.name)
    stack.wait_until_idle(timeout=20)

    bodies = [json.loads(r["body"]) for c in received(stack, trigger.name)[before:] for r in c["event"]["Records"]]
    assert {(b["source"], b["detail-type"]) for b in bodies} == {
        (spine.EVENT_SOURCE_SCHEDULER, trigger.schedule_detail_type)
    }
    details = sorted((b["detail"] for b in bodies), key=len)
    assert details == [
        {"job": trigger.name, "requested_by": "schedule"},
        {"job": trigger.name, "requested_by": "schedule", "as_of": "2026-03-02"},
    ]


CRON_SCHEDULED = [t for t in SCHEDULED if t.schedule.startswith("cron(")]
RATE_SCHEDULED = [t for t in SCHEDULED if t.schedule.startswith("rate(")]


def test_every_schedule_is_a_cron_or_a_rate_the_local_scheduler_understands():
    assert [t for t in spine.TRIGGERS if t in CRON_SCHEDULED or t in RATE_SCHEDULED] == SCHEDULED
    assert all(_cron_days(t.schedule) is not None for t in CRON_SCHEDULED)
    assert all(_rate_seconds(t.schedule) for t in RATE_SCHEDULED) and RATE_SCHEDULED


def test_a_rate_schedule_is_due_once_per_period():
    every_15 = {"Name": "s", "ScheduleExpression": "rate(15 minutes)"}
    start = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
    assert _rate_seconds("rate(1 hour)") == 3600 and _rate_seconds("rate(2 days)") == 172800
    assert _rate_seconds("rate(0 minutes)") is None and _rate_seconds("rate(5 weeks)") is None
    assert not _schedule_due(every_15, start, start + timedelta(minutes=14, seconds=59))  # (09:00, 09:14:59]
    assert _schedule_due(every_15, start, start + timedelta(minutes=15))  # 09:15 falls in (09:00, 09:15]
    assert not _schedule_due(every_15, start + timedelta(minutes=15), start + timedelta(minutes=29))
    assert _schedule_due(every_15, start - timedelta(seconds=20), start)


@pytest.mark.parametrize("trigger", RATE_SCHEDULED, ids=lambda t: t.name)
def test_the_local_scheduler_fires_stored_rate_schedules_once_per_period(stack, trigger):
    period = timedelta(seconds=_rate_seconds(trigger.schedule))
    at = datetime(2026, 5, 2, 9, 0, tzinfo=UTC) + period  # a multiple of the period since the epoch
    before = len(received(stack, trigger.name))
    name = stack.provisioned.schedule_names[trigger.name]
    assert name not in stack.dispatcher.run_due_schedules(at - period + timedelta(seconds=1), at - timedelta(seconds=1))
    assert name in stack.dispatcher.run_due_schedules(at - timedelta(seconds=20), at)
    stack.wait_until_idle(timeout=20)

    calls = received(stack, trigger.name)[before:]
    assert [json.loads(r["body"])["detail"] for c in calls for r in c["event"]["Records"]] == [
        {"job": trigger.name, "requested_by": "schedule"}
    ]


@pytest.mark.parametrize("trigger", CRON_SCHEDULED, ids=lambda t: t.name)
def test_the_local_scheduler_fires_stored_schedules_on_their_days_only(stack, trigger):
    minute, hour, days, months, weekdays = _cron_days(trigger.schedule)
    day = date(2026, 5, 2)
    while not ((days is None or day.day in days) and (months is None or day.month in months)
               and (weekdays is None or day.weekday() in weekdays)):
        day += timedelta(days=1)
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    before = len(received(stack, trigger.name))
    name = stack.provisioned.schedule_names[trigger.name]
    assert name not in stack.dispatcher.run_due_schedules(at - timedelta(hours=2), at - timedelta(minutes=1))
    if (days, months, weekdays) != (None, None, None):  # not daily: the same time a day earlier fires nothing
        assert name not in stack.dispatcher.run_due_schedules(at - timedelta(days=1, minutes=1),
                                                              at - timedelta(days=1))
    fired = stack.dispatcher.run_due_schedules(at - timedelta(minutes=1), at + timedelta(seconds=30))
    assert name in fired
    stack.wait_until_idle(timeout=20)

    calls = received(stack, trigger.name)[before:]
    assert [json.loads(r["body"])["detail"] for c in calls for r in c["event"]["Records"]] == [
        {"job": trigger.name, "requested_by": "schedule"}
    ]


# -- HTTP API --------------------------------------------------------------------------------------


def test_protected_routes_answer_401_without_calling_the_handler(stack):
    calls = len(received(stack, spine.API_FUNCTION))
    wrong_key = tokens.mint("hr_admin", "u-1", key=b"k" * 32)
    expired = stack.mint_token("hr_admin", "u-1", ttl=timedelta(seconds=-10))
    for headers in (
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": f"Bearer {wrong_key}"},
        {"Authorization": f"Bearer {expired}"},
    ):
        response = requests.get(f"{stack.base_url}/v1/employees/e-1", headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthorized"}
    assert len(received(stack, spine.API_FUNCTION)) == calls


def test_a_valid_token_reaches_the_api_with_string_claims(stack):
    token = stack.mint_token("manager", "m-7")
    response = requests.get(
        f"{stack.base_url}/v1/teams/t%201/members?limit=5&tag=a&tag=b",
        headers={"Authorization": f"Bearer {token}", "X-Custom-Header": "Yes"},
        timeout=5,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["routeKey"] == "ANY /{proxy+}"
    assert body["pathParameters"] == {"proxy": "v1/teams/t 1/members"}
    assert body["query"] == {"limit": "5", "tag": "a,b"}
    claims = body["claims"]
    assert claims["sub"] == "m-7" and claims[Settings().role_claim] == "manager"
    assert all(isinstance(v, str) for v in claims.values()) and claims["iat"].isdigit()
    event = received(stack, spine.API_FUNCTION)[-1]
    assert event["version"] == "2.0" and event["rawPath"] == "/v1/teams/t%201/members"
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b"
    assert event["headers"]["x-custom-header"] == "Yes"
    http = event["requestContext"]["http"]
    assert (http["method"], http["sourceIp"], event["requestContext"]["stage"]) == ("GET", "127.0.0.1", "$default")


def test_openapi_is_public_and_plain_results_become_json(stack):
    response = requests.get(f"{stack.base_url}/openapi.json", timeout=5)
    assert response.status_code == 200 and response.json() == {"openapi": "3.1.0"}
    event = received(stack, spine.API_FUNCTION)[-1]
    assert event["routeKey"] == "GET /openapi.json" and "authorizer" not in event["requestContext"]


def test_handler_errors_become_500_and_unknown_routes_404(stack):
    token = stack.mint_token("hr_admin", "u-1")
    response = requests.post(f"{stack.base_url}/boom", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})
    assert requests.get(f"{stack.base_url}/", timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("body", "base64_encoded"),
    [
        (b'{"type": "employee.upserted",\r\n  "data" :{"name":"J\xc3\xbcrgen"} }\n\n', False),
        (b"\xff\xfe\x00not utf-8\x80", True),
    ],
    ids=["utf8-odd-whitespace", "binary"],
)
def test_webhook_body_reaches_ingest_byte_for_byte(stack, body, base64_encoded):
    response = requests.post(
        f"{stack.base_url}/webhooks/hris",
        data=body,
        headers={"Webhook-Id": "msg_1", "Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 202
    assert response.json() == {"sha256": hashlib.sha256(body).hexdigest()}
    got = received(stack, spine.INGEST_FUNCTION)[-1]
    assert got["raw"] == body
    assert got["event"]["isBase64Encoded"] is base64_encoded
    assert got["event"]["headers"]["webhook-id"] == "msg_1"
    assert got["event"]["routeKey"] == "POST /webhooks/hris"


def test_webhook_secret_is_generated_and_exported(stack):
    assert len(stack.webhook_secrets) == 1 and stack.webhook_secrets[0].startswith("whsec_")
    assert Settings().webhook_secret_list() == stack.webhook_secrets


def test_bodies_over_10_mb_get_413(stack):
    host, port = stack.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(b"POST /webhooks/hris HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (10 * 1024 * 1024 + 1))
        reply = conn.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 413")


def test_tokens_from_the_stack_verify_with_the_stored_key(stack):
    claims = tokens.verify(stack.mint_token("employee", "e-1"))
    assert claims["sub"] == "e-1"
    with pytest.raises(jwt.InvalidTokenError):
        tokens.verify(stack.mint_token("employee", "e-1"), key=b"z" * 32)
