"""Recording stand-ins for the bus, the e-mail provider and the queues."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field


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
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class RecordingEmailSender:
    """Sends nothing. `failures` are raised by the first calls, in order (e.g. ConnectionError: refused, not
    sent; EmailOutcomeUnknown: the provider may have it); later calls succeed and are kept in `sent`."""

    def __init__(self, failures: Iterable[BaseException] = ()) -> None:
        self.failures = list(failures)
        self.calls = 0
        self.sent: list[SentEmail] = []

    def send(self, to: str, subject: str, body: str, *, html: str | None = None,
             headers: dict[str, str] | None = None) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        message_id = f"fake-msg-{len(self.sent) + 1:04d}"
        self.sent.append(SentEmail(to, subject, body, message_id, html, dict(headers or {})))
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


@dataclass(frozen=True)
class ChatPost:
    channel: str
    notification_id: str
    to: str
    message_id: str


class RecordingChatSender:
    """A chat channel (Slack, Teams) that posts nothing. `failures` are raised by the first sends, in order
    (RateLimited, RecipientUnreachable, ChannelBroken, SendOutcomeUnknown, or any error: not sent); later sends
    succeed and are kept in `posts`; `updates` keeps what was shown in place after a decision."""

    def __init__(self, channel: str = "slack", failures: Iterable[BaseException] = ()) -> None:
        self.channel = channel
        self.failures = list(failures)
        self.calls = 0
        self.posts: list[ChatPost] = []
        self.updates: list[tuple[str, str]] = []
        self.private_replies: list[tuple[dict[str, str], str]] = []

    def send(self, note, to):
        from coachwire.ports import Delivered

        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        message_id = f"{self.channel}-{len(self.posts) + 1:04d}"
        self.posts.append(ChatPost(self.channel, note.notification_id, to.email, message_id))
        # As Slack's sender does: the user it went to (U-<recipient id> here), whose presses count.
        return Delivered(message_id=message_id, ref={"channel": "D-" + note.recipient_id, "ts": message_id,
                                                     "user": "U-" + note.recipient_id})

    def update(self, note, decided: str) -> None:
        self.updates.append((note.notification_id, decided))

    def reply_privately(self, reply: dict[str, str], text: str) -> None:
        self.private_replies.append((dict(reply), text))
