"""GET /triggers/stats reconciles: events count once by the outcome they ended at, attempts apart, and what has
not ended yet shows as waiting or in process."""

from __future__ import annotations

import json

from coachwire_tools.local.moto_server import client

from tests.integration.conftest import checkin, person

NUDGE = "checkin_gap_nudge"


def stats(api) -> dict[str, dict]:
    response = api.get("/triggers/stats", "hr_admin", "hr-1")
    assert response.status_code == 200, response.text
    return {row["trigger"]: row for row in response.json()["triggers"]}


def gap(employee: str, manager: str) -> dict:
    return checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}])


def test_a_redelivered_event_is_one_event_and_one_more_attempt(stack, hris, api):
    employee, manager = person(stack, hris)
    queue = stack.provisioned.queue_urls[NUDGE]
    before = stats(api)[NUDGE]
    with stack.dispatcher.paused(NUDGE):
        sent = hris.send(gap(employee, manager))
        [message] = client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=1,
                                                   WaitTimeSeconds=5)["Messages"]
        body = message["Body"]
        client("sqs").change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"],
                                                VisibilityTimeout=0)
    assert json.loads(body)["detail"]["event_id"] == sent.webhook_id
    stack.wait_until_idle()
    once = stats(api)[NUDGE]
    # SQS delivers at least once, and a redrive sends the same firing again: the same body, twice more.
    for _ in range(2):
        client("sqs").send_message(QueueUrl=queue, MessageBody=body)
    stack.wait_until_idle()
    after = stats(api)[NUDGE]
    assert once["events"] - before["events"] == 1 and once["succeeded"] - before["succeeded"] == 1
    assert (after["events"], after["succeeded"], after["duplicate"]) == \
        (once["events"], once["succeeded"], once["duplicate"])
    assert after["attempts"] - once["attempts"] == 2


def test_accepted_events_are_waiting_until_they_end_and_the_totals_reconcile(stack, hris, api):
    people = [person(stack, hris) for _ in range(3)]
    before = stats(api)
    with stack.dispatcher.paused(NUDGE):
        for employee, manager in people:
            assert hris.send(gap(employee, manager)).status == 202
        held = stats(api)
        accepted = held["ingest_webhook"]["succeeded"] - before["ingest_webhook"]["succeeded"]
        nudge = held[NUDGE]
        assert accepted == 3
        assert nudge["waiting"] + nudge["in_process"] == 3 and nudge["events"] == before[NUDGE]["events"]
    stack.wait_until_idle()
    done = stats(api)[NUDGE]
    assert (done["waiting"], done["in_process"]) == (0, 0)
    assert done["events"] - before[NUDGE]["events"] == accepted


def test_failed_attempts_are_not_events_and_a_dead_letter_shows_where_it_is(stack, api):
    queue = stack.provisioned.queue_urls[NUDGE]
    before = stats(api)[NUDGE]
    client("sqs").send_message(QueueUrl=queue, MessageBody='{"detail": {"event_id": "poison-stats", "type": "x"}}')
    stack.wait_until_idle(timeout=60)
    after = stats(api)[NUDGE]
    tries = after["failed_attempts"] - before["failed_attempts"]
    assert tries == after["attempts"] - before["attempts"] >= 1
    assert after["events"] == before["events"]
    assert after["dead_lettered"] >= before["dead_lettered"] + 1
