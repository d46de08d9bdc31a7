"""Where a job run asked for through the API stands, read from the audit log alone: the request, the run's
per-employee alerts and its closing entry are all recorded under the run id (runtime.trigger.firing_id), so no
other store is needed. Counts and times only: never an employee id."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from coachwire.models.coaching import AuditRecord
from coachwire.services.stall_detection import STALL_JOB_SUBJECT

STALL_TRIGGER = "stall_detection"
STALL_REQUESTED = "stall_detection.requested"
# The closing entry's counts of people not alerted, by why (services.stall_detection).
SKIP_REASONS = ("in_cooldown", "no_manager", "manager_left", "left")
ALERTED = ("succeeded", "duplicate")

RunStatus = Literal["queued", "running", "finished"]


@dataclass(frozen=True)
class StallRun:
    run_id: str
    status: RunStatus
    requested_at: datetime
    as_of: date | None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: str | None = None
    employees_checked: int | None = None
    stalled: int | None = None
    alerts_queued: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed_attempts: int = 0
    error_types: tuple[str, ...] = ()


def stall_run(run_id: str, records: list[AuditRecord]) -> StallRun | None:
    """The run's state from its audit entries; None when no API request recorded this run id."""
    requests = [r for r in records if r.trigger == "api" and r.decision.get("action") == STALL_REQUESTED]
    if not requests:
        return None
    request = min(requests, key=lambda r: r.recorded_at)
    asked = request.decision.get("as_of")
    job = sorted((r for r in records if r.trigger == STALL_TRIGGER), key=lambda r: r.recorded_at)
    failed = [r for r in job if r.outcome == "failed"]
    closing = next((r for r in reversed(job) if r.subject_id == STALL_JOB_SUBJECT and r.outcome != "failed"), None)
    alerts = [r for r in job if r.subject_id != STALL_JOB_SUBJECT and r.outcome in ALERTED]
    queued = StallRun(run_id=run_id, status="queued", requested_at=request.recorded_at,
                      as_of=date.fromisoformat(str(asked)) if asked else None, failed_attempts=len(failed),
                      error_types=tuple(sorted({r.error_type for r in failed if r.error_type})))
    if closing is None:
        if not job:
            return queued
        return replace(queued, status="running", started_at=job[0].recorded_at,
                       alerts_queued=len({r.subject_id for r in alerts}))
    counts = closing.decision
    started = counts.get("started_at")
    return replace(
        queued, status="finished", started_at=datetime.fromisoformat(str(started)) if started else None,
        finished_at=closing.recorded_at, outcome=closing.outcome, employees_checked=_int(counts, "scanned"),
        stalled=_int(counts, "stalled"), alerts_queued=_int(counts, "alerted") or 0,
        skipped={reason: _int(counts, reason) or 0 for reason in SKIP_REASONS},
        as_of=date.fromisoformat(str(counts["as_of"])) if counts.get("as_of") else queued.as_of)


def _int(decision: dict, key: str) -> int | None:
    value = decision.get(key)
    return value if isinstance(value, int) else None
