"""Model registry routes: list and read versions (anyone signed in: the model card is public inside the
organisation), promote and roll back (hr_admin, audit-logged), and run training now (hr_admin)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from pydantic import BaseModel, ConfigDict, Field

from coachwire import spine
from coachwire.api import views
from coachwire.api.bodies import json_response as _json
from coachwire.api.bodies import parse_body
from coachwire.api.contract import error, ok
from coachwire.domain import access
from coachwire.engine.features import FEATURES
from coachwire.engine.model import MetricRow, ModelConfig
from coachwire.engine.registry import ModelEntry, RegistryPointer, RegistryRefused, status_of
from coachwire.models.bias_audits import ModelReviewRequest, parse_window
from coachwire.models.coaching import AuditRecord
from coachwire.ports import ConcurrentUpdate
from coachwire.services import bias_audits, model_versions
from coachwire.services.bias_audits import current_quarter
from coachwire.services.deps import Dependencies


class ModelDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=3, max_length=500, description="Why; kept on the registry record")


class PromotionRequest(ModelDecisionRequest):
    override_reason: str | None = Field(
        None, min_length=10, max_length=1000,
        description="Only to promote despite the model review gate (no completed review, or open review cases): "
                    "why, kept on the registry record; the override itself is audit-logged")


class TrainingRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date | None = None


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
                  ("/models/rollback", "post"): ModelDecisionRequest,
                  ("/jobs/model-training/run", "post"): TrainingRunRequest}


def register(app: APIGatewayHttpResolver, deps: Dependencies, caller: Callable[[], access.Caller]) -> None:
    def parse(model: type[BaseModel]) -> tuple[BaseModel | None, Response | None]:
        return parse_body(app, model)

    def pointer_view(pointer: RegistryPointer) -> dict:
        return {"active": pointer.active, "shadow": pointer.shadow, "previous": list(pointer.history),
                "revision": pointer.revision, "changed_by": pointer.changed_by,
                "overridden_review": pointer.override_reason is not None}

    @app.get("/models", summary="Model versions: the active one, the shadow candidate, earlier ones")
    def list_models() -> ModelList:
        caller()
        pointer, entries = model_versions.listing(deps)
        return ModelList(active=pointer.active, shadow=pointer.shadow, previous=list(pointer.history),
                         changed_at=pointer.changed_at, changed_by=pointer.changed_by, versions=entries)

    @app.get("/models/<version>", summary="A model version's card: features, training window, data, evaluation",
             responses={200: ok("The model card", ModelCard), 404: error("No such model version")})
    def get_model(version: str) -> ModelCard:
        caller()
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

    def decide(action: Callable[[str, BaseModel], RegistryPointer], body: type[BaseModel]) -> Response:
        who = caller()
        access.require_hr_admin(who)
        request, error = parse(body)
        if error is not None:
            return error
        try:
            pointer = action(who.subject, request)  # type: ignore[arg-type]
        except RegistryRefused as err:
            return _json(409, {"message": str(err), "field": err.field})
        except ConcurrentUpdate:
            return _json(409, {"message": "the model registry changed meanwhile; read it again and retry"})
        return _json(200, pointer_view(pointer))

    @app.post("/models/<version>/promote",
              summary="Make a version active (hr_admin; audit-logged) once its model review has no open case",
              responses={200: ok("The registry after the change", RegistryView),
                         400: {"description": "Invalid body; `field` names the culprit"},
                         403: {"description": "Not an hr_admin"},
                         409: {"description": "Unknown or already active version, a concurrent change, or the model "
                                              "review gate (`field`: override_reason)"}})
    def promote_model(version: str):
        return decide(lambda by, req: model_versions.promote(
            deps, version, by=by, reason=req.reason, override_reason=req.override_reason,  # type: ignore[attr-defined]
            request_id=f"model_{uuid.uuid4().hex[:20]}"), PromotionRequest)

    @app.post("/models/<version>/review",
              summary="Bias-audit a candidate's shadow recommendations of a quarter before promotion (hr_admin)",
              responses={202: ok("Queued; GET /audits/{audit_id} shows the result", ReviewAccepted),
                         400: {"description": "Invalid body, or a window that has not started; `field` names it"},
                         403: {"description": "Not an hr_admin"},
                         404: {"description": "No such model version"}})
    def review_model(version: str):
        who = caller()
        access.require_hr_admin(who)
        request, error = parse(ModelReviewRequest)
        if error is not None:
            return error
        if model_versions.model_version(deps, version) is None:
            raise NotFoundError(f"no model version '{version}'")
        window = request.window or current_quarter(deps.clock.now().date())  # type: ignore[union-attr]
        if parse_window(window).start > deps.clock.now().date():
            return _json(400, {"message": f"window: {window} has not started yet", "field": "window"})
        summary, created = bias_audits.request_audit(deps, window, request.request_id,  # type: ignore[union-attr]
                                                f"api:{who.subject}", model_version=version)
        deps.audit.append(AuditRecord(
            event_id=f"api-{summary.audit_id}-{uuid.uuid4().hex[:8]}", trigger="api", subject_id="model_registry",
            outcome="succeeded" if created else "duplicate", recorded_at=deps.clock.now(), recommender_version=version,
            decision={"action": "model_review.requested", "audit_id": summary.audit_id, "window": summary.window,
                      "requested_by": who.subject}))
        return _json(202, {"audit_id": summary.audit_id, "window": summary.window, "status": summary.status,
                           "reviewed_model": version, "created": created})

    @app.post("/models/rollback", summary="Re-activate the previously active version (hr_admin; audit-logged)",
              responses={200: ok("The registry after the change", RegistryView),
                         400: {"description": "Invalid body; `field` names the culprit"},
                         403: {"description": "Not an hr_admin"},
                         409: {"description": "No previous version, or a concurrent change"}})
    def rollback_model():
        return decide(lambda by, req: model_versions.rollback(deps, by=by, reason=req.reason,
                                                      request_id=f"model_{uuid.uuid4().hex[:20]}"),
                      ModelDecisionRequest)

    @app.post("/jobs/model-training/run", summary="Fit a candidate model version now (hr_admin)",
              responses={202: ok("Queued", views.JobAccepted), 400: error("Invalid body; `field` names the culprit"),
                         403: error("Not an hr_admin")})
    def run_training():
        who = caller()
        access.require_hr_admin(who)
        request, error = parse(TrainingRunRequest)
        if error is not None:
            return error
        run_id = f"run_{uuid.uuid4().hex[:20]}"
        detail = {"job": "model_training", "requested_by": f"api:{who.subject}", "run_id": run_id}
        if request.as_of:
            detail["as_of"] = request.as_of.isoformat()
        deps.events.publish(spine.EVENT_SOURCE_SCHEDULER, spine.MODEL_TRAINING_DUE, detail)
        deps.audit.append(AuditRecord(event_id=run_id, trigger="api", subject_id="job:model_training",
                                      outcome="succeeded", recorded_at=deps.clock.now(),
                                      decision={"action": "model_training.requested", "requested_by": who.subject}))
        return _json(202, {"job": "model_training", "run_id": run_id, "as_of": detail.get("as_of")})
