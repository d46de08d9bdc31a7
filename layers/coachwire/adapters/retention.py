"""Deleting personal data: the retention sweep's store. Only the retention_sweep function is granted DeleteItem
(spine), and it never touches the audit log, which DynamoDB's TTL expires on its own."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

from coachwire import spine
from coachwire.adapters.aws import client
from coachwire.adapters.dynamo import _query_all, emp_pk
from coachwire.domain import data_classes
from coachwire.domain.retention import ScannedItem
from coachwire.settings import Settings

_SPECS = {spec.key: spec for spec in spine.TABLES}


class DynamoRetentionStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _name(self, table: str) -> str:
        return getattr(self.settings, f"{table}_table")

    def scan(self, table: str) -> Iterator[ScannedItem]:
        """Keys and TTL only. The profiles table is read whole (the sweep also looks for leftovers of people
        whose profile is gone); the others only where the TTL has been set."""
        spec = _SPECS[table]
        keys = [k for k in (spec.partition_key, spec.sort_key) if k]
        ttl = spec.ttl_attribute
        if ttl is None:
            raise ValueError(f"table {table!r} has no TTL attribute to sweep on")
        names = {f"#k{i}": k for i, k in enumerate([*keys, ttl])}
        request = {"TableName": self._name(table), "ProjectionExpression": ", ".join(names),
                   "ExpressionAttributeNames": names}
        if table != "profiles":
            request["FilterExpression"] = f"attribute_exists(#k{len(keys)})"
        for page in client("dynamodb").get_paginator("scan").paginate(**request):
            for item in page["Items"]:
                yield ScannedItem(
                    table=table, key={k: item[k] for k in keys},
                    partition=next(iter(item[spec.partition_key].values())),
                    sort=item[spec.sort_key]["S"] if spec.sort_key and spec.sort_key in item else "",
                    expires_at=int(item[ttl]["N"]) if ttl in item and "N" in item[ttl] else None)

    def delete(self, item: ScannedItem) -> None:
        client("dynamodb").delete_item(TableName=self._name(item.table), Key=item.key)

    def profile_exists(self, employee_id: str) -> bool:
        return "Item" in client("dynamodb").get_item(
            TableName=self._name("profiles"), ConsistentRead=True, ProjectionExpression="pk",
            Key={"pk": {"S": emp_pk(employee_id)}, "sk": {"S": "PROFILE"}})

    def erase_person(self, employee_id: str) -> dict[str, int]:
        ddb = client("dynamodb")
        profiles, outbox = self._name("profiles"), self._name("outbox")
        counts: Counter[str] = Counter()
        own = list(_query_all(TableName=profiles, KeyConditionExpression="pk = :pk", ConsistentRead=True,
                              ExpressionAttributeValues={":pk": {"S": emp_pk(employee_id)}}))
        messages: set[str] = set()
        for item in own:
            sort = item["sk"]["S"]
            if sort.startswith(("ALERTREF#", "CORR#", "MSGREF#")):
                doc = json.loads(item["doc"]["S"])
                messages.update(doc.get("notification_ids") or [])
                if doc.get("escalation_notification_id"):
                    messages.add(doc["escalation_notification_id"])
            if sort.startswith("ALERTREF#"):
                doc = json.loads(item["doc"]["S"])
                ddb.delete_item(TableName=profiles, Key={"pk": {"S": doc["pk"]}, "sk": {"S": doc["sk"]}})
                counts["alerts"] += 1
        messages.update(i["notification_id"]["S"] for i in _query_all(
            TableName=outbox, IndexName="by_recipient", KeyConditionExpression="recipient_id = :r",
            ExpressionAttributeValues={":r": {"S": employee_id}}, ProjectionExpression="notification_id"))
        for notification_id in sorted(messages):
            ddb.delete_item(TableName=outbox, Key={"notification_id": {"S": notification_id}})
            counts["notifications"] += 1
        if "demographics" in _SPECS:  # the isolated table: deleted by key, never read
            spec = _SPECS["demographics"]
            ddb.delete_item(TableName=self._name("demographics"), Key={spec.partition_key: {"S": employee_id}})
            counts["demographics"] += 1
        # The profile goes last: until it is gone, the next sweep still finds this person and finishes the job.
        for item in sorted(own, key=lambda i: i["sk"]["S"] == "PROFILE"):
            ddb.delete_item(TableName=profiles, Key={"pk": item["pk"], "sk": item["sk"]})
            kind = data_classes.of_item("profiles", item["pk"]["S"], item["sk"]["S"])
            counts[kind.key if kind else "unclassified"] += 1
        return dict(counts)
