"""Trigger reliability: the fate of every HRIS event ingest accepted, per trigger it routes to. Pure: records in,
counts and the silent events out (services/reliability.py reads them; the local reconcile tool uses `fate` too).

Fates (one per accepted event and trigger):
- the trigger's first terminal outcome (anything but `failed`): `succeeded`, `no_action`, `stale` (stale_ignored),
  `rejected`; `duplicate_only` when every terminal record is a duplicate (the first firing's record was lost: its
  effects were committed, a redelivery found the receipt);
- parked for an employee not known yet: refused on replay (`rejected`), `expired` (the employee never arrived) or
  still `parked_waiting` within its parking period (plus the silent threshold for the sweep to run);
- `dead_lettered`: inferred, not read from the DLQ (whose messages carry no outcome): failed attempts reached the
  trigger's max_receive_count (the receive count its failed records carry, or their number) and nothing terminal
  followed. A redriven message that then succeeds is no longer dead-lettered. The DLQ depth itself is in
  GET /triggers/stats;
- `in_flight`: no terminal outcome yet, but accepted less than the silent threshold ago;
- `silent`: none of the above after the threshold. Silent must be 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coachwire import spine
from coachwire.models.coaching import AuditRecord

INGEST = spine.INGEST_FUNCTION
# services.parking.PARKED_REPLAY: the reason ingest records when a parked event is refused once its employee is known.
PARKED_REPLAY_REASON = "parked_replay"
# A window asked for on request is at most this long (GET /triggers/reliability).
MAX_WINDOW_DAYS = 31
# An event whose type no trigger takes is accounted under this name (a wiring error: always silent).
UNROUTED = "unrouted"

FATES = ("succeeded", "no_action", "stale", "duplicate_only", "rejected", "expired", "dead_lettered",
         "parked_waiting", "in_flight", "silent")
# The fates that are an outcome (the rest are not yet, or never will be, unless someone acts).
OUTCOME_FATES = ("succeeded", "no_action", "stale", "duplicate_only", "rejected")
_OUTCOME_FATES = {"succeeded": "succeeded", "no_action": "no_action", "stale_ignored": "stale",
                  "rejected": "rejected", "expired": "expired"}
# The silent events a run's record names (ids only); the count is always complete.
MAX_LISTED_SILENT = 100


@dataclass(frozen=True)
class AcceptedEvent:
    """Ingest accepted (202) this event: published, or parked for an employee not known yet."""

    event_id: str
    event_type: str
    accepted_at: datetime


@dataclass(frozen=True)
class EventFate:
    event_id: str
    event_type: str
    trigger: str
    fate: str
    accepted_at: datetime
    parked: bool = False
    replayed: bool = False  # parked, then processed by its trigger once its employee arrived


@dataclass
class ReliabilityReport:
    start: datetime
    end: datetime
    as_of: datetime
    silent_after_minutes: int
    accepted: int = 0
    # trigger → fate → count (every fate present), plus `parked` and `replayed`
    triggers: dict[str, dict[str, int]] = field(default_factory=dict)
    silent: list[EventFate] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        totals = dict.fromkeys(FATES, 0)
        for counts in self.triggers.values():
            for fate in FATES:
                totals[fate] += counts.get(fate, 0)
        return totals

    @property
    def accounted(self) -> bool:
        """Every accepted event has a known fate for every trigger it routes to (in-flight ones aside)."""
        return not self.silent

    def decision(self) -> dict[str, str | int | float | bool | list[str]]:
        """What a run records in the audit log: ids, counts and codes only."""
        decision: dict[str, str | int | float | bool | list[str]] = {
            "action": "reliability.checked", "window_start": self.start.isoformat(),
            "window_end": self.end.isoformat(), "silent_after_minutes": self.silent_after_minutes,
            "accepted": self.accepted, "silent": len(self.silent)}
        for trigger, counts in sorted(self.triggers.items()):
            for name, n in counts.items():
                if n:
                    decision[f"{trigger}.{name}"] = n
        decision["silent_events"] = [f"{s.event_id}#{s.trigger}" for s in self.silent[:MAX_LISTED_SILENT]]
        return decision


def routes(event_type: str) -> tuple[str, ...]:
    """The triggers an accepted HRIS event of this type feeds (each is accounted on its own)."""
    return tuple(t.name for t in spine.triggers_for_event(spine.EVENT_SOURCE_HRIS, event_type)) or (UNROUTED,)


def _max_receives(trigger: str) -> int:
    known = spine.TRIGGERS_BY_NAME.get(trigger)
    return known.max_receive_count if known else 1


def _dead_lettered(trigger: str, own: Sequence[AuditRecord]) -> bool:
    failed = [r for r in own if r.outcome == "failed"]
    if not failed:
        return False
    receives = max(int(c) if isinstance(c := r.decision.get("receive_count"), int | float) else 0 for r in failed)
    return max(receives, len(failed)) >= _max_receives(trigger)


def fate(accepted: AcceptedEvent, trigger: str, records: Sequence[AuditRecord], now: datetime,
         silent_after: timedelta, parked_days: int) -> EventFate:
    """The fate of one accepted event for one trigger, from all of the event's audit records."""
    own = [r for r in records if r.trigger == trigger]
    ingest = [r for r in records if r.trigger == INGEST]
    parked_records = [r for r in ingest if r.outcome == "parked"]
    parked = bool(parked_records)

    def result(name: str, replayed: bool = False) -> EventFate:
        return EventFate(accepted.event_id, accepted.event_type, trigger, name, accepted.accepted_at, parked,
                         replayed)

    terminal = sorted((r for r in own if r.outcome != "failed"), key=lambda r: r.recorded_at)
    if terminal:
        first = next((r for r in terminal if r.outcome != "duplicate"), None)
        name = "duplicate_only" if first is None else _OUTCOME_FATES.get(first.outcome, first.outcome)
        # A parked demographics event is stored at once (only a marker waits): not a replay.
        return result(name, replayed=parked and accepted.event_type != spine.DEMOGRAPHICS_UPSERTED)
    if any(r.outcome == "rejected" and r.decision.get("reason") == PARKED_REPLAY_REASON for r in ingest):
        return result("rejected")
    if any(r.outcome == "expired" for r in ingest):
        return result("expired")
    if _dead_lettered(trigger, own):
        return result("dead_lettered")
    age = now - accepted.accepted_at
    if age < silent_after:
        return result("in_flight")
    if parked:
        days = parked_records[0].decision.get("parked_events_days", parked_days)
        waits = timedelta(days=float(days) if isinstance(days, int | float) else parked_days)
        if age < waits + silent_after:
            return result("parked_waiting")
    return result("silent")


