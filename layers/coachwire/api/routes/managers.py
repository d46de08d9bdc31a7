"""A manager's inbox (stall alerts with 1:1 talking points) and the 1:1 brief on one of their people."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coachwire.api import views
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.domain import access, brief
from coachwire.errors import NotAllowed
from coachwire.models.brief import OneOnOneBrief
from coachwire.services.brief import one_on_one_brief

router = APIGatewayHttpRouter()


@router.get("/managers/<manager_id>/alerts", summary="Stall alerts with 1:1 talking points")
def get_alerts(manager_id: str, request: ApiContext) -> views.AlertList:
    if not access.may_read_manager_inbox(request.caller(), manager_id):
        raise NotAllowed("managers read only their own alerts")
    return views.AlertList(manager_id=manager_id, alerts=request.deps.profiles.alerts_for_manager(manager_id))


@router.get("/managers/<manager_id>/brief/<employee_id>",
            summary="The 1:1 brief: open gaps, recent activity, plan decisions, the last alert and its talking "
                    "points (the manager, the employee or hr_admin)",
            responses={200: ok("The brief", OneOnOneBrief),
                       403: error("Not this manager, the employee or hr_admin, or the employee is not this "
                                  "manager's report (the same answer for an unknown employee)")})
def get_brief(manager_id: str, employee_id: str, request: ApiContext,
              days: Annotated[int, Query(ge=1, le=365, description="Recent activity: this many days back")]
              = brief.DEFAULT_ACTIVITY_DAYS) -> OneOnOneBrief:
    deps = request.deps
    profile = deps.profiles.get(employee_id)
    # Same answer for "absent" and "not yours", so ids cannot be probed.
    if profile is None or not access.may_read_brief(request.caller(), manager_id, employee_id, profile.manager_id):
        raise NotAllowed(f"no readable brief for '{employee_id}'")
    found = one_on_one_brief(deps, manager_id, profile, days)
    if found is None:
        raise NotAllowed("the employee's framework is not published")
    return found
