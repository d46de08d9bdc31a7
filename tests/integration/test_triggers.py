"""Each trigger end to end: signed webhook → ingest → bus → rule → queue → real handler → tables → API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from coachwire import spine
from coachwire_tools.local.moto_server import client

from tests.integration.conftest import checkin, completed, person, role_change

RECEIPT_AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def recommendations(api, employee):
    response = api.get(f"/employees/{employee}/recommendations", "employee", employee)
    assert response.status_code == 200, response.text
    return response.json()["recommendations"]


def notifications(api, recipient):
    response = api.get("/notifications", "employee", recipient, recipient_id=recipient)
    assert response.status_code == 200, response.text
    return response.json()["notifications"]


def audit_outcomes(deps, event_id, trigger):
    return sorted(r.outcome for r in deps.audit.for_event(event_id) if r.trigger == trigger)


def test_a_flagged_gap_assigns_learning_and_nudges_the_employee(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    sent = hris.send(checkin(employee, manager, [
        {"skill_id": "design", "level": 1, "gap_flagged": True},
        {"skill_id": "review", "level": 2, "gap_flagged": False}]))
    assert sent.status == 202 and sent.body["status"] == "accepted"
    stack.wait_until_idle()

    recs = recommendations(api, employee)
    assert recs and {r["skill_id"] for r in recs} == {"design"}
    # Two items per flagged skill, both building the next level up (level 2), none three levels up.
    assert {r["item_id"] for r in recs} == {"design-l2", "design-l2-practice"}
    assert "check-in put System design at level 1" in recs[0]["explanation"]
    assert sum(f["contribution"] for f in recs[0]["factors"]) == recs[0]["score"]

    nudges = [n for n in notifications(api, employee) if n["kind"] == "nudge"]
    assert len(nudges) == 1 and nudges[0]["status"] == "sent" and "System design" in nudges[0]["subject"]
    assert audit_outcomes(deps, sent.webhook_id, "checkin_gap_nudge") == ["succeeded"]
    record = deps.audit.for_event(sent.webhook_id)[0]
    assert record.recommender_version and record.framework_version == "2026.1"
    assert employee not in json.dumps(record.decision) and "@" not in record.model_dump_json()


def test_three_deliveries_of_one_webhook_have_one_effect_and_one_notification(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    payload = checkin(employee, manager, [{"skill_id": "comms", "level": 1, "gap_flagged": True}])
    statuses = [hris.send(payload, webhook_id="msg_three_times").body["status"] for _ in range(3)]
    assert statuses == ["accepted", "duplicate", "duplicate"]
    stack.wait_until_idle()
    assert len(recommendations(api, employee)) == 2  # comms-l2 and comms-l3, once
    assert len([n for n in notifications(api, employee) if n["kind"] == "nudge"]) == 1


def test_eventbridge_redelivering_an_event_repeats_nothing(stack, hris, api, deps):
    """At-least-once delivery downstream of ingest: the same bus event three times → one effect."""
    employee, manager = person(stack, hris)
    sent = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    before = recommendations(api, employee)
    detail = _bus_detail(deps, sent.webhook_id, employee, manager)
    for _ in range(2):
        client("events").put_events(Entries=[{"EventBusName": stack.settings.event_bus_name,
                                              "Source": spine.EVENT_SOURCE_HRIS,
                                              "DetailType": spine.CHECKIN_SUBMITTED, "Detail": json.dumps(detail)}])
    stack.wait_until_idle()
    assert recommendations(api, employee) == before
    assert len(notifications(api, employee)) == 1
    assert audit_outcomes(deps, sent.webhook_id, "checkin_gap_nudge") == ["duplicate", "duplicate", "succeeded"]


def _bus_detail(deps, event_id, employee, manager):
    # The same canonical event the ingest function published (rebuilt from the stored recommendation).
    rec = deps.profiles.recommendations(employee)[0]
    assert rec.source_event_id == event_id
    return {"event_id": event_id, "type": spine.CHECKIN_SUBMITTED, "timestamp": "2026-10-01T10:00:00Z",
            "received_at": "2026-10-01T10:00:01Z", "data": {
                "checkin_id": "ci-redelivered", "employee_id": employee, "manager_id": manager,
                "submitted_at": "2026-10-01T10:00:00Z",
                "skill_ratings": [{"skill_id": "design", "level": 1, "gap_flagged": True}]}}


def test_a_poison_record_fails_alone_and_lands_in_the_dead_letter_queue(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    queue = stack.provisioned.queue_urls["checkin_gap_nudge"]
    dlq = stack.provisioned.dlq_urls["checkin_gap_nudge"]
    with stack.dispatcher.paused("checkin_gap_nudge"):
        good = hris.send(checkin(employee, manager, [{"skill_id": "review", "level": 1, "gap_flagged": True}]))
        client("sqs").send_message(QueueUrl=queue, MessageBody='{"detail": {"event_id": "poison-1", "type": "x"}}')
    stack.wait_until_idle(timeout=60)
    assert audit_outcomes(deps, good.webhook_id, "checkin_gap_nudge") == ["succeeded"]
    failures = [r for r in deps.audit.for_event("poison-1") if r.outcome == "failed"]
    assert len(failures) == spine.TRIGGERS_BY_NAME["checkin_gap_nudge"].max_receive_count
    dead = client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["detail"]["event_id"] for m in dead] == ["poison-1"]
    stats = {row["trigger"]: row for row in api.get("/triggers/stats", "hr_admin", "hr-1").json()["triggers"]}
    assert stats["checkin_gap_nudge"]["dead_lettered"] >= 0  # receive above made it in-flight; checked below
    client("sqs").change_message_visibility(QueueUrl=dlq, ReceiptHandle=dead[0]["ReceiptHandle"],
                                            VisibilityTimeout=0)
    stats = {row["trigger"]: row for row in api.get("/triggers/stats", "hr_admin", "hr-1").json()["triggers"]}
    assert stats["checkin_gap_nudge"]["dead_lettered"] == 1
    assert stats["checkin_gap_nudge"]["failed_attempts"] >= 3


def test_role_change_builds_a_transition_plan_and_late_older_changes_do_not_roll_back(stack, hris, api, deps):
    employee, _ = person(stack, hris)
    newer = hris.send(role_change(employee, "senior", "2026-10-01"))
    stack.wait_until_idle()
    older = hris.send(role_change(employee, "junior", "2026-09-01"))
    stack.wait_until_idle()
    profile = api.get(f"/employees/{employee}", "hr_admin", "hr-1").json()
    assert profile["career_stage"] == "senior"
    assert {lv["skill_id"]: lv["benchmark"] for lv in profile["levels"]} == {"design": 3, "review": 3, "comms": 3}
    plan = api.get(f"/employees/{employee}/plan", "employee", employee).json()["plan"]
    assert plan["to_stage"] == "senior" and plan["source_event_id"] == newer.webhook_id
    milestones = plan["milestones"]
    assert [m["skill_id"] for m in milestones] == ["design", "review", "comms"]  # by gap × criticality
    assert all(m["target_level"] == 3 and m["recommended_item_ids"] for m in milestones)
    assert milestones[0]["target_date"] < milestones[1]["target_date"] < milestones[2]["target_date"]
    assert audit_outcomes(deps, older.webhook_id, "role_change_plan") == ["stale_ignored"]
    assert [n["kind"] for n in notifications(api, employee)] == ["transition_plan"]


def test_learning_completion_records_evidence_and_queues_a_new_next_step(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    first = {r["item_id"]: r for r in recommendations(api, employee)}
    assert "design-l2" in first
    done = hris.send(completed(employee, "design-l2", "2026-10-05T15:00:00Z", score=0.95))
    stack.wait_until_idle()
    recs = recommendations(api, employee)
    by_item = {r["item_id"]: r for r in recs}
    assert by_item["design-l2"]["status"] == "done"
    newest = next(r for r in recs if r["trigger"] == "learning_next_step")
    # Design now meets the mid benchmark (2); the largest remaining weighted gap is review (0 → 2).
    assert newest["skill_id"] == "review" and newest["item_id"] == "review-l1"
    level = {lv["skill_id"]: lv for lv in api.get(f"/employees/{employee}", "employee", employee).json()["levels"]}
    assert level["design"]["level"] == 2 and level["design"]["source"] == "learning"
    # Completing it again is recognised, not re-recommended.
    again = hris.send(completed(employee, "design-l2", "2026-10-06T15:00:00Z", score=0.95))
    stack.wait_until_idle()
    assert audit_outcomes(deps, again.webhook_id, "learning_next_step") == ["no_action"]
    later = recommendations(api, employee)
    assert all(r["item_id"] != "design-l2" or r["trigger"] == "checkin_gap_nudge" for r in later)
    assert audit_outcomes(deps, done.webhook_id, "learning_next_step") == ["succeeded"]


def test_stall_detection_alerts_the_manager_once_inside_the_cooldown(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    run = api.post("/jobs/stall-detection/run", "hr_admin", "hr-1", {"as_of": "2026-11-20"})
    assert run.status_code == 202, run.text
    assert run.headers["Location"] == run.json()["status_url"] == f"/jobs/stall-detection/runs/{run.json()['run_id']}"
    stack.wait_until_idle()
    alerts = api.get(f"/managers/{manager}/alerts", "manager", manager).json()["alerts"]
    assert [a["employee_id"] for a in alerts] == [employee]
    # The run's status says when it ran and what it found, in counts: no employee is named.
    status = api.get(run.headers["Location"], "hr_admin", "hr-1")
    assert status.status_code == 200, status.text
    found = status.json()
    assert found["status"] == "finished" and found["as_of"] == "2026-11-20" and found["outcome"] == "succeeded"
    assert found["requested_at"] <= found["started_at"] <= found["finished_at"]
    profiles = sum(1 for f in deps.catalog.frameworks() for _ in deps.profiles.profiles_in_framework(f["framework_id"]))
    assert found["employees_checked"] == profiles and found["alerts_queued"] >= 1
    assert set(found["skipped"]) == {"in_cooldown", "no_manager", "manager_left", "left"}
    assert employee not in status.text and manager not in status.text
    assert api.get(run.headers["Location"], "manager", manager).status_code == 403
    assert api.get("/jobs/stall-detection/runs/run_unknown", "hr_admin", "hr-1").status_code == 404
    assert {r["code"] for r in alerts[0]["reasons"]} == {"low_activity"}
    assert any("System design" in p for p in alerts[0]["talking_points"])
    manager_mail = [n for n in notifications(api, manager) if n["kind"] == "manager_alert"]
    assert len(manager_mail) == 1 and manager_mail[0]["status"] == "sent"

    stack.fire_schedule("stall_detection", as_of=__import__("datetime").date(2026, 11, 25))
    stack.wait_until_idle()
    assert len(api.get(f"/managers/{manager}/alerts", "manager", manager).json()["alerts"]) == 1
    assert api.get(f"/managers/{manager}/alerts", "manager", "someone-else").status_code == 403


def test_a_decision_that_writes_no_profile_still_commits_only_on_the_version_it_read(stack, hris, deps):
    """Two firings decide on version n without writing the profile (a receipt, a correction request): once the
    profile has moved on, the second is refused as a concurrent update and gets re-read by its caller."""
    from coachwire.ports import ConcurrentUpdate, ProfileChange, Receipt

    employee, _ = person(stack, hris)
    seen = deps.profiles.get(employee)
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=seen.version, write_profile=False,
                                       receipt=Receipt("test", "evt-1", {"outcome": "no_action"}, RECEIPT_AT)))
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=seen.version))  # the profile moves on
    stale = ProfileChange(profile=seen, expected_version=seen.version, write_profile=False,
                          receipt=Receipt("test", "evt-2", {"outcome": "no_action"}, RECEIPT_AT))
    with pytest.raises(ConcurrentUpdate):
        deps.profiles.commit(stale)
    assert deps.profiles.receipt(employee, "test", "evt-2") is None
