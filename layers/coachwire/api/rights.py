"""Routes for the employee's data rights: the data-use policy, the export, and corrections.

Registered on the app by create_app; authorisation is access.py's, checked before anything is read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ValidationError

from coachwire.api import views
from coachwire.api.bodies import json_response as _json
from coachwire.domain import access
from coachwire.domain.corrections import CorrectionClosed
from coachwire.errors import DomainError, NotAllowed
from coachwire.models.coaching import AuditRecord, DevelopmentPlan, EmployeeProfile, ManagerAlert, SkillAssessment
from coachwire.models.history import HistoryEntry
from coachwire.models.rights import CORRECTION_REQUEST, Correction, CorrectionDecisionRequest, CorrectionRequestBody
from coachwire.policy import render
from coachwire.policy.document import PolicyDocument, build
from coachwire.ports import ConcurrentUpdate
from coachwire.services import rights
from coachwire.services.deps import Dependencies

FORMATS = {"json": "application/json", "markdown": "text/markdown; charset=utf-8",
           "html": "text/html; charset=utf-8"}
_TAGS = ("skill_level", "role", "display_name")


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


def _field_of(err: ValidationError) -> tuple[str, str]:
    """The first error's field, without the union tag pydantic puts first (skill_level.evidence → evidence)."""
    detail = err.errors()[0]
    loc = [str(p) for p in detail["loc"]]
    if loc and loc[0] in _TAGS:
        loc = loc[1:]
    if not loc and detail["type"].startswith("union_tag"):
        loc = ["field"]
    return ".".join(loc) or "body", detail["msg"]


