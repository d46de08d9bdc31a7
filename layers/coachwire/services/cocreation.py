"""Co-creation from the API: the personalisation switch and plan changes.

Both go through commit_for_employee like the triggers: read → decide → commit the profile (version-checked),
the plan and a receipt in one transaction, re-reading on a lost race. Each request has its own id, which is
the receipt's and the audit record's event id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from coachwire.domain import cocreation
from coachwire.errors import UnknownReference
from coachwire.models.coaching import Attribution, AuditRecord, DevelopmentPlan, EmployeeProfile, PartyRole
from coachwire.models.cocreation import PlanPatch
from coachwire.ports import ProfileChange
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import published_framework
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee

PERSONALISATION = "api_personalisation"
PLAN_CHANGE = "api_plan_change"


@dataclass(frozen=True)
class Outcome:
    request_id: str
    result: TriggerResult
    profile: EmployeeProfile | None = None
    plan: DevelopmentPlan | None = None


def _request_id(kind: str) -> str:
    return f"{kind}_{uuid.uuid4().hex[:20]}"


def _require(profile: EmployeeProfile | None, employee_id: str) -> EmployeeProfile:
    if profile is None:
        raise UnknownReference("employee_id", f"unknown employee '{employee_id}'")
    return profile


def set_personalisation(deps: Dependencies, employee_id: str, enabled: bool, requested_by: str) -> Outcome:
    """Idempotent: asking for the current position changes nothing (outcome no_action), and is still logged."""
    request_id = _request_id("pers")
    now = deps.clock.now()
    seen: dict[str, EmployeeProfile] = {}

    def compute(profile: EmployeeProfile | None):
        profile = _require(profile, employee_id)
        updated = cocreation.set_personalisation(profile, enabled, now)
        decision = {"action": "personalisation.enabled" if enabled else "personalisation.disabled",
                    "requested_by": requested_by}
        if updated is None:
            seen["profile"] = profile
            return None, TriggerResult("no_action", employee_id, {**decision, "changed": False})
        seen["profile"] = updated.model_copy(update={"version": profile.version + 1})
        return (ProfileChange(profile=updated, expected_version=profile.version),
                TriggerResult("succeeded", employee_id, {**decision, "changed": True}))

    result = commit_for_employee(deps, employee_id, PERSONALISATION, request_id, compute)
    _audit(deps, request_id, result)
    return Outcome(request_id, result, profile=seen.get("profile"))


def change_plan(deps: Dependencies, employee_id: str, patch: PlanPatch, subject: str, role: PartyRole, *,
                request_id: str | None = None, receipt_trigger: str = PLAN_CHANGE, audited: bool = True) -> Outcome:
    """`request_id`: the caller's own id for the change (a chat press), so a repeat of it commits nothing twice;
    `audited=False` when the caller records the change in the audit log itself (a trigger firing does)."""
    request_id = request_id or _request_id("plan")
    seen: dict[str, DevelopmentPlan] = {}

    def compute(profile: EmployeeProfile | None):
        profile = _require(profile, employee_id)
        now = deps.clock.now()
        framework = published_framework(deps, profile.framework_id)
        catalog = deps.catalog.catalog(framework.framework_id)
        plan = deps.profiles.plan(employee_id) or cocreation.empty_plan(
            profile, framework, deps.models.pointer().active, now.date(), request_id, now)
        by = Attribution(subject=subject, role=role, at=now)
        applied = cocreation.apply_changes(profile, plan, list(patch.changes), by, framework, catalog, request_id)
        seen["plan"] = applied.plan
        decision = {"action": "plan.changed", "requested_by": subject, "party": role, "plan_id": plan.plan_id,
                    **applied.summary}
        return (ProfileChange(profile=applied.profile, expected_version=profile.version, plan=applied.plan),
                TriggerResult("succeeded", employee_id, decision, framework_version=framework.version,
                              recommender_version=plan.recommender_version))

    result = commit_for_employee(deps, employee_id, receipt_trigger, request_id, compute)
    if audited:
        _audit(deps, request_id, result)
    return Outcome(request_id, result, plan=seen.get("plan"))


def _audit(deps: Dependencies, request_id: str, result: TriggerResult) -> None:
    """Ids and codes only: decline reasons and action titles stay on the plan."""
    deps.audit.append(AuditRecord(event_id=request_id, trigger="api", subject_id=result.subject_id,
                                  outcome=result.outcome, recorded_at=deps.clock.now(),
                                  recommender_version=result.recommender_version,
                                  framework_version=result.framework_version, decision=result.decision))
