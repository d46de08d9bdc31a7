"""A manager's inbox: stall alerts with 1:1 talking points."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coachwire.api import views
from coachwire.api.request import ApiContext
from coachwire.domain import access
from coachwire.errors import NotAllowed

router = APIGatewayHttpRouter()


@router.get("/managers/<manager_id>/alerts", summary="Stall alerts with 1:1 talking points")
def get_alerts(manager_id: str, request: ApiContext) -> views.AlertList:
    if not access.may_read_manager_inbox(request.caller(), manager_id):
        raise NotAllowed("managers read only their own alerts")
    return views.AlertList(manager_id=manager_id, alerts=request.deps.profiles.alerts_for_manager(manager_id))
