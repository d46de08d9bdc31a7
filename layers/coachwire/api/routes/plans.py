"""The development plan, co-created by the employee and their manager."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from coachwire.api import views
from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.domain import access
from coachwire.errors import DomainError, NotAllowed
from coachwire.models.cocreation import PlanPatch
from coachwire.ports import ConcurrentUpdate
from coachwire.services import cocreation

router = APIGatewayHttpRouter()
REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {("/employees/{employee_id}/plan", "patch"): PlanPatch}


@router.get("/employees/<employee_id>/plan", summary="The current development plan")
def get_plan(employee_id: str, request: ApiContext) -> views.PlanView:
    request.readable_profile(employee_id)
    return views.PlanView(employee_id=employee_id, plan=request.deps.profiles.plan(employee_id))


@router.patch("/employees/<employee_id>/plan",
              summary="Co-create the plan: accept, decline, reorder priorities, add agreed actions "
                      "(the employee or their manager)",
              responses={200: ok("The plan after the changes", views.PlanChangeResult),
                         400: error("Invalid body; `field` names the culprit"),
                         403: error("Neither the employee nor their manager"),
                         409: error("Lost a race with another change; retry"),
                         422: error("An unknown item or skill, or a due date in the past")})
def patch_plan(employee_id: str, request: ApiContext):
    who = request.caller()
    profile = request.readable_profile(employee_id)
    party = access.plan_party(who, employee_id, profile.manager_id)
    if party is None:
        raise NotAllowed("only the employee and their manager change the plan")
    patch = request.body(PlanPatch)
    deps = request.deps
    try:
        done = cocreation.change_plan(deps, employee_id, patch, who.subject, party)
    except DomainError as err:
        return json_response(422, {"message": err.message, "field": err.field})
    except ConcurrentUpdate:
        return json_response(409, {"message": "the plan changed meanwhile; try again"})
    updated = deps.profiles.get(employee_id)
    result = views.PlanChangeResult(
        employee_id=employee_id, request_id=done.request_id, plan=done.plan,
        declined_items=updated.declined_items if updated else {},
        agreed_priorities=updated.agreed_priorities if updated else [])
    return json_response(200, result.model_dump(mode="json"))
