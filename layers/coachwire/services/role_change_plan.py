"""A role or level change → gaps against the new role's benchmark and a transition plan."""

from __future__ import annotations

from coachwire.domain import cocreation, messages, plans
from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.profiles import (
    apply_role_change,
)
from coachwire.domain.recommender import core_gaps
from coachwire.domain.retention import has_left
from coachwire.models.coaching import (
    EmployeeProfile,
)
from coachwire.models.events import (
    CanonicalEvent,
    RoleChanged,
)
from coachwire.services.coaching import (
    acted,
    basis_of,
    benchmarks_of,
    left_result,
    levels_of,
    message_meta,
    require_profile,
)
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import framework_for_role
from coachwire.services.model_versions import scorers
from coachwire.services.ranking import ranked, version_of
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee


def role_change_plan(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    change = event.parsed_as(RoleChanged)
    framework = framework_for_role(deps, change.role_id)
    now = deps.clock.now()

    def compute(profile: EmployeeProfile | None):
        profile = require_profile(profile, change.employee_id)
        if has_left(profile, now.date()):
            return None, left_result(profile)
        updated = apply_role_change(profile, change, framework)
        if updated is None:
            return None, TriggerResult("stale_ignored", profile.employee_id,
                                       {"reason": "effective_date_not_newer"})
        index = FrameworkIndex.of(framework)
        gaps = index.gaps(levels_of(updated), updated.role_id, updated.career_stage)
        if not updated.personalisation_enabled:
            gaps = core_gaps(framework, updated.role_id, updated.career_stage)
        catalog = deps.catalog.catalog(framework.framework_id)
        active = scorers(deps, framework, catalog).active
        scored = ranked(deps.settings, updated, framework, catalog, active, now.date(),
                        only_skills={g.skill_id for g in gaps}, skip_open=False)
        version = version_of(updated, active)
        plan = plans.transition_plan(
            updated,
            (change.previous_role_id or profile.role_id, change.previous_career_stage or profile.career_stage),
            gaps, framework, scored, recommender_version=version,
            effective_date=change.effective_date, days_per_level=deps.settings.plan_days_per_level,
            source_event_id=event.event_id, created_at=now)
        plan = cocreation.carry_over(plan, deps.profiles.plan(profile.employee_id))
        updated = updated.model_copy(update={"benchmark_snapshot": benchmarks_of(index, updated)})
        role = framework.role(change.role_id)
        note = messages.plan_ready(updated, plan, role.name if role else change.role_id,
                                   **message_meta(event, "role_change_plan", now))
        decision = {"plan_id": plan.plan_id, "milestones": len(plan.milestones),
                    "gap_skills": [g.skill_id for g in gaps], "role_id": change.role_id,
                    "career_stage": change.career_stage, "basis": basis_of(updated)}
        return acted(profile, updated, note, decision, framework, version, plan=plan)

    return commit_for_employee(deps, change.employee_id, "role_change_plan", event.event_id, compute)
