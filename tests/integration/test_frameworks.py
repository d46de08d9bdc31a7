"""Publishing framework versions: immutable history, and plans recomputed in batches for the employees."""

from __future__ import annotations

import math

import pytest
from coachwire.adapters.dynamo import DynamoCatalogStore
from coachwire.services import frameworks as framework_service

from tests.factories import catalog, framework
from tests.integration.conftest import checkin, completed, new_id, person, role_change, upsert


def v2_document() -> dict:
    data = framework().model_dump(mode="json")
    data["version"] = "2026.2"
    data["roles"][0]["stages"][2]["benchmarks"]["design"] = 4  # senior now needs design at 4
    return data


def test_publishing_a_version_refreshes_plans_in_batches_and_keeps_history(stack, hris, api, deps, monkeypatch):
    monkeypatch.setattr(framework_service, "BATCH_SIZE", 2)  # handlers run in this process: fan out visibly
    promoted = [person(stack, hris)[0] for _ in range(3)]
    for employee in promoted:
        hris.send(role_change(employee, "senior", "2026-10-01"))
    stack.wait_until_idle()
    before = {e: api.get(f"/employees/{e}/plan", "hr_admin", "hr-1").json()["plan"] for e in promoted}
    assert all(p["framework_version"] == "2026.1" for p in before.values())

    response = api.post("/frameworks", "hr_admin", "hr-1", {"framework": v2_document(),
                                                            "catalog": catalog().model_dump(mode="json")})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "published"
    stack.wait_until_idle()

    for employee in promoted:
        plan = api.get(f"/employees/{employee}/plan", "employee", employee).json()["plan"]
        assert plan["framework_version"] == "2026.2" and plan["source_event_id"].startswith("fwpub_eng_2026.2:")
        design = next(m for m in plan["milestones"] if m["skill_id"] == "design")
        assert design["target_level"] == 4 and plan["effective_date"] == before[employee]["effective_date"]
    fan_out = [r for r in deps.audit.for_event("fwpub_eng_2026.2") if r.trigger == "framework_recompute"]
    employees = sum(1 for _ in deps.profiles.employees_in_framework("eng"))
    assert [r.decision["batches"] for r in fan_out] == [math.ceil(employees / 2)]

    listed = api.get("/frameworks", "employee", promoted[0]).json()["frameworks"]
    assert [(f["framework_id"], f["current_version"], sorted(f["versions"])) for f in listed] == [
        ("eng", "2026.2", ["2026.1", "2026.2"])]
    old = api.get("/frameworks/eng/versions/2026.1", "manager", "anyone").json()
    assert old["roles"][0]["stages"][2]["benchmarks"]["design"] == 3  # history untouched
    diff = api.get("/frameworks/eng/diff", "hr_admin", "hr-1", **{"from": "2026.1", "to": "2026.2"}).json()
    assert diff["benchmarks_changed"] == [{"role_id": "swe", "stage": "senior", "skill_id": "design",
                                           "before": 3, "after": 4}]


def test_a_version_is_immutable_and_publishing_is_for_hr_admins(stack, api):
    body = {"framework": v2_document()}
    body["framework"]["version"] = "2026.3"
    assert api.post("/frameworks", "hr_admin", "hr-1", body).status_code == 201
    again = api.post("/frameworks", "hr_admin", "hr-1", body)
    assert (again.status_code, again.json()["status"]) == (200, "already_published")
    body["framework"]["name"] = "Engineering (edited)"
    conflict = api.post("/frameworks", "hr_admin", "hr-1", body)
    assert conflict.status_code == 409 and "2026.3" in conflict.json()["message"]
    assert api.get("/frameworks/eng/versions/2026.3", "hr_admin", "hr-1").json()["name"] == "Engineering"
    assert api.post("/frameworks", "manager", "m-1", body).status_code == 403


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda b: b["framework"]["roles"][0]["stages"][1]["benchmarks"].update(design=9), "framework"),
    (lambda b: b["framework"].pop("owner"), "framework.owner"),
    (lambda b: b.update(catalog={"framework_id": "other", "items": []}), "catalog"),
])
def test_an_invalid_framework_is_refused_with_the_field(stack, api, mutate, field):
    body = {"framework": v2_document()}
    body["framework"]["version"] = "2026.9"
    mutate(body)
    response = api.post("/frameworks", "hr_admin", "hr-1", body)
    assert response.status_code == 400 and response.json()["field"].startswith(field), response.text
    assert api.get("/frameworks/eng/versions/2026.9", "hr_admin", "hr-1").status_code == 404


def test_a_role_cannot_move_to_another_framework(stack, api):
    other = v2_document()
    other.update(framework_id="eng2", version="1")
    response = api.post("/frameworks", "hr_admin", "hr-1", {"framework": other})
    assert response.status_code == 409 and "swe" in response.json()["message"]
    assert api.get("/frameworks/eng2/versions/1", "hr_admin", "hr-1").status_code == 404


