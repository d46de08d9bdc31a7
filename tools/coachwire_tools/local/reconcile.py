"""Reconcile a run on the local stack from what it stored: the audit log, the outbox, SES and the DLQs.

Every accepted webhook must reach a terminal outcome in the audit log for the trigger its type feeds (an
outcome other than `failed`: a failed attempt is retried until it succeeds or is dead-lettered), or, parked for
an employee not yet known, be refused when replayed (audited and alarmed, the HRIS having had a 202); every queued
notification must be `sent` or `delivery_unknown`, and SES must have sent no more e-mails than that allows.
Reads go through the emulator's own clients, never the handlers' (which a fault injector may be hooked into).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coachwire import spine
from coachwire.domain import reliability
from coachwire.models.coaching import AuditRecord
from coachwire.services.parking import INGEST, PARKED_REPLAY
from coachwire.settings import Settings

from coachwire_tools.local.moto_server import client

TERMINAL_DELIVERY = ("sent", "delivery_unknown")


@dataclass
class Reconciliation:
    accepted: int
    terminal: int
    lost: list[str] = field(default_factory=list)  # accepted events with no terminal outcome
    lost_errors: Counter[str] = field(default_factory=Counter)  # error types their failed attempts recorded
    duplicated_effects: list[str] = field(default_factory=list)  # events with two terminal non-duplicate records
    notifications: Counter[str] = field(default_factory=Counter)  # outbox status → count
    emails_sent: int = 0
    dead_lettered: dict[str, int] = field(default_factory=dict)
    # parked, then refused on replay: an id they name is not in the framework of the employee's role
    rejected_on_replay: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # accepted before their employee, replayed later
    # event id → seconds from acceptance to its first terminal audit record
    time_to_terminal: dict[str, float] = field(default_factory=dict)

    @property
    def stuck_notifications(self) -> int:
        return sum(n for status, n in self.notifications.items() if status not in TERMINAL_DELIVERY)

    @property
    def duplicate_emails(self) -> int:
        """E-mails beyond one per notification that may have been sent (sent, or unknown after a crash)."""
        return max(0, self.emails_sent - self.notifications["sent"] - self.notifications["delivery_unknown"])

    @property
    def clean(self) -> bool:
        return (not self.lost and not self.duplicated_effects and not self.stuck_notifications
                and not self.duplicate_emails and self.notifications["sent"] <= self.emails_sent
                and not any(self.dead_lettered.values()))

    def summary(self) -> dict:
        return {"accepted": self.accepted, "terminal": self.terminal, "lost": len(self.lost),
                "lost_errors": dict(self.lost_errors),
                "duplicated_effects": len(self.duplicated_effects), "notifications": dict(self.notifications),
                "parked": len(self.parked), "rejected_on_replay": len(self.rejected_on_replay),
                "emails_sent": self.emails_sent, "duplicate_emails": self.duplicate_emails,
                "dead_lettered": {k: v for k, v in self.dead_lettered.items() if v}}


def _scan(table: str) -> list[dict]:
    items: list[dict] = []
    for page in client("dynamodb").get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return items


def reconcile(settings: Settings, accepted: dict[str, tuple[str, datetime]],
              dlq_urls: dict[str, str] | None = None) -> Reconciliation:
    """`accepted`: webhook id → (event type, when it was accepted)."""
    by_event: dict[str, list[dict]] = defaultdict(list)
    for item in _scan(settings.audit_table):
        if "doc" not in item:  # an event's terminal-outcome marker, not an entry
            continue
        by_event[item["event_id"]["S"]].append(json.loads(item["doc"]["S"]))
    result = Reconciliation(accepted=len(accepted), terminal=0)
    for event_id, (event_type, accepted_at) in accepted.items():
        trigger = spine.trigger_for_detail_type(event_type)
        everything = [AuditRecord.model_validate(r) for r in by_event.get(event_id, ())]
        # The pilot's trigger reliability decides what became of it (coachwire.domain.reliability); lost is any
        # fate without an outcome (here no threshold: the run is over when this is called).
        fate = reliability.fate(reliability.AcceptedEvent(event_id, event_type, accepted_at),
                                trigger.name if trigger else reliability.UNROUTED, everything, accepted_at,
                                timedelta(0), settings.retention.parked_events_days)
        records = [r for r in by_event.get(event_id, ()) if trigger and r["trigger"] == trigger.name]
        terminal = sorted((r for r in records if r["outcome"] != "failed"), key=lambda r: r["recorded_at"])
        ingested = [r for r in by_event.get(event_id, ()) if r["trigger"] == INGEST]
        if fate.parked:
            result.parked.append(event_id)
        if not terminal and fate.fate == "rejected":  # parked, refused on replay
            result.rejected_on_replay.append(event_id)
            terminal = [r for r in ingested
                        if r["outcome"] == "rejected" and r["decision"].get("reason") == PARKED_REPLAY]
        if fate.fate not in reliability.OUTCOME_FATES:
            result.lost.append(event_id)
            result.lost_errors.update(r.get("error_type") or "none" for r in records)
            continue
        result.terminal += 1
        if sum(r["outcome"] != "duplicate" for r in terminal) > 1:
            result.duplicated_effects.append(event_id)
        first = datetime.fromisoformat(terminal[0]["recorded_at"])
        result.time_to_terminal[event_id] = (first - accepted_at).total_seconds()
    result.notifications = Counter(item["status"]["S"] for item in _scan(settings.outbox_table))
    result.emails_sent = int(client("ses").get_send_quota()["SentLast24Hours"])
    sqs = client("sqs")
    for name, url in (dlq_urls or {}).items():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        result.dead_lettered[name] = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
    return result


def shorten_visibility(queue_urls: dict[str, str], seconds: int) -> None:
    """A killed invocation's batch returns after the queue's visibility timeout: make that quick for tests."""
    for url in queue_urls.values():
        client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": str(seconds)})
