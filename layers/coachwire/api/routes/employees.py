"""An employee's profile, levels against the role benchmark, explained recommendations and the AI opt-out."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from coachwire.api import views
from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.domain import access, brief
from coachwire.errors import NotAllowed
from coachwire.models.cocreation import PersonalisationRequest
from coachwire.ports import ConcurrentUpdate
from coachwire.services import cocreation

router = APIGatewayHttpRouter()
REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("/employees/{employee_id}/personalisation", "put"): PersonalisationRequest}


@router.get("/employees/<employee_id>", summary="Profile, levels and gaps against the role benchmark")
def get_employee(employee_id: str, request: ApiContext) -> views.EmployeeView:
    profile = request.readable_profile(employee_id)
    framework = request.deps.catalog.framework(profile.framework_id)
    if framework is None:
        raise NotAllowed("the employee's framework is not published")
    levels = [views.LevelView(**level.model_dump()) for level in brief.skill_levels(profile, framework)]
    role = framework.role(profile.role_id)
    return views.EmployeeView(
        employee_id=profile.employee_id, display_name=profile.display_name, role_id=profile.role_id,
        role_name=role.name if role else profile.role_id, career_stage=profile.career_stage,
        manager_id=profile.manager_id, framework_id=framework.framework_id,
        framework_version=framework.version, levels=levels,
        open_gaps=sum(1 for level in levels if level.gap > 0), completed_items=profile.completed_items)


@router.get("/employees/<employee_id>/recommendations", summary="Recommendations, each with its explanation")
def get_recommendations(employee_id: str, request: ApiContext) -> views.RecommendationList:
    request.readable_profile(employee_id)
    recs = request.deps.profiles.recommendations(employee_id)
    return views.RecommendationList(employee_id=employee_id,
                                    recommendations=[views.RecommendationView.of(r) for r in recs])


@router.get("/employees/<employee_id>/recommendations/<recommendation_id>",
            summary="One recommendation: explanation, score and the factor table behind it",
            responses={200: ok("The recommendation", views.RecommendationDetail),
                       404: error("No such recommendation for this employee")})
def get_recommendation(employee_id: str, recommendation_id: str, request: ApiContext) -> views.RecommendationDetail:
    request.readable_profile(employee_id)
    rec = request.deps.profiles.recommendation(employee_id, recommendation_id)
    if rec is None:
        raise NotFoundError(f"no recommendation '{recommendation_id}' for this employee")
    return views.RecommendationDetail.of(rec)


@router.put("/employees/<employee_id>/personalisation",
            summary="Opt out of (or back into) AI personalisation; the employee only",
            responses={200: ok("The switch's position", views.PersonalisationView),
                       400: error("Invalid body; `field` names the culprit"),
                       403: error("Not the employee themself"),
                       409: error("The profile changed meanwhile; retry")})
def put_personalisation(employee_id: str, request: ApiContext):
    who = request.caller()
    if not access.may_set_personalisation(who, employee_id):
        raise NotAllowed("only the employee themself may change their personalisation setting")
    wanted = request.body(PersonalisationRequest)
    deps = request.deps
    if deps.profiles.get(employee_id) is None:
        raise NotAllowed(f"no readable employee '{employee_id}'")
    try:
        done = cocreation.set_personalisation(deps, employee_id, wanted.enabled, who.subject)
    except ConcurrentUpdate:
        return json_response(409, {"message": "the profile changed meanwhile; try again"})
    view = views.PersonalisationView(
        employee_id=employee_id, enabled=wanted.enabled, changed=done.result.outcome == "succeeded",
        changed_at=done.profile.personalisation_changed_at if done.profile else None,
        request_id=done.request_id)
    return json_response(200, view.model_dump(mode="json"))