def test_events_in_a_vendors_ids_are_translated_through_a_crosswalk(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    stored = api.put("/frameworks/eng/crosswalks/lms-vendor", "hr_admin", "hr-1", {
        "source": "Example LMS skill taxonomy", "skills": {"VND-SK-17": "design"}, "items": {"COURSE-9": "design-l2"}})
    assert stored.status_code == 200, stored.text
    sent = hris.send(checkin(employee, manager, [{"skill_id": "VND-SK-17", "level": 1, "gap_flagged": True}]))
    assert sent.status == 202, sent.body
    stack.wait_until_idle()
    recs = api.get(f"/employees/{employee}/recommendations", "employee", employee).json()["recommendations"]
    assert recs and {r["skill_id"] for r in recs} == {"design"}
    done = hris.send(completed(employee, "COURSE-9", "2026-10-05T10:00:00Z", score=0.9))
    assert done.status == 202, done.body
    stack.wait_until_idle()
    assert "design-l2" in api.get(f"/employees/{employee}", "employee", employee).json()["completed_items"]

    unmapped = hris.send(checkin(employee, manager, [{"skill_id": "VND-SK-99", "level": 1}]))
    assert unmapped.status == 422 and unmapped.body["field"] == "data.skill_ratings.0.skill_id"
    assert "VND-SK-99" in unmapped.body["message"] and "crosswalks" in unmapped.body["message"]


def test_a_checkin_rating_one_skill_under_two_ids_is_refused_naming_the_second(stack, hris, api, deps, monkeypatch):
    """Translated, both ratings would name one skill: a check-in no trigger could take (it rates each skill once)."""
    monkeypatch.setattr(DynamoCatalogStore, "CACHE_SECONDS", 0.0)  # handlers run in this process: see it at once
    stored = api.put("/frameworks/eng/crosswalks/twice-vendor", "hr_admin", "hr-1", {
        "source": "Vendor with two ids for one skill", "skills": {"TW-REVIEW": "review", "TW-REVIEW-OLD": "review"}})
    assert stored.status_code == 200, stored.text
    employee, manager = person(stack, hris)
    for second in ("review", "TW-REVIEW-OLD"):
        sent = hris.send(checkin(employee, manager, [{"skill_id": "TW-REVIEW", "level": 1, "gap_flagged": True},
                                                     {"skill_id": second, "level": 2}]))
        assert (sent.status, sent.body.get("field")) == (422, "data.skill_ratings.1.skill_id"), sent.body
        assert "review" in sent.body["message"] and "TW-REVIEW" in sent.body["message"]
    stack.wait_until_idle()
    assert deps.profiles.get(employee).levels == {}

    # Sent before the employee's upsert, it is parked; replayed once they arrive, it is refused the same way.
    newcomer = new_id("emp")
    parked = hris.send(checkin(newcomer, manager, [{"skill_id": "TW-REVIEW", "level": 1},
                                                   {"skill_id": "review", "level": 2}]))
    assert (parked.status, parked.body["status"]) == (202, "parked"), parked.body
    assert hris.send(upsert(newcomer, manager)).status == 202
    stack.wait_until_idle()
    assert [(r.trigger, r.outcome, r.decision.get("field")) for r in deps.audit.for_event(parked.webhook_id)
            if r.outcome != "parked"] == [("ingest_webhook", "rejected", "data.skill_ratings.1.skill_id")]


def test_a_crosswalk_pointing_at_unknown_ids_is_refused(stack, api):
    bad = api.put("/frameworks/eng/crosswalks/broken", "hr_admin", "hr-1",
                  {"source": "x", "skills": {"A": "design", "B": "juggling"}, "items": {"C": "nope"}})
    assert bad.status_code == 400
    assert bad.json()["problems"] == ["skills.B: unknown skill 'juggling'", "items.C: unknown catalog item 'nope'"]
    stored = [c["crosswalk_id"] for c in api.get("/frameworks/eng/crosswalks", "hr_admin", "hr-1").json()]
    assert "broken" not in stored
    assert api.put("/frameworks/eng/crosswalks/x", "employee", "e-1", {"source": "x"}).status_code == 403


def test_a_catalog_in_a_vendors_skill_ids_is_translated_or_refused_by_name(stack, api):
    stored = api.put("/frameworks/eng/crosswalks/catalog-vendor", "hr_admin", "hr-1",
                     {"source": "Course vendor taxonomy", "skills": {"VENDOR-REVIEW": "review"}})
    assert stored.status_code == 200, stored.text
    body = {"framework": v2_document(), "catalog": catalog().model_dump(mode="json")}
    body["framework"]["version"] = "2026.4"
    body["catalog"]["items"].append({"item_id": "vendor-course-1", "title": "Reviewing for risk", "kind": "course",
                                     "skill_id": "VENDOR-REVIEW", "builds_level": 3, "duration_minutes": 90})
    published = api.post("/frameworks", "hr_admin", "hr-1", body)
    assert published.status_code == 201, published.text
    assert published.json()["translated_ids"] == {"VENDOR-REVIEW": "review"}

    body["framework"]["version"] = "2026.5"
    body["catalog"]["items"].append({"item_id": "vendor-course-2", "title": "Unmapped", "kind": "course",
                                     "skill_id": "VENDOR-UNKNOWN", "builds_level": 2, "duration_minutes": 30})
    refused = api.post("/frameworks", "hr_admin", "hr-1", body)
    assert refused.status_code == 400 and "VENDOR-UNKNOWN" in refused.json()["message"]
