"""checkin_gap_nudge: a flagged gap assigns learning for that skill and nudges the employee, once."""

from __future__ import annotations

from datetime import date

import pytest
from coachwire.errors import UnknownReference
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge

from tests.services.events import change_profile, checkin, gap, hire


def test_a_flagged_gap_assigns_next_level_learning_for_that_skill_and_queues_one_nudge(deps):
    hire(deps)
    result = checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1), gap("review", 2, flagged=False)]), deps)

    assert result.outcome == "succeeded"
    assert result.decision == {"applied_ratings": 2, "flagged_skills": ["design"], "basis": "personalised",
                               "recommended_items": ["design-l2", "design-l2-practice"]}
    assert result.framework_version == "2026.1" and result.recommender_version
    recs = deps.profiles.recommendations("emp-1")
    assert {(r.item_id, r.skill_id, r.target_level) for r in recs} == {("design-l2", "design", 2),
                                                                      ("design-l2-practice", "design", 2)}
    assert all(r.trigger == "checkin_gap_nudge" and r.status == "open" for r in recs)
    assert "check-in put System design at level 1" in recs[0].explanation
    profile = deps.profiles.get("emp-1")
    assert {k: v.level for k, v in profile.levels.items()} == {"design": 1, "review": 2}
    assert profile.open_items == {r.item_id: r.recommendation_id for r in recs}

    (note,) = deps.outbox.for_recipient("emp-1")
    assert result.notification_ids == (note.notification_id,)
    assert (note.kind, note.status, note.recipient_email) == ("nudge", "pending", "emp-1@example.com")
    assert note.subject == "Your next step in System design"
    assert "Design level 2" in note.body and "Design a queue-based service" in note.body
    assert deps.email.sent == []  # queued for delivery, not sent by the trigger


def test_ratings_without_a_flag_are_recorded_but_assign_and_send_nothing(deps):
    before = hire(deps)
    result = checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1, flagged=False)]), deps)
    assert result.outcome == "no_action" and result.decision["flagged_skills"] == []
    assert deps.profiles.recommendations("emp-1") == [] and deps.outbox.items == {}
    after = deps.profiles.get("emp-1")
    assert after.levels["design"].level == 1 and after.version == before.version + 1


def test_a_redelivered_checkin_is_a_duplicate_that_writes_and_queues_nothing_again(deps):
    hire(deps)
    payload = checkin("emp-1", "mgr-1", [gap("comms", 1)], event_id="msg_three_times")
    first = checkin_gap_nudge(payload, deps)
    version = deps.profiles.get("emp-1").version
    again = [checkin_gap_nudge(payload, deps) for _ in range(2)]

    assert [r.outcome for r in again] == ["duplicate", "duplicate"]
    assert all(r.notification_ids == first.notification_ids and r.decision == first.decision for r in again)
    assert sorted(r.item_id for r in deps.profiles.recommendations("emp-1")) == ["comms-l2", "comms-l3"]
    assert len(deps.outbox.items) == 1
    assert deps.profiles.get("emp-1").version == version


def test_a_checkin_older_than_the_ratings_held_changes_nothing(deps):
    hire(deps)
    checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 2, flagged=False)], at="2026-10-01T10:00:00Z"), deps)
    held = deps.profiles.get("emp-1")
    late = checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)], at="2026-09-20T10:00:00Z"), deps)
    assert (late.outcome, late.decision) == ("stale_ignored", {"reason": "ratings_not_newer"})
    assert deps.profiles.get("emp-1") == held
    assert deps.profiles.recommendations("emp-1") == [] and deps.outbox.items == {}


def test_an_opted_out_employee_gets_the_core_programme_and_feeds_no_training_history(deps):
    hire(deps)
    change_profile(deps, "emp-1", personalisation_enabled=False)
    result = checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)]), deps)
    assert result.outcome == "succeeded" and result.decision["basis"] == "core_programme"
    recs = deps.profiles.recommendations("emp-1")
    assert recs and {r.basis for r in recs} == {"core_programme"}
    assert list(deps.profiles.history(["2026-10"])) == []


def test_a_personalised_checkin_keeps_the_ratings_as_training_history(deps):
    hire(deps)
    checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)], event_id="msg_hist"), deps)
    (entry,) = deps.profiles.history(["2026-10"])
    assert entry.entry_id == "msg_hist" and [(a.skill_id, a.level) for a in entry.assessments] == [("design", 1)]


def test_a_leaver_past_their_leaving_date_gets_no_nudge(deps):
    hire(deps)
    change_profile(deps, "emp-1", leaving_date=date(2026, 9, 28))
    result = checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)]), deps)
    assert (result.outcome, result.decision) == ("no_action", {"reason": "employee_left"})
    assert deps.profiles.recommendations("emp-1") == [] and deps.outbox.items == {}


def test_someone_leaving_later_is_coached_until_the_day(deps):
    hire(deps)
    change_profile(deps, "emp-1", leaving_date=date(2026, 10, 1))  # today: still works here
    assert checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)]), deps).outcome == "succeeded"
    assert [n.kind for n in deps.outbox.for_recipient("emp-1")] == ["nudge"]


def test_an_unknown_employee_is_a_field_named_error(deps):
    with pytest.raises(UnknownReference) as err:
        checkin_gap_nudge(checkin("emp-404", "mgr-1", [gap("design", 1)]), deps)
    assert err.value.field == "data.employee_id"
