"""learning_next_step: a completion is evidence, closes its recommendation and queues a next step never done."""

from __future__ import annotations

from datetime import date

from coachwire.services.checkin_gap_nudge import checkin_gap_nudge
from coachwire.services.learning_next_step import learning_next_step

from tests.services.events import change_profile, checkin, completed, gap, hire


def assigned(deps):
    hire(deps)
    checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)]), deps)
    return {r.item_id: r for r in deps.profiles.recommendations("emp-1")}


def test_a_passed_course_raises_the_level_closes_its_recommendation_and_suggests_the_next_gap(deps):
    first = assigned(deps)
    result = learning_next_step(completed("emp-1", "design-l2", "2026-10-05T15:00:00Z", score=0.95), deps)

    assert result.outcome == "succeeded"
    assert result.decision == {"completed_item": "design-l2", "level_raised": True,
                               "closed_recommendation": first["design-l2"].recommendation_id,
                               "basis": "personalised", "next_item": "review-l1"}
    by_item = {r.item_id: r for r in deps.profiles.recommendations("emp-1")}
    assert by_item["design-l2"].status == "done"
    # Design now meets the mid benchmark (2); the largest remaining weighted gap is review (0 → 2).
    newest = next(r for r in by_item.values() if r.trigger == "learning_next_step")
    assert (newest.item_id, newest.skill_id) == ("review-l1", "review")
    profile = deps.profiles.get("emp-1")
    assert (profile.levels["design"].level, profile.levels["design"].source) == (2, "learning")
    assert "design-l2" in profile.completed_items and "design-l2" not in profile.open_items
    assert profile.open_items["review-l1"] == newest.recommendation_id
    note = next(n for n in deps.outbox.for_recipient("emp-1") if n.kind == "next_step")
    assert "Nice work finishing \u201cDesign level 2\u201d" in note.body and "Review level 1" in note.body


def test_the_next_step_is_never_something_already_done(deps):
    """design-l1 is the first pick for a new mid engineer (largest weighted gap); once done, even failed (the level
    stays 0), it is never suggested again."""
    hire(deps)
    hire(deps, "emp-2")
    control = learning_next_step(completed("emp-2", "comms-l1", "2026-10-02T15:00:00Z", score=0.95), deps)
    assert control.decision["next_item"] == "design-l1"

    result = learning_next_step(completed("emp-1", "design-l1", "2026-10-02T15:00:00Z", score=0.2), deps)
    assert result.decision["level_raised"] is False and result.decision["next_item"] == "review-l1"
    assert "design-l1" not in {r.item_id for r in deps.profiles.recommendations("emp-1")}


def test_completing_the_same_activity_again_is_recognised_not_re_recommended(deps):
    assigned(deps)
    learning_next_step(completed("emp-1", "design-l2", "2026-10-05T15:00:00Z", score=0.95), deps)
    held = deps.profiles.get("emp-1")
    again = learning_next_step(completed("emp-1", "design-l2", "2026-10-06T15:00:00Z", score=0.95), deps)
    assert (again.outcome, again.decision) == ("no_action", {"reason": "already_completed", "item_id": "design-l2"})
    assert deps.profiles.get("emp-1") == held
    assert [r.trigger for r in deps.profiles.recommendations("emp-1") if r.item_id == "design-l2"] == [
        "checkin_gap_nudge"]


def test_a_failed_course_is_evidence_of_activity_but_raises_no_level(deps):
    assigned(deps)
    result = learning_next_step(completed("emp-1", "design-l2", "2026-10-05T15:00:00Z", score=0.2), deps)
    assert result.outcome == "succeeded" and result.decision["level_raised"] is False
    profile = deps.profiles.get("emp-1")
    assert profile.levels["design"].level == 1 and len(profile.activity_dates) == 1


def test_a_redelivered_completion_closes_and_suggests_once(deps):
    assigned(deps)
    payload = completed("emp-1", "design-l2", "2026-10-05T15:00:00Z", score=0.95)
    first = learning_next_step(payload, deps)
    again = learning_next_step(payload, deps)
    assert again.outcome == "duplicate" and again.notification_ids == first.notification_ids
    assert len([r for r in deps.profiles.recommendations("emp-1") if r.trigger == "learning_next_step"]) == 1
    assert len(deps.outbox.items) == 2  # the check-in's nudge and one next step


def test_a_leaver_gets_no_next_step(deps):
    assigned(deps)
    change_profile(deps, "emp-1", leaving_date=date(2026, 9, 30))
    result = learning_next_step(completed("emp-1", "design-l2", "2026-10-05T15:00:00Z", score=0.95), deps)
    assert (result.outcome, result.decision) == ("no_action", {"reason": "employee_left"})
    assert [n.kind for n in deps.outbox.for_recipient("emp-1")] == ["nudge"]
