"""role_change_plan: a move builds a transition plan from the new benchmark; an older move never rolls it back."""

from __future__ import annotations

from datetime import date

from coachwire.services.role_change_plan import role_change_plan

from tests.services.events import change_profile, hire, role_change


def test_a_promotion_builds_a_plan_ordered_by_gap_and_criticality_and_tells_the_employee(deps):
    hire(deps)
    newer = role_change("emp-1", "senior", "2026-10-01")
    result = role_change_plan(newer, deps)

    assert result.outcome == "succeeded"
    assert result.decision["gap_skills"] == ["design", "review", "comms"] and result.decision["milestones"] == 3
    profile = deps.profiles.get("emp-1")
    assert profile.career_stage == "senior" and profile.benchmark_snapshot == {"design": 3, "review": 3, "comms": 3}
    plan = deps.profiles.plan("emp-1")
    assert (plan.to_stage, plan.source_event_id, plan.plan_id) == ("senior", newer["event_id"],
                                                                   result.decision["plan_id"])
    assert [m.skill_id for m in plan.milestones] == ["design", "review", "comms"]
    assert all(m.target_level == 3 and m.recommended_item_ids for m in plan.milestones)
    dates = [m.target_date for m in plan.milestones]
    assert dates == sorted(dates) and len(set(dates)) == 3
    (note,) = deps.outbox.for_recipient("emp-1")
    assert note.kind == "transition_plan" and note.subject == "Your transition plan for Software Engineer"
    assert "move to senior Software Engineer" in note.body and "System design: level 0 → 3" in note.body


def test_a_late_older_role_change_does_not_roll_the_profile_or_plan_back(deps):
    hire(deps)
    role_change_plan(role_change("emp-1", "senior", "2026-10-01"), deps)
    plan, profile = deps.profiles.plan("emp-1"), deps.profiles.get("emp-1")
    older = role_change_plan(role_change("emp-1", "junior", "2026-09-01"), deps)
    assert (older.outcome, older.decision) == ("stale_ignored", {"reason": "effective_date_not_newer"})
    assert deps.profiles.plan("emp-1") == plan and deps.profiles.get("emp-1") == profile
    assert [n.kind for n in deps.outbox.for_recipient("emp-1")] == ["transition_plan"]


def test_a_redelivered_role_change_makes_one_plan_and_one_message(deps):
    hire(deps)
    payload = role_change("emp-1", "senior", "2026-10-01")
    first = role_change_plan(payload, deps)
    again = role_change_plan(payload, deps)
    assert again.outcome == "duplicate" and again.decision == first.decision
    assert len(deps.outbox.items) == 1 and deps.profiles.plan("emp-1").plan_id == first.decision["plan_id"]


def test_a_leaver_gets_no_plan(deps):
    hire(deps)
    change_profile(deps, "emp-1", leaving_date=date(2026, 9, 1))
    result = role_change_plan(role_change("emp-1", "senior", "2026-10-01"), deps)
    assert (result.outcome, result.decision) == ("no_action", {"reason": "employee_left"})
    assert deps.profiles.plan("emp-1") is None and deps.outbox.items == {}
    assert deps.profiles.get("emp-1").career_stage == "mid"
