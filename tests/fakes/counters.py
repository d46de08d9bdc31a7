"""Delivery cap counters in memory, with the adapter's rule: a counter holds the ids it counted."""

from __future__ import annotations

from coachwire.ports import CapSlot


class FakeDeliveryCounters:
    def __init__(self) -> None:
        self.counted: dict[str, set[str]] = {}

    def reserve(self, notification_id: str, slots: list[CapSlot]) -> str | None:
        for slot in slots:
            ids = self.counted.get(f"{slot.name}#{slot.key}", set())
            if notification_id not in ids and len(ids) >= slot.cap:
                return slot.name
        for slot in slots:
            self.counted.setdefault(f"{slot.name}#{slot.key}", set()).add(notification_id)
        return None

    def give_back(self, notification_id: str, slots: list[CapSlot]) -> None:
        for slot in slots:
            self.counted.get(f"{slot.name}#{slot.key}", set()).discard(notification_id)
