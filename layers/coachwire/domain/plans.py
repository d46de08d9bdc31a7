"""Transition development plans: ordered milestones from the gap analysis against the new role."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from coachwire.domain.gaps import SkillGap
from coachwire.domain.recommender import RECOMMENDER_VERSION, core_curriculum, score_candidates
from coachwire.models.coaching import DevelopmentPlan, EmployeeProfile, Milestone
from coachwire.models.framework import Catalog, Framework

ITEMS_PER_MILESTONE = 2


def transition_plan(
    profile: EmployeeProfile,
    previous_role: tuple[str | None, str | None],
    gaps: list[SkillGap],
    framework: Framework,
    catalog: Catalog,
    *,
    effective_date: date,
    days_per_level: int,
    source_event_id: str,
    created_at: datetime,
    declined: frozenset[str] = frozenset(),
    agreed_priorities: tuple[str, ...] = (),
) -> DevelopmentPlan:
    """Milestones follow the gap order (largest weighted gap first); each one's target date leaves
    `days_per_level` days per level to close, one milestone after another.

    With personalisation off the caller passes the core gaps (recommender.core_gaps) and the items come
    from the core programme; otherwise declined items are left out and agreed priorities rank items."""
    if not profile.personalisation_enabled:
        scored = core_curriculum(framework, catalog, profile.role_id, profile.career_stage,
                                 skip_items=set(profile.completed_items))
    else:
        scored = score_candidates(gaps, catalog, flagged_skills=set(profile.flagged_skills),
                                  exclude_items={*profile.completed_items, *declined},
                                  agreed_priorities=agreed_priorities)
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
        recommender_version=RECOMMENDER_VERSION,
        source_event_id=source_event_id,
        created_at=created_at,
    )
