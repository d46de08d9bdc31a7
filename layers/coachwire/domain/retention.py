"""Retention and erasure, pure: when an item expires, who is due for erasure, and what the daily sweep does with
each item it scans. The periods come from Settings.retention through coachwire.domain.data_classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from coachwire.domain import data_classes
from coachwire.models.coaching import EmployeeProfile
from coachwire.models.events import EmployeeLeft

EMPLOYEE_PARTITION = "EMP#"
PROFILE_SORT_KEY = "PROFILE"


def epoch(moment: datetime | date) -> int:
    """DynamoDB TTL value (epoch seconds). A date means the start of that day, UTC."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0, 0), tzinfo=UTC)
    return int(moment.timestamp())


def expires_at(start: datetime | date, days: int) -> int:
    return epoch(start + timedelta(days=days))


def has_left(profile: EmployeeProfile | None, today: date) -> bool:
    """Past their leaving date: nothing more is sent to or about them. Until that day they still work here."""
    return profile is not None and profile.leaving_date is not None and today > profile.leaving_date


def erase_after(leaving_date: date, grace_days: int) -> date:
    return leaving_date + timedelta(days=grace_days)


def mark_leaver(profile: EmployeeProfile, left: EmployeeLeft, recorded_at: datetime,
                grace_days: int, learned_at: datetime | None = None) -> EmployeeProfile | None:
    """The profile marked for erasure, or None when a later leaver event was applied already (out of order).
    The grace period in force when the leaver event arrives fixes the erasure date, and it counts from the leaving
    date or from when Coachwire learned of it, whichever is later: a leaving date in the past (or an HRIS's
    0001-01-01 "no date") never shortens the grace. `recorded_at` (the HRIS's time) orders leaver events;
    `learned_at` is when Coachwire received this one (defaults to `recorded_at`)."""
    if profile.left_recorded_at is not None and recorded_at <= profile.left_recorded_at:
        return None
    counted_from = max(left.leaving_date, (learned_at or recorded_at).date())
    return profile.model_copy(update={"leaving_date": left.leaving_date, "left_recorded_at": recorded_at,
                                      "leaving_reason": left.leaving_reason or profile.leaving_reason,
                                      "erase_after": erase_after(counted_from, grace_days)})


@dataclass(frozen=True)
class ScannedItem:
    """What the sweep reads of an item: its table, key, and TTL attribute (nothing else)."""

    table: str
    key: dict
    partition: str
    sort: str
    expires_at: int | None


@dataclass(frozen=True)
class Action:
    kind: Literal["delete", "erase"]
    data_class: str
    employee_id: str = ""


@dataclass
class SweepPlanner:
    """Decides, item by item, what the sweep does:

    - an expired profile: erase the whole person (the profile's TTL is its erasure date);
    - any other expired item: delete it, counted under its data class;
    - afterwards, `orphans()`: employees with records but no profile left (DynamoDB's own TTL removed the
      profile first), to be erased too once a consistent read confirms the profile is gone.
    """

    now: datetime
    _with_profile: set[str] = field(default_factory=set)
    _with_records: set[str] = field(default_factory=set)

    def see(self, item: ScannedItem) -> Action | None:
        employee = item.partition.removeprefix(EMPLOYEE_PARTITION) if item.partition.startswith(
            EMPLOYEE_PARTITION) else ""
        if employee:
            (self._with_profile if item.sort == PROFILE_SORT_KEY else self._with_records).add(employee)
        if item.expires_at is None or item.expires_at > epoch(self.now):
            return None
        kind = data_classes.of_item(item.table, item.partition, item.sort)
        if employee and item.sort == PROFILE_SORT_KEY:
            return Action("erase", "profile", employee)
        return Action("delete", kind.key if kind else "unclassified")

    def orphans(self) -> list[str]:
        return sorted(self._with_records - self._with_profile)
