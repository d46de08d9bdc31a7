"""HTTP routes. Every read checks the caller against the record it would return (domain/access.py)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import ValidationError

from coachwire import __version__, spine
from coachwire.api import bias_audits, contract, model_versions, rights, views
from coachwire.api.bodies import json_response as _json
from coachwire.api.contract import error, ok
from coachwire.domain import access, framework_diff
from coachwire.domain.framework_diff import FrameworkDiff
from coachwire.domain.gaps import FrameworkIndex
from coachwire.errors import DomainError, NotAllowed
from coachwire.frameworks import crosswalk
from coachwire.models.coaching import AuditRecord
from coachwire.models.cocreation import PersonalisationRequest, PlanPatch
from coachwire.models.framework import Crosswalk, Framework
from coachwire.ports import ConcurrentUpdate, RoleConflict, VersionConflict
from coachwire.services import cocreation, jobs
from coachwire.services.deps import Dependencies
from coachwire.services.frameworks import publish
from coachwire.services.ingest import first_error
from coachwire.services.stall_detection import STALL_JOB_SUBJECT

OPENAPI_TITLE = "Coachwire API"


def create_app(deps: Dependencies) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    def caller() -> access.Caller:
        claims = app.current_event.request_context.authorizer.jwt_claim
        return access.Caller.from_claims(claims, deps.settings.claim_mapping())

    def profile_or_404(employee_id: str):
        profile = deps.profiles.get(employee_id)
        # Same answer for "absent" and "not yours", so ids cannot be probed.
        if profile is None or not access.may_read_employee(caller(), employee_id, profile.manager_id):
            raise NotAllowed(f"no readable employee '{employee_id}'")
        return profile

    @app.exception_handler(NotAllowed)
    def forbidden(err: NotAllowed) -> Response:
        return Response(status_code=403, content_type="application/json", body={"message": str(err)})

    @app.exception_handler(RequestValidationError)
    def bad_query(err: RequestValidationError) -> Response:
        # The resolver validates only query parameters here (bodies are parsed by hand): name the parameter.
        detail = err.errors()[0]
        field = str(detail["loc"][-1]) if detail.get("loc") else "query"
        return _json(400, {"message": f"{field}: {detail.get('msg') or detail['type']}", "field": field})

    methods = contract.MethodTable(app)

    @app.not_found
    def not_found(err: NotFoundError) -> Response:
        event = app.current_event
        allowed = methods.allowed(event.path)
        method = event.http_method.upper()
        if allowed and method not in allowed:
            return Response(status_code=405, content_type="application/json", headers={"Allow": ", ".join(allowed)},
                            body={"message": f"{method} is not allowed here; allowed: {', '.join(allowed)}"})
        if allowed and method == "OPTIONS":
            return Response(status_code=204, content_type=None, headers={"Allow": ", ".join(allowed)}, body="")
        # A route's own 404 (an unknown id), or no such path at all.
        return _json(404, {"message": err.msg if allowed and err.msg != "Not found" else "Not Found"})

    @app.exception_handler(ServiceError)
    def service_error(err: ServiceError) -> Response:
        return _json(err.status_code, {"message": err.msg})

    @app.get("/openapi.json", include_in_schema=False)
    def openapi():
        return Response(status_code=200, content_type="application/json", body=openapi_document(app))

    @app.get("/employees/<employee_id>", summary="Profile, levels and gaps against the role benchmark")
    def get_employee(employee_id: str) -> views.EmployeeView:
        profile = profile_or_404(employee_id)
        framework = deps.catalog.framework(profile.framework_id)
        if framework is None:
            raise NotAllowed("the employee's framework is not published")
        index = FrameworkIndex.of(framework)
        benchmark = index.benchmark_vector(profile.role_id, profile.career_stage)
        levels = []
        for skill, target in zip(framework.skills, benchmark, strict=True):
            held = profile.levels.get(skill.skill_id)
            current = held.level if held else 0
            levels.append(views.LevelView(
                skill_id=skill.skill_id, skill_name=skill.name, level=current,
                assessed_at=held.assessed_at if held else None, source=held.source if held else None,
                benchmark=int(target), gap=max(0, int(target) - current), criticality=skill.criticality))
        role = framework.role(profile.role_id)
        return views.EmployeeView(
            employee_id=profile.employee_id, display_name=profile.display_name, role_id=profile.role_id,
            role_name=role.name if role else profile.role_id, career_stage=profile.career_stage,
            manager_id=profile.manager_id, framework_id=framework.framework_id,
            framework_version=framework.version, levels=levels,
            open_gaps=sum(1 for level in levels if level.gap > 0), completed_items=profile.completed_items)

    @app.get("/employees/<employee_id>/recommendations", summary="Recommendations, each with its explanation")
    def get_recommendations(employee_id: str) -> views.RecommendationList:
        profile_or_404(employee_id)
        recs = deps.profiles.recommendations(employee_id)
        return views.RecommendationList(employee_id=employee_id,
                                        recommendations=[views.RecommendationView.of(r) for r in recs])

    @app.get("/employees/<employee_id>/recommendations/<recommendation_id>",
             summary="One recommendation: explanation, score and the factor table behind it",
             responses={200: ok("The recommendation", views.RecommendationDetail),
                        404: error("No such recommendation for this employee")})
    def get_recommendation(employee_id: str, recommendation_id: str) -> views.RecommendationDetail:
        profile_or_404(employee_id)
        rec = deps.profiles.recommendation(employee_id, recommendation_id)
        if rec is None:
            raise NotFoundError(f"no recommendation '{recommendation_id}' for this employee")
        return views.RecommendationDetail.of(rec)

    @app.put("/employees/<employee_id>/personalisation",
             summary="Opt out of (or back into) AI personalisation; the employee only",
             responses={200: {"description": "The switch's position",
                              "content": {"application/json": {"model": views.PersonalisationView}}},
                        400: {"description": "Invalid body; `field` names the culprit"},
                        403: {"description": "Not the employee themself"},
                        409: {"description": "The profile changed meanwhile; retry"}})
    def put_personalisation(employee_id: str):
        who = caller()
        if not access.may_set_personalisation(who, employee_id):
            raise NotAllowed("only the employee themself may change their personalisation setting")
        request, error = _parse(PersonalisationRequest)
        if error is not None:
            return error
        if deps.profiles.get(employee_id) is None:
            raise NotAllowed(f"no readable employee '{employee_id}'")
        try:
            done = cocreation.set_personalisation(deps, employee_id, request.enabled, who.subject)
        except ConcurrentUpdate:
            return _json(409, {"message": "the profile changed meanwhile; try again"})
        view = views.PersonalisationView(
            employee_id=employee_id, enabled=request.enabled, changed=done.result.outcome == "succeeded",
            changed_at=done.profile.personalisation_changed_at if done.profile else None,
            request_id=done.request_id)
        return _json(200, view.model_dump(mode="json"))

    @app.patch("/employees/<employee_id>/plan",
               summary="Co-create the plan: accept, decline, reorder priorities, add agreed actions "
                       "(the employee or their manager)",
               responses={200: {"description": "The plan after the changes",
                                "content": {"application/json": {"model": views.PlanChangeResult}}},
                          400: {"description": "Invalid body; `field` names the culprit"},
                          403: {"description": "Neither the employee nor their manager"},
                          409: {"description": "Lost a race with another change; retry"},
                          422: {"description": "An unknown item or skill, or a due date in the past"}})
    def patch_plan(employee_id: str):
        who = caller()
        profile = profile_or_404(employee_id)
        party = access.plan_party(who, employee_id, profile.manager_id)
        if party is None:
            raise NotAllowed("only the employee and their manager change the plan")
        patch, error = _parse(PlanPatch)
        if error is not None:
            return error
        try:
            done = cocreation.change_plan(deps, employee_id, patch, who.subject, party)
        except DomainError as err:
            return _json(422, {"message": err.message, "field": err.field})
        except ConcurrentUpdate:
            return _json(409, {"message": "the plan changed meanwhile; try again"})
        updated = deps.profiles.get(employee_id)
        result = views.PlanChangeResult(
            employee_id=employee_id, request_id=done.request_id, plan=done.plan,
            declined_items=updated.declined_items if updated else {},
            agreed_priorities=updated.agreed_priorities if updated else [])
        return _json(200, result.model_dump(mode="json"))

    def _parse(model):
        try:
            return model.model_validate(app.current_event.json_body or {}), None
        except ValidationError as err:
            field, msg = _field_of(err)
            return None, _json(400, {"message": f"{field}: {msg}", "field": field})
        except ValueError:
            return None, _json(400, {"message": "body is not valid JSON", "field": "body"})

    @app.get("/employees/<employee_id>/plan", summary="The current development plan")
    def get_plan(employee_id: str) -> views.PlanView:
        profile_or_404(employee_id)
        return views.PlanView(employee_id=employee_id, plan=deps.profiles.plan(employee_id))

    @app.get("/managers/<manager_id>/alerts", summary="Stall alerts with 1:1 talking points")
    def get_alerts(manager_id: str) -> views.AlertList:
        if not access.may_read_manager_inbox(caller(), manager_id):
            raise NotAllowed("managers read only their own alerts")
        return views.AlertList(manager_id=manager_id, alerts=deps.profiles.alerts_for_manager(manager_id))

    @app.get("/notifications", summary="Messages sent to a recipient")
    def get_notifications(recipient_id: Annotated[str, Query(min_length=1)]) -> views.NotificationList:
        if not access.may_read_notifications(caller(), recipient_id):
            raise NotAllowed("you may read only your own notifications")
        notes = deps.outbox.for_recipient(recipient_id)
        return views.NotificationList(recipient_id=recipient_id, notifications=[
            views.NotificationView(**n.model_dump(include=set(views.NotificationView.model_fields))) for n in notes])

    @app.get("/triggers/stats", summary="Per trigger: events by terminal outcome, attempts, in flight, "
                                        "dead-lettered")
    def get_stats() -> views.StatsList:
        access.require_hr_admin(caller())
        counts = deps.stats.all()
        depth = deps.dead_letters.depth()
        in_flight = deps.queues.in_flight() if deps.queues else {}
        names = [spine.INGEST_FUNCTION, *(t.name for t in spine.TRIGGERS)]
        rows = []
        for name in names:
            c = counts.get(name, {})
            outcomes = {k: c.get(k, 0) for k in views.TERMINAL_OUTCOMES}
            queue = in_flight.get(name, {})
            rows.append(views.TriggerStatsView(
                trigger=name, events=sum(outcomes.values()), **outcomes, attempts=c.get("attempts", 0),
                failed_attempts=c.get("failed_attempts", 0), waiting=queue.get("waiting", 0),
                in_process=queue.get("in_process", 0), dead_lettered=depth.get(name, 0)))
        return views.StatsList(triggers=rows)

    @app.post("/jobs/stall-detection/run", summary="Run stall detection now (hr_admin); optional as_of date. "
              "Follow Location (or status_url) for the run's status and what it found",
              responses={202: {"description": "Queued", "headers": {"Location": {
                  "description": "The run's status: GET /jobs/stall-detection/runs/{run_id}",
                  "schema": {"type": "string"}}},
                  "content": {"application/json": {"model": views.StallRunAccepted}}},
                         400: {"description": "Invalid body; `field` names the culprit"},
                         403: {"description": "Not an hr_admin"}})
    def run_stall_detection():
        who = caller()
        access.require_hr_admin(who)
        try:
            request = views.StallRunRequest.model_validate(app.current_event.json_body or {})
        except ValidationError as err:
            field, msg = first_error(err)
            return Response(status_code=400, content_type="application/json",
                            body={"message": f"{field}: {msg}", "field": field})
        except ValueError:
            return Response(status_code=400, content_type="application/json",
                            body={"message": "body is not valid JSON", "field": "body"})
        run_id = f"run_{uuid.uuid4().hex[:20]}"
        detail = {"job": "stall_detection", "requested_by": f"api:{who.subject}", "run_id": run_id}
        requested = {"action": jobs.STALL_REQUESTED, "requested_by": who.subject}
        if request.as_of:
            detail["as_of"] = requested["as_of"] = request.as_of.isoformat()
        # Recorded before the job can run, so its status is never "unknown run" (the job audits under the run id).
        deps.audit.append(AuditRecord(event_id=run_id, trigger="api", subject_id=STALL_JOB_SUBJECT,
                                      outcome="succeeded", recorded_at=deps.clock.now(), decision=requested))
        deps.events.publish(spine.EVENT_SOURCE_SCHEDULER, spine.STALL_DETECTION_DUE, detail)
        status_url = f"/jobs/stall-detection/runs/{run_id}"
        accepted = views.StallRunAccepted(job="stall_detection", run_id=run_id, as_of=request.as_of,
                                          status_url=status_url)
        return Response(status_code=202, content_type="application/json", headers={"Location": status_url},
                        body=accepted.model_dump(mode="json"))

    @app.get("/jobs/stall-detection/runs/<run_id>",
             summary="One stall-detection run asked for through the API (hr_admin): queued, running or finished, "
                     "when, and what it found, as counts",
             responses={200: ok("The run", views.StallRunView),
                        404: {"description": "No run with this id was asked for through the API"}})
    def get_stall_run(run_id: str) -> views.StallRunView:
        access.require_hr_admin(caller())
        run = jobs.stall_run(run_id, deps.audit.for_event(run_id))
        if run is None:
            raise NotFoundError(f"no stall-detection run '{run_id}'")
        return views.StallRunView(**{**run.__dict__, "error_types": list(run.error_types)})

    @app.post("/frameworks", summary="Publish a framework version (hr_admin); versions are immutable",
              responses={201: ok("Published", views.FrameworkPublished),
                         200: ok("This exact version exists", views.FrameworkPublished),
                         400: {"description": "Invalid framework; `field` names the culprit"},
                         409: {"description": "Version published before with other content, or a role clash"}})
    def post_framework():
        who = caller()
        access.require_hr_admin(who)
        try:
            body, translated = _catalog_in_our_ids(app.current_event.json_body or {})
            request = views.PublishRequest.model_validate(body)
        except ValidationError as err:
            field, msg = first_error(err)
            return _json(400, {"message": f"{field}: {msg}", "field": field})
        except ValueError:
            return _json(400, {"message": "body is not valid JSON", "field": "body"})
        try:
            published = publish(deps, request.framework, request.catalog)
        except (VersionConflict, RoleConflict) as err:
            return _json(409, {"message": str(err)})
        deps.audit.append(AuditRecord(
            event_id=published.event_id, trigger="api", subject_id=f"framework:{published.framework_id}",
            outcome="succeeded" if published.new else "duplicate", recorded_at=deps.clock.now(),
            framework_version=published.version, decision={"action": "framework.published",
                                                           "requested_by": who.subject}))
        return _json(201 if published.new else 200, {
            "framework_id": published.framework_id, "version": published.version, "event_id": published.event_id,
            "status": "published" if published.new else "already_published", "translated_ids": translated})

    def _catalog_in_our_ids(body: dict) -> tuple[dict, dict[str, str]]:
        """A catalog may name skills in a vendor's ids: the framework's crosswalks translate them."""
        framework_doc, catalog_doc = body.get("framework"), body.get("catalog")
        if not isinstance(framework_doc, dict) or not isinstance(catalog_doc, dict):
            return body, {}
        skills = {str(s["skill_id"]) for s in framework_doc.get("skills") or []
                  if isinstance(s, dict) and s.get("skill_id")}
        crosswalks = deps.catalog.crosswalks(str(framework_doc.get("framework_id", "")))
        catalog_doc, translated = crosswalk.translate_catalog_document(catalog_doc, skills, crosswalks)
        return {**body, "catalog": catalog_doc}, translated

    @app.get("/frameworks", summary="Published frameworks and their current versions")
    def list_frameworks() -> views.FrameworkList:
        caller()
        return views.FrameworkList(frameworks=[
            views.FrameworkSummary(**f, versions=deps.catalog.versions(f["framework_id"]))
            for f in deps.catalog.frameworks()])

    @app.get("/frameworks/<framework_id>/versions/<version>", summary="One published version, as published",
             responses={200: ok("The version", Framework), 404: error("No such version")})
    def get_framework_version(framework_id: str, version: str) -> Framework:
        caller()
        found = deps.catalog.framework_version(framework_id, version)
        if found is None:
            raise NotFoundError(f"no version '{version}' of framework '{framework_id}'")
        return found

    @app.get("/frameworks/<framework_id>/diff", summary="What changed between two versions",
             responses={200: ok("The changes", FrameworkDiff), 404: error("Either version does not exist")})
    def get_framework_diff(framework_id: str, from_version: Annotated[str, Query(alias="from")],
                           to_version: Annotated[str, Query(alias="to")]) -> FrameworkDiff:
        caller()
        before = deps.catalog.framework_version(framework_id, from_version)
        after = deps.catalog.framework_version(framework_id, to_version)
        if before is None or after is None:
            missing = [v for v, fw in ((from_version, before), (to_version, after)) if fw is None]
            raise NotFoundError(f"no version {', '.join(missing)} of framework '{framework_id}'")
        return framework_diff.diff(before, after)

    @app.put("/frameworks/<framework_id>/crosswalks/<crosswalk_id>",
              summary="Map an external taxonomy's ids onto this framework (hr_admin)",
              responses={200: ok("Stored", views.CrosswalkStored),
                         400: error("Invalid; `field` names the culprit, `problems` lists them all"),
                         404: error("No such framework")})
    def put_crosswalk(framework_id: str, crosswalk_id: str):
        who = caller()
        access.require_hr_admin(who)
        try:
            body = app.current_event.json_body or {}
        except ValueError:
            return _json(400, {"message": "body is not valid JSON", "field": "body"})
        if not isinstance(body, dict):
            return _json(400, {"message": "body: must be a JSON object", "field": "body"})
        try:
            mapping = Crosswalk.model_validate({**body, "framework_id": framework_id, "crosswalk_id": crosswalk_id})
        except ValidationError as err:
            field, msg = first_error(err)
            return _json(400, {"message": f"{field}: {msg}", "field": field})
        framework = deps.catalog.framework(framework_id)
        if framework is None:
            raise NotFoundError(f"no framework '{framework_id}'")
        problems = crosswalk.check(mapping, framework, deps.catalog.catalog(framework_id))
        if problems:
            return _json(400, {"message": "the crosswalk points at ids the framework does not have",
                               "field": problems[0].split(":", 1)[0], "problems": problems})
        deps.catalog.put_crosswalk(mapping)
        deps.audit.append(AuditRecord(
            event_id=f"crosswalk:{framework_id}:{crosswalk_id}:{uuid.uuid4().hex[:8]}", trigger="api",
            subject_id=f"framework:{framework_id}", outcome="succeeded", recorded_at=deps.clock.now(),
            decision={"action": "crosswalk.stored", "crosswalk_id": crosswalk_id, "skills": len(mapping.skills),
                      "items": len(mapping.items), "requested_by": who.subject}))
        return _json(200, {"crosswalk_id": crosswalk_id, "framework_id": framework_id,
                           "skills": len(mapping.skills), "items": len(mapping.items)})

    rights.register(app, deps, caller)  # policy, export, corrections

    @app.get("/frameworks/<framework_id>/crosswalks", summary="The crosswalks of a framework")
    def list_crosswalks(framework_id: str) -> list[Crosswalk]:
        caller()
        return deps.catalog.crosswalks(framework_id)

    model_versions.register(app, deps, caller)
    bias_audits.register(app, deps, caller)
    return app


_OPS = ("accept", "decline", "reorder", "add")


def openapi_document(app: APIGatewayHttpResolver) -> dict:
    """The OpenAPI document of an app made by create_app (it reads only the routes, never the dependencies)."""
    document = app.get_openapi_json_schema(
        title=OPENAPI_TITLE, version=__version__,
        description="Coaching profiles, explained recommendations, plans, manager alerts "
                    "and trigger health. Webhooks: POST /webhooks/hris (Standard Webhooks).",
        security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearer": []}])
    return contract.finish_document(json.loads(document), _REQUEST_BODIES)


def _field_of(err: ValidationError) -> tuple[str, str]:
    """Like first_error, without the discriminator tag pydantic puts in the path (changes.0.decline.reason)."""
    detail = err.errors()[0]
    loc = [str(p) for i, p in enumerate(detail["loc"])
           if not (p in _OPS and i > 0 and isinstance(detail["loc"][i - 1], int))]
    return ".".join(loc) or "body", detail["msg"]


# Bodies parsed by hand (so a 400 names the field) are added to the OpenAPI document by contract.finish_document.
_REQUEST_BODIES = {("/employees/{employee_id}/plan", "patch"): PlanPatch,
                   ("/employees/{employee_id}/personalisation", "put"): PersonalisationRequest,
                   **model_versions.REQUEST_BODIES,
                   **rights.REQUEST_BODIES,
                   **bias_audits.REQUEST_BODIES}
