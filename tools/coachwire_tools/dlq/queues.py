"""Dead-lettered trigger firings: what each trigger's DLQ holds, described by ids and codes only, and their
redrive back to the trigger's queue. The queues sit behind `DeadLetterQueues` (AWS: SQS StartMessageMoveTask;
the local stack: its own mover, as moto does not implement it), so the CLI reads the same either way."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from coachwire import spine


@dataclass(frozen=True)
class DeadLetter:
    """One message as the DLQ holds it (its body is the EventBridge event; never printed)."""

    message_id: str
    body: str
    receive_count: int


@dataclass(frozen=True)
class Redrive:
    trigger: str
    moved: int | None  # None: an asynchronous move task (AWS) that has not reported a count yet
    handle: str = ""  # the move task's handle, if any


class DeadLetterQueues(Protocol):
    where: str  # e.g. "the local stack at http://127.0.0.1:5000", for the first line of the output

    def depth(self, trigger: str) -> int: ...

    def peek(self, trigger: str, limit: int) -> list[DeadLetter]:
        """Up to `limit` messages, left in the queue and visible again."""

    def redrive(self, trigger: str) -> Redrive:
        """Move every message back to the trigger's own queue (sent before deleted: at least once)."""


@dataclass(frozen=True)
class DeadLetterView:
    firing_id: str
    trigger: str
    detail_type: str
    error_type: str
    receive_count: int


def trigger_named(name: str) -> spine.Trigger:
    trigger = spine.TRIGGERS_BY_NAME.get(name)
    if trigger is None:
        raise LookupError(f"no trigger {name!r}; triggers: {', '.join(spine.TRIGGERS_BY_NAME)}")
    return trigger


def describe(letter: DeadLetter, trigger: str, error_type_of: Callable[[str], str | None]) -> DeadLetterView:
    """Ids and codes from the envelope; the error type from the audit log's failed record of that firing."""
    from coachwire.runtime.trigger import firing_id

    try:
        envelope = json.loads(letter.body)
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict):
        return DeadLetterView(f"message {letter.message_id}", trigger, "(not an event)", "unknown",
                              letter.receive_count)
    event_id = firing_id(envelope)
    return DeadLetterView(event_id, trigger, str(envelope.get("detail-type", "")),
                          error_type_of(event_id) or "not in the audit log", letter.receive_count)


def audit_error_type(audit_log) -> Callable[[str], str | None]:  # noqa: ANN001 (DynamoAuditLog-like)
    def lookup(event_id: str) -> str | None:
        failed = sorted((r for r in audit_log.for_event(event_id) if r.outcome == "failed"),
                        key=lambda r: r.recorded_at)
        return failed[-1].error_type if failed else None

    return lookup
