"""The HTTP API: the resolver, its error answers, and the routes of every resource (api/routes/, one module each).

Every read checks the caller against the record it would return (domain/access.py)."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from pydantic import BaseModel

from coachwire import __version__
from coachwire.api import contract
from coachwire.api.bodies import InvalidBody, invalid_body_response, json_response
from coachwire.api.request import dependencies
from coachwire.api.routes import (
    bias_audits,
    employees,
    frameworks,
    guides,
    jobs,
    managers,
    model_versions,
    notifications,
    pilots,
    plans,
    policy,
    preferences,
    reliability,
    rights,
    triggers,
)
from coachwire.errors import NotAllowed
from coachwire.services.deps import Dependencies

OPENAPI_TITLE = "Coachwire API"
ROUTE_MODULES = (employees, plans, managers, notifications, preferences, triggers, jobs, frameworks, policy, rights,
                 model_versions, bias_audits, guides, pilots, reliability)


def create_app(deps: Dependencies) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.dependency_overrides[dependencies] = lambda: deps
    for module in ROUTE_MODULES:
        app.include_router(module.router)
    methods = contract.MethodTable(app)

    app.exception_handler(NotAllowed)(lambda err: json_response(403, {"message": str(err)}))
    app.exception_handler(InvalidBody)(invalid_body_response)
    app.exception_handler(ServiceError)(lambda err: json_response(err.status_code, {"message": err.msg}))

    @app.exception_handler(RequestValidationError)
    def bad_query(err: RequestValidationError) -> Response:
        # The resolver validates only query parameters here (bodies are parsed by api/bodies.py): name the parameter.
        detail = err.errors()[0]
        field = str(detail["loc"][-1]) if detail.get("loc") else "query"
        return json_response(400, {"message": f"{field}: {detail.get('msg') or detail['type']}", "field": field})

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
        return json_response(404, {"message": err.msg if allowed and err.msg != "Not found" else "Not Found"})

    @app.get("/openapi.json", include_in_schema=False)
    def openapi():
        return Response(status_code=200, content_type="application/json", body=openapi_document(app))

    return app


def openapi_document(app: APIGatewayHttpResolver) -> dict:
    """The OpenAPI document of an app made by create_app (it reads only the routes, never the dependencies)."""
    document = app.get_openapi_json_schema(
        title=OPENAPI_TITLE, version=__version__,
        description="Coaching profiles, explained recommendations, plans, manager alerts "
                    "and trigger health. Webhooks: POST /webhooks/hris (Standard Webhooks).",
        security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearer": []}])
    return contract.finish_document(json.loads(document), request_bodies())


def request_bodies() -> dict[tuple[str, str], type[BaseModel]]:
    """Bodies parsed by hand (so a 400 names the field), for contract.finish_document to put in the document."""
    found: dict[tuple[str, str], type[BaseModel]] = {}
    for module in ROUTE_MODULES:
        found.update(getattr(module, "REQUEST_BODIES", {}))
    return found
