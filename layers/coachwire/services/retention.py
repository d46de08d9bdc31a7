"""The daily retention sweep: escalate overdue correction requests, delete what has expired, erase leavers.

DynamoDB's TTL deletes expired items too, but only eventually (typically within days) and never in the local
emulation; the sweep is what makes the published retention periods exact. Each erasure and each escalation is
audited on its own (subject: the employee); the run's counts go in the job's audit record. Aggregates (trigger
stats) and the audit log are never touched: the audit log is append-only and expires by TTL alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Literal

from coachwire.domain import corrections
from coachwire.domain.data_classes import DATA_CLASSES
from coachwire.domain.retention import SweepPlanner
from coachwire.models.base import Identifier, InboundModel
from coachwire.models.coaching import EmployeeProfile
from coachwire.models.rights import Correction
from coachwire.ports import ProfileChange, RetentionStore
from coachwire.services import parking
from coachwire.services.deps import Dependencies
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee

TRIGGER = "retention_sweep"
SUBJECT = "job:retention_sweep"
# Tables the sweep scans: those holding a data class enforced by TTL and sweep (the policy's registry).
SWEPT_TABLES: tuple[str, ...] = tuple(dict.fromkeys(
    c.table for c in DATA_CLASSES if c.enforcement == "ttl_and_sweep" and c.table is not None))


class RetentionSweepJob(InboundModel):
    """The schedule's event. Deliberately no `as_of`: the sweep always uses the clock, so nobody can ask it to
    act as if it were a later day and erase data early."""

    job: Literal["retention_sweep"]
    requested_by: str = "schedule"
    run_id: Identifier | None = None


def sweep_job(detail: dict, deps: Dependencies, event_id: str,
              on_subject: Callable[[TriggerResult], None]) -> TriggerResult:
    """The Lambda's entry point: the deletion store comes with the dependencies (only this function uses it)."""
    if deps.retention is None:
        raise RuntimeError("the retention sweep needs Dependencies.retention")
    return retention_sweep(detail, deps, deps.retention, event_id, on_subject)


def retention_sweep(detail: dict, deps: Dependencies, store: RetentionStore, event_id: str,
                    on_subject: Callable[[TriggerResult], None]) -> TriggerResult:
    RetentionSweepJob.model_validate(detail)
    now = deps.clock.now()
    counts: Counter[str] = Counter()

    cutoff = now - timedelta(days=deps.settings.correction_escalation_days)
    for waiting in deps.profiles.open_corrections(opened_before=cutoff):
        if corrections.overdue(waiting, now, deps.settings.correction_escalation_days):
            result = escalate(deps, waiting, event_id)
            if result.outcome == "succeeded":
                counts["escalated"] += 1
            on_subject(result)
        elif waiting.escalated_at is not None:
            # Escalated already: if by this same firing (a redelivery after its message failed to publish), the
            # receipt says so, and the message goes out now instead of waiting in the outbox for ever.
            first = deps.profiles.receipt(waiting.employee_id, TRIGGER, f"{event_id}:{waiting.correction_id}")
            if first is not None:
                on_subject(replace(TriggerResult.from_dict(first), outcome="duplicate"))

    planner = SweepPlanner(now)
    leavers: list[str] = []
    for table in SWEPT_TABLES:
        for item in store.scan(table):
            action = planner.see(item)
            if action is None:
                continue
            if action.kind == "erase":
                leavers.append(action.employee_id)
            else:
                store.delete(item)
                counts[f"deleted_{action.data_class}"] += 1
    # Records left behind by a profile DynamoDB's own TTL removed first: confirmed with a consistent read.
    orphans = [e for e in planner.orphans() if not store.profile_exists(e)]
    for employee_id, reason in [*((e, "left") for e in leavers), *((e, "profile_gone") for e in orphans)]:
        erased = store.erase_person(employee_id)
        counts["erased_people"] += 1
        on_subject(TriggerResult("succeeded", employee_id, {"action": "retention.erased", "reason": reason,
                                                            **{f"deleted_{k}": v for k, v in erased.items()}}))
    if deps.parked is not None:
        expired = parking.expire(deps, store)
        if expired:
            counts["expired_parked_events"] = expired
    decision = {**dict(sorted(counts.items())), "as_of": now.date().isoformat()}
    return TriggerResult("succeeded" if counts else "no_action", SUBJECT, decision)


def escalate(deps: Dependencies, waiting: Correction, event_id: str) -> TriggerResult:
    """Mark one overdue request escalated and message the HR mailbox, together, once: the revision check and the
    deterministic message id make a repeated run (or a redelivered event) a no-op."""
    employee_id, correction_id = waiting.employee_id, waiting.correction_id

    def compute(profile: EmployeeProfile | None):
        now = deps.clock.now()
        current = deps.profiles.correction(employee_id, correction_id)
        if profile is None or current is None or not corrections.overdue(
                current, now, deps.settings.correction_escalation_days):
            return None, TriggerResult("no_action", employee_id, {"action": "correction.escalation",
                                                                  "correction_id": correction_id})
        marked, note = corrections.escalation(current, hr_email=deps.settings.hr_admin_email, now=now,
                                              source_event_id=event_id, trigger=TRIGGER)
        decision = {"action": "correction.escalated", "correction_id": correction_id, "field": current.field,
                    "waited_days": (now - current.requested_at).days}
        return (ProfileChange(profile=profile, expected_version=profile.version, write_profile=False,
                              corrections=(marked,), notifications=(note,)),
                TriggerResult("succeeded", employee_id, decision, (note.notification_id,)))

    return commit_for_employee(deps, employee_id, TRIGGER, f"{event_id}:{correction_id}", compute)
