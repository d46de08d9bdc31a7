"""Events that arrive before their employee (HRIS senders post in parallel) are parked, not rejected.

- Ingest parks them (202 "parked"); only references that do not depend on the employee are checked then (role
  ids in role changes). Skills, activities and crosswalk translation depend on the employee's framework, so they
  are checked on replay with ingest's own code: a bad one ends as an audited "rejected" outcome, never silently.
- Demographic payloads are never parked: the event goes straight to the isolated demographics table (its writer
  does not need the profile) and the park holds a payload-free marker, so no role that may not read
  demographics can read them here.
- profile_sync replays an employee's parked events in order (event timestamp, arrival, id) after every upsert
  firing, then deletes them; a redelivered firing republishes the same event ids, which the triggers' receipts
  turn into duplicates.
- The daily retention sweep records every parked event past Settings.retention.parked_events_days as "expired"
  (audit + stats + the "parked event expired" log line the CDK app alarms on), then deletes it; a marker's
  demographic record goes with it when the employee never appeared. DynamoDB TTL is only a later backstop.
"""

from __future__ import annotations

from datetime import timedelta

from coachwire import spine
from coachwire.errors import DomainError
from coachwire.logs import logger
from coachwire.models.coaching import AuditRecord
from coachwire.models.events import DATA_MODELS, CanonicalEvent
from coachwire.ports import ParkedEvent, ParkedEventStore, RetentionStore
from coachwire.services.deps import Dependencies
from coachwire.services.references import resolve_references

INGEST = "ingest_webhook"  # parked events are ingest's: their audit entries and counts sit with its others

# The reason of an audited refusal of a parked event once its employee is known.
PARKED_REPLAY = "parked_replay"


def _store(deps: Dependencies) -> ParkedEventStore:
    if deps.parked is None:
        raise RuntimeError("this function was built without the park")
    return deps.parked


def park(deps: Dependencies, event: dict) -> bool:
    """Hold a canonical event (as published) until its employee appears. Demographics: a marker only. False when
    the employee appeared since ingest looked: nothing is parked, the event goes on as any other."""
    canonical = CanonicalEvent.model_validate(event)
    demographics = canonical.type == spine.DEMOGRAPHICS_UPSERTED
    received = canonical.received_at
    return _store(deps).park(ParkedEvent(
        employee_id=canonical.data["employee_id"], event_id=canonical.event_id, event_type=canonical.type,
        timestamp=canonical.timestamp, received_at=received,
        expires_at=received + timedelta(days=deps.settings.retention.parked_events_days),
        event=None if demographics else event))


def audit_parked(deps: Dependencies, event_id: str, event_type: str, employee_id: str) -> None:
    deps.audit.append(AuditRecord(
        event_id=event_id, trigger=INGEST, subject_id=employee_id, outcome="parked", recorded_at=deps.clock.now(),
        decision={"event_type": event_type, "reason": "employee_not_yet_known",
                  "parked_events_days": deps.settings.retention.parked_events_days}), counted=True)


def replay(deps: Dependencies, employee_id: str) -> dict[str, int]:
    """Republish the employee's parked events in order, then remove them. Counts by what happened."""
    counts = {"replayed": 0, "rejected": 0, "markers_cleared": 0}
    store = _store(deps)
    for parked in store.for_employee(employee_id):
        if parked.event is None:
            counts["markers_cleared"] += 1
        else:
            event = CanonicalEvent.model_validate(parked.event)
            try:
                data, translated = resolve_references(deps, event.type, DATA_MODELS[event.type].model_validate(
                    event.data))
            except DomainError as err:
                _audit_replay_rejection(deps, parked, err)
                counts["rejected"] += 1
            else:
                ready = event.model_copy(update={"data": data.model_dump(mode="json"),
                                                 "translated_ids": translated})
                deps.events.publish(spine.EVENT_SOURCE_HRIS, event.type, ready.model_dump(mode="json"))
                counts["replayed"] += 1
        store.remove(parked)
    return {k: v for k, v in counts.items() if v}


def _audit_replay_rejection(deps: Dependencies, parked: ParkedEvent, err: DomainError) -> None:
    """What ingest would have answered 422 had the employee been known: ids and the field only."""
    decision: dict = {"status": 422, "event_type": parked.event_type, "reason": PARKED_REPLAY}
    if err.field:
        decision["field"] = err.field
    deps.audit.append(AuditRecord(
        event_id=parked.event_id, trigger=INGEST, subject_id=parked.employee_id, outcome="rejected",
        recorded_at=deps.clock.now(), decision=decision), counted=True)
    logger.warning(spine.PARKED_EVENT_REJECTED_LOG,
                   extra={"event_id": parked.event_id, "event_type": parked.event_type, "field": err.field})


def expire(deps: Dependencies, retention: RetentionStore) -> int:
    """Record and remove every parked event past its expiry. Audited before it is deleted: a crash in between
    repeats the record, it never loses one."""
    now = deps.clock.now()
    store = _store(deps)
    expired = 0
    for parked in list(store.expired(now)):
        if parked.event is None and not retention.profile_exists(parked.employee_id):
            retention.erase_person(parked.employee_id)  # the demographic record of someone who never arrived
        deps.audit.append(AuditRecord(
            event_id=parked.event_id, trigger=INGEST, subject_id=parked.employee_id, outcome="expired",
            recorded_at=now, decision={"event_type": parked.event_type, "reason": "employee_never_arrived",
                                       "parked_events_days": deps.settings.retention.parked_events_days}), counted=True)
        logger.warning(spine.PARKED_EVENT_EXPIRED_LOG,
                       extra={"event_id": parked.event_id, "event_type": parked.event_type})
        store.remove(parked)
        expired += 1
    return expired
