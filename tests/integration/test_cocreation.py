"""Over real HTTP: explained recommendations, opt-out of personalisation, co-created plans."""

from __future__ import annotations

import requests

from tests.integration.conftest import checkin, person


def recs(api, employee, role="employee", sub=None):
    response = api.get(f"/employees/{employee}/recommendations", role, sub or employee)
    assert response.status_code == 200, response.text
    return response.json()["recommendations"]


def patch_plan(api, employee, role, sub, changes):
    token = api.stack.mint_token(role, sub)
    return requests.patch(f"{api.stack.base_url}/employees/{employee}/plan", json={"changes": changes}, timeout=30,
                          headers={"authorization": f"Bearer {token}"})


def api_audit(deps, employee):
    return [r for r in deps.audit.for_subject(employee) if r.trigger == "api"]


def test_one_recommendation_with_its_factor_table_is_the_same_for_employee_and_manager(stack, hris, api):
    employee, manager = person(stack, hris)
    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    rec_id = recs(api, employee)[0]["recommendation_id"]
    path = f"/employees/{employee}/recommendations/{rec_id}"
    mine = api.get(path, "employee", employee)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["recommendation_id"] == rec_id and body["item"]["item_id"] and body["skill"]["skill_id"] == "design"
    assert round(sum(body["factors"].values()), 4) == body["score"]
    assert body["factors"] == {f["name"]: f["contribution"] for f in body["factor_table"]}
    assert "check-in put System design at level 1" in body["explanation"]
    assert body["recommender_version"] and body["framework_version"] == "2026.1" and body["basis"] == "personalised"
    assert api.get(path, "manager", manager).json() == body
    assert api.get(path, "hr_admin", "hr-1").json() == body
    stranger, _ = person(stack, hris)
    assert api.get(path, "employee", stranger).status_code == 403
    assert api.get(path, "manager", "mgr-other").status_code == 403
    assert api.get(f"/employees/{employee}/recommendations/rec_unknown", "employee", employee).status_code == 404
    assert api.get(f"/employees/{stranger}/recommendations/{rec_id}", "employee", employee).status_code == 403


