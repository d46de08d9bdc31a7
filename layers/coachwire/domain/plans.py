"""Transition development plans: ordered milestones from the gap analysis against the new role."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from coachwire.domain.gaps import SkillGap
from coachwire.domain.recommender import ScoredItem
from coachwire.models.coaching import DevelopmentPlan, EmployeeProfile, Milestone
from coachwire.models.framework import Framework

ITEMS_PER_MILESTONE = 2


def transition_plan(
    profile: EmployeeProfile,
    previous_role: tuple[str | None, str | None],
    gaps: list[SkillGap],
    framework: Framework,
    scored: list[ScoredItem],
    *,
    recommender_version: str,
    effective_date: date,
    days_per_level: int,
    source_event_id: str,
    created_at: datetime,
) -> DevelopmentPlan:
    """Milestones follow the gap order (largest weighted gap first); each one's target date leaves
    `days_per_level` days per level to close, one milestone after another.

    `scored` is the ranked candidates (services.ranking): the model's with personalisation on (declines in their
    cooldown already left out, agreed priorities among its factors), the core programme's with it off, when the
    caller also passes the core gaps (recommender.core_gaps). Each milestone takes its skill's best items."""
    milestones = []
    due = effective_date
    for order, gap in enumerate(gaps, start=1):
        due = due + timedelta(days=days_per_level * gap.gap)
        items = [s.item.item_id for s in scored if s.gap.skill_id == gap.skill_id][:ITEMS_PER_MILESTONE]
        milestones.append(Milestone(order=order, skill_id=gap.skill_id, skill_name=gap.skill_name,
                                    current_level=gap.current_level, target_level=gap.target_level,
                                    recommended_item_ids=items, target_date=due))
    digest = hashlib.sha256(f"{profile.employee_id}|{source_event_id}".encode()).hexdigest()[:20]
    return DevelopmentPlan(
        plan_id=f"plan_{digest}",
        employee_id=profile.employee_id,
        from_role_id=previous_role[0],
        from_stage=previous_role[1],
        to_role_id=profile.role_id,
        to_stage=profile.career_stage,
        effective_date=effective_date,
        milestones=milestones,
        framework_id=framework.framework_id,
        framework_version=framework.version,
        recommender_version=recommender_version,
        source_event_id=source_event_id,
        created_at=created_at,
    )
