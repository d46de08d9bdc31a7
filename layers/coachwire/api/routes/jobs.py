"""Run a scheduled job now (hr_admin): stall detection, with its run's status, and model training."""

from __future__ import annotations

import uuid

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from coachwire import spine
from coachwire.api import views
from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.models.coaching import AuditRecord
from coachwire.services import jobs
from coachwire.services.stall_detection import STALL_JOB_SUBJECT

router = APIGatewayHttpRouter()
REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("/jobs/model-training/run", "post"): views.TrainingRunRequest}


@router.post("/jobs/stall-detection/run", summary="Run stall detection now (hr_admin); optional as_of date. "
             "Follow Location (or status_url) for the run's status and what it found",
             responses={202: {"description": "Queued", "headers": {"Location": {
                 "description": "The run's status: GET /jobs/stall-detection/runs/{run_id}",
                 "schema": {"type": "string"}}},
                 "content": {"application/json": {"model": views.StallRunAccepted}}},
                 400: error("Invalid body; `field` names the culprit"),
                 403: error("Not an hr_admin")})
def run_stall_detection(request: ApiContext):
    who = request.hr_admin()
    wanted = request.body(views.StallRunRequest)
    deps = request.deps
    run_id = f"run_{uuid.uuid4().hex[:20]}"
    detail = {"job": "stall_detection", "requested_by": f"api:{who.subject}", "run_id": run_id}
    requested = {"action": jobs.STALL_REQUESTED, "requested_by": who.subject}
    if wanted.as_of:
        detail["as_of"] = requested["as_of"] = wanted.as_of.isoformat()
    # Recorded before the job can run, so its status is never "unknown run" (the job audits under the run id).
    deps.audit.append(AuditRecord(event_id=run_id, trigger="api", subject_id=STALL_JOB_SUBJECT,
                                  outcome="succeeded", recorded_at=deps.clock.now(), decision=requested))
    deps.events.publish(spine.EVENT_SOURCE_SCHEDULER, spine.STALL_DETECTION_DUE, detail)
    status_url = f"/jobs/stall-detection/runs/{run_id}"
    accepted = views.StallRunAccepted(job="stall_detection", run_id=run_id, as_of=wanted.as_of,
                                      status_url=status_url)
    return Response(status_code=202, content_type="application/json", headers={"Location": status_url},
                    body=accepted.model_dump(mode="json"))


@router.get("/jobs/stall-detection/runs/<run_id>",
            summary="One stall-detection run asked for through the API (hr_admin): queued, running or finished, "
                    "when, and what it found, as counts",
            responses={200: ok("The run", views.StallRunView),
                       404: error("No run with this id was asked for through the API")})
def get_stall_run(run_id: str, request: ApiContext) -> views.StallRunView:
    request.hr_admin()
    run = jobs.stall_run(run_id, request.deps.audit.for_event(run_id))
    if run is None:
        raise NotFoundError(f"no stall-detection run '{run_id}'")
    return views.StallRunView(**{**run.__dict__, "error_types": list(run.error_types)})


@router.post("/jobs/model-training/run", summary="Fit a candidate model version now (hr_admin)",
             responses={202: ok("Queued", views.JobAccepted), 400: error("Invalid body; `field` names the culprit"),
                        403: error("Not an hr_admin")})
def run_training(request: ApiContext):
    who = request.hr_admin()
    wanted = request.body(views.TrainingRunRequest)
    deps = request.deps
    run_id = f"run_{uuid.uuid4().hex[:20]}"
    detail = {"job": "model_training", "requested_by": f"api:{who.subject}", "run_id": run_id}
    if wanted.as_of:
        detail["as_of"] = wanted.as_of.isoformat()
    deps.events.publish(spine.EVENT_SOURCE_SCHEDULER, spine.MODEL_TRAINING_DUE, detail)
    deps.audit.append(AuditRecord(event_id=run_id, trigger="api", subject_id="job:model_training",
                                  outcome="succeeded", recorded_at=deps.clock.now(),
                                  decision={"action": "model_training.requested", "requested_by": who.subject}))
    return json_response(202, {"job": "model_training", "run_id": run_id, "as_of": detail.get("as_of")})