def test_only_the_employee_switches_personalisation_and_every_change_is_audited(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    path = f"/employees/{employee}/personalisation"
    assert api.put(path, "manager", manager, {"enabled": False}).status_code == 403
    assert api.put(path, "hr_admin", "hr-1", {"enabled": False}).status_code == 403
    assert api.put(path, "employee", "emp-someone", {"enabled": False}).status_code == 403
    bad = api.put(path, "employee", employee, {"enabled": False, "why": "x"})
    assert bad.status_code == 400 and bad.json()["field"] == "why"
    assert api.put(path, "employee", employee, {"enabled": "perhaps"}).json()["field"] == "enabled"

    off = api.put(path, "employee", employee, {"enabled": False})
    assert off.status_code == 200, off.text
    assert off.json()["enabled"] is False and off.json()["changed"] is True and off.json()["changed_at"]
    again = api.put(path, "employee", employee, {"enabled": False})
    assert again.status_code == 200 and again.json()["changed"] is False
    assert deps.profiles.get(employee).personalisation_enabled is False
    on = api.put(path, "employee", employee, {"enabled": True})
    assert on.json()["changed"] is True and deps.profiles.get(employee).personalisation_enabled is True

    audited = sorted((r.decision["action"], r.outcome) for r in api_audit(deps, employee))
    assert audited == [("personalisation.disabled", "no_action"), ("personalisation.disabled", "succeeded"),
                       ("personalisation.enabled", "succeeded")]


def test_opted_out_check_ins_get_the_core_programme_and_others_are_unaffected(stack, hris, api):
    employee, manager = person(stack, hris)
    colleague, _ = person(stack, hris, manager_id=manager)
    hris.send(checkin(colleague, manager, [{"skill_id": "review", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    colleague_before = recs(api, colleague)

    assert api.put(f"/employees/{employee}/personalisation", "employee", employee,
                   {"enabled": False}).status_code == 200
    hris.send(checkin(employee, manager, [{"skill_id": "comms", "level": 1, "gap_flagged": True},
                                          {"skill_id": "review", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    core = recs(api, employee)
    # Mid stage: every benchmark is 2, so criticality orders design, review, comms; items up to level 2 in
    # catalog order. The flags (comms, review) do not change it.
    assert [r["item_id"] for r in core] == ["design-l1", "design-l2", "design-l2-practice"]
    assert all(r["factors"][0]["name"] == "core_programme_order" for r in core)
    detail = api.get(f"/employees/{employee}/recommendations/{core[0]['recommendation_id']}", "manager",
                     manager).json()
    assert detail["basis"] == "core_programme" and "Personalisation is off" in detail["explanation"]
    assert recs(api, colleague) == colleague_before  # isolation

    assert api.put(f"/employees/{employee}/personalisation", "employee", employee,
                   {"enabled": True}).status_code == 200
    hris.send(checkin(employee, manager, [{"skill_id": "comms", "level": 1, "gap_flagged": True}],
                      at="2026-10-02T10:00:00Z"))
    stack.wait_until_idle()
    newest = [r for r in recs(api, employee) if r["item_id"].startswith("comms")]
    assert newest and all({f["name"] for f in r["factors"]} >= {"gap_priority", "level_fit"} for r in newest)


def test_plan_changes_who_may_make_them(stack, hris, api):
    employee, manager = person(stack, hris)
    other_manager = person(stack, hris)[1]
    accept = [{"op": "accept", "item_id": "design-l2"}]
    assert patch_plan(api, employee, "employee", employee, accept).status_code == 200
    assert patch_plan(api, employee, "manager", manager, accept).status_code == 200
    assert patch_plan(api, employee, "hr_admin", "hr-1", accept).status_code == 403
    assert patch_plan(api, employee, "manager", other_manager, accept).status_code == 403
    assert patch_plan(api, employee, "employee", "emp-someone", accept).status_code == 403
    too_long = patch_plan(api, employee, "employee", employee,
                          [{"op": "decline", "item_id": "design-l2", "reason": "x" * 501}])
    assert too_long.status_code == 400 and too_long.json()["field"] == "changes.0.reason"
    unknown_field = patch_plan(api, employee, "employee", employee, [{"op": "accept", "item_id": "a", "b": 1}])
    assert unknown_field.status_code == 400 and unknown_field.json()["field"] == "changes.0.b"
    unknown_item = patch_plan(api, employee, "employee", employee, [{"op": "accept", "item_id": "nope"}])
    assert unknown_item.status_code == 422 and unknown_item.json()["field"] == "changes.0.item_id"


def test_what_was_decided_shapes_the_next_recommendations(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    reason = "Covered this in my previous team"
    by_manager = patch_plan(api, employee, "manager", manager, [
        {"op": "decline", "item_id": "design-l2", "reason": reason},
        {"op": "reorder", "skill_ids": ["review"]}])
    assert by_manager.status_code == 200, by_manager.text
    by_employee = patch_plan(api, employee, "employee", employee, [
        {"op": "add", "title": "Pair on three reviews with a senior", "skill_id": "review",
         "due_date": "2030-01-31"}])
    assert by_employee.status_code == 200, by_employee.text

    plan = api.get(f"/employees/{employee}/plan", "employee", employee).json()["plan"]
    declined = plan["item_decisions"]["design-l2"]
    assert declined["status"] == "declined" and declined["reason"] == reason
    assert declined["decided"]["subject"] == manager and declined["decided"]["role"] == "manager"
    action = plan["agreed_actions"][0]
    assert action["due_date"] == "2030-01-31" and action["added_by"]["role"] == "employee"
    assert [c["op"] for c in plan["changes"]] == ["decline", "reorder", "add"]
    assert plan["agreed_priorities"] == ["review"]

    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True},
                                          {"skill_id": "review", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    items = [r["item_id"] for r in recs(api, employee)]
    assert "design-l2" not in items  # declined: not re-suggested within the cooldown
    assert items[0] == "review-l2"  # the agreed priority comes first
    top = recs(api, employee)[0]
    assert "You and your manager agreed to prioritise Code review." in top["explanation"]
    factors = {f["name"]: f for f in top["factors"]}
    assert factors["agreed_priority"]["value"] == 1.0 and factors["agreed_priority"]["contribution"] > 0

    records = api_audit(deps, employee)
    assert sorted(r.decision["party"] for r in records) == ["employee", "manager"]
    dumped = " ".join(r.model_dump_json() for r in records)
    assert reason not in dumped and "Pair on three reviews" not in dumped
    assert any(r.decision.get("declined") == ["design-l2"] for r in records)


def test_the_new_routes_are_in_the_openapi_document(stack):
    spec = requests.get(stack.base_url + "/openapi.json", timeout=10).json()
    paths = spec["paths"]
    assert "get" in paths["/employees/{employee_id}/recommendations/{recommendation_id}"]
    assert paths["/employees/{employee_id}/plan"]["patch"]["requestBody"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/PlanPatch"}
    assert "requestBody" in paths["/employees/{employee_id}/personalisation"]["put"]
    schemas = spec["components"]["schemas"]
    assert {"PlanPatch", "DeclineItem", "AddAction", "PersonalisationRequest", "RecommendationDetail"} <= set(schemas)
