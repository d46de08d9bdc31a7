"""Trigger reliability, measured: every HRIS event ingest accepted in a window, accounted for per trigger it routes
to from the audit log alone (the by_acceptance index, then each event's records by key). Hourly (reliability_check)
over the day that ends `reliability_silent_after_minutes` ago, so a silent event is reported, logged and alarmed
on every run until it has an outcome (a redriven DLQ message that succeeds ends it); and on request
(GET /triggers/reliability) for any window of at most 31 days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from coachwire import spine
from coachwire.domain import reliability
from coachwire.logs import logger
from coachwire.models.coaching import AuditRecord
from coachwire.services.deps import Dependencies
from coachwire.services.unit_of_work import TriggerResult

JOB = "reliability_check"
JOB_SUBJECT = f"job:{JOB}"
# How far back each hourly run looks (ending at now - the silent threshold).
LOOKBACK = timedelta(hours=24)


def report(deps: Dependencies, start: datetime, end: datetime) -> reliability.ReliabilityReport:
    accepted = reliability.first_acceptances(deps.audit.accepted_between(start, end))
    records = {event.event_id: deps.audit.for_event(event.event_id) for event in accepted}
    return reliability.account(accepted, records, start=start, end=end, now=deps.clock.now(),
                               silent_after_minutes=deps.settings.reliability_silent_after_minutes,
                               parked_days=deps.settings.retention.parked_events_days)


def scheduled_window(now: datetime, silent_after_minutes: int) -> tuple[datetime, datetime]:
    end = now - timedelta(minutes=silent_after_minutes)
    return end - LOOKBACK, end


def reliability_check(detail: dict, deps: Dependencies, event_id: str,
                      on_subject: Callable[[TriggerResult], None]) -> TriggerResult:
    """The hourly job: the window's report is the run's audit record (decision: counts and silent ids); each
    silent event is logged (ids only) with spine.SILENT_EVENT_LOG, which the CDK app alarms on."""
    start, end = scheduled_window(deps.clock.now(), deps.settings.reliability_silent_after_minutes)
    found = report(deps, start, end)
    for silent in found.silent:
        logger.error(spine.SILENT_EVENT_LOG, extra={"event_id": silent.event_id, "trigger": silent.trigger,
                                                    "event_type": silent.event_type, "run": event_id,
                                                    "accepted_at": silent.accepted_at.isoformat()})
    logger.info("reliability checked", extra={"run": event_id, "accepted": found.accepted,
                                              "silent": len(found.silent)})
    return TriggerResult("succeeded", JOB_SUBJECT, found.decision())


def recorded_checks(deps: Dependencies, start: datetime, end: datetime) -> list[AuditRecord]:
    """The scheduled checks' own records (their reports) made in [start, end], oldest first."""
    return [r for r in deps.audit.for_subject_between(JOB_SUBJECT, start, end)
            if r.trigger == JOB and r.decision.get("action") == "reliability.checked"]
