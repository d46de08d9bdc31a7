"""The employee's data rights: leavers marked for erasure, correction requests and HR's decisions,
and the export of everything held about a person.

Writes go through commit_for_employee like every trigger: read → decide → commit profile (version-checked),
plan, correction (revision-checked) and a receipt in one transaction, re-reading on a lost race."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from coachwire import spine
from coachwire.domain import corrections, retention
from coachwire.domain.gaps import FrameworkIndex
from coachwire.errors import DomainError, UnknownReference
from coachwire.models.coaching import (
    AuditRecord,
    DevelopmentPlan,
    EmployeeProfile,
    ManagerAlert,
    Notification,
    Recommendation,
)
from coachwire.models.events import CanonicalEvent, EmployeeLeft
from coachwire.models.history import HistoryEntry
from coachwire.models.preferences import Preferences
from coachwire.models.rights import Correction, CorrectionRequest, RoleCorrection
from coachwire.ports import ProfileChange
from coachwire.services import frameworks, parking
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import published_framework
from coachwire.services.profile_sync import profile_sync
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee

CORRECTION_REQUEST = "api_correction_request"
CORRECTION_DECISION = "api_correction_decision"


# -- leavers ----------------------------------------------------------------------------------------


def profile_lifecycle(detail: dict, deps: Dependencies) -> TriggerResult:
    """profile_sync's service: upserts as before, then the employee's parked events are replayed; a leaver is
    marked for erasure."""
    if detail.get("type") == spine.EMPLOYEE_LEFT:
        return employee_left(detail, deps)
    result = profile_sync(detail, deps)
    # After every upsert firing, not only the creating one: a redelivery finishes a replay a crash interrupted.
    replayed = parking.replay(deps, result.subject_id) if deps.parked is not None else {}
    if replayed:
        result = replace(result, decision={**result.decision, **{f"parked_{k}": v for k, v in replayed.items()}})
    return result


def employee_left(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    left = event.parsed_as(EmployeeLeft)
    grace = deps.settings.retention.leaver_grace_days

    def compute(profile: EmployeeProfile | None):
        if profile is None:  # erased already, or never known: nothing held, nothing to mark
            return None, TriggerResult("no_action", left.employee_id, {"reason": "nothing_held"})
        marked = retention.mark_leaver(profile, left, event.timestamp, grace,
                                      learned_at=event.received_at)
        if marked is None:
            return None, TriggerResult("stale_ignored", profile.employee_id, {"reason": "older_than_leaver_mark"})
        decision = {"action": "leaver.marked", "leaving_date": left.leaving_date.isoformat(),
                    "erase_after": str(marked.erase_after), "grace_days": grace}
        if left.leaving_reason is not None:  # for the outcome metrics, which outlive the erased profile
            decision["leaving_reason"] = left.leaving_reason
        return (ProfileChange(profile=marked, expected_version=profile.version),
                TriggerResult("succeeded", profile.employee_id, decision))

    return commit_for_employee(deps, left.employee_id, "profile_sync", event.event_id, compute)


# -- corrections ------------------------------------------------------------------------------------


class DuplicateRequest(DomainError):
    """An open request for the same field is already waiting for HR."""


class NoSuchCorrection(DomainError):
    pass


@dataclass(frozen=True)
class CorrectionOutcome:
    request_id: str
    correction: Correction
    result: TriggerResult
    plan: DevelopmentPlan | None = None


def _framework_for(deps: Dependencies, profile: EmployeeProfile, request: CorrectionRequest):
    if isinstance(request, RoleCorrection):
        return deps.catalog.framework_for_role(request.proposed.role_id)
    return deps.catalog.framework(profile.framework_id)


def request_correction(deps: Dependencies, employee_id: str, request: CorrectionRequest,
                       requested_by: str) -> CorrectionOutcome:
    """Raises DomainError (422, naming the field) for a request that does not fit the record, DuplicateRequest
    (409) when the same field already waits for a decision."""
    request_id = f"corrq_{uuid.uuid4().hex[:20]}"
    cid = corrections.correction_id(employee_id, request_id)
    seen: dict[str, Correction] = {}

    def compute(profile: EmployeeProfile | None):
        if profile is None:
            raise UnknownReference("employee_id", f"unknown employee '{employee_id}'")
        corrections.check(profile, request, _framework_for(deps, profile, request))
        waiting = corrections.open_duplicate(request, deps.profiles.corrections(employee_id))
        if waiting is not None:
            raise DuplicateRequest("field", f"request {waiting.correction_id} for this field is still open")
        created = corrections.new_correction(profile, request, correction_id=cid, requested_by=requested_by,
                                             now=deps.clock.now())
        seen["correction"] = created
        decision = {"action": "correction.requested", "correction_id": cid, "field": request.field,
                    "requested_by": requested_by, **({"skill_id": created.skill_id} if created.skill_id else {})}
        return (ProfileChange(profile=profile, expected_version=profile.version, write_profile=False,
                              corrections=(created,)),
                TriggerResult("succeeded", employee_id, decision))

    result = commit_for_employee(deps, employee_id, CORRECTION_REQUEST, request_id, compute)
    _audit(deps, request_id, result)
    return CorrectionOutcome(request_id, seen["correction"], result)


def decide_correction(deps: Dependencies, employee_id: str, correction_id: str, approve: bool, reason: str,
                      decided_by: str) -> CorrectionOutcome:
    """An approval applies the correction, refreshes the benchmark snapshot and recomputes the plan the way a
    framework recompute does; a rejection changes only the request. Both keep the reason on the request and its
    SHA-256 in the audit log. Raises NoSuchCorrection, CorrectionClosed (409) or DomainError (422)."""
    request_id = f"corrd_{uuid.uuid4().hex[:20]}"
    seen: dict = {}

    def compute(profile: EmployeeProfile | None):
        current = deps.profiles.correction(employee_id, correction_id)
        if profile is None or current is None:
            raise NoSuchCorrection("correction_id", f"no correction '{correction_id}' for this employee")
        now = deps.clock.now()
        closed = corrections.decided(current, approve, by=decided_by, reason=reason, now=now)
        seen["correction"] = closed
        decision = {"action": f"correction.{closed.status}", "correction_id": correction_id,
                    "field": closed.field, "decided_by": decided_by,
                    "reason_sha256": corrections.reason_digest(reason),
                    **({"skill_id": closed.skill_id} if closed.skill_id else {})}
        if not approve:
            return (ProfileChange(profile=profile, expected_version=profile.version, write_profile=False,
                                  corrections=(closed,)),
                    TriggerResult("succeeded", employee_id, decision))
        framework = (deps.catalog.framework_for_role(corrections.proposed_role_id(closed))
                     if closed.field == "role" else published_framework(deps, profile.framework_id))
        if framework is None:
            raise UnknownReference("proposed.role_id", "the proposed role is no longer in a published framework")
        updated = corrections.applied(profile, closed, framework, now)
        index = FrameworkIndex.of(framework)
        benchmark = index.benchmark_vector(updated.role_id, updated.career_stage)
        updated = updated.model_copy(update={"benchmark_snapshot": {
            s: int(v) for s, v in zip(index.skill_ids, benchmark, strict=True) if v > 0}})
        plan = _recomputed_plan(deps, updated, framework, index, request_id)
        seen["plan"] = plan
        if plan is not None:
            decision["plan_id"] = plan.plan_id
        return (ProfileChange(profile=updated, expected_version=profile.version, plan=plan, corrections=(closed,)),
                TriggerResult("succeeded", employee_id, decision, framework_version=framework.version))

    result = commit_for_employee(deps, employee_id, CORRECTION_DECISION, request_id, compute)
    _audit(deps, request_id, result)
    return CorrectionOutcome(request_id, seen["correction"], result, seen.get("plan"))


def _recomputed_plan(deps: Dependencies, profile: EmployeeProfile, framework, index: FrameworkIndex,
                     event_id: str) -> DevelopmentPlan | None:
    """The plan rebuilt from the corrected record by the framework recompute's own code (gaps against the
    benchmark, the core programme when personalisation is off, decisions carried over). No plan yet: none made."""
    refresh = frameworks._refresh_plan(deps, framework, deps.catalog.catalog(framework.framework_id), index,
                                       event_id)
    change, _ = refresh(profile)
    return change.plan if change is not None else None


def _audit(deps: Dependencies, request_id: str, result: TriggerResult) -> None:
    """Ids, codes and the reason's hash only: proposed values, evidence and reasons stay on the request."""
    deps.audit.append(AuditRecord(event_id=request_id, trigger="api", subject_id=result.subject_id,
                                  outcome=result.outcome, recorded_at=deps.clock.now(),
                                  framework_version=result.framework_version, decision=result.decision))