def register(app: APIGatewayHttpResolver, deps: Dependencies, caller: Callable[[], access.Caller]) -> None:
    def policy() -> PolicyDocument:
        return build(deps.settings)

    def body(parse: Callable[[Any], Any]) -> tuple[Any, Response | None]:
        try:
            raw = app.current_event.json_body
        except ValueError:
            return None, _json(400, {"message": "body is not valid JSON", "field": "body"})
        try:
            return parse(raw if raw is not None else {}), None
        except ValidationError as err:
            field, msg = _field_of(err)
            return None, _json(400, {"message": f"{field}: {msg}", "field": field})

    @app.get("/policy", summary="The data-use policy, generated from the running configuration (public)",
             security=[{}],
             responses={200: {"description": "JSON by default; Markdown or HTML with ?format= or Accept",
                              "content": {"application/json": {"model": PolicyDocument},
                                          "text/markdown": {"schema": {"type": "string"}},
                                          "text/html": {"schema": {"type": "string"}}}},
                        400: {"description": "Unknown format; `field` is `format`"}})
    def get_policy(format: Annotated[str | None, Query(description="json, markdown or html")] = None):
        wanted = format
        if wanted is None:
            accept = (app.current_event.headers or {}).get("accept", "")
            wanted = "html" if "text/html" in accept else "markdown" if "text/markdown" in accept else "json"
        if wanted not in FORMATS:
            return _json(400, {"message": f"format: one of {', '.join(FORMATS)}", "field": "format"})
        doc = policy()
        headers = {"ETag": f'"{doc.version}"', "Vary": "Accept"}
        if wanted == "json":
            return Response(200, FORMATS["json"], doc.model_dump_json(), headers=headers)
        text = render.markdown(doc) if wanted == "markdown" else render.html(doc)
        return Response(200, FORMATS[wanted], text, headers=headers)

    @app.get("/employees/<employee_id>/export",
             summary="Everything held about the person, with the policy version it was produced under "
                     "(the employee or hr_admin)",
             responses={200: {"description": "The export",
                              "content": {"application/json": {"model": DataExport}}},
                        403: {"description": "Neither the employee nor hr_admin (managers included)"},
                        404: {"description": "Nothing is held about this id"}})
    def get_export(employee_id: str):
        who = caller()
        if not access.may_export(who, employee_id):
            raise NotAllowed("only the employee themself or hr_admin may export a person's data")
        held = rights.held_about(deps, employee_id)
        if held.empty:
            return _json(404, {"message": f"nothing is held about '{employee_id}'"})
        doc = policy()
        export_id = rights.audit_export(deps, employee_id, who.subject, doc.version)
        levels = held.profile.levels if held.profile else {}
        export = DataExport(
            employee_id=employee_id, produced_at=deps.clock.now(),
            policy_version=doc.version, policy_effective_date=doc.effective_date, export_id=export_id,
            profile=held.profile, levels=[_level(skill, held_level) for skill, held_level in sorted(levels.items())],
            recommendations=[views.RecommendationDetail.of(r) for r in held.recommendations], plan=held.plan,
            alerts_about_you=held.alerts,
            notifications=[views.NotificationView(**n.model_dump(include=set(views.NotificationView.model_fields)))
                           for n in held.notifications],
            messages_about_you=[views.NotificationView(**n.model_dump(include=set(views.NotificationView.model_fields)))
                                for n in held.messages_about],
            corrections=held.corrections, processing_receipts=held.receipts, learning_history=held.history,
            shadow_recommendations=[views.RecommendationDetail.of(r) for r in held.shadow], audit_log=held.audit_log,
            other_records=held.other, not_included=NOT_INCLUDED)
        return _json(200, export.model_dump(mode="json"))

    @app.post("/employees/<employee_id>/corrections",
              summary="Ask for a correction of your own record: a skill level (with evidence), role/stage, or "
                      "display name (the employee only)",
              responses={201: {"description": "Recorded; HR decides",
                               "content": {"application/json": {"model": Correction}}},
                         400: {"description": "Invalid body; `field` names the culprit"},
                         403: {"description": "Not the employee themself"},
                         409: {"description": "A request for this field is still open"},
                         422: {"description": "Unknown skill, role or stage, a level outside the scale, or the "
                                              "value already on record; `field` names it"}})
    def post_correction(employee_id: str):
        who = caller()
        if not access.may_request_correction(who, employee_id):
            raise NotAllowed("only the employee themself may ask to correct their record")
        request, error = body(CORRECTION_REQUEST.validate_python)
        if error is not None:
            return error
        if deps.profiles.get(employee_id) is None:
            raise NotAllowed(f"no readable employee '{employee_id}'")
        try:
            done = rights.request_correction(deps, employee_id, request, who.subject)
        except rights.DuplicateRequest as err:
            return _json(409, {"message": err.message, "field": err.field})
        except DomainError as err:
            return _json(422, {"message": err.message, "field": err.field})
        except ConcurrentUpdate:
            return _json(409, {"message": "the record changed meanwhile; try again"})
        return _json(201, done.correction.model_dump(mode="json"))

    @app.get("/employees/<employee_id>/corrections", summary="Correction requests and their decisions "
                                                             "(the employee or hr_admin)")
    def get_corrections(employee_id: str) -> CorrectionList:
        if not access.may_read_corrections(caller(), employee_id):
            raise NotAllowed("only the employee themself or hr_admin may read correction requests")
        return CorrectionList(employee_id=employee_id, corrections=deps.profiles.corrections(employee_id))

    @app.get("/corrections", summary="Open correction requests across the organisation, oldest first (hr_admin)")
    def get_open_corrections() -> OpenCorrections:
        access.require_hr_admin(caller())
        return OpenCorrections(corrections=list(deps.profiles.open_corrections()))

    @app.post("/employees/<employee_id>/corrections/<correction_id>/decision",
              summary="Approve or reject a correction request with a reason (hr_admin, not on their own record)",
              responses={200: {"description": "Decided",
                               "content": {"application/json": {"model": CorrectionDecided}}},
                         400: {"description": "Invalid body; `field` names the culprit"},
                         403: {"description": "Not hr_admin, or their own record"},
                         404: {"description": "No such request for this employee"},
                         409: {"description": "Decided already, or a concurrent change"},
                         422: {"description": "The correction no longer fits the record or framework"}})
    def post_decision(employee_id: str, correction_id: str):
        who = caller()
        if not access.may_decide_correction(who, employee_id):
            raise NotAllowed("correction requests are decided by hr_admin, never on their own record")
        decision, error = body(CorrectionDecisionRequest.model_validate)
        if error is not None:
            return error
        try:
            done = rights.decide_correction(deps, employee_id, correction_id, decision.decision == "approve",
                                            decision.reason, who.subject)
        except rights.NoSuchCorrection as err:
            return _json(404, {"message": err.message})
        except CorrectionClosed as err:
            return _json(409, {"message": err.message, "field": err.field})
        except DomainError as err:
            return _json(422, {"message": err.message, "field": err.field})
        except ConcurrentUpdate:
            return _json(409, {"message": "the record changed meanwhile; try again"})
        result = CorrectionDecided(correction=done.correction, request_id=done.request_id,
                                   plan_id=done.plan.plan_id if done.plan else None)
        return _json(200, result.model_dump(mode="json"))


def _level(skill_id: str, held: SkillAssessment) -> LevelRecord:
    return LevelRecord(skill_id=skill_id, level=held.level, assessed_at=held.assessed_at, source=held.source,
                       evidence_id=held.evidence_id, previous_level=held.previous_level)
