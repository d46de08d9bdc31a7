"""Conversation guides for the 1:1 a stall alert prompts, one per alert reason (content files HR edits)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coachwire.api.bodies import json_response
from coachwire.api.contract import error
from coachwire.api.request import ApiContext
from coachwire.domain import guides
from coachwire.errors import UnknownReference
from coachwire.models.guides import ConversationGuide

router = APIGatewayHttpRouter()
FORMATS = {"json": "application/json", "html": "text/html; charset=utf-8"}


@router.get("/guides/<reason_code>", summary="The conversation guide for a stall-alert reason (any signed-in caller)",
            responses={200: {"description": "The guide in use today: JSON by default, HTML with ?format=html or "
                                            "Accept: text/html",
                             "content": {"application/json": {"model": ConversationGuide},
                                         "text/html": {"schema": {"type": "string"}}}},
                       400: error("Unknown format; `field` is `format`"),
                       404: error("No guide for this reason code")})
def get_guide(reason_code: str, request: ApiContext,
              format: Annotated[str | None, Query(description="json or html")] = None):
    request.caller()  # signed in, with the claims the API needs
    wanted = format or ("html" if "text/html" in request.header("accept") else "json")
    if wanted not in FORMATS:
        return json_response(400, {"message": f"format: one of {', '.join(FORMATS)}", "field": "format"})
    try:
        guide = guides.shipped_guides().current(reason_code, request.deps.clock.now().date())
    except UnknownReference as err:
        raise NotFoundError(err.message) from None
    headers = {"Vary": "Accept"}
    if wanted == "html":
        return Response(200, FORMATS["html"], guides.guide_html(guide), headers=headers)
    return Response(200, FORMATS["json"], guide.model_dump_json(), headers=headers)
