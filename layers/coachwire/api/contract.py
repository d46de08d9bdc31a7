"""The API's HTTP contract beyond its routes: the one error body, which methods a path allows, and the OpenAPI
document's finishing touches (statuses every route shares, hand-parsed request bodies, the webhook route).

Routes declare their own success and error statuses; `finish_document` adds what follows from the route's shape
(JWT → 401/403, query parameters → 400) and puts the error schema on every 4xx, so the document cannot drift from
what the resolver and the gateway answer."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict, Field

from coachwire import spine

ERROR_SCHEMA = "ErrorBody"
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ErrorBody(BaseModel):
    """Every error: what went wrong and, for bad input, the field that caused it."""

    model_config = ConfigDict(extra="forbid", title=ERROR_SCHEMA)
    message: str
    field: str | None = Field(None, description="The culprit: a dotted body path, a query parameter or a header")
    problems: list[str] | None = Field(None, description="Every problem, where there can be several")


class WebhookAccepted(BaseModel):
    event_id: str = Field(description="The webhook-id")
    status: str = Field(description="accepted, or duplicate for a redelivery of a delivery already accepted")


# The gateway's and the API's own answers that every route of a kind shares.
UNAUTHORISED = {"description": "Missing, malformed, expired or wrongly signed bearer token (the gateway's JWT check)"}
FORBIDDEN = {"description": "The token lacks the employee id claim or a known role (the message names the claim), "
                         "or the role may not do this"}
BAD_QUERY = {"description": "A query parameter is missing or invalid; `field` names it"}


def error(description: str) -> OpenAPIResponse:
    return {"description": description}


def ok(description: str, model: type[BaseModel]) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


# -- methods --------------------------------------------------------------------------------------------------------


def _compile(path: str) -> re.Pattern[str]:
    """An API Gateway or resolver path (/a/{id}, /a/<id>) as a regex over one segment per parameter."""
    parts = re.split(r"(\{[^}]+\}|<[^>]+>)", path)
    return re.compile("".join("[^/]+" if p[:1] in "{<" else re.escape(p) for p in parts if p))


class MethodTable:
    """Which methods each path allows: the resolver's routes plus the other HTTP functions' gateway routes (the
    gateway sends everything else, POST /webhooks/hris's GET included, to the API function)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._routes: list[tuple[str, re.Pattern[str]]] | None = None

    def _table(self) -> list[tuple[str, re.Pattern[str]]]:
        if self._routes is None:  # built on first use, when every route is registered
            ours = [(r.method, r.path) for r in [*self._app._static_routes, *self._app._dynamic_routes]]
            others = [(m, p) for fn in spine.HTTP_FUNCTIONS if fn.name != spine.API_FUNCTION for m, p, _ in fn.routes]
            self._routes = [(method.upper(), _compile(path)) for method, path in [*ours, *others]]
        return self._routes

    def allowed(self, path: str) -> list[str]:
        methods = {method for method, pattern in self._table() if pattern.fullmatch(path)}
        if "GET" in methods:
            methods.add("HEAD")
        if methods:
            methods.add("OPTIONS")
        return [m for m in ALL_METHODS if m in methods]


# -- the document ---------------------------------------------------------------------------------------------------


def _schema_of(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    name = schema.get("title") or model.__name__
    schemas[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def finish_document(spec: dict[str, Any], request_bodies: dict[tuple[str, str], type[BaseModel]]) -> dict[str, Any]:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    error_ref = _schema_of(ErrorBody, schemas)
    for (path, method), model in request_bodies.items():
        operation = spec.get("paths", {}).get(path, {}).get(method)
        if operation is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": _schema_of(model, schemas)}}}
    spec.setdefault("paths", {})["/webhooks/hris"] = _webhook_path(schemas, error_ref)
    for operations in spec["paths"].values():
        for operation in operations.values():
            _finish_operation(operation, spec.get("security", []), error_ref)
    # The resolver's own validation error shape: the API never answers with it (see app.py's handlers).
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return spec


def _finish_operation(operation: dict[str, Any], default_security: list, error_ref: dict[str, str]) -> None:
    responses = operation.setdefault("responses", {})
    auto_422 = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if auto_422.get("$ref", "").endswith("/HTTPValidationError"):
        del responses["422"]
    if operation.get("security", default_security) != [{}]:
        responses.setdefault("401", dict(UNAUTHORISED))
        responses.setdefault("403", dict(FORBIDDEN))
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        responses.setdefault("400", dict(BAD_QUERY))
    for status, response in responses.items():
        if status.startswith("4"):
            response["content"] = {"application/json": {"schema": error_ref}}
    operation["responses"] = dict(sorted(responses.items()))


def _webhook_path(schemas: dict[str, Any], error_ref: dict[str, str]) -> dict[str, Any]:
    from coachwire.models.events import WebhookEnvelope

    def header(name: str, description: str) -> dict[str, Any]:
        return {"name": name, "in": "header", "required": True, "description": description,
                "schema": {"type": "string"}}

    def err(description: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": error_ref}}}

    return {"post": {
        "summary": "An HRIS event (Standard Webhooks: HMAC-SHA256 over id, timestamp and the raw body)",
        "operationId": "post_webhooks_hris",
        "security": [{}],
        "parameters": [header("webhook-id", "Unique per delivery; redeliveries reuse it"),
                       header("webhook-timestamp", "Unix seconds; older than 5 minutes is refused"),
                       header("webhook-signature", "v1,<base64 HMAC>; several, space-separated, while rotating")],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": _envelope_schema(WebhookEnvelope, schemas)}}},
        "responses": {
            "202": {"description": "Accepted for processing, or a duplicate of an accepted delivery",
                    "content": {"application/json": {"schema": _schema_of(WebhookAccepted, schemas)}}},
            "400": err("Not JSON, or not a valid event; `field` names the culprit"),
            "401": err("Missing, invalid or stale signature"),
            "409": err("The webhook-id was used before for a different body, or the same delivery is being "
                       "processed right now (retry later); `field` is webhook-id"),
            "413": err("The body is larger than the configured limit"),
            "415": err("The content type is not application/json"),
            "422": err("A valid event naming an unknown employee, role, stage, skill or activity, or a level "
                       "outside the scale; `field` names it"),
        }}}


def _envelope_schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    """The envelope, with `type` as an open string: the API's document names no demographic category or event
    (the types and their data are in the README's webhook contract); the ingest function checks the type."""
    ref = _schema_of(model, schemas)
    schemas[ref["$ref"].rsplit("/", 1)[-1]]["properties"]["type"] = {
        "type": "string", "description": "The event type (README, Webhook contract); unknown types get a 400"}
    return ref
