"""The one request context every route takes: the app's dependencies, the event, who is calling, and the body.

A route declares `request: ApiContext`; Powertools' dependency injection builds it per request. The dependencies
are the app's own: create_app overrides the `dependencies` placeholder, so two apps (tests make many) never share
them and a route can be called alone with any Dependencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import Depends, Request
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel, TypeAdapter

from coachwire.api import bodies
from coachwire.domain import access
from coachwire.errors import NotAllowed
from coachwire.models.coaching import EmployeeProfile
from coachwire.services.deps import Dependencies

Model = TypeVar("Model", bound=BaseModel)
Parsed = TypeVar("Parsed")


def dependencies() -> Dependencies:
    """Replaced by create_app (app.dependency_overrides) with the dependencies it was given."""
    raise RuntimeError("routes run inside an app made by coachwire.api.app.create_app")


@dataclass
class RequestContext:
    deps: Dependencies
    event: APIGatewayProxyEventV2
    _caller: access.Caller | None = field(default=None, repr=False)

    def caller(self) -> access.Caller:
        """The signed-in caller from the gateway's verified JWT; NotAllowed (403) names a missing claim."""
        if self._caller is None:
            claims = self.event.request_context.authorizer.jwt_claim
            self._caller = access.Caller.from_claims(claims, self.deps.settings.claim_mapping())
        return self._caller

    def hr_admin(self) -> access.Caller:
        who = self.caller()
        access.require_hr_admin(who)
        return who

    def readable_profile(self, employee_id: str) -> EmployeeProfile:
        profile = self.deps.profiles.get(employee_id)
        # Same answer for "absent" and "not yours", so ids cannot be probed.
        if profile is None or not access.may_read_employee(self.caller(), employee_id, profile.manager_id):
            raise NotAllowed(f"no readable employee '{employee_id}'")
        return profile

    def json(self) -> Any:
        try:
            return self.event.json_body
        except ValueError:
            raise bodies.InvalidBody.not_json() from None

    def body(self, model: type[Model]) -> Model:
        return bodies.parse_model(model, self.json())

    def body_with(self, adapter: TypeAdapter[Parsed]) -> Parsed:
        return bodies.parse_with(adapter, self.json())

    def header(self, name: str) -> str:
        return (self.event.headers or {}).get(name.lower(), "")


def request_context(request: Request, deps: Annotated[Dependencies, Depends(dependencies)]) -> RequestContext:
    event = request.resolved_event
    if not isinstance(event, APIGatewayProxyEventV2):  # the API is an HTTP API (payload 2.0) only
        raise TypeError(f"expected an HTTP API event, got {type(event).__name__}")
    return RequestContext(deps=deps, event=event)


ApiContext = Annotated[RequestContext, Depends(request_context)]
