"""Model registry routes: list and read versions (anyone signed in: the model card is public inside the
organisation), review, promote and roll back (hr_admin, audit-logged). Training runs are routes/jobs.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.engine.features import FEATURES
from coachwire.engine.model import MetricRow, ModelConfig
from coachwire.engine.registry import ModelEntry, RegistryPointer, RegistryRefused, status_of
from coachwire.models.bias_audits import ModelReviewRequest, parse_window
from coachwire.models.coaching import AuditRecord
from coachwire.ports import ConcurrentUpdate
from coachwire.services import bias_audits, model_versions
from coachwire.services.bias_audits import current_quarter


class ModelDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=3, max_length=500, description="Why; kept on the registry record")


class PromotionRequest(ModelDecisionRequest):
    override_reason: str | None = Field(
        None, min_length=10, max_length=1000,
        description="Only to promote despite the model review gate (no completed review, or open review cases): "
                    "why, kept on the registry record; the override itself is audit-logged")


class ModelList(BaseModel):
    active: str
    shadow: str | None
    previous: list[str]
    changed_at: datetime | None
    changed_by: str | None
    versions: list[ModelEntry]


class FeatureView(BaseModel):
    name: str
    description: str
    inputs: list[str]


class ModelCard(BaseModel):
    version: str
    status: str
    config: ModelConfig
    features: list[FeatureView]
    training_window_start: date | None
    training_window_end: date | None
    completions: int
    completions_used: int
    employees: int
    item_level_pairs: int
    evaluation: list[MetricRow]


class RegistryView(BaseModel):
    active: str
    shadow: str | None
    previous: list[str]
    revision: int
    changed_by: str | None
    overridden_review: bool


class ReviewAccepted(BaseModel):
    audit_id: str
    window: str
    status: str
    reviewed_model: str
    created: bool


REQUEST_BODIES = {("/models/{version}/promote", "post"): PromotionRequest,
                  ("/models/{version}/review", "post"): ModelReviewRequest,
                  ("/models/rollback", "post"): ModelDecisionRequest}


router = APIGatewayHttpRouter()


def _pointer_view(pointer: RegistryPointer) -> dict:
    return {"active": pointer.active, "shadow": pointer.shadow, "previous": list(pointer.history),
            "revision": pointer.revision, "changed_by": pointer.changed_by,
            "overridden_review": pointer.override_reason is not None}


def _registry_change(change: Callable[[], RegistryPointer]) -> Response:
    try:
        pointer = change()
    except RegistryRefused as err:
        return json_response(409, {"message": str(err), "field": err.field})
    except ConcurrentUpdate:
        return json_response(409, {"message": "the model registry changed meanwhile; read it again and retry"})
    return json_response(200, _pointer_view(pointer))


def _request_id() -> str:
    return f"model_{uuid.uuid4().hex[:20]}"


@router.get("/models", summary="Model versions: the active one, the shadow candidate, earlier ones")
def list_models(request: ApiContext) -> ModelList:
    request.caller()
    pointer, entries = model_versions.listing(request.deps)
    return ModelList(active=pointer.active, shadow=pointer.shadow, previous=list(pointer.history),
                     changed_at=pointer.changed_at, changed_by=pointer.changed_by, versions=entries)


@router.get("/models/<version>", summary="A model version's card: features, training window, data, evaluation",
            responses={200: ok("The model card", ModelCard), 404: error("No such model version")})
def get_model(version: str, request: ApiContext) -> ModelCard:
    request.caller()
    deps = request.deps
    model = model_versions.model_version(deps, version)
    if model is None:
        raise NotFoundError(f"no model version '{version}'")
    counts, window = model.data_counts, model.training_window
    return ModelCard(version=model.version, status=status_of(model.version, deps.models.pointer()),
                     config=model.config, features=[FeatureView(name=f.name, description=f.description,
                                                                inputs=list(f.inputs)) for f in FEATURES],
                     training_window_start=window.start, training_window_end=window.end,
                     completions=counts.completions, completions_used=counts.completions_used,
                     employees=counts.employees, item_level_pairs=counts.item_level_pairs,
                     evaluation=list(model.evaluation))


@router.post("/models/<version>/promote",
             summary="Make a version active (hr_admin; audit-logged) once its model review has no open case",
             responses={200: ok("The registry after the change", RegistryView),
                        400: error("Invalid body; `field` names the culprit"),
                        403: error("Not an hr_admin"),
                        409: error("Unknown or already active version, a concurrent change, or the model "
                                   "review gate (`field`: override_reason)")})
def promote_model(version: str, request: ApiContext):
    who = request.hr_admin()
    wanted = request.body(PromotionRequest)
    return _registry_change(lambda: model_versions.promote(
        request.deps, version, by=who.subject, reason=wanted.reason, override_reason=wanted.override_reason,
        request_id=_request_id()))


@router.post("/models/<version>/review",
             summary="Bias-audit a candidate's shadow recommendations of a quarter before promotion (hr_admin)",
             responses={202: ok("Queued; GET /audits/{audit_id} shows the result", ReviewAccepted),
                        400: error("Invalid body, or a window that has not started; `field` names it"),
                        403: error("Not an hr_admin"),
                        404: error("No such model version")})
def review_model(version: str, request: ApiContext):
    who = request.hr_admin()
    wanted = request.body(ModelReviewRequest)
    deps = request.deps
    if model_versions.model_version(deps, version) is None:
        raise NotFoundError(f"no model version '{version}'")
    window = wanted.window or current_quarter(deps.clock.now().date())
    if parse_window(window).start > deps.clock.now().date():
        return json_response(400, {"message": f"window: {window} has not started yet", "field": "window"})
    summary, created = bias_audits.request_audit(deps, window, wanted.request_id, f"api:{who.subject}",
                                                 model_version=version)
    deps.audit.append(AuditRecord(
        event_id=f"api-{summary.audit_id}-{uuid.uuid4().hex[:8]}", trigger="api", subject_id="model_registry",
        outcome="succeeded" if created else "duplicate", recorded_at=deps.clock.now(), recommender_version=version,
        decision={"action": "model_review.requested", "audit_id": summary.audit_id, "window": summary.window,
                  "requested_by": who.subject}))
    return json_response(202, {"audit_id": summary.audit_id, "window": summary.window, "status": summary.status,
                               "reviewed_model": version, "created": created})


@router.post("/models/rollback", summary="Re-activate the previously active version (hr_admin; audit-logged)",
             responses={200: ok("The registry after the change", RegistryView),
                        400: error("Invalid body; `field` names the culprit"),
                        403: error("Not an hr_admin"),
                        409: error("No previous version, or a concurrent change")})
def rollback_model(request: ApiContext):
    who = request.hr_admin()
    wanted = request.body(ModelDecisionRequest)
    return _registry_change(lambda: model_versions.rollback(request.deps, by=who.subject, reason=wanted.reason,
                                                            request_id=_request_id()))
