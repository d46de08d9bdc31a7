"""Recording stand-ins for the bus, the e-mail provider and the queues."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedEvent:
    source: str
    detail_type: str
    detail: dict


class RecordingEventPublisher:
    """Keeps every event in publishing order. The detail is stored as the bus would carry it (JSON, non-JSON
    values as strings), so a test sees what a subscriber would receive."""

    def __init__(self) -> None:
        self.published: list[PublishedEvent] = []

    def publish(self, source: str, detail_type: str, detail: dict) -> str:
        self.published.append(PublishedEvent(source, detail_type, json.loads(json.dumps(detail, default=str))))
        return f"evt-{len(self.published):04d}"

    def publish_many(self, source: str, detail_type: str, details: list[dict]) -> int:
        for detail in details:
            self.publish(source, detail_type, detail)
        return len(details)

    def details(self, detail_type: str) -> list[dict]:
        return [e.detail for e in self.published if e.detail_type == detail_type]


@dataclass(frozen=True)
class SentEmail:
    to: str
    subject: str
    body: str
    message_id: str


class RecordingEmailSender:
    """Sends nothing. `failures` are raised by the first calls, in order (e.g. ConnectionError: refused, not
    sent; EmailOutcomeUnknown: the provider may have it); later calls succeed and are kept in `sent`."""

    def __init__(self, failures: Iterable[BaseException] = ()) -> None:
        self.failures = list(failures)
        self.calls = 0
        self.sent: list[SentEmail] = []

    def send(self, to: str, subject: str, body: str) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        message_id = f"fake-msg-{len(self.sent) + 1:04d}"
        self.sent.append(SentEmail(to, subject, body, message_id))
        return message_id


class FakeDeadLetters:
    def __init__(self, depths: dict[str, int] | None = None) -> None:
        self.depths = dict(depths or {})

    def depth(self) -> dict[str, int]:
        return dict(self.depths)


class FakeQueueDepths:
    def __init__(self, in_flight: dict[str, dict[str, int]] | None = None) -> None:
        self.queues = {k: dict(v) for k, v in (in_flight or {}).items()}

    def in_flight(self) -> dict[str, dict[str, int]]:
        return {k: dict(v) for k, v in self.queues.items()}
