"""Trigger reliability on request (hr_admin): every HRIS event accepted in a window, accounted for per trigger it
routes to; silent ones listed by id. The hourly reliability_check job records the same report in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import AwareDatetime, BaseModel, Field

from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.domain import reliability
from coachwire.models.coaching import AuditRecord
from coachwire.services import reliability as measure

router = APIGatewayHttpRouter()
DEFAULT_WINDOW = timedelta(hours=24)


class SilentEventView(BaseModel):
    event_id: str
    trigger: str
    event_type: str
    accepted_at: datetime


class TriggerReliabilityView(BaseModel):
    trigger: str
    counts: dict[str, int] = Field(description="Accepted events by fate (every fate listed), plus parked and "
                                               "replayed (parked, then processed once the employee arrived)")


class RecordedCheckView(BaseModel):
    run_id: str
    recorded_at: datetime
    window_start: str
    window_end: str
    accepted: int
    silent: int
    silent_events: list[str] = Field(description="Up to 100, as <event id>#<trigger>")


class ReliabilityView(BaseModel):
    window_start: datetime
    window_end: datetime
    as_of: datetime
    silent_after_minutes: int
    accepted: int = Field(description="HRIS events ingest accepted (202) in the window")
    accounted: bool = Field(description="No silent event (in-flight ones are younger than the threshold)")
    fates: list[str]
    totals: dict[str, int]
    triggers: list[TriggerReliabilityView]
    silent: list[SilentEventView]
    checks: list[RecordedCheckView] = Field(description="The hourly reliability_check runs recorded in the window "
                                                        "(each over the 24 hours before it, less the threshold)")


@router.get("/triggers/reliability",
            summary="Trigger reliability (hr_admin): each HRIS event accepted in the window (default: the last 24 "
                    "hours; at most 31 days) by fate per trigger; silent ones by id",
            responses={200: ok("The window's accounting", ReliabilityView),
                       400: error("A bad window; `field` names the culprit"), 403: error("Not an hr_admin")})
def get_reliability(request: ApiContext,
                    start: Annotated[AwareDatetime | None, Query(alias="from", description="ISO time, with offset")]
                    = None,
                    end: Annotated[AwareDatetime | None, Query(alias="to", description="ISO time, with offset")]
                    = None):
    request.hr_admin()
    deps = request.deps
    end = end or deps.clock.now()
    start = start or end - DEFAULT_WINDOW
    problem = reliability.check_window(start, end)
    if problem:
        return json_response(400, {"message": problem, "field": "from"})
    found = measure.report(deps, start, end)
    return ReliabilityView(
        window_start=found.start, window_end=found.end, as_of=found.as_of,
        silent_after_minutes=found.silent_after_minutes, accepted=found.accepted, accounted=found.accounted,
        fates=list(reliability.FATES), totals=found.totals,
        triggers=[TriggerReliabilityView(trigger=name, counts=counts)
                  for name, counts in sorted(found.triggers.items())],
        silent=[SilentEventView(event_id=s.event_id, trigger=s.trigger, event_type=s.event_type,
                                accepted_at=s.accepted_at) for s in found.silent],
        checks=[_check_view(r) for r in measure.recorded_checks(deps, start, end)])


def _check_view(run: AuditRecord) -> RecordedCheckView:
    d = run.decision

    def number(key: str) -> int:
        value = d.get(key, 0)
        return int(value) if isinstance(value, int | float) else 0

    listed = d.get("silent_events", [])
    return RecordedCheckView(run_id=run.event_id, recorded_at=run.recorded_at, window_start=str(d.get("window_start")),
                             window_end=str(d.get("window_end")), accepted=number("accepted"), silent=number("silent"),
                             silent_events=listed if isinstance(listed, list) else [])