# -- export -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """Everything held about one person, typed; `other` keeps any stored kind this code does not know yet, so
    the export never silently leaves something out."""

    profile: EmployeeProfile | None
    recommendations: list[Recommendation]
    plan: DevelopmentPlan | None
    alerts: list[ManagerAlert]
    corrections: list[Correction]
    receipts: list[dict]
    notifications: list[Notification]
    audit_log: list[AuditRecord]
    history: list[HistoryEntry] = field(default_factory=list)
    shadow: list[Recommendation] = field(default_factory=list)
    # Messages about the person sent to others: manager alerts to their manager, escalations of their requests to HR.
    messages_about: list[Notification] = field(default_factory=list)
    preferences: Preferences | None = None
    other: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.profile or self.recommendations or self.plan or self.alerts or self.corrections
                    or self.receipts or self.notifications or self.audit_log or self.history or self.shadow
                    or self.messages_about or self.preferences or self.other)


def held_about(deps: Dependencies, employee_id: str) -> Held:
    stored = deps.profiles.held_about(employee_id)
    known = {"PROFILE", "REC", "PLAN", "ALERTREF", "ALERT", "CORR", "RECEIPT", "HIST", "SHADOW", "PREFS", "MSGREF"}
    profile = stored.get("PROFILE", [])
    prefs = stored.get("PREFS", [])
    plan = stored.get("PLAN", [])
    recs = sorted((Recommendation.model_validate(d) for d in stored.get("REC", [])),
                  key=lambda r: r.created_at, reverse=True)
    audit = sorted(deps.audit.for_subject(employee_id), key=lambda r: r.recorded_at)
    # The same pointers erasure follows (adapters.retention.erase_person), so export and erasure cover one set.
    about_ids = {n for kind in ("ALERTREF", "MSGREF") for d in stored.get(kind, []) for n in d.get("notification_ids")
                 or []}
    about_ids |= {d["escalation_notification_id"] for d in stored.get("CORR", [])
                  if d.get("escalation_notification_id")}
    about = [note for n in sorted(about_ids) if (note := deps.outbox.get(n)) is not None]
    return Held(
        profile=EmployeeProfile.model_validate(profile[0]) if profile else None,
        recommendations=recs,
        plan=DevelopmentPlan.model_validate(plan[0]) if plan else None,
        alerts=[ManagerAlert.model_validate(d) for d in stored.get("ALERT", [])],
        corrections=sorted((Correction.model_validate(d) for d in stored.get("CORR", [])),
                           key=lambda c: c.requested_at),
        receipts=stored.get("RECEIPT", []),
        notifications=deps.outbox.for_recipient(employee_id),
        audit_log=audit,
        history=sorted((HistoryEntry.model_validate(d) for d in stored.get("HIST", [])), key=lambda h: h.at),
        shadow=[Recommendation.model_validate(d) for d in stored.get("SHADOW", [])],
        messages_about=about,
        preferences=Preferences.model_validate(prefs[0]) if prefs else None,
        other={k: v for k, v in stored.items() if k not in known})


def audit_export(deps: Dependencies, employee_id: str, requested_by: str, policy_version: str) -> str:
    export_id = f"export_{uuid.uuid4().hex[:20]}"
    deps.audit.append(AuditRecord(event_id=export_id, trigger="api", subject_id=employee_id, outcome="succeeded",
                                  recorded_at=deps.clock.now(),
                                  decision={"action": "data.exported", "requested_by": requested_by,
                                            "policy_version": policy_version}))
    return export_id
