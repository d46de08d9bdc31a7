"""Bias audit routes and the framework reviews their flags open. hr_admin only: everyone else gets 403.

The API reads audit reports (aggregates with small cells suppressed); it can never read the input snapshots or
the demographics table behind them (IAM), so nothing here can return a person's demographic data.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel

from coachwire.api.bodies import json_response as _json
from coachwire.api.bodies import parse_body
from coachwire.domain import access
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
from coachwire.ports import ConcurrentUpdate, NotFound
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


def register(app: APIGatewayHttpResolver, deps: Dependencies, caller: Callable[[], access.Caller]) -> None:
    def admin() -> access.Caller:
        who = caller()
        access.require_hr_admin(who)
        return who

    def parse(model: type[BaseModel]) -> tuple[BaseModel | None, Response | None]:
        return parse_body(app, model)

    def audit_or_404(audit_id: str) -> AuditSummary:
        found = deps.governance.audit(audit_id) if deps.governance else None
        if found is None:
            raise NotFoundError(f"no audit '{audit_id}'")
        return found

    def stored_json(key: str) -> dict | None:
        try:
            return json.loads(deps.audit_archive.get(key))  # type: ignore[union-attr]
        except NotFound:
            return None

    @app.post("/audits", summary="Run a bias audit of a quarter now (hr_admin); idempotent per window and request_id",
              responses={202: {"description": "Queued (or already known for this request_id)",
                               "content": {"application/json": {"model": AuditAccepted}}},
                         400: {"description": "Invalid body; `field` names the culprit"},
                         403: {"description": "Not an hr_admin"}})
    def post_audit():
        who = admin()
        request, error = parse(AuditRequest)
        if error is not None:
            return error
        assert isinstance(request, AuditRequest)
        if parse_window(request.window).start > deps.clock.now().date():
            return _json(400, {"message": f"window: {request.window} has not started yet", "field": "window"})
        summary, created = bias_audits.request_audit(deps, request.window, request.request_id, f"api:{who.subject}")
        deps.audit.append(AuditRecord(
            event_id=f"audit-request:{summary.audit_id}:{uuid.uuid4().hex[:8]}", trigger="api",
            subject_id=f"audit:{summary.audit_id}", outcome="succeeded" if created else "duplicate",
            recorded_at=deps.clock.now(),
            decision={"action": "audit.requested", "window": summary.window, "requested_by": who.subject}))
        accepted = AuditAccepted(audit_id=summary.audit_id, window=summary.window, status=summary.status,
                                 created=created)
        return _json(202, accepted.model_dump())

    @app.get("/audits", summary="Bias audits, newest first: window, status, counts, flags, where the report is")
    def list_audits() -> AuditList:
        admin()
        return AuditList(audits=deps.governance.audits() if deps.governance else [])

    @app.get("/audits/<audit_id>",
             summary="One bias audit: summary, results and manifest (JSON), or its HTML report with ?format=html",
             responses={200: {"description": "The audit", "content": {
                 "application/json": {"model": AuditDetail}, "text/html": {"schema": {"type": "string"}}}},
                 404: {"description": "No such audit, or no stored report"},
                 409: {"description": "HTML asked for before it exists"}})
    def get_audit(audit_id: str, output: Annotated[str, Query(alias="format", pattern="^(json|html)$")] = "json"):
        admin()
        summary = audit_or_404(audit_id)
        done = summary.status == "completed"
        if output == "html":
            if not done:
                return _json(409, {"message": f"audit {audit_id} is {summary.status}: no report yet"})
            try:
                html = deps.audit_archive.get(bias_audits.object_key(audit_id, "report.html"))  # type: ignore[union-attr]
            except NotFound:
                return _json(404, {"message": f"audit {audit_id} has no stored report", "field": "audit_id"})
            return Response(status_code=200, content_type="text/html; charset=utf-8", body=html.decode("utf-8"))
        detail = AuditDetail(
            summary=summary,
            results=stored_json(bias_audits.object_key(audit_id, "results.json")) if done else None,
            manifest=stored_json(bias_audits.object_key(audit_id, "manifest.json")) if done else None,
            report_url=f"/audits/{audit_id}?format=html" if done else None)
        return _json(200, detail.model_dump(mode="json"))

    @app.get("/reviews", summary="Framework review cases opened by audit flags, with their evidence (hr_admin)",
             responses={200: {"description": "The cases", "content": {"application/json": {"model": ReviewList}}},
                        400: {"description": "Unknown status; `field` is `status`"}})
    def list_reviews(status: Annotated[str | None, Query()] = None):
        admin()
        if status is not None and status not in REVIEW_STATUSES:
            return _json(400, {"message": f"status: one of {', '.join(REVIEW_STATUSES)}", "field": "status"})
        cases = deps.governance.reviews() if deps.governance else []
        return _json(200, ReviewList(reviews=[c for c in cases if status in (None, c.status)]).model_dump(mode="json"))

    @app.patch("/reviews/<review_id>", summary="Update a review case's status with a note (hr_admin; attributed)",
               responses={200: {"description": "The case after the change",
                                "content": {"application/json": {"model": ReviewCase}}},
                          400: {"description": "Invalid body; `field` names the culprit"},
                          404: {"description": "No such review"}, 409: {"description": "Changed meanwhile; retry"}})
    def patch_review(review_id: str):
        who = admin()
        patch, error = parse(ReviewPatch)
        if error is not None:
            return error
        assert isinstance(patch, ReviewPatch)
        case = deps.governance.review(review_id) if deps.governance else None
        if case is None:
            raise NotFoundError(f"no review '{review_id}'")
        now = deps.clock.now()
        updated = case.model_copy(update={
            "status": patch.status, "updated_at": now, "version": case.version + 1,
            "history": [*case.history, ReviewUpdate(status=patch.status, note=patch.note, by=who.subject, at=now)]})
        try:
            deps.governance.update_review(updated, case.version)  # type: ignore[union-attr]
        except ConcurrentUpdate:
            return _json(409, {"message": "the review changed meanwhile; read it again and retry"})
        # The note stays on the case: the audit log gets ids and codes only.
        deps.audit.append(AuditRecord(
            event_id=f"review:{review_id}:{uuid.uuid4().hex[:8]}", trigger="api", subject_id=f"review:{review_id}",
            outcome="succeeded", recorded_at=now,
            decision={"action": "review.updated", "from_status": case.status, "status": patch.status,
                      "requested_by": who.subject}))
        return _json(200, updated.model_dump(mode="json"))
