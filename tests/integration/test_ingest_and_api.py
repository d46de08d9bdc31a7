"""Every ingest error status, nothing stored half-way, and authorisation on every read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.integration.conftest import checkin, completed, new_id, person, role_change, upsert


@pytest.fixture(scope="module")
def known(stack, hris):
    return person(stack, hris)


def _cases(known):
    employee, manager = known
    return [
        ("bad signature", lambda h: h.send(upsert("emp-x", None), headers={"webhook-signature": "v1,AAAA"}),
         401, None),
        ("stale signature", lambda h: h.send(upsert("emp-x", None), signed_at=datetime.now(UTC) - timedelta(minutes=6)),
         401, None),
        ("wrong content type", lambda h: h.send(upsert("emp-x", None), headers={"content-type": "text/plain"}),
         415, "content-type"),
        ("too large", lambda h: h.send({}, body=b'{"pad": "' + b"x" * (256 * 1024) + b'"}'), 413, "body"),
        ("not json", lambda h: h.send({}, body=b"{oops"), 400, "body"),
        ("unknown type", lambda h: h.send({"type": "employee.fired", "timestamp": "2026-10-01T00:00:00Z",
                                           "data": {}}), 400, "type"),
        ("missing field", lambda h: h.send({"type": "employee.role.changed", "timestamp": "2026-10-01T00:00:00Z",
                                            "data": {"employee_id": employee, "role_id": "swe",
                                                     "career_stage": "senior"}}), 400, "data.effective_date"),
        ("unknown field", lambda h: h.send({**upsert("emp-x", None), "data": {**upsert("emp-x", None)["data"],
                                                                              "salary": 1}}), 400, "data.salary"),
        # An employee not known yet is parked (tests/integration/test_parking.py), but a role it names is checked.
        ("unknown employee's unknown stage", lambda h: h.send(role_change("emp-nobody", "principal", "2026-10-01")),
         422, "data.career_stage"),
        ("unknown role", lambda h: h.send({**upsert("emp-x", None), "data": {**upsert("emp-x", None)["data"],
                                                                             "role_id": "astronaut"}}), 422,
         "data.role_id"),
        ("unknown stage", lambda h: h.send(role_change(employee, "principal", "2026-10-01")), 422,
         "data.career_stage"),
        ("unknown skill", lambda h: h.send(checkin(employee, manager, [{"skill_id": "juggling", "level": 1}])), 422,
         "data.skill_ratings.0.skill_id"),
        ("level outside scale", lambda h: h.send(checkin(employee, manager, [{"skill_id": "design", "level": 5}])),
         422, "data.skill_ratings.0.level"),
        ("unknown activity", lambda h: h.send(completed(employee, "not-in-catalog", "2026-10-01T00:00:00Z")), 422,
         "data.activity_id"),
    ]


CASE_NAMES = [c[0] for c in _cases(("e", "m"))]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_bad_deliveries_get_a_clear_4xx_naming_the_field_and_store_nothing(name, stack, hris, deps, known):
    _, send, status, field = next(c for c in _cases(known) if c[0] == name)
    before = deps.stats.all()
    delivery = send(hris)
    assert delivery.status == status, delivery.body
    if field:
        assert delivery.body["field"] == field and field.split(".")[-1] in delivery.body["message"]
    stack.wait_until_idle()
    after = deps.stats.all()
    assert after.get("ingest_webhook", {}).get("rejected", 0) == before.get("ingest_webhook", {}).get("rejected", 0) + 1
    for trigger, counts in after.items():  # nothing reached any trigger
        if trigger != "ingest_webhook":
            assert counts.get("attempts", 0) == before.get(trigger, {}).get("attempts", 0)
    assert deps.profiles.get("emp-x") is None


def test_rejections_are_audited_without_their_payload(stack, hris, deps, known):
    employee, manager = known
    bad = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 9}]))
    assert bad.status == 422
    records = deps.audit.for_event(bad.webhook_id)
    assert [r.outcome for r in records] == ["rejected"]
    stored = records[0].model_dump_json()
    assert "skill_ratings" not in stored or records[0].decision["field"].startswith("data.skill_ratings")
    assert manager not in stored and "example.com" not in stored and "checkin_id" not in stored
    assert records[0].decision == {"status": 422, "field": "data.skill_ratings.0.level",
                                   "event_type": "performance.checkin.submitted"}


def test_a_reused_webhook_id_with_a_different_body_is_a_conflict(stack, hris, known):
    employee, manager = known
    first = hris.send(checkin(employee, manager, [{"skill_id": "comms", "level": 2}]), webhook_id="msg_reused")
    second = hris.send(checkin(employee, manager, [{"skill_id": "comms", "level": 3}]), webhook_id="msg_reused")
    stack.wait_until_idle()
    assert (first.status, second.status) == (202, 409) and second.body["field"] == "webhook-id"


def test_the_openapi_document_is_public_and_describes_every_read(stack):
    spec = requests.get(stack.base_url + "/openapi.json", timeout=10).json()
    assert {"/employees/{employee_id}", "/employees/{employee_id}/recommendations", "/employees/{employee_id}/plan",
            "/managers/{manager_id}/alerts", "/notifications", "/triggers/stats",
            "/jobs/stall-detection/run"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_reads_need_a_token(stack, known):
    employee, _ = known
    assert requests.get(f"{stack.base_url}/employees/{employee}", timeout=10).status_code == 401
    bad = requests.get(f"{stack.base_url}/employees/{employee}", timeout=10,
                       headers={"authorization": "Bearer not.a.token"})
    assert bad.status_code == 401


def test_each_role_reads_only_what_it_may(stack, hris, api, known):
    employee, manager = known
    other_employee, other_manager = person(stack, hris)
    allowed = [("employee", employee, f"/employees/{employee}"), ("manager", manager, f"/employees/{employee}/plan"),
               ("hr_admin", "hr-1", f"/employees/{other_employee}/recommendations"),
               ("manager", manager, f"/managers/{manager}/alerts"), ("hr_admin", "hr-1", "/triggers/stats")]
    refused = [("employee", employee, f"/employees/{other_employee}"),
               ("manager", manager, f"/employees/{other_employee}/recommendations"),
               ("manager", other_manager, f"/employees/{employee}/plan"),
               ("employee", employee, f"/managers/{manager}/alerts"),
               ("manager", manager, "/triggers/stats"),
               ("employee", employee, "/employees/nobody-at-all")]
    for role, sub, path in allowed:
        assert api.get(path, role, sub).status_code == 200, (role, path)
    for role, sub, path in refused:
        assert api.get(path, role, sub).status_code == 403, (role, path)
    assert api.get("/notifications", "employee", employee, recipient_id=other_employee).status_code == 403
    assert api.post("/jobs/stall-detection/run", "manager", manager).status_code == 403


def test_stall_run_validates_its_body(stack, api):
    response = api.post("/jobs/stall-detection/run", "hr_admin", "hr-1", {"as_of": "yesterday"})
    assert response.status_code == 400 and response.json()["field"] == "as_of"
    response = api.post("/jobs/stall-detection/run", "hr_admin", "hr-1", {"as_of": "2026-11-01", "force": True})
    assert response.status_code == 400 and response.json()["field"] == "force"


def test_new_employee_ids_are_unique():
    assert new_id("x") != new_id("x") and json.dumps({})