def first_acceptances(accepted: Iterable[AcceptedEvent]) -> list[AcceptedEvent]:
    """One per event (an acceptance recorded again after a crash counts once), the earliest, in time order."""
    first: dict[str, AcceptedEvent] = {}
    for event in accepted:
        known = first.get(event.event_id)
        if known is None or event.accepted_at < known.accepted_at:
            first[event.event_id] = event
    return sorted(first.values(), key=lambda e: (e.accepted_at, e.event_id))


def account(accepted: Iterable[AcceptedEvent], records: Mapping[str, Sequence[AuditRecord]], *, start: datetime,
            end: datetime, now: datetime, silent_after_minutes: int, parked_days: int) -> ReliabilityReport:
    """Every event accepted in [start, end] accounted for per trigger it routes to. `records`: event id → all its
    audit records (a missing id: none)."""
    report = ReliabilityReport(start=start, end=end, as_of=now, silent_after_minutes=silent_after_minutes)
    silent_after = timedelta(minutes=silent_after_minutes)
    for event in first_acceptances(accepted):
        if not start <= event.accepted_at <= end:
            continue
        report.accepted += 1
        for trigger in routes(event.event_type):
            found = fate(event, trigger, records.get(event.event_id, ()), now, silent_after, parked_days)
            if trigger == UNROUTED:
                found = EventFate(found.event_id, found.event_type, trigger, "silent", found.accepted_at,
                                  found.parked)
            counts = report.triggers.setdefault(trigger, {**dict.fromkeys(FATES, 0), "parked": 0, "replayed": 0})
            counts[found.fate] = counts.get(found.fate, 0) + 1
            counts["parked"] += found.parked
            counts["replayed"] += found.replayed
            if found.fate == "silent":
                report.silent.append(found)
    return report


def check_window(start: datetime, end: datetime) -> str | None:
    """Why a requested window is refused (None: fine)."""
    if end <= start:
        return "to must be after from"
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        return f"the window is at most {MAX_WINDOW_DAYS} days"
    return None
