"""The employee's data rights end to end: moto server, the real handlers and real HTTP.

Time moves for the retention sweep only, by giving its real handler a FixedClock (the sweep accepts no date
from outside, so that nobody can make it erase early). Tests here run in file order and each uses fresh people;
sweeps with a clock far ahead reach everything in this module's stack, which later tests allow for.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from coachwire.clock import FixedClock
from coachwire.policy.document import build
from coachwire.runtime.wiring import aws_dependencies
from coachwire_tools.local.moto_server import client

from tests.integration.conftest import checkin, completed, person, role_change

EVIDENCE = "Led the design review of the payments service; design doc linked in the HRIS"


@pytest.fixture(scope="module")
def sweep(stack):
    """Run the daily retention sweep through its schedule event, as if it were `days` from now."""
    module = stack.handlers.module("retention_sweep")

    def run(days: float) -> datetime:
        at = datetime.now(UTC) + timedelta(days=days)
        module.handler._deps = aws_dependencies(stack.settings, clock=FixedClock(at))
        stack.fire_schedule("retention_sweep")
        stack.wait_until_idle(timeout=60)
        return at

    yield run
    module.handler._deps = None


@pytest.fixture(scope="module")
def someone(stack, hris) -> str:
    return person(stack, hris)[0]


def sweep_runs(deps):
    return [r for r in deps.audit.for_subject("job:retention_sweep") if r.trigger == "retention_sweep"]


def raw_items(stack, table: str, partition: str) -> list[dict]:
    name = getattr(stack.settings, f"{table}_table")
    return client("dynamodb").query(TableName=name, KeyConditionExpression="pk = :p",
                                    ExpressionAttributeValues={":p": {"S": partition}})["Items"]


# -- the policy --------------------------------------------------------------------------------------------


def test_the_policy_is_public_in_three_formats_and_matches_the_running_configuration(stack):
    url = stack.base_url + "/policy"
    expected = build(stack.settings)
    as_json = requests.get(url, timeout=10)
    assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
    body = as_json.json()
    assert body["version"] == expected.version and as_json.headers["etag"] == f'"{expected.version}"'
    assert {r["data_class"]: r["days"] for r in body["retention"]}["recommendations"] == \
        stack.settings.retention.recommendations_days
    markdown = requests.get(url, params={"format": "markdown"}, timeout=10)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Coachwire data-use policy") and expected.version in markdown.text
    html = requests.get(url, headers={"accept": "text/html,application/xhtml+xml"}, timeout=10)
    assert html.headers["content-type"].startswith("text/html") and "<h2>Who can see what</h2>" in html.text
    bad = requests.get(url, params={"format": "pdf"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["field"] == "format"


def test_the_new_routes_are_documented(stack):
    spec = requests.get(stack.base_url + "/openapi.json", timeout=10).json()
    paths = spec["paths"]
    assert paths["/policy"]["get"]["security"] == [{}]
    assert "get" in paths["/employees/{employee_id}/export"]
    assert paths["/employees/{employee_id}/corrections"]["post"]["requestBody"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/CorrectionRequestBody"}
    assert "requestBody" in paths["/employees/{employee_id}/corrections/{correction_id}/decision"]["post"]
    assert {"PolicyDocument", "DataExport", "SkillLevelCorrection", "CorrectionDecisionRequest"} <= set(
        spec["components"]["schemas"])


# -- export ------------------------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_person_for_them_and_hr_only(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    hris.send(role_change(employee, "senior", "2026-10-15"))
    stack.wait_until_idle()
    stack.fire_schedule("stall_detection", as_of=date(2026, 12, 1))
    stack.wait_until_idle()

    response = api.get(f"/employees/{employee}/export", "employee", employee)
    assert response.status_code == 200, response.text
    export = response.json()
    assert export["policy_version"] == build(stack.settings).version
    assert export["profile"]["email"] == f"{employee}@example.com"
    assert [lv["skill_id"] for lv in export["levels"]] == ["design"] and export["levels"][0]["level"] == 1
    recs = export["recommendations"]
    assert recs and all(r["explanation"] and r["factor_table"] for r in recs)
    assert all(abs(sum(f["contribution"] for f in r["factor_table"]) - r["score"]) < 1e-9 for r in recs)
    assert export["plan"]["to_stage"] == "senior" and export["plan"]["milestones"]
    assert [a["employee_id"] for a in export["alerts_about_you"]] == [employee]
    # The stall alert e-mailed to their manager is about them too.
    assert [(n["kind"], n["recipient_id"]) for n in export["messages_about_you"]] == [("manager_alert", manager)]
    assert {n["kind"] for n in export["notifications"]} == {"nudge", "transition_plan"}
    assert {r["trigger"] for r in export["audit_log"]} >= {"profile_sync", "checkin_gap_nudge", "role_change_plan",
                                                          "stall_detection"}
    assert {r["receipt"].split("#")[0] for r in export["processing_receipts"]} >= {"profile_sync", "role_change_plan"}
    assert export["not_included"] and export["other_records"] == {}
    assert [a["skill_id"] for h in export["learning_history"] for a in h["assessments"]]  # the check-in's ratings

    assert api.get(f"/employees/{employee}/export", "hr_admin", "hr-1").status_code == 200
    assert api.get(f"/employees/{employee}/export", "manager", manager).status_code == 403
    assert api.get(f"/employees/{employee}/export", "employee", manager).status_code == 403
    assert api.get("/employees/nobody-here/export", "hr_admin", "hr-1").status_code == 404
    exported = [r for r in deps.audit.for_subject(employee) if r.decision.get("action") == "data.exported"]
    assert sorted(r.decision["requested_by"] for r in exported) == [employee, "hr-1"]


# -- corrections -------------------------------------------------------------------------------------------


def test_an_approved_correction_updates_the_record_recomputes_the_plan_and_is_audited(stack, hris, api, deps):
    employee, _ = person(stack, hris)
    hris.send(role_change(employee, "senior", "2026-10-15"))
    stack.wait_until_idle()
    plan_before = api.get(f"/employees/{employee}/plan", "employee", employee).json()["plan"]
    assert [m["skill_id"] for m in plan_before["milestones"]] == ["design", "review", "comms"]

    asked = api.post(f"/employees/{employee}/corrections", "employee", employee,
                     {"field": "skill_level", "skill_id": "design", "proposed": 3, "evidence": EVIDENCE})
    assert asked.status_code == 201, asked.text
    correction = asked.json()
    assert (correction["status"], correction["current"], correction["proposed"]) == ("open", 0, 3)
    listed = api.get(f"/employees/{employee}/corrections", "employee", employee).json()["corrections"]
    assert [c["correction_id"] for c in listed] == [correction["correction_id"]]
    queue = api.get("/corrections", "hr_admin", "hr-1").json()["corrections"]
    assert correction["correction_id"] in [c["correction_id"] for c in queue]

    decided = api.post(f"/employees/{employee}/corrections/{correction['correction_id']}/decision", "hr_admin",
                       "hr-1", {"decision": "approve", "reason": "Design doc and review notes confirm level 3"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["correction"]["status"] == "approved" and decided.json()["plan_id"]

    levels = {lv["skill_id"]: lv for lv in api.get(f"/employees/{employee}", "employee", employee).json()["levels"]}
    assert (levels["design"]["level"], levels["design"]["source"], levels["design"]["gap"]) == (3, "correction", 0)
    plan_after = api.get(f"/employees/{employee}/plan", "employee", employee).json()["plan"]
    assert [m["skill_id"] for m in plan_after["milestones"]] == ["review", "comms"]
    assert plan_after["plan_id"] != plan_before["plan_id"]
    queue = api.get("/corrections", "hr_admin", "hr-1").json()["corrections"]
    assert correction["correction_id"] not in [c["correction_id"] for c in queue]

    entries = [r for r in deps.audit.for_subject(employee) if r.decision.get("correction_id")]
    assert [r.decision["action"] for r in sorted(entries, key=lambda r: r.recorded_at)] == [
        "correction.requested", "correction.approved"]
    approved = entries[-1] if entries[-1].decision["action"] == "correction.approved" else entries[0]
    assert approved.decision["decided_by"] == "hr-1" and approved.decision["plan_id"] == plan_after["plan_id"]
    dumped = " ".join(r.model_dump_json() for r in entries)
    assert EVIDENCE not in dumped and "confirm level 3" not in dumped

    again = api.post(f"/employees/{employee}/corrections/{correction['correction_id']}/decision", "hr_admin",
                     "hr-2", {"decision": "reject", "reason": "second opinion"})
    assert again.status_code == 409


def test_a_rejection_keeps_the_record_and_the_reason(stack, hris, api, deps):
    employee, _ = person(stack, hris)
    reason = "The HRIS shows your legal name; change it there first, then ask again."
    asked = api.post(f"/employees/{employee}/corrections", "employee", employee,
                     {"field": "display_name", "proposed": "Ada L."}).json()
    response = api.post(f"/employees/{employee}/corrections/{asked['correction_id']}/decision", "hr_admin", "hr-1",
                        {"decision": "reject", "reason": reason})
    assert response.status_code == 200, response.text
    (mine,) = api.get(f"/employees/{employee}/corrections", "employee", employee).json()["corrections"]
    assert (mine["status"], mine["reason"], mine["decided_by"]) == ("rejected", reason, "hr-1")
    assert api.get(f"/employees/{employee}", "employee", employee).json()["display_name"] == f"Test {employee.title()}"
    (rejected,) = [r for r in deps.audit.for_subject(employee) if r.decision.get("action") == "correction.rejected"]
    assert rejected.decision["reason_sha256"] == hashlib.sha256(reason.encode()).hexdigest()
    assert reason not in rejected.model_dump_json()
    missing = api.post(f"/employees/{employee}/corrections/{asked['correction_id']}/decision", "hr_admin", "hr-1",
                       {"decision": "approve"})
    assert missing.status_code == 400 and missing.json()["field"] == "reason"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"field": "skill_level", "skill_id": "design", "proposed": 3}, 400, "evidence"),
    ({"field": "salary", "proposed": 1}, 400, "field"),
    ({"proposed": 1}, 400, "field"),
    ({"field": "display_name", "proposed": "X", "why": "no"}, 400, "why"),
    ({"field": "role", "proposed": {"role_id": "swe"}}, 400, "proposed.career_stage"),
    ({"field": "skill_level", "skill_id": "juggling", "proposed": 3, "evidence": "x"}, 422, "skill_id"),
    ({"field": "skill_level", "skill_id": "design", "proposed": 9, "evidence": "x"}, 422, "proposed"),
    ({"field": "role", "proposed": {"role_id": "astronaut", "career_stage": "mid"}}, 422, "proposed.role_id"),
    ({"field": "role", "proposed": {"role_id": "swe", "career_stage": "mid"}}, 422, "proposed"),
])
def test_bad_correction_requests_name_the_field_and_store_nothing(api, someone, body, status, field):
    employee = someone
    response = api.post(f"/employees/{employee}/corrections", "employee", employee, body)
    assert (response.status_code, response.json().get("field")) == (status, field), response.text
    assert api.get(f"/employees/{employee}/corrections", "employee", employee).json()["corrections"] == []


def test_only_the_employee_asks_and_only_another_hr_admin_decides(stack, hris, api):
    employee, manager = person(stack, hris)
    body = {"field": "display_name", "proposed": "Someone Else"}
    assert api.post(f"/employees/{employee}/corrections", "manager", manager, body).status_code == 403
    assert api.post(f"/employees/{employee}/corrections", "hr_admin", "hr-1", body).status_code == 403
    asked = api.post(f"/employees/{employee}/corrections", "employee", employee, body)
    assert asked.status_code == 201
    assert api.post(f"/employees/{employee}/corrections", "employee", employee, body).status_code == 409
    cid = asked.json()["correction_id"]
    decide = {"decision": "approve", "reason": "ok"}
    assert api.post(f"/employees/{employee}/corrections/{cid}/decision", "manager", manager,
                    decide).status_code == 403
    assert api.post(f"/employees/{employee}/corrections/{cid}/decision", "hr_admin", employee,
                    decide).status_code == 403
    assert api.post(f"/employees/{employee}/corrections/corr_nope/decision", "hr_admin", "hr-1",
                    decide).status_code == 404
    assert api.get(f"/employees/{employee}/corrections", "manager", manager).status_code == 403
    assert api.get("/corrections", "manager", manager).status_code == 403


def test_a_request_open_past_the_escalation_period_is_escalated_to_hr_once(stack, hris, api, deps, sweep):
    employee, _ = person(stack, hris)
    asked = api.post(f"/employees/{employee}/corrections", "employee", employee,
                     {"field": "skill_level", "skill_id": "review", "proposed": 2, "evidence": EVIDENCE}).json()
    cid = asked["correction_id"]
    days = stack.settings.correction_escalation_days

    sweep(days - 1)
    (waiting,) = api.get(f"/employees/{employee}/corrections", "employee", employee).json()["corrections"]
    assert waiting["escalated_at"] is None

    sweep(days + 1)
    (escalated,) = api.get(f"/employees/{employee}/corrections", "employee", employee).json()["corrections"]
    assert escalated["status"] == "open" and escalated["escalated_at"]
    mail = [n for n in api.get("/notifications", "hr_admin", "hr-1", recipient_id="hr_admins").json()[
        "notifications"] if cid in n["body"]]
    assert len(mail) == 1 and mail[0]["kind"] == "correction_escalated" and mail[0]["status"] == "sent"
    assert EVIDENCE not in mail[0]["body"]
    (audited,) = [r for r in deps.audit.for_subject(employee) if r.decision.get("action") == "correction.escalated"]
    assert audited.trigger == "retention_sweep" and audited.decision["correction_id"] == cid

    sweep(days + 2)
    again = [n for n in api.get("/notifications", "hr_admin", "hr-1", recipient_id="hr_admins").json()[
        "notifications"] if cid in n["body"]]
    assert len(again) == 1
    # Still decidable after escalation.
    decided = api.post(f"/employees/{employee}/corrections/{cid}/decision", "hr_admin", "hr-1",
                       {"decision": "approve", "reason": "Confirmed by the team lead"})
    assert decided.status_code == 200, decided.text


def test_an_escalation_whose_message_failed_to_publish_goes_out_when_the_sweep_is_redelivered(stack, hris, api):
    from coachwire.adapters.retention import DynamoRetentionStore
    from coachwire.services.retention import retention_sweep

    employee, _ = person(stack, hris)
    cid = api.post(f"/employees/{employee}/corrections", "employee", employee,
                   {"field": "skill_level", "skill_id": "review", "proposed": 2, "evidence": EVIDENCE}).json()[
        "correction_id"]
    later = aws_dependencies(stack.settings, clock=FixedClock(
        datetime.now(UTC) + timedelta(days=stack.settings.correction_escalation_days + 1)))
    store = DynamoRetentionStore(stack.settings)

    def publishing_fails(result):
        raise RuntimeError("the bus is unavailable")

    with pytest.raises(RuntimeError):  # escalation committed, its message never announced: the event is retried
        retention_sweep({"job": "retention_sweep"}, later, store, "evt-sweep-lost", publishing_fails)
    published = []
    retention_sweep({"job": "retention_sweep"}, later, store, "evt-sweep-lost", published.append)
    (escalation,) = [r for r in published if r.decision.get("correction_id") == cid]
    stored = later.profiles.correction(employee, cid)
    assert escalation.outcome == "duplicate" and escalation.notification_ids == (stored.escalation_notification_id,)
    published.clear()
    retention_sweep({"job": "retention_sweep"}, later, store, "evt-sweep-next-day", published.append)
    assert not [r for r in published if r.decision.get("correction_id") == cid]  # another day: nothing again


# -- erasure and retention ---------------------------------------------------------------------------------


def test_a_leaver_is_erased_by_the_sweep_after_the_grace_period(stack, hris, api, deps, sweep):
    employee, manager = person(stack, hris)
    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    hris.send(role_change(employee, "senior", "2026-10-15"))
    stack.wait_until_idle()
    stack.fire_schedule("stall_detection", as_of=date(2026, 12, 2))
    stack.wait_until_idle()
    api.post(f"/employees/{employee}/corrections", "employee", employee,
             {"field": "display_name", "proposed": "Private Name"})
    assert api.get(f"/managers/{manager}/alerts", "manager", manager).json()["alerts"]

    today = datetime.now(UTC).date()
    left = hris.send({"type": "employee.left", "timestamp": datetime.now(UTC).isoformat(),
                      "data": {"employee_id": employee, "leaving_date": today.isoformat()}})
    assert left.status == 202, left.body
    stack.wait_until_idle()
    grace = stack.settings.retention.leaver_grace_days
    profile = deps.profiles.get(employee)
    assert profile.leaving_date == today and profile.erase_after == today + timedelta(days=grace)
    assert profile.employee_id not in set(deps.profiles.employees_in_framework("eng"))  # out of stall detection

    sweep(grace - 1)
    assert deps.profiles.get(employee) is not None

    sweep(grace + 1)
    assert deps.profiles.get(employee) is None
    assert raw_items(stack, "profiles", f"EMP#{employee}") == []
    assert api.get(f"/managers/{manager}/alerts", "manager", manager).json()["alerts"] == []
    assert deps.outbox.for_recipient(employee) == []
    (erased,) = [r for r in deps.audit.for_subject(employee) if r.decision.get("action") == "retention.erased"]
    assert erased.decision["reason"] == "left" and erased.decision["deleted_profile"] == 1
    assert erased.decision["deleted_recommendations"] >= 1 and erased.decision["deleted_plans"] == 1
    assert erased.decision["deleted_alerts"] == 2 and erased.decision["deleted_notifications"] >= 2

    # What remains: audit entries holding ids and codes, nothing that names the person.
    export = api.get(f"/employees/{employee}/export", "hr_admin", "hr-1").json()
    assert export["profile"] is None and export["recommendations"] == [] and export["plan"] is None
    assert export["audit_log"] and export["corrections"] == [] and export["notifications"] == []
    remaining = json.dumps(export["audit_log"])
    assert "@example.com" not in remaining and "Test " not in remaining and "Private Name" not in remaining
    late = hris.send({"type": "employee.left", "timestamp": datetime.now(UTC).isoformat(),
                      "data": {"employee_id": employee, "leaving_date": today.isoformat()}})
    # Erased is indistinguishable from not yet arrived: parked, and expired by the sweep unless they are re-hired.
    assert late.status == 202 and late.body["status"] == "parked"


def test_the_sweep_deletes_expired_items_keeps_aggregates_and_audits_its_counts(stack, hris, api, deps, sweep):
    employee, manager = person(stack, hris)
    sent = hris.send(checkin(employee, manager, [{"skill_id": "comms", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    days = stack.settings.retention
    recs = deps.profiles.recommendations(employee)
    assert recs
    items = {i["sk"]["S"].split("#")[0]: i for i in raw_items(stack, "profiles", f"EMP#{employee}")}
    rec_item = next(i for i in raw_items(stack, "profiles", f"EMP#{employee}") if i["sk"]["S"].startswith("REC#"))
    created = recs[0].created_at
    assert int(rec_item["expires_at"]["N"]) == int((created + timedelta(days=days.recommendations_days)).timestamp())
    assert "expires_at" in items["RECEIPT"] and "expires_at" not in items["PROFILE"]
    (note,) = deps.outbox.for_recipient(employee)
    outbox_item = client("dynamodb").get_item(TableName=stack.settings.outbox_table,
                                              Key={"notification_id": {"S": note.notification_id}})["Item"]
    assert int(outbox_item["expires_at"]["N"]) == int(
        (note.created_at + timedelta(days=days.notifications_days)).timestamp())
    audit_item = client("dynamodb").query(
        TableName=stack.settings.audit_table, KeyConditionExpression="event_id = :e",
        ExpressionAttributeValues={":e": {"S": sent.webhook_id}})["Items"][0]
    assert int(audit_item["expires_at"]["N"]) > int((datetime.now(UTC) + timedelta(days=days.audit_days - 1))
                                                    .timestamp())
    def aggregates() -> dict:
        """Without the sweep's own counts and the parked events it records as expired (test_parking.py)."""
        stats = {k: dict(v) for k, v in deps.stats.all().items() if k != "retention_sweep"}
        ingest = stats.get("ingest_webhook", {})
        ingest["attempts"] = ingest.get("attempts", 0) - ingest.pop("expired", 0)
        return stats

    stats_before = aggregates()

    sweep(days.notifications_days + 1)
    assert deps.outbox.for_recipient(employee) == []  # 180 days: gone
    left = {i["sk"]["S"].split("#")[0] for i in raw_items(stack, "profiles", f"EMP#{employee}")}
    # receipts (30 days) gone; recommendations and learning history (730 days) kept
    assert left == {"PROFILE", "REC", "HIST"}
    assert len(deps.profiles.recommendations(employee)) == len(recs)
    assert aggregates() == stats_before
    assert deps.audit.for_event(sent.webhook_id)  # the audit log is never swept
    run = max(sweep_runs(deps), key=lambda r: r.recorded_at)
    assert run.outcome == "succeeded" and run.decision["deleted_notifications"] >= 1
    assert run.decision["deleted_receipts"] >= 1 and run.decision["deleted_webhook_records"] >= 1

    sweep(days.recommendations_days + 1)
    assert deps.profiles.recommendations(employee) == []
    assert deps.profiles.get(employee) is not None  # the profile lives as long as the person is employed
    # Completing an item whose recommendation retention removed closes nothing, and fails nothing.
    assert recs[0].item_id in deps.profiles.get(employee).open_items
    done = hris.send(completed(employee, recs[0].item_id, "2026-10-20T09:00:00Z", score=0.9))
    stack.wait_until_idle()
    assert [r.outcome for r in deps.audit.for_event(done.webhook_id) if r.trigger == "learning_next_step"] == [
        "succeeded"]
