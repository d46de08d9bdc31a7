"""The audit log and trigger stats in memory: append-only, and a counted append moves the counters with it, by
the adapter's rules (every attempt counts; a trigger firing's event counts once, under its first terminal
outcome; a failed firing is an attempt only)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime

from coachwire.domain.reliability import AcceptedEvent
from coachwire.models.coaching import AuditRecord


class FakeTriggerStats:
    def __init__(self) -> None:
        self.counters: dict[str, dict[str, int]] = {}

    def bump(self, trigger: str, outcome: str | None = None) -> None:
        """One more attempt, and (when given) one more of `outcome`: the adapter's `increment`."""
        row = self.counters.setdefault(trigger, {})
        row["attempts"] = row.get("attempts", 0) + 1
        if outcome:
            row[outcome] = row.get(outcome, 0) + 1

    def count(self, trigger: str, outcome: str) -> None:
        self.bump(trigger, outcome)

    def all(self) -> dict[str, dict[str, int]]:
        return {trigger: dict(row) for trigger, row in self.counters.items()}


class FakeAuditLog:
    def __init__(self, stats: FakeTriggerStats | None = None) -> None:
        self.stats = stats
        self._entries: list[tuple[str, int, str]] = []  # (recorded_at + trigger, arrival, record JSON)
        self._arrivals = itertools.count()
        # (event_id, trigger) → the first terminal outcome: the adapter's TERMINAL# marker item.
        self.terminal: dict[tuple[str, str], str] = {}
        # Ingest's acceptance markers (the adapter's by_acceptance items): not entries, never listed by for_event.
        self.acceptances: list[AcceptedEvent] = []

    def append(self, record: AuditRecord, counted: bool = False, once_per_event: bool = False) -> None:
        if counted and self.stats is None:
            raise ValueError("this audit log was built without a stats table")
        self._entries.append((f"{record.recorded_at.isoformat()}#{record.trigger}", next(self._arrivals),
                              record.model_dump_json()))
        if not counted:
            return
        assert self.stats is not None
        if not once_per_event:
            self.stats.bump(record.trigger, record.outcome)
        elif record.outcome == "failed":  # retried or dead-lettered: an attempt, not an outcome
            self.stats.bump(record.trigger, "failed_attempts")
        elif (record.event_id, record.trigger) in self.terminal:  # a redelivery: one more attempt
            self.stats.bump(record.trigger)
        else:
            self.terminal[(record.event_id, record.trigger)] = record.outcome
            self.stats.bump(record.trigger, record.outcome)

    @property
    def records(self) -> list[AuditRecord]:
        """Everything appended, in recorded order."""
        return [AuditRecord.model_validate_json(doc) for _, _, doc in sorted(self._entries)]

    def for_subject(self, subject_id: str) -> list[AuditRecord]:
        return [r for r in self.records if subject_id and r.subject_id == subject_id]  # empty: not indexed

    def for_event(self, event_id: str) -> list[AuditRecord]:
        return [r for r in self.records if r.event_id == event_id]

    def for_subject_between(self, subject_id: str, start: datetime, end: datetime) -> list[AuditRecord]:
        return [r for r in self.for_subject(subject_id) if start <= r.recorded_at <= end]

    def mark_accepted(self, accepted: AcceptedEvent) -> None:
        self.acceptances.append(accepted)

    def accepted_between(self, start: datetime, end: datetime) -> Iterator[AcceptedEvent]:
        yield from sorted((a for a in self.acceptances if start <= a.accepted_at <= end),
                          key=lambda a: a.accepted_at)
