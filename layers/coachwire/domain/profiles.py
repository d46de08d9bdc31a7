"""Applying HRIS facts to a profile. Each function returns a new profile (or None when the event is
older than what the profile already reflects), so out-of-order delivery never rolls state back."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from coachwire.errors import UnknownReference
from coachwire.models.coaching import EmployeeProfile, RoleMove, SkillAssessment
from coachwire.models.events import CheckinSubmitted, EmployeeUpserted, LearningCompleted, RoleChanged
from coachwire.models.framework import CatalogItem, Framework

# A completion with at least this scaled score counts as evidence for the level the item builds.
PASSING_SCORE = 0.8
ACTIVITY_HISTORY_DAYS = 400
# Role moves kept per person for the mobility metric (oldest dropped first).
ROLE_MOVES_KEPT = 10


def check_role(framework: Framework, role_id: str, stage: str, field_prefix: str = "data") -> None:
    role = framework.role(role_id)
    if role is None:
        raise UnknownReference(f"{field_prefix}.role_id", f"unknown role '{role_id}'")
    if role.stage(stage) is None:
        known = ", ".join(s.stage for s in role.stages)
        raise UnknownReference(f"{field_prefix}.career_stage", f"unknown stage '{stage}' for role '{role_id}' "
                                                             f"(known: {known})")


def check_ratings(framework: Framework, checkin: CheckinSubmitted) -> None:
    for i, rating in enumerate(checkin.skill_ratings):
        if framework.skill(rating.skill_id) is None:
            raise UnknownReference(f"data.skill_ratings.{i}.skill_id",
                                   f"unknown skill '{rating.skill_id}' (not in framework {framework.framework_id} "
                                   "nor its crosswalks)")
        if not 1 <= rating.level <= framework.top_level:
            raise UnknownReference(f"data.skill_ratings.{i}.level",
                                   f"level {rating.level} is outside the scale 1..{framework.top_level}")


def new_profile(data: EmployeeUpserted, framework: Framework, source_time: datetime) -> EmployeeProfile:
    check_role(framework, data.role_id, data.career_stage)
    return EmployeeProfile(
        employee_id=data.employee_id,
        manager_id=data.manager_id,
        role_id=data.role_id,
        career_stage=data.career_stage,
        framework_id=framework.framework_id,
        email=data.email,
        display_name=data.display_name,
        hire_date=data.hire_date,
        hris_updated_at=source_time,
    )


def apply_upsert(profile: EmployeeProfile, data: EmployeeUpserted, framework: Framework,
                 source_time: datetime) -> EmployeeProfile | None:
    if profile.hris_updated_at and source_time <= profile.hris_updated_at:
        return None
    check_role(framework, data.role_id, data.career_stage)
    changes: dict = {
        "manager_id": data.manager_id,
        "email": data.email,
        "display_name": data.display_name,
        "hire_date": data.hire_date,
        "hris_updated_at": source_time,
    }
    # Rehired after leaving (or a leaving date the HRIS withdrew by re-hiring): the erasure mark no longer holds.
    if profile.leaving_date is not None and data.hire_date > profile.leaving_date:
        changes.update(leaving_date=None, erase_after=None, left_recorded_at=None, leaving_reason=None)
    # A dated role change outranks an upsert that was stamped before it took effect.
    if profile.role_effective_date is None or source_time.date() > profile.role_effective_date:
        changes.update(role_id=data.role_id, career_stage=data.career_stage, framework_id=framework.framework_id)
    return profile.model_copy(update=changes)


def apply_checkin(profile: EmployeeProfile, checkin: CheckinSubmitted, framework: Framework
                  ) -> tuple[EmployeeProfile, list[str]]:
    """Returns the updated profile and the skills whose rating was applied (newer than what we hold)."""
    check_ratings(framework, checkin)
    levels = dict(profile.levels)
    applied: list[str] = []
    for rating in checkin.skill_ratings:
        held = levels.get(rating.skill_id)
        if held and held.assessed_at >= checkin.submitted_at:
            continue
        levels[rating.skill_id] = SkillAssessment(
            level=rating.level,
            assessed_at=checkin.submitted_at,
            source="checkin",
            evidence_id=checkin.checkin_id,
            previous_level=held.level if held else None,
        )
        applied.append(rating.skill_id)
    flagged = [r.skill_id for r in checkin.skill_ratings if r.gap_flagged and r.skill_id in applied]
    still_flagged = [s for s in profile.flagged_skills if s not in applied]
    return profile.model_copy(update={"levels": levels, "flagged_skills": still_flagged + flagged}), applied


def apply_role_change(profile: EmployeeProfile, change: RoleChanged, framework: Framework) -> EmployeeProfile | None:
    check_role(framework, change.role_id, change.career_stage)
    if profile.role_effective_date and change.effective_date <= profile.role_effective_date:
        return None
    move = RoleMove(effective_date=change.effective_date, role_id=change.role_id, career_stage=change.career_stage,
                    previous_role_id=change.previous_role_id or profile.role_id,
                    previous_career_stage=change.previous_career_stage or profile.career_stage,
                    move_kind=change.move_kind, requisition_id=change.requisition_id)
    return profile.model_copy(update={
        "role_id": change.role_id,
        "career_stage": change.career_stage,
        "framework_id": framework.framework_id,
        "role_effective_date": change.effective_date,
        "role_moves": [*profile.role_moves, move][-ROLE_MOVES_KEPT:],
    })


def apply_completion(profile: EmployeeProfile, done: LearningCompleted, item: CatalogItem
                     ) -> tuple[EmployeeProfile, bool]:
    """Record the completion as evidence. Returns (profile, level_raised)."""
    completed = list(dict.fromkeys([*profile.completed_items, item.item_id]))
    horizon = done.completed_at - timedelta(days=ACTIVITY_HISTORY_DAYS)
    activity = sorted({*(d for d in profile.activity_dates if d >= horizon), done.completed_at})
    levels = dict(profile.levels)
    held = levels.get(item.skill_id)
    current = held.level if held else 0
    raised = (
        done.score is not None
        and done.score >= PASSING_SCORE
        and item.builds_level == current + 1
        and (held is None or held.assessed_at < done.completed_at)
    )
    if raised:
        levels[item.skill_id] = SkillAssessment(
            level=item.builds_level,
            assessed_at=done.completed_at,
            source="learning",
            evidence_id=done.activity_id,
            previous_level=current or None,
        )
    return profile.model_copy(update={"completed_items": completed, "activity_dates": activity,
                                      "levels": levels}), raised


def activities_between(profile: EmployeeProfile, start: date, end: date) -> int:
    return sum(1 for d in profile.activity_dates if start < d.date() <= end)
