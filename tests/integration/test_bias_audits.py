"""The bias audit over the local stack (moto server, real handlers, real HTTP): POST /audits → the audit function
→ S3 (versioned, KMS) → GET /audits; a planted disparity opens a review, emits `audit.disparity.flagged` and
emails the HR admins; a fair control stays quiet; reruns are byte-identical; everything is hr_admin only."""

from __future__ import annotations

import json
from datetime import date

import boto3
import pytest
from coachwire import spine
from coachwire.adapters.aws import reset_clients
from coachwire.adapters.bias_audits import DynamoGovernanceStore
from coachwire.adapters.dynamo import DynamoAuditLog, DynamoCatalogStore, DynamoOutboxStore, emp_pk, shadow_collection
from coachwire.fairness.records import AuditInputs
from coachwire.models.coaching import Recommendation
from coachwire.runtime.wiring import aws_dependencies
from coachwire.services import bias_audits
from coachwire.services.model_versions import review_gate
from coachwire_tools import cli
from coachwire_tools.fairness.synthetic import PlantedDisparity, synthetic_inputs
from coachwire_tools.local.stack import LocalStack, new_webhook_secret

from tests.factories import catalog, framework, profile

WINDOW = "2026Q3"
HR_ADMINS = {"hr-1": "people.ops@example.test", "hr-2": "head.of.people@example.test"}
# A strong planted disparity (women get stretch assignments at ~10% of the others' rate); geography is drawn
# independently of everything: the fair control. Seeded, so the expectations below are fixed.
PLANTED = PlantedDisparity(attribute="gender", group="woman", item_kind="stretch_assignment", factor=0.1)


@pytest.fixture(scope="module")
def stack():
    with LocalStack(webhook_secrets=[new_webhook_secret()], hr_admins=HR_ADMINS) as running:
        reset_clients()
        DynamoCatalogStore(running.settings.catalog_table).put_framework(framework(), catalog())
        yield running


def patch(api, path: str, role: str, sub: str, body: dict):
    return api._send("PATCH", path, role, sub, body)


