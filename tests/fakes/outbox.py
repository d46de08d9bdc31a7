"""The outbox in memory: each notification with its delivery state beside the stored document, as the adapter
keeps it, and the same conditional status moves (pending → sending → sent / pending / failed / ...)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from botocore.exceptions import ClientError
from coachwire.models.coaching import Hold, Notification

STATE = ("lease_until", "sent_at", "provider_message_id", "claimed_by", "channel", "fell_back_from",
         "fallback_reason", "not_before", "decided", "suppressed_reason")
JSON_STATE = ("provider_ref", "holds")


def condition_failed(operation: str) -> ClientError:
    """What DynamoDB raises when a conditional write is refused. The outbox adapter lets it through for a status
    move from the wrong state (e.g. mark_sent on a message nobody claimed), so the fake raises the same."""
    return ClientError({"Error": {"Code": "ConditionalCheckFailedException",
                                  "Message": "The conditional request failed"}}, operation)


class FakeOutboxStore:
    def __init__(self) -> None:
        # notification_id → {"doc", "recipient_id", "created_at", "status", "attempts", "expires_at"?, *STATE}
        self.items: dict[str, dict] = {}

    def add(self, note: Notification, expires_at: int | None = None) -> bool:
        """Queue a message unless its id is taken (how commits and the governance store write). False: taken."""
        if note.notification_id in self.items:
            return False
        item = {"doc": note.model_dump_json(), "recipient_id": note.recipient_id,
                "created_at": note.created_at.isoformat(), "status": note.status, "attempts": note.attempts}
        if expires_at is not None:
            item["expires_at"] = expires_at
        self.items[note.notification_id] = item
        return True

    def queue(self, note: Notification) -> bool:
        """The port's way in (the adapter: a PutItem on attribute_not_exists)."""
        return self.add(note)

    @staticmethod
    def _from_item(item: dict) -> Notification:
        state = {"status": item["status"], "attempts": item["attempts"]}
        state |= {name: item[name] or None for name in STATE if name in item}
        state |= {name: json.loads(item[name]) for name in JSON_STATE if name in item}
        if "channel_failures" in item:
            state["channel_failures"] = item["channel_failures"]
        return Notification.model_validate({**json.loads(item["doc"]), **state})

    def get(self, notification_id: str) -> Notification | None:
        item = self.items.get(notification_id)
        return self._from_item(item) if item else None

    def claim(self, notification_id: str, now: datetime, lease_seconds: int,
              claimed_by: str = "") -> Notification | None:
        item = self.items.get(notification_id)
        lease = (now + timedelta(seconds=lease_seconds)).isoformat()
        if item is not None and item["status"] == "sending" and claimed_by and item.get("claimed_by") == claimed_by \
                and item.get("lease_until") == lease:
            return self._from_item(item)  # the same claim resent after a lost reply: it had taken effect
        due_hold = item is not None and item["status"] == "held" and item["not_before"] <= now.isoformat()
        if item is None or not (item["status"] == "pending" or due_hold):
            return None
        item.update(status="sending", lease_until=lease, claimed_by=claimed_by, attempts=item["attempts"] + 1)
        item.pop("held_bucket", None)
        return self._from_item(item)

    def _move(self, notification_id: str, status: str, expect: str | tuple[str, ...], remove: tuple[str, ...] = (),
              **extra: str | int) -> None:
        item = self.items.get(notification_id)
        if item is None or item["status"] not in ((expect,) if isinstance(expect, str) else expect):
            if item is not None and item["status"] == status:
                return  # the same move resent after a lost reply: it had taken effect
            raise condition_failed("UpdateItem")
        item.update(status=status, **extra)
        for name in ("lease_until", "claimed_by", *remove):
            item.pop(name, None)

    def mark_sent(self, notification_id: str, provider_message_id: str, sent_at: datetime, *,
                  channel: str = "email", ref: dict[str, str] | None = None, fell_back_from: str | None = None,
                  fallback_reason: str | None = None) -> None:
        extra = {"provider_message_id": provider_message_id, "sent_at": sent_at.isoformat(), "channel": channel,
                 "provider_ref": json.dumps(ref or {})}
        if fell_back_from:
            extra |= {"fell_back_from": fell_back_from, "fallback_reason": fallback_reason or ""}
        self._move(notification_id, "sent", ("sending", "delivery_unknown"), **extra)

    def release(self, notification_id: str, final: bool, *, channel_failures: int | None = None,
                fell_back_from: str | None = None, fallback_reason: str | None = None) -> None:
        extra: dict = {"channel_failures": channel_failures} if channel_failures is not None else {}
        if fell_back_from:
            extra |= {"fell_back_from": fell_back_from, "fallback_reason": fallback_reason or ""}
        self._move(notification_id, "failed" if final else "pending", "sending", **extra)

    def mark_unknown(self, notification_id: str) -> None:
        self._move(notification_id, "delivery_unknown", "sending")

    def mark_suppressed(self, notification_id: str, reason: str = "", *, held_only: bool = False) -> None:
        self._move(notification_id, "suppressed", "held" if held_only else ("sending", "held"),
                   remove=("held_bucket",), suppressed_reason=reason)

    def hold(self, notification_id: str, holds: list[Hold]) -> None:
        self._move(notification_id, "held", "sending", holds=json.dumps([h.model_dump(mode="json") for h in holds]),
                   not_before=holds[-1].until.isoformat(), held_bucket="held")

    def due_held(self, now: datetime, limit: int = 500) -> list[Notification]:
        due = sorted((i for i in self.items.values() if i.get("held_bucket") and i["not_before"] <= now.isoformat()),
                     key=lambda i: i["not_before"])
        return [self._from_item(i) for i in due[:limit]]

    def record_decision(self, notification_id: str, decided: str) -> None:
        self._move(notification_id, "sent", "sent", decided=decided)

    def for_recipient(self, recipient_id: str) -> list[Notification]:
        mine = [i for i in self.items.values() if i["recipient_id"] == recipient_id]
        return [self._from_item(i) for i in sorted(mine, key=lambda i: i["created_at"], reverse=True)]
