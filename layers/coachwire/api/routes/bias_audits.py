"""Bias audit routes and the framework reviews their flags open. hr_admin only: everyone else gets 403.

The API reads audit reports (aggregates with small cells suppressed); it can never read the input snapshots or
the demographics table behind them (IAM), so nothing here can return a person's demographic data.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.models.bias_audits import (
    REVIEW_STATUSES,
    AuditRequest,
    AuditSummary,
    ReviewCase,
    ReviewPatch,
    ReviewUpdate,
    parse_window,
)
from coachwire.models.coaching import AuditRecord
from coachwire.ports import AuditArchive, ConcurrentUpdate, NotFound
from coachwire.services import bias_audits
from coachwire.services.deps import Dependencies

# Bodies parsed by hand (so a 400 names the field); app.py adds them to the OpenAPI document.
REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("/audits", "post"): AuditRequest, ("/reviews/{review_id}", "patch"): ReviewPatch}


class AuditAccepted(BaseModel):
    audit_id: str
    window: str
    status: str
    created: bool


class AuditList(BaseModel):
    audits: list[AuditSummary]


class AuditDetail(BaseModel):
    summary: AuditSummary
    results: dict | None
    manifest: dict | None
    report_url: str | None


class ReviewList(BaseModel):
    reviews: list[ReviewCase]


router = APIGatewayHttpRouter()


def _audit_or_404(deps: Dependencies, audit_id: str) -> AuditSummary:
    found = deps.governance.audit(audit_id) if deps.governance else None
    if found is None:
        raise NotFoundError(f"no audit '{audit_id}'")
    return found


def _archive(deps: Dependencies) -> AuditArchive:
    if deps.audit_archive is None:
        raise NotFoundError("this deployment keeps no audit reports")
    return deps.audit_archive


def _stored_json(archive: AuditArchive, key: str) -> dict | None:
    try:
        return json.loads(archive.get(key))
    except NotFound:
        return None


@router.post("/audits", summary="Run a bias audit of a quarter now (hr_admin); idempotent per window and request_id",
             responses={202: ok("Queued (or already known for this request_id)", AuditAccepted),
                        400: error("Invalid body; `field` names the culprit"),
                        403: error("Not an hr_admin")})
def post_audit(request: ApiContext):
    who = request.hr_admin()
    wanted = request.body(AuditRequest)
    deps = request.deps
    if parse_window(wanted.window).start > deps.clock.now().date():
        return json_response(400, {"message": f"window: {wanted.window} has not started yet", "field": "window"})
    summary, created = bias_audits.request_audit(deps, wanted.window, wanted.request_id, f"api:{who.subject}")
    deps.audit.append(AuditRecord(
        event_id=f"audit-request:{summary.audit_id}:{uuid.uuid4().hex[:8]}", trigger="api",
        subject_id=f"audit:{summary.audit_id}", outcome="succeeded" if created else "duplicate",
        recorded_at=deps.clock.now(),
        decision={"action": "audit.requested", "window": summary.window, "requested_by": who.subject}))
    accepted = AuditAccepted(audit_id=summary.audit_id, window=summary.window, status=summary.status,
                             created=created)
    return json_response(202, accepted.model_dump())


@router.get("/audits", summary="Bias audits, newest first: window, status, counts, flags, where the report is")
def list_audits(request: ApiContext) -> AuditList:
    request.hr_admin()
    governance = request.deps.governance
    return AuditList(audits=governance.audits() if governance else [])


@router.get("/audits/<audit_id>",
            summary="One bias audit: summary, results and manifest (JSON), or its HTML report with ?format=html",
            responses={200: {"description": "The audit", "content": {
                "application/json": {"model": AuditDetail}, "text/html": {"schema": {"type": "string"}}}},
                404: error("No such audit, or no stored report"),
                409: error("HTML asked for before it exists")})
def get_audit(audit_id: str, request: ApiContext,
              output: Annotated[str, Query(alias="format", pattern="^(json|html)$")] = "json"):
    request.hr_admin()
    deps = request.deps
    summary = _audit_or_404(deps, audit_id)
    done = summary.status == "completed"
    if output == "html":
        if not done:
            return json_response(409, {"message": f"audit {audit_id} is {summary.status}: no report yet"})
        try:
            html = _archive(deps).get(bias_audits.object_key(audit_id, "report.html"))
        except NotFound:
            return json_response(404, {"message": f"audit {audit_id} has no stored report", "field": "audit_id"})
        return Response(status_code=200, content_type="text/html; charset=utf-8", body=html.decode("utf-8"))
    archive = _archive(deps) if done else None
    detail = AuditDetail(
        summary=summary,
        results=_stored_json(archive, bias_audits.object_key(audit_id, "results.json")) if archive else None,
        manifest=_stored_json(archive, bias_audits.object_key(audit_id, "manifest.json")) if archive else None,
        report_url=f"/audits/{audit_id}?format=html" if done else None)
    return json_response(200, detail.model_dump(mode="json"))


@router.get("/reviews", summary="Framework review cases opened by audit flags, with their evidence (hr_admin)",
            responses={200: ok("The cases", ReviewList), 400: error("Unknown status; `field` is `status`")})
def list_reviews(request: ApiContext, status: Annotated[str | None, Query()] = None):
    request.hr_admin()
    if status is not None and status not in REVIEW_STATUSES:
        return json_response(400, {"message": f"status: one of {', '.join(REVIEW_STATUSES)}", "field": "status"})
    governance = request.deps.governance
    cases = governance.reviews() if governance else []
    return json_response(200, ReviewList(reviews=[c for c in cases if status in (None, c.status)])
                         .model_dump(mode="json"))


@router.patch("/reviews/<review_id>", summary="Update a review case's status with a note (hr_admin; attributed)",
              responses={200: ok("The case after the change", ReviewCase),
                         400: error("Invalid body; `field` names the culprit"),
                         404: error("No such review"), 409: error("Changed meanwhile; retry")})
def patch_review(review_id: str, request: ApiContext):
    who = request.hr_admin()
    patch = request.body(ReviewPatch)
    governance = request.deps.governance
    case = governance.review(review_id) if governance else None
    if governance is None or case is None:
        raise NotFoundError(f"no review '{review_id}'")
    now = request.deps.clock.now()
    updated = case.model_copy(update={
        "status": patch.status, "updated_at": now, "version": case.version + 1,
        "history": [*case.history, ReviewUpdate(status=patch.status, note=patch.note, by=who.subject, at=now)]})
    try:
        governance.update_review(updated, case.version)
    except ConcurrentUpdate:
        return json_response(409, {"message": "the review changed meanwhile; read it again and retry"})
    # The note stays on the case: the audit log gets ids and codes only.
    request.deps.audit.append(AuditRecord(
        event_id=f"review:{review_id}:{uuid.uuid4().hex[:8]}", trigger="api", subject_id=f"review:{review_id}",
        outcome="succeeded", recorded_at=now,
        decision={"action": "review.updated", "from_status": case.status, "status": patch.status,
                  "requested_by": who.subject}))
    return json_response(200, updated.model_dump(mode="json"))
