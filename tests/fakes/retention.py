"""The retention sweep's store over the in-memory tables: scans keys and TTLs the way the adapter does and erases
a person across profiles, outbox and demographics, profile last."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

from coachwire import spine
from coachwire.domain import data_classes
from coachwire.domain.retention import ScannedItem

from tests.fakes.demographics import FakeDemographicsStore
from tests.fakes.outbox import FakeOutboxStore
from tests.fakes.profiles import PROFILE, FakeProfileStore, emp_pk

_SPECS = {spec.key: spec for spec in spine.TABLES}


class FakeRetentionStore:
    def __init__(self, profiles: FakeProfileStore, outbox: FakeOutboxStore,
                 demographics: FakeDemographicsStore | None = None) -> None:
        self.profiles, self.outbox, self.demographics = profiles, outbox, demographics

    def scan(self, table: str) -> Iterator[ScannedItem]:
        """The profiles table whole (the sweep looks for leftovers too); the others only where a TTL is set. The
        webhook idempotency table has no fake here: it scans empty."""
        if _SPECS[table].ttl_attribute is None:
            raise ValueError(f"table {table!r} has no TTL attribute to sweep on")
        if table == "profiles":
            for (pk, sk), item in list(self.profiles.items.items()):
                yield ScannedItem(table=table, key={"pk": pk, "sk": sk}, partition=pk, sort=sk,
                                  expires_at=item.get("expires_at"))
        elif table == "outbox":
            for notification_id, item in list(self.outbox.items.items()):
                if "expires_at" in item:
                    yield ScannedItem(table=table, key={"notification_id": notification_id},
                                      partition=notification_id, sort="", expires_at=item["expires_at"])

    def delete(self, item: ScannedItem) -> None:
        if item.table == "profiles":
            self.profiles.items.pop((item.key["pk"], item.key["sk"]), None)
        elif item.table == "outbox":
            self.outbox.items.pop(item.key["notification_id"], None)

    def profile_exists(self, employee_id: str) -> bool:
        return (emp_pk(employee_id), PROFILE) in self.profiles.items

    def erase_person(self, employee_id: str) -> dict[str, int]:
        pk = emp_pk(employee_id)
        counts: Counter[str] = Counter()
        own = self.profiles._partition(pk)
        messages: set[str] = set()
        for sk, item in own:
            if sk.startswith(("ALERTREF#", "CORR#", "MSGREF#")):
                doc = json.loads(item["doc"])
                messages.update(doc.get("notification_ids") or [])
                if doc.get("escalation_notification_id"):
                    messages.add(doc["escalation_notification_id"])
            if sk.startswith("ALERTREF#"):
                doc = json.loads(item["doc"])
                self.profiles.items.pop((doc["pk"], doc["sk"]), None)
                counts["alerts"] += 1
        messages.update(n for n, i in self.outbox.items.items() if i["recipient_id"] == employee_id)
        for notification_id in sorted(messages):
            self.outbox.items.pop(notification_id, None)
            counts["notifications"] += 1
        if self.demographics is not None:  # deleted by key, never read
            self.demographics.records.pop(employee_id, None)
        counts["demographics"] += 1
        for sk, _ in sorted(own, key=lambda kv: kv[0] == PROFILE):  # the profile last
            self.profiles.items.pop((pk, sk), None)
            kind = data_classes.of_item("profiles", pk, sk)
            counts[kind.key if kind else "unclassified"] += 1
        return dict(counts)
