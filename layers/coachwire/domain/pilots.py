"""Pilots' rules, pure: the canonical form and hash of criteria, freezing at the start date, the status a pilot
is in on a day, and the criteria of record (the registered ones: amendments are shown beside, never used)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from coachwire.models.pilots import (
    MAX_COHORT,
    MIN_COHORT,
    Pilot,
    PilotRequest,
    PilotStatus,
    RegisteredCriteria,
    SuccessCriterion,
)

# A start date may be yesterday (time zones, a form filled in late at night), no earlier.
START_GRACE = timedelta(days=1)


def canonical_json(criteria: Iterable[SuccessCriterion]) -> str:
    """The criteria as a JSON list, in their registered order: every field (an absent note is null), keys sorted,
    no whitespace, non-ASCII kept as UTF-8."""
    return json.dumps([c.model_dump(mode="json") for c in criteria], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def criteria_hash(criteria: Iterable[SuccessCriterion]) -> str:
    """sha256 (hex) of `canonical_json`: the same criteria always give the same hash."""
    return hashlib.sha256(canonical_json(criteria).encode("utf-8")).hexdigest()


def frozen_at(start: date) -> datetime:
    return datetime(start.year, start.month, start.day, tzinfo=UTC)


def started(pilot: Pilot, today: date) -> bool:
    return today >= pilot.request.start


def freeze_if_started(pilot: Pilot, today: date) -> Pilot:
    """The pilot with its criteria frozen once `today` is on or after the start; unchanged otherwise, or when it
    was frozen already (idempotent: the record depends only on the criteria and the start date, so two readers
    freezing the same pilot produce the same record)."""
    if pilot.registered is not None or not started(pilot, today):
        return pilot
    criteria = tuple(pilot.request.criteria)
    record = RegisteredCriteria(criteria=criteria, frozen_at=frozen_at(pilot.request.start),
                                sha256=criteria_hash(criteria))
    return pilot.model_copy(update={"registered": record, "status": status_on(pilot, today)})


def status_on(pilot: Pilot, today: date) -> PilotStatus:
    if today < pilot.request.start:
        return "registered"
    return "ended" if today > pilot.request.end else "running"


def advance(pilot: Pilot, today: date) -> Pilot:
    """Frozen if started, and its status as of `today` (idempotent)."""
    frozen = freeze_if_started(pilot, today)
    status = status_on(frozen, today)
    return frozen if frozen.status == status else frozen.model_copy(update={"status": status})


def criteria_of_record(pilot: Pilot) -> RegisteredCriteria | None:
    """What results are judged against: the criteria as registered at the start, whatever was amended since.
    None before the start (nothing is registered yet)."""
    return pilot.registered


def start_problem(request: PilotRequest, today: date) -> str | None:
    if request.start < today - START_GRACE:
        return f"start {request.start} is in the past (the earliest is {today - START_GRACE})"
    return None


def size_problem(size: int) -> str | None:
    if not MIN_COHORT <= size <= MAX_COHORT:
        return f"resolves to {size} current employees; a pilot cohort has {MIN_COHORT}-{MAX_COHORT}"
    return None


def overlap(cohort: Sequence[str], comparison: Sequence[str]) -> list[str]:
    inside = set(cohort)
    return sorted(e for e in comparison if e in inside)
