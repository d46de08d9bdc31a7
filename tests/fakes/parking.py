"""The park in memory: events held per employee in replay order, refused once the employee's profile exists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

from coachwire.ports import ParkedEvent

from tests.fakes.profiles import FakeProfileStore


def _utc(parked: ParkedEvent) -> ParkedEvent:
    """As read back from the table: times in UTC, the event a JSON copy (the caller's dict is not shared)."""
    return replace(parked, timestamp=parked.timestamp.astimezone(UTC), received_at=parked.received_at.astimezone(UTC),
                   expires_at=parked.expires_at.astimezone(UTC),
                   event=json.loads(json.dumps(parked.event)) if parked.event is not None else None)


def _order(parked: ParkedEvent) -> tuple:
    return parked.timestamp, parked.received_at, parked.event_id  # the adapter's sort key


class FakeParkedEvents:
    def __init__(self, profiles: FakeProfileStore) -> None:
        self.profiles = profiles
        self.held: dict[tuple[str, tuple], ParkedEvent] = {}

    def park(self, parked: ParkedEvent) -> bool:
        # One step with "the profile is still absent", as the adapter's transaction.
        if self.profiles.get(parked.employee_id) is not None:
            return False
        stored = _utc(parked)
        self.held[(stored.employee_id, _order(stored))] = stored
        return True

    def for_employee(self, employee_id: str) -> list[ParkedEvent]:
        return [_utc(p) for (e, _), p in sorted(self.held.items(), key=lambda kv: kv[0]) if e == employee_id]

    def expired(self, now: datetime) -> Iterator[ParkedEvent]:
        due = [p for p in self.held.values() if p.expires_at <= now]
        for parked in sorted(due, key=lambda p: p.expires_at):
            yield _utc(parked)

    def remove(self, parked: ParkedEvent) -> None:
        stored = _utc(parked)
        self.held.pop((stored.employee_id, _order(stored)), None)
