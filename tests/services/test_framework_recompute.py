"""framework_recompute: a published version fans out in batches; each batch refreshes stored plans once."""

from __future__ import annotations

from datetime import date

import pytest
from coachwire import spine
from coachwire.models.framework import Framework
from coachwire.ports import VersionConflict
from coachwire.services import frameworks
from coachwire.services.frameworks import framework_recompute, publication_id
from coachwire.services.rights import profile_lifecycle
from coachwire.services.role_change_plan import role_change_plan

from tests.factories import catalog, framework
from tests.services.events import hire, left, role_change


def raised_senior_design() -> Framework:
    """2026.2: the senior benchmark for System design goes from 3 to 4."""
    data = framework().model_dump(mode="json")
    data["version"] = "2026.2"
    data["roles"][0]["stages"][2]["benchmarks"]["design"] = 4
    return Framework.model_validate(data)


def batch(employee_ids, version="2026.2", event_id="fwpub_eng_2026.2:0") -> dict:
    return {"event_id": event_id, "framework_id": "eng", "version": version, "employee_ids": employee_ids}


def test_publishing_stores_the_version_once_and_announces_it_each_time(deps):
    new = frameworks.publish(deps, raised_senior_design(), None)
    again = frameworks.publish(deps, raised_senior_design(), None)
    assert (new.new, again.new) == (True, False) and deps.catalog.framework("eng").version == "2026.2"
    assert deps.events.details(spine.FRAMEWORK_PUBLISHED) == [
        {"event_id": "fwpub_eng_2026.2", "framework_id": "eng", "version": "2026.2"}] * 2
    with pytest.raises(VersionConflict):
        frameworks.publish(deps, raised_senior_design().model_copy(update={"name": "Other"}), None)


def test_the_fan_out_sends_every_current_employee_in_batches_and_skips_leavers(deps, monkeypatch):
    for n in range(1, 4):
        hire(deps, f"emp-{n}", "mgr-1")
    profile_lifecycle(left("emp-3", date(2026, 9, 30)), deps)
    monkeypatch.setattr(frameworks, "BATCH_SIZE", 2)
    parent = publication_id(framework())
    result = framework_recompute({"event_id": parent, "framework_id": "eng", "version": "2026.1"}, deps)
    assert (result.outcome, result.decision) == ("succeeded", {"batches": 2, "version": "2026.1"})
    sent = deps.events.details(spine.FRAMEWORK_RECOMPUTE_BATCH)
    assert [b["event_id"] for b in sent] == [f"{parent}:0", f"{parent}:1"]
    assert sorted(e for b in sent for e in b["employee_ids"]) == ["emp-1", "emp-2", "mgr-1"]


def test_a_framework_with_no_one_in_it_fans_out_nothing(deps):
    result = framework_recompute({"event_id": "fwpub_x", "framework_id": "nobody", "version": "1"}, deps)
    assert (result.outcome, result.decision["batches"]) == ("no_action", 0) and deps.events.published == []


def test_a_batch_refreshes_stored_plans_to_the_new_benchmark_and_counts_the_rest(deps):
    hire(deps, "emp-1")
    hire(deps, "emp-2")
    role_change_plan(role_change("emp-1", "senior", "2026-10-01"), deps)
    before = deps.profiles.plan("emp-1")
    assert {m.skill_id: m.target_level for m in before.milestones}["design"] == 3
    deps.catalog.publish(raised_senior_design(), catalog())

    result = framework_recompute(batch(["emp-1", "emp-2", "emp-404"]), deps)
    assert result.decision == {"plans_refreshed": 1, "no_plan": 1, "moved_on": 1, "duplicate": 0, "employees": 3}
    after = deps.profiles.plan("emp-1")
    assert {m.skill_id: m.target_level for m in after.milestones}["design"] == 4
    assert after.source_event_id == "fwpub_eng_2026.2:0" and after.kind == before.kind
    assert deps.profiles.plan("emp-2") is None
    assert deps.outbox.for_recipient("emp-1")[0].kind == "transition_plan"  # the refresh sends nothing new
    assert len(deps.outbox.for_recipient("emp-1")) == 1


def test_a_redelivered_batch_refreshes_nothing_twice(deps):
    hire(deps)
    role_change_plan(role_change("emp-1", "senior", "2026-10-01"), deps)
    deps.catalog.publish(raised_senior_design(), catalog())
    framework_recompute(batch(["emp-1"]), deps)
    version = deps.profiles.get("emp-1").version
    again = framework_recompute(batch(["emp-1"]), deps)
    assert again.decision["duplicate"] == 1 and again.decision["plans_refreshed"] == 0
    assert deps.profiles.get("emp-1").version == version


def test_a_batch_for_a_superseded_version_is_left_to_the_newer_recompute(deps):
    hire(deps)
    role_change_plan(role_change("emp-1", "senior", "2026-10-01"), deps)
    plan = deps.profiles.plan("emp-1")
    deps.catalog.publish(raised_senior_design(), catalog())
    result = framework_recompute(batch(["emp-1"], version="2026.1", event_id="fwpub_eng_2026.1:0"), deps)
    assert (result.outcome, result.decision) == ("stale_ignored", {"current_version": "2026.2",
                                                                   "requested_version": "2026.1"})
    assert deps.profiles.plan("emp-1") == plan
