"""Pilots with pre-registered success criteria (hr_admin only: managers and employees get 403).

A pilot's criteria are frozen at its start date (read or written, whichever comes first: no scheduler needed); from
then on a change is an amendment beside the registered criteria, which results are judged against (`registered`).
The audit log gets ids and codes only: names, notes and amendment reasons stay on the pilot."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.domain import access
from coachwire.errors import NotAllowed
from coachwire.models.pilots import AmendmentRequest, CriteriaUpdate, Pilot, PilotRequest
from coachwire.models.scorecard import Scorecard
from coachwire.services import pilots, scorecard

REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("/pilots", "post"): PilotRequest,
    ("/pilots/{pilot_id}/criteria", "put"): CriteriaUpdate,
    ("/pilots/{pilot_id}/amendments", "post"): AmendmentRequest,
}
_PILOT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")


class PilotList(BaseModel):
    pilots: list[Pilot]


router = APIGatewayHttpRouter()


def _reader(request: ApiContext) -> access.Caller:
    who = request.caller()
    if not access.may_read_pilots(who):
        raise NotAllowed("pilots are read by hr_admin only")
    return who


def _manager(request: ApiContext) -> access.Caller:
    who = request.caller()
    if not access.may_manage_pilots(who):
        raise NotAllowed("pilots are managed by hr_admin only")
    return who


def _refused(err: pilots.PilotRefused) -> Response:
    body: dict = {"message": err.message}
    if err.field:
        body["field"] = err.field
    return json_response(err.status, body)


def _pilot(status: int, pilot: Pilot, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type="application/json", headers=headers,
                    body=pilot.model_dump(mode="json"))


def _known_id(pilot_id: str) -> Response | None:
    if _PILOT_ID.fullmatch(pilot_id):
        return None
    return json_response(404, {"message": f"no pilot '{pilot_id[:140]}'", "field": "pilot_id"})


@router.post("/pilots", summary="Register a pilot (hr_admin): cohort of 50-200, at least 60 days, and its success "
                                "criteria, which freeze at the start date",
             responses={201: {"description": "Registered", "headers": {"Location": {
                 "description": "The pilot: GET /pilots/{pilot_id}", "schema": {"type": "string"}}},
                 "content": {"application/json": {"model": Pilot}}},
                 400: error("Invalid body, or a start in the past; `field` names the culprit"),
                 403: error("Not an hr_admin"),
                 404: error("This deployment keeps no pilots"),
                 409: error("A pilot id was taken meanwhile; retry"),
                 422: error("A cohort names an unknown employee or role family, resolves to fewer than 50 or more "
                            "than 200 current employees, or the comparison cohort overlaps the cohort; `field` is "
                            "cohort or comparison_cohort")})
def post_pilot(request: ApiContext):
    who = _manager(request)
    wanted = request.body(PilotRequest)
    try:
        pilot = pilots.register(request.deps, wanted, who.subject)
    except pilots.PilotRefused as err:
        return _refused(err)
    return _pilot(201, pilot, {"Location": f"/pilots/{pilot.pilot_id}"})


@router.get("/pilots", summary="Every pilot, newest first (hr_admin), each settled as of today (frozen once started)",
            responses={200: ok("The pilots", PilotList)})
def list_pilots(request: ApiContext):
    _reader(request)
    found = pilots.list_pilots(request.deps)
    return json_response(200, PilotList(pilots=found).model_dump(mode="json"))


@router.get("/pilots/<pilot_id>", summary="One pilot (hr_admin): `registered` holds the criteria of record (frozen "
                                          "at the start, with their sha256), `amendments` what was proposed since",
            responses={200: ok("The pilot", Pilot), 404: error("No such pilot")})
def get_pilot(pilot_id: str, request: ApiContext):
    _reader(request)
    unknown = _known_id(pilot_id)
    if unknown:
        return unknown
    try:
        found = pilots.get_pilot(request.deps, pilot_id)
    except pilots.PilotRefused as err:
        return _refused(err)
    if found is None:
        return json_response(404, {"message": f"no pilot '{pilot_id}'", "field": "pilot_id"})
    return _pilot(200, found)


@router.put("/pilots/<pilot_id>/criteria", summary="Replace a pilot's criteria before its start (hr_admin; "
                                                   "attributed); after the start, amend instead",
            responses={200: ok("The pilot after the edit", Pilot),
                       400: error("Invalid body; `field` names the culprit"), 403: error("Not an hr_admin"),
                       404: error("No such pilot"),
                       409: error("The pilot has started (its criteria are frozen: POST an amendment), or it "
                                  "changed meanwhile")})
def put_criteria(pilot_id: str, request: ApiContext):
    who = _manager(request)
    unknown = _known_id(pilot_id)
    if unknown:
        return unknown
    wanted = request.body(CriteriaUpdate)
    try:
        return _pilot(200, pilots.edit_criteria(request.deps, pilot_id, wanted, who.subject))
    except pilots.PilotRefused as err:
        return _refused(err)


@router.post("/pilots/<pilot_id>/amendments", summary="Amend a started pilot's criteria (hr_admin): attributed and "
                                                      "shown beside the registered criteria, which stay of record",
             responses={201: ok("The pilot with the amendment", Pilot),
                        400: error("Invalid body; `field` names the culprit"), 403: error("Not an hr_admin"),
                        404: error("No such pilot"),
                        409: error("The pilot has not started (PUT its criteria instead), or it changed "
                                   "meanwhile")})
def post_amendment(pilot_id: str, request: ApiContext):
    who = _manager(request)
    unknown = _known_id(pilot_id)
    if unknown:
        return unknown
    wanted = request.body(AmendmentRequest)
    try:
        return _pilot(201, pilots.amend(request.deps, pilot_id, wanted, who.subject))
    except pilots.PilotRefused as err:
        return _refused(err)


@router.get("/pilots/<pilot_id>/scorecard",
            summary="A started pilot's scorecard (hr_admin): each criterion of record, met, not met or not measurable "
                    "(with why), as of day 30 and day 60, or as of one day (capped at the end)",
            responses={200: ok("The scorecard", Scorecard),
                       400: error("as_of is before the pilot's start"), 403: error("Not an hr_admin"),
                       404: error("No such pilot"),
                       409: error("The pilot has not started: no criteria are registered yet")})
def get_scorecard(pilot_id: str, request: ApiContext,
                  as_of: Annotated[date | None, Query(description="YYYY-MM-DD; default: day 30 and day 60")] = None):
    _reader(request)
    unknown = _known_id(pilot_id)
    if unknown:
        return unknown
    try:
        found = scorecard.scorecard(request.deps, pilot_id, as_of)
    except pilots.PilotRefused as err:
        return _refused(err)
    return json_response(200, found.model_dump(mode="json"))
