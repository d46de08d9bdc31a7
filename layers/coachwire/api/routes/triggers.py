"""Trigger health: every trigger's events by terminal outcome, attempts, what is in flight and dead-lettered."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coachwire import spine
from coachwire.api import views
from coachwire.api.request import ApiContext

router = APIGatewayHttpRouter()


@router.get("/triggers/stats", summary="Per trigger: events by terminal outcome, attempts, in flight, dead-lettered")
def get_stats(request: ApiContext) -> views.StatsList:
    request.hr_admin()
    deps = request.deps
    counts = deps.stats.all()
    depth = deps.dead_letters.depth()
    in_flight = deps.queues.in_flight() if deps.queues else {}
    rows = []
    for name in [spine.INGEST_FUNCTION, *(t.name for t in spine.TRIGGERS)]:
        c = counts.get(name, {})
        outcomes = {k: c.get(k, 0) for k in views.TERMINAL_OUTCOMES}
        queue = in_flight.get(name, {})
        rows.append(views.TriggerStatsView(
            trigger=name, events=sum(outcomes.values()), **outcomes, attempts=c.get("attempts", 0),
            failed_attempts=c.get("failed_attempts", 0), waiting=queue.get("waiting", 0),
            in_process=queue.get("in_process", 0), dead_lettered=depth.get(name, 0),
            fell_back=c.get("fell_back", 0), held=c.get("held", 0)))
    return views.StatsList(triggers=rows)
