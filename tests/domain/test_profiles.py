from datetime import UTC, date, datetime, timedelta

import pytest
from coachwire.domain.profiles import apply_checkin, apply_completion, apply_role_change, apply_upsert
from coachwire.errors import UnknownReference
from coachwire.models.events import CheckinSubmitted, EmployeeUpserted, LearningCompleted, RoleChanged

from tests.factories import T0, catalog, framework, profile


def checkin(at, ratings, checkin_id="ci-1"):
    return CheckinSubmitted(checkin_id=checkin_id, employee_id="emp-1", manager_id="emp-9", submitted_at=at,
                            skill_ratings=ratings)


def test_newer_ratings_apply_and_remember_the_previous_level():
    later = T0 + timedelta(days=30)
    updated, applied = apply_checkin(profile({"design": 2}), checkin(later, [
        {"skill_id": "design", "level": 1, "gap_flagged": True}]), framework())
    assert applied == ["design"]
    assert updated.levels["design"].level == 1 and updated.levels["design"].previous_level == 2
    assert updated.flagged_skills == ["design"]


def test_an_older_checkin_arriving_late_does_not_roll_levels_back():
    current = profile({"design": 3})
    earlier = T0 - timedelta(days=10)
    updated, applied = apply_checkin(current, checkin(earlier, [{"skill_id": "design", "level": 1}]), framework())
    assert applied == [] and updated.levels["design"].level == 3


@pytest.mark.parametrize(("rating", "field"), [
    ({"skill_id": "juggling", "level": 2}, "data.skill_ratings.0.skill_id"),
    ({"skill_id": "design", "level": 5}, "data.skill_ratings.0.level"),
])
def test_unknown_skills_and_levels_outside_the_scale_name_the_field(rating, field):
    with pytest.raises(UnknownReference) as err:
        apply_checkin(profile(), checkin(T0, [rating]), framework())
    assert err.value.field == field


def test_role_changes_apply_only_when_newer():
    fw = framework()
    promoted = apply_role_change(profile(), RoleChanged(employee_id="emp-1", role_id="swe", career_stage="senior",
                                                        effective_date=date(2026, 10, 1)), fw)
    assert promoted.career_stage == "senior" and promoted.role_effective_date == date(2026, 10, 1)
    stale = RoleChanged(employee_id="emp-1", role_id="swe", career_stage="junior", effective_date=date(2026, 9, 1))
    assert apply_role_change(promoted, stale, fw) is None


def test_an_upsert_stamped_before_a_role_change_keeps_the_new_role():
    fw = framework()
    promoted = profile(career_stage="senior", role_effective_date=date(2026, 10, 1),
                       hris_updated_at=datetime(2026, 9, 1, tzinfo=UTC))
    upsert = EmployeeUpserted(employee_id="emp-1", manager_id="emp-8", role_id="swe", career_stage="mid",
                              email="ada@example.com", display_name="Ada Example", hire_date=date(2024, 1, 15))
    updated = apply_upsert(promoted, upsert, fw, datetime(2026, 9, 20, tzinfo=UTC))
    assert updated.career_stage == "senior" and updated.manager_id == "emp-8"
    assert apply_upsert(updated, upsert, fw, datetime(2026, 9, 5, tzinfo=UTC)) is None


def test_a_passing_completion_of_the_next_level_raises_the_level():
    item = next(i for i in catalog().items if i.item_id == "design-l2")
    done = LearningCompleted(employee_id="emp-1", activity_id="design-l2", completed_at=T0 + timedelta(days=3),
                             score=0.9)
    updated, raised = apply_completion(profile({"design": 1}), done, item)
    assert raised and updated.levels["design"].level == 2 and updated.levels["design"].source == "learning"
    assert updated.completed_items == ["design-l2"] and len(updated.activity_dates) == 1


def test_completion_without_a_passing_score_is_activity_but_not_proof_of_level():
    item = next(i for i in catalog().items if i.item_id == "design-l2")
    done = LearningCompleted(employee_id="emp-1", activity_id="design-l2", completed_at=T0 + timedelta(days=3))
    updated, raised = apply_completion(profile({"design": 1}), done, item)
    assert not raised and updated.levels["design"].level == 1 and updated.completed_items == ["design-l2"]
