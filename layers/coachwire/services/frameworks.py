"""Publishing framework versions, and recomputing what depends on them."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from coachwire import spine
from coachwire.domain import cocreation, plans
from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.recommender import core_gaps
from coachwire.models.coaching import EmployeeProfile
from coachwire.models.framework import Catalog, Framework
from coachwire.ports import ProfileChange
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import published_framework
from coachwire.services.model_versions import scorers
from coachwire.services.ranking import ranked, version_of
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee

BATCH_SIZE = 100  # employees per recompute message: well inside one Lambda's time limit
PUBLISH_CHUNK = 50  # batch messages handed to EventBridge at a time (10 per PutEvents call)
TRIGGER = "framework_recompute"


@dataclass(frozen=True)
class Published:
    framework_id: str
    version: str
    new: bool
    event_id: str


def publication_id(framework: Framework) -> str:
    return f"fwpub_{framework.framework_id}_{framework.version}"


def publish(deps: Dependencies, framework: Framework, catalog: Catalog | None) -> Published:
    """Store the version (immutable) and announce it. Re-publishing the same version is harmless: the
    announcement repeats and the recompute's receipts make it a no-op."""
    new = deps.catalog.publish(framework, catalog)
    event_id = publication_id(framework)
    deps.events.publish(spine.EVENT_SOURCE_INTERNAL, spine.FRAMEWORK_PUBLISHED,
                        {"event_id": event_id, "framework_id": framework.framework_id, "version": framework.version})
    return Published(framework.framework_id, framework.version, new, event_id)


def framework_recompute(detail: dict, deps: Dependencies) -> TriggerResult:
    if "employee_ids" in detail:
        return _recompute_batch(detail, deps)
    return _fan_out(detail, deps)


def _fan_out(detail: dict, deps: Dependencies) -> TriggerResult:
    """One message per BATCH_SIZE employees, published in parallel-processable pieces."""
    framework_id, version, parent = detail["framework_id"], detail["version"], detail["event_id"]
    ids = deps.profiles.employees_in_framework(framework_id)
    batches, pending = 0, []
    while chunk := list(islice(ids, BATCH_SIZE)):
        pending.append({"event_id": f"{parent}:{batches}", "framework_id": framework_id, "version": version,
                        "employee_ids": chunk})
        batches += 1
        if len(pending) == PUBLISH_CHUNK:  # stream: 100,000 employees never sit in memory at once
            deps.events.publish_many(spine.EVENT_SOURCE_INTERNAL, spine.FRAMEWORK_RECOMPUTE_BATCH, pending)
            pending = []
    if pending:
        deps.events.publish_many(spine.EVENT_SOURCE_INTERNAL, spine.FRAMEWORK_RECOMPUTE_BATCH, pending)
    return TriggerResult("succeeded" if batches else "no_action", f"framework:{framework_id}",
                         {"batches": batches, "version": version}, framework_version=version)


def _recompute_batch(detail: dict, deps: Dependencies) -> TriggerResult:
    framework = published_framework(deps, detail["framework_id"])
    if framework.version != detail["version"]:
        # A newer version was published since: its own recompute covers these employees.
        return TriggerResult("stale_ignored", f"framework:{framework.framework_id}",
                             {"current_version": framework.version, "requested_version": detail["version"]})
    catalog = deps.catalog.catalog(framework.framework_id)
    index = FrameworkIndex.of(framework)
    event_id = detail["event_id"]
    counts = {"plans_refreshed": 0, "no_plan": 0, "moved_on": 0, "duplicate": 0}
    for employee_id in detail["employee_ids"]:
        result = commit_for_employee(deps, employee_id, TRIGGER, event_id,
                                     _refresh_plan(deps, framework, catalog, index, event_id))
        counts[result.decision.get("result", "duplicate") if result.outcome != "duplicate" else "duplicate"] += 1
    return TriggerResult("succeeded", f"framework:{framework.framework_id}",
                         {**counts, "employees": len(detail["employee_ids"])}, framework_version=framework.version)


def _refresh_plan(deps: Dependencies, framework: Framework, catalog: Catalog, index: FrameworkIndex, event_id: str):
    def compute(profile: EmployeeProfile | None):
        if profile is None or profile.framework_id != framework.framework_id:
            return None, TriggerResult("no_action", profile.employee_id if profile else "", {"result": "moved_on"})
        plan = deps.profiles.plan(profile.employee_id)
        if plan is None:  # gaps are computed on read from the current version: nothing stored to refresh
            return None, TriggerResult("no_action", profile.employee_id, {"result": "no_plan"})
        gaps = index.gaps({k: v.level for k, v in profile.levels.items()}, profile.role_id, profile.career_stage)
        if not profile.personalisation_enabled:
            gaps = core_gaps(framework, profile.role_id, profile.career_stage)
        now = deps.clock.now()
        active = scorers(deps, framework, catalog).active
        scored = ranked(deps.settings, profile, framework, catalog, active, now.date(),
                        only_skills={g.skill_id for g in gaps}, skip_open=False)
        refreshed = plans.transition_plan(
            profile, (plan.from_role_id, plan.from_stage), gaps, framework, scored,
            recommender_version=version_of(profile, active), effective_date=plan.effective_date,
            days_per_level=deps.settings.plan_days_per_level, source_event_id=event_id, created_at=now)
        refreshed = cocreation.carry_over(refreshed, plan).model_copy(update={"kind": plan.kind})
        # The profile write carries the version check, so a plan change made meanwhile is not overwritten.
        return (ProfileChange(profile=profile, expected_version=profile.version, plan=refreshed),
                TriggerResult("succeeded", profile.employee_id, {"result": "plans_refreshed"},
                              framework_version=framework.version))
    return compute
