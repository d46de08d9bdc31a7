"""Messages sent to a person, with each one's delivery status."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coachwire.api import views
from coachwire.api.request import ApiContext
from coachwire.domain import access
from coachwire.errors import NotAllowed

router = APIGatewayHttpRouter()


@router.get("/notifications", summary="Messages sent to a recipient")
def get_notifications(recipient_id: Annotated[str, Query(min_length=1)], request: ApiContext) -> views.NotificationList:
    if not access.may_read_notifications(request.caller(), recipient_id):
        raise NotAllowed("you may read only your own notifications")
    notes = request.deps.outbox.for_recipient(recipient_id)
    return views.NotificationList(recipient_id=recipient_id,
                                  notifications=[views.NotificationView.of(n) for n in notes])
