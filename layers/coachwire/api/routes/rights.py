"""The employee's data rights: the export of everything held, and corrections of their own record.

Authorisation is access.py's, checked before anything is read; the data-use policy is routes/policy.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from coachwire.api import views
from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.domain import access
from coachwire.domain.corrections import CorrectionClosed
from coachwire.errors import DomainError, NotAllowed
from coachwire.models.coaching import AuditRecord, DevelopmentPlan, EmployeeProfile, ManagerAlert, SkillAssessment
from coachwire.models.history import HistoryEntry
from coachwire.models.preferences import Preferences
from coachwire.models.rights import CORRECTION_REQUEST, Correction, CorrectionDecisionRequest, CorrectionRequestBody
from coachwire.policy.document import build
from coachwire.ports import ConcurrentUpdate
from coachwire.services import rights


class LevelRecord(BaseModel):
    skill_id: str
    level: int
    assessed_at: datetime
    source: str
    evidence_id: str
    previous_level: int | None


class DataExport(BaseModel):
    """Everything held about one person. `levels` is each skill's current level with the level it replaced:
    Coachwire keeps no longer history of levels than that."""

    employee_id: str
    produced_at: datetime
    policy_version: str
    policy_effective_date: date
    export_id: str
    profile: EmployeeProfile | None
    levels: list[LevelRecord]
    recommendations: list[views.RecommendationDetail]
    plan: DevelopmentPlan | None
    alerts_about_you: list[ManagerAlert]
    notifications: list[views.NotificationView]
    corrections: list[Correction]
    processing_receipts: list[dict]
    messages_about_you: list[views.NotificationView]
    learning_history: list[HistoryEntry]
    shadow_recommendations: list[views.RecommendationDetail]
    audit_log: list[AuditRecord]
    # What the person chose about the messages that reach them (null: nothing chosen, the organisation's defaults).
    preferences: Preferences | None
    other_records: dict[str, list[dict]]
    not_included: list[str]


class CorrectionList(BaseModel):
    employee_id: str
    corrections: list[Correction]


class OpenCorrections(BaseModel):
    corrections: list[Correction]


class CorrectionDecided(BaseModel):
    correction: Correction
    request_id: str
    plan_id: str | None


NOT_INCLUDED = [
    "Demographic data for bias audits: stored apart, readable only by the audit function, never by this API. "
    "HR can tell you what is held.",
    "Bias audit input snapshots that covered you (readable only by the audit function, so an audit can be "
    "re-checked; they expire with the snapshot retention in the data-use policy).",
]

# Request bodies parsed by hand (so a 400 names the field), for the OpenAPI document.
REQUEST_BODIES: dict[tuple[str, str], Any] = {
    ("/employees/{employee_id}/corrections", "post"): CorrectionRequestBody,
    ("/employees/{employee_id}/corrections/{correction_id}/decision", "post"): CorrectionDecisionRequest,
}


router = APIGatewayHttpRouter()


@router.get("/employees/<employee_id>/export",
            summary="Everything held about the person, with the policy version it was produced under "
                    "(the employee or hr_admin)",
            responses={200: ok("The export", DataExport),
                       403: error("Neither the employee nor hr_admin (managers included)"),
                       404: error("Nothing is held about this id")})
def get_export(employee_id: str, request: ApiContext):
    who = request.caller()
    if not access.may_export(who, employee_id):
        raise NotAllowed("only the employee themself or hr_admin may export a person's data")
    deps = request.deps
    held = rights.held_about(deps, employee_id)
    if held.empty:
        return json_response(404, {"message": f"nothing is held about '{employee_id}'"})
    doc = build(deps.settings)
    export_id = rights.audit_export(deps, employee_id, who.subject, doc.version)
    levels = held.profile.levels if held.profile else {}
    export = DataExport(
        employee_id=employee_id, produced_at=deps.clock.now(),
        policy_version=doc.version, policy_effective_date=doc.effective_date, export_id=export_id,
        profile=held.profile, levels=[_level(skill, held_level) for skill, held_level in sorted(levels.items())],
        recommendations=[views.RecommendationDetail.of(r) for r in held.recommendations], plan=held.plan,
        alerts_about_you=held.alerts, notifications=[views.NotificationView.of(n) for n in held.notifications],
        messages_about_you=[views.NotificationView.of(n) for n in held.messages_about],
        corrections=held.corrections, processing_receipts=held.receipts, learning_history=held.history,
        shadow_recommendations=[views.RecommendationDetail.of(r) for r in held.shadow], audit_log=held.audit_log,
        preferences=held.preferences, other_records=held.other, not_included=NOT_INCLUDED)
    return json_response(200, export.model_dump(mode="json"))


@router.post("/employees/<employee_id>/corrections",
             summary="Ask for a correction of your own record: a skill level (with evidence), role/stage, or "
                     "display name (the employee only)",
             responses={201: ok("Recorded; HR decides", Correction),
                        400: error("Invalid body; `field` names the culprit"),
                        403: error("Not the employee themself"),
                        409: error("A request for this field is still open"),
                        422: error("Unknown skill, role or stage, a level outside the scale, or the "
                                   "value already on record; `field` names it")})
def post_correction(employee_id: str, request: ApiContext):
    who = request.caller()
    if not access.may_request_correction(who, employee_id):
        raise NotAllowed("only the employee themself may ask to correct their record")
    wanted = request.body_with(CORRECTION_REQUEST)
    deps = request.deps
    if deps.profiles.get(employee_id) is None:
        raise NotAllowed(f"no readable employee '{employee_id}'")
    try:
        done = rights.request_correction(deps, employee_id, wanted, who.subject)
    except rights.DuplicateRequest as err:
        return json_response(409, {"message": err.message, "field": err.field})
    except DomainError as err:
        return json_response(422, {"message": err.message, "field": err.field})
    except ConcurrentUpdate:
        return json_response(409, {"message": "the record changed meanwhile; try again"})
    return json_response(201, done.correction.model_dump(mode="json"))


@router.get("/employees/<employee_id>/corrections",
            summary="Correction requests and their decisions (the employee or hr_admin)")
def get_corrections(employee_id: str, request: ApiContext) -> CorrectionList:
    if not access.may_read_corrections(request.caller(), employee_id):
        raise NotAllowed("only the employee themself or hr_admin may read correction requests")
    return CorrectionList(employee_id=employee_id, corrections=request.deps.profiles.corrections(employee_id))


@router.get("/corrections", summary="Open correction requests across the organisation, oldest first (hr_admin)")
def get_open_corrections(request: ApiContext) -> OpenCorrections:
    request.hr_admin()
    return OpenCorrections(corrections=list(request.deps.profiles.open_corrections()))


@router.post("/employees/<employee_id>/corrections/<correction_id>/decision",
             summary="Approve or reject a correction request with a reason (hr_admin, not on their own record)",
             responses={200: ok("Decided", CorrectionDecided),
                        400: error("Invalid body; `field` names the culprit"),
                        403: error("Not hr_admin, or their own record"),
                        404: error("No such request for this employee"),
                        409: error("Decided already, or a concurrent change"),
                        422: error("The correction no longer fits the record or framework")})
def post_decision(employee_id: str, correction_id: str, request: ApiContext):
    who = request.caller()
    if not access.may_decide_correction(who, employee_id):
        raise NotAllowed("correction requests are decided by hr_admin, never on their own record")
    decision = request.body(CorrectionDecisionRequest)
    try:
        done = rights.decide_correction(request.deps, employee_id, correction_id, decision.decision == "approve",
                                        decision.reason, who.subject)
    except rights.NoSuchCorrection as err:
        return json_response(404, {"message": err.message})
    except CorrectionClosed as err:
        return json_response(409, {"message": err.message, "field": err.field})
    except DomainError as err:
        return json_response(422, {"message": err.message, "field": err.field})
    except ConcurrentUpdate:
        return json_response(409, {"message": "the record changed meanwhile; try again"})
    result = CorrectionDecided(correction=done.correction, request_id=done.request_id,
                               plan_id=done.plan.plan_id if done.plan else None)
    return json_response(200, result.model_dump(mode="json"))


def _level(skill_id: str, held: SkillAssessment) -> LevelRecord:
    return LevelRecord(skill_id=skill_id, level=held.level, assessed_at=held.assessed_at, source=held.source,
                       evidence_id=held.evidence_id, previous_level=held.previous_level)