def _batch_put(table: str, items: list[dict]) -> None:
    ddb = boto3.client("dynamodb")
    for start in range(0, len(items), 25):
        pending = {table: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


@pytest.fixture(scope="module")
def seeded(stack) -> AuditInputs:
    """A synthetic quarter written into the real tables in their stored shapes."""
    inputs = synthetic_inputs(300, 1500, window=WINDOW, seed=1, planted=PLANTED)
    rows = []
    for member in inputs.population:
        stored = profile(employee_id=member.employee_id, hire_date=member.hire_date or date(2015, 1, 5),
                         personalisation_enabled=member.personalisation_enabled, version=1)
        rows.append({"pk": {"S": emp_pk(member.employee_id)}, "sk": {"S": "PROFILE"},
                     "doc": {"S": stored.model_dump_json()}, "version": {"N": "1"}, "framework_pk": {"S": "FW#eng"}})
    for fact in inputs.recommendations:
        rec = Recommendation(
            recommendation_id=fact.recommendation_id, employee_id=fact.employee_id, item_id=fact.item_id,
            item_title=fact.item_id, item_kind=fact.item_kind, skill_id=fact.skill_id, skill_name=fact.skill_id,
            current_level=1, target_level=2, score=1.0, factors=[], explanation="synthetic",
            recommender_version=fact.model_version, framework_id="eng", framework_version=fact.framework_version,
            trigger="checkin_gap_nudge", source_event_id="synthetic", created_at=fact.created_at, basis=fact.basis)
        rows.append({"pk": {"S": emp_pk(fact.employee_id)}, "sk": {"S": f"REC#{fact.recommendation_id}"},
                     "doc": {"S": rec.model_dump_json()}})
    _batch_put(stack.settings.profiles_table, rows)
    _batch_put(stack.settings.demographics_table, [
        {"employee_id": {"S": r.employee_id}, "updated_at": {"S": r.updated_at.isoformat()},
         "doc": {"S": r.model_dump_json()}} for r in inputs.demographics])
    return inputs


@pytest.fixture(scope="module")
def flag_watch(stack) -> str:
    """A queue subscribed to `audit.disparity.flagged` on the bus, as a downstream consumer would be."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="flag-watch")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="flag-watch", EventBusName=stack.settings.event_bus_name, EventPattern=json.dumps(
        {"source": [spine.EVENT_SOURCE_INTERNAL], "detail-type": [spine.AUDIT_DISPARITY_FLAGGED]}))
    events.put_targets(Rule="flag-watch", EventBusName=stack.settings.event_bus_name,
                       Targets=[{"Id": "q", "Arn": arn}])
    return url


def flagged_events(url: str) -> list[dict]:
    found = []
    while batch := boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        found += [json.loads(m["Body"])["detail"] for m in batch]
    return found


@pytest.fixture(scope="module")
def audited(stack, api, seeded, flag_watch) -> dict:
    first = api.post("/audits", "hr_admin", "hr-1", {"window": WINDOW, "request_id": "quarter-close-1"})
    assert first.status_code == 202, first.text
    again = api.post("/audits", "hr_admin", "hr-1", {"window": WINDOW, "request_id": "quarter-close-1"})
    assert again.status_code == 202
    assert again.json()["audit_id"] == first.json()["audit_id"] and again.json()["created"] is False
    stack.wait_until_idle(timeout=120)
    detail = api.get(f"/audits/{first.json()['audit_id']}", "hr_admin", "hr-1")
    assert detail.status_code == 200, detail.text
    return detail.json()


def test_an_audit_is_listed_and_read_back_with_its_results(stack, api, audited, seeded):
    summary = audited["summary"]
    assert summary["status"] == "completed" and summary["window"] == WINDOW and summary["kind"] == "on_demand"
    listed = api.get("/audits", "hr_admin", "hr-2").json()["audits"]
    assert [a["audit_id"] for a in listed if a["audit_id"] == summary["audit_id"]] == [summary["audit_id"]]
    assert summary["counts"]["population"] == len(seeded.population)
    assert summary["counts"]["recommendations_audited"] > 0
    assert audited["results"]["audit_id"] == summary["audit_id"]
    assert audited["manifest"]["input_content_hash"] == summary["input_content_hash"]
    html = api.get(f"/audits/{summary['audit_id']}", "hr_admin", "hr-1", format="html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert WINDOW in html.text
    # the page names every review case the audit opened, with its owner and the next step
    assert summary["review_ids"] and all(f"<code>{case}</code>" in html.text for case in summary["review_ids"])
    assert "HR admins (hr_admin role)" in html.text and "PATCH /reviews/" in html.text
    # Only aggregates leave the audit function: no employee id reaches the API's answers.
    published = json.dumps(audited) + html.text
    assert not [m.employee_id for m in seeded.population[:50] if m.employee_id in published]


def test_outputs_are_in_a_versioned_bucket_and_the_snapshot_is_under_the_demographics_key(stack, audited):
    summary, s3 = audited["summary"], boto3.client("s3")
    bucket = stack.settings.audit_bucket
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    for name, key in summary["objects"].items():
        head = s3.head_object(Bucket=bucket, Key=key, VersionId=summary["object_versions"][name])
        assert head["ServerSideEncryption"] == "aws:kms", name
    snapshot = s3.head_object(Bucket=bucket, Key=summary["objects"]["snapshot"])
    assert snapshot["SSEKMSKeyId"] == stack.provisioned.table_keys["demographics"]
    assert summary["objects"]["snapshot"].startswith(spine.AUDIT_SNAPSHOTS_PREFIX)
    assert all(summary["objects"][n].startswith(spine.AUDIT_REPORTS_PREFIX) for n in bias_audits.REPORT_OBJECTS)


def test_the_planted_disparity_is_flagged_and_the_fair_control_is_not(audited):
    flags = {(f["outcome"], f["attribute"], f["group"]) for f in audited["summary"]["flags"]}
    assert ("stretch_assignment", "gender", "woman") in flags
    assert not [f for f in flags if "geography" in f[1]]
    assert audited["results"]["flags"] == audited["summary"]["flags"]


def test_each_flag_opens_a_review_emits_an_event_and_emails_every_hr_admin(stack, api, audited, flag_watch):
    summary = audited["summary"]
    reviews = {r["review_id"]: r for r in api.get("/reviews", "hr_admin", "hr-1").json()["reviews"]
               if r["audit_id"] == summary["audit_id"]}
    assert sorted(reviews) == sorted(summary["review_ids"]) and len(reviews) == len(summary["flags"])
    for case in reviews.values():
        assert case["status"] == "open"
        assert case["evidence"]["report"] == f"/audits/{summary['audit_id']}?format=html"
        assert case["evidence"]["impact_ratio"] is not None or case["evidence"]["suppressed"]
    events = [e for e in flagged_events(flag_watch) if e["audit_id"] == summary["audit_id"]]
    assert sorted(e["review_id"] for e in events) == sorted(reviews)
    for admin, email in HR_ADMINS.items():
        notes = api.get("/notifications", "hr_admin", "hr-1", recipient_id=admin).json()["notifications"]
        (note,) = [n for n in notes if n["kind"] == "audit_flag" and summary["audit_id"] in n["body"]]
        assert note["status"] == "sent"
        assert DynamoOutboxStore(stack.settings.outbox_table).get(note["notification_id"]).recipient_email == email
        assert all(review_id in note["body"] for review_id in reviews)


def test_the_audit_log_records_the_firing_with_ids_and_counts_only(stack, audited):
    summary = audited["summary"]
    records = DynamoAuditLog(stack.settings.audit_table).for_subject(f"audit:{summary['audit_id']}")
    (record,) = [r for r in records if r.trigger == "bias_audit"]
    assert record.outcome == "succeeded"
    assert [r.decision["action"] for r in records if r.trigger == "api"] == ["audit.requested"] * 2
    assert record.decision["flags"] == len(summary["flags"])
    logged = record.model_dump_json()
    assert "woman" not in logged and "stretch" not in logged


def test_hr_updates_a_review_with_an_attributed_note(stack, api, audited):
    review_id = audited["summary"]["review_ids"][0]
    note = "Stretch assignments go through two managers in this org; reviewing their nomination criteria."
    changed = patch(api, f"/reviews/{review_id}", "hr_admin", "hr-2",
                        {"status": "investigating", "note": note})
    assert changed.status_code == 200, changed.text
    case = changed.json()
    assert case["status"] == "investigating" and case["version"] == 1
    assert [(h["status"], h["note"], h["by"]) for h in case["history"]] == [("investigating", note, "hr-2")]
    listed = api.get("/reviews", "hr_admin", "hr-1", status="investigating").json()["reviews"]
    assert review_id in {r["review_id"] for r in listed}
    records = DynamoAuditLog(stack.settings.audit_table).for_subject(f"review:{review_id}")
    assert [r.decision["status"] for r in records] == ["investigating"]
    assert note not in json.dumps([r.model_dump(mode="json") for r in records])


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "closed", "note": "x"}, "status"), ({"status": "resolved"}, "note"),
    ({"status": "resolved", "note": ""}, "note"), ({"status": "resolved", "note": "x", "by": "me"}, "by"),
])
def test_a_bad_review_update_is_refused_naming_the_field(api, audited, body, field):
    response = patch(api, f"/reviews/{audited['summary']['review_ids'][0]}", "hr_admin", "hr-1", body)
    assert (response.status_code, response.json()["field"]) == (400, field)


@pytest.mark.parametrize(("body", "field"), [
    ({"window": "2026Q5"}, "window"), ({}, "window"), ({"window": "2026Q3", "scope": "all"}, "scope"),
    ({"window": "2026Q3", "request_id": "not ok!"}, "request_id"), ({"window": "2999Q1"}, "window"),
])
def test_a_bad_audit_request_is_refused_naming_the_field(api, body, field):
    response = api.post("/audits", "hr_admin", "hr-1", body)
    assert (response.status_code, response.json()["field"]) == (400, field)


def test_unknown_audits_and_reviews_are_404(api):
    assert api.get("/audits/aud-2026Q3-nope", "hr_admin", "hr-1").status_code == 404
    assert patch(api, "/reviews/rev-nope", "hr_admin", "hr-1", {"status": "resolved", "note": "x"}
                     ).status_code == 404


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_audits_and_reviews_are_hr_admin_only(api, audited, role):
    audit_id, review_id = audited["summary"]["audit_id"], audited["summary"]["review_ids"][0]
    calls = [api.post("/audits", role, "emp-1", {"window": WINDOW}), api.get("/audits", role, "emp-1"),
             api.get(f"/audits/{audit_id}", role, "emp-1"),
             api.get(f"/audits/{audit_id}", role, "emp-1", format="html"),
             api.get("/reviews", role, "emp-1"),
             patch(api, f"/reviews/{review_id}", role, "emp-1", {"status": "dismissed", "note": "no"})]
    assert [c.status_code for c in calls] == [403] * len(calls)


def test_rerun_reproduces_the_stored_audit_byte_for_byte(stack, audited, tmp_path, capsys):
    audit_id = audited["summary"]["audit_id"]
    assert cli.main(["audit", "rerun", audit_id]) == 0
    out = capsys.readouterr().out
    assert "Reproduced byte for byte." in out and out.count("byte-identical") == 3
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(boto3.client("s3").get_object(
        Bucket=stack.settings.audit_bucket, Key=bias_audits.object_key(audit_id, "manifest.json"))["Body"].read())
    assert cli.main(["audit", "rerun", str(manifest), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["byte_identical"] is True


def test_rerun_refuses_a_snapshot_that_is_not_what_the_manifest_hashed(stack, audited, capsys):
    audit_id = audited["summary"]["audit_id"]
    s3, bucket, key = boto3.client("s3"), stack.settings.audit_bucket, bias_audits.snapshot_key(audit_id)
    original = AuditInputs.from_json(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    tampered = original.model_copy(update={"recommendations": original.recommendations[1:]})
    s3.put_object(Bucket=bucket, Key=key, Body=tampered.to_json())
    try:
        assert cli.main(["audit", "rerun", audit_id]) == 1
        assert "NOT reproduced" in capsys.readouterr().out
    finally:
        s3.put_object(Bucket=bucket, Key=key, Body=original.to_json())
    assert cli.main(["audit", "rerun", audit_id]) == 0


def test_the_cli_asks_the_api_and_prints_the_outcome(stack, audited, capsys):
    # The same request id as the audit above: the API answers with that audit instead of running another.
    token = stack.mint_token("hr_admin", "hr-1")
    command = ["audit", "run", "--window", WINDOW, "--url", stack.base_url, "--token", token,
               "--request-id", "quarter-close-1"]
    assert cli.main([*command, "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["summary"] == audited["summary"]
    assert cli.main(command) == 0
    text = capsys.readouterr().out
    assert audited["summary"]["audit_id"] in text and "Stretch assignment: gender 'Woman'" in text
    assert cli.main(["audit", "run", "--window", WINDOW, "--url", stack.base_url, "--token",
                     stack.mint_token("manager", "m-1")]) == 1


def test_the_quarterly_schedule_audits_the_quarter_that_just_ended(stack, api, seeded):
    stack.fire_schedule("bias_audit", as_of=date(2026, 10, 1))
    stack.wait_until_idle(timeout=120)
    quarterly = api.get(f"/audits/{bias_audits.quarterly_audit_id(WINDOW)}", "hr_admin", "hr-1").json()["summary"]
    assert (quarterly["status"], quarterly["kind"], quarterly["window"]) == ("completed", "quarterly", WINDOW)
    assert quarterly["flags"]


def test_the_yearly_reminder_asks_every_hr_admin_to_review_the_model(stack, api, audited):
    stack.fire_schedule("model_review_reminder", as_of=date(2027, 1, 15))
    stack.wait_until_idle(timeout=60)
    for admin in HR_ADMINS:
        notes = api.get("/notifications", "hr_admin", "hr-1", recipient_id=admin).json()["notifications"]
        (reminder,) = [n for n in notes if n["kind"] == "model_review"]
        assert "2027" in reminder["subject"] and audited["summary"]["audit_id"] in reminder["body"]
        assert reminder["status"] == "sent"


def test_a_model_review_audits_a_candidates_shadow_picks_and_its_open_cases_gate_promotion(stack, seeded):
    """The planted disparity, this time in a candidate model's shadow recommendations (stored as the triggers
    store them): the review audit flags it, opens cases, and the promotion gate sees them open."""
    deps = aws_dependencies(stack.settings)
    rows = []
    for fact in seeded.recommendations:
        rec = Recommendation(
            recommendation_id=f"{fact.recommendation_id}-shadow", employee_id=fact.employee_id, item_id=fact.item_id,
            item_title=fact.item_id, item_kind=fact.item_kind, skill_id=fact.skill_id, skill_name=fact.skill_id,
            current_level=1, target_level=2, score=1.0, factors=[], explanation="synthetic",
            recommender_version="candidate-2", framework_id="eng", framework_version=fact.framework_version,
            trigger="checkin_gap_nudge", source_event_id="synthetic", created_at=fact.created_at, basis=fact.basis)
        rows.append({"pk": {"S": emp_pk(fact.employee_id)}, "sk": {"S": f"SHADOW#candidate-2#{rec.recommendation_id}"},
                     "collection_pk": {"S": shadow_collection("candidate-2")}, "doc": {"S": rec.model_dump_json()}})
    _batch_put(stack.settings.profiles_table, rows)
    quarterly_before = [a for a in deps.governance.audits() if a.kind != "model_review"]

    summary, created = bias_audits.request_audit(deps, WINDOW, None, "test", model_version="candidate-2")
    assert created and summary.kind == "model_review"
    stack.wait_until_idle(timeout=120)
    done = deps.governance.audit(summary.audit_id)
    assert done.status == "completed" and done.reviewed_model == "candidate-2"
    assert done.model_versions == ["candidate-2"]  # the shadow picks, not the delivered ones
    assert ("stretch_assignment", "gender", "woman") in {(f["outcome"], f["attribute"], f["group"])
                                                         for f in done.flags}
    gate = review_gate(deps, "candidate-2")
    assert gate.audit_id == done.audit_id and set(gate.open_reviews) == set(done.review_ids)
    assert "open review cases" in gate.problem("candidate-2")
    assert [a for a in deps.governance.audits() if a.kind != "model_review"] == quarterly_before


def test_no_route_returns_a_persons_demographics(api, seeded):
    someone = seeded.demographics[0].employee_id
    employee = api.get(f"/employees/{someone}", "hr_admin", "hr-1")
    assert employee.status_code == 200
    assert not {"gender", "race_ethnicity", "birth_year_band", "geography"} & set(employee.json())
    paths = api.get("/openapi.json", "hr_admin", "hr-1").json()["paths"]
    assert not [p for p in paths if "demographic" in p]


def test_one_run_at_a_time_holds_an_audit_and_a_dead_run_can_be_taken_over(stack):
    from datetime import UTC, datetime, timedelta

    from coachwire.models.bias_audits import AuditSummary

    governance = DynamoGovernanceStore(stack.settings.governance_table)
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    asked = AuditSummary(audit_id="aud-claim-test", window=WINDOW, kind="on_demand", status="requested",
                         requested_by="hr-1", requested_at=now)
    assert governance.add_audit(asked)
    first = asked.model_copy(update={"status": "running", "started_at": now})
    assert governance.claim_audit(first, now - bias_audits.STALE_RUN)
    second = asked.model_copy(update={"status": "running", "started_at": now + timedelta(minutes=1)})
    assert not governance.claim_audit(second, now + timedelta(minutes=1) - bias_audits.STALE_RUN)  # the first is alive
    later = now + bias_audits.STALE_RUN + timedelta(minutes=1)
    takeover = asked.model_copy(update={"status": "running", "started_at": later})
    assert governance.claim_audit(takeover, later - bias_audits.STALE_RUN)  # the first was cut short
    governance.put_audit(takeover.model_copy(update={"status": "completed"}))
    assert not governance.claim_audit(takeover, later + timedelta(days=1))  # completed: never run again
