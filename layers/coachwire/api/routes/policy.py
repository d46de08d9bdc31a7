"""The data-use policy, generated from the running configuration: public, as JSON, Markdown or HTML."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coachwire.api.bodies import json_response
from coachwire.api.request import ApiContext
from coachwire.policy import render
from coachwire.policy.document import PolicyDocument, build

router = APIGatewayHttpRouter()
FORMATS = {"json": "application/json", "markdown": "text/markdown; charset=utf-8",
           "html": "text/html; charset=utf-8"}


@router.get("/policy", summary="The data-use policy, generated from the running configuration (public)",
            security=[{}],
            responses={200: {"description": "JSON by default; Markdown or HTML with ?format= or Accept",
                             "content": {"application/json": {"model": PolicyDocument},
                                         "text/markdown": {"schema": {"type": "string"}},
                                         "text/html": {"schema": {"type": "string"}}}},
                       400: {"description": "Unknown format; `field` is `format`"}})
def get_policy(request: ApiContext,
               format: Annotated[str | None, Query(description="json, markdown or html")] = None):
    wanted = format
    if wanted is None:
        accept = request.header("accept")
        wanted = "html" if "text/html" in accept else "markdown" if "text/markdown" in accept else "json"
    if wanted not in FORMATS:
        return json_response(400, {"message": f"format: one of {', '.join(FORMATS)}", "field": "format"})
    doc = build(request.deps.settings)
    headers = {"ETag": f'"{doc.version}"', "Vary": "Accept"}
    if wanted == "json":
        return Response(200, FORMATS["json"], doc.model_dump_json(), headers=headers)
    text = render.markdown(doc) if wanted == "markdown" else render.html(doc)
    return Response(200, FORMATS[wanted], text, headers=headers)
