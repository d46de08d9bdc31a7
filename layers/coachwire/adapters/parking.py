"""The park: events held until their employee appears. Ingest may only put (it never reads them back);
profile_sync and the retention sweep query and delete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError

from coachwire.adapters.aws import client
from coachwire.adapters.demographics import sortable
from coachwire.adapters.dynamo import PROFILE_SK, emp_pk
from coachwire.domain.retention import epoch
from coachwire.ports import ParkedEvent

BUCKET = "PARKED"  # the by_expiry index's one partition
# DynamoDB TTL deletes without telling anyone, so it only backs up the sweep, which records each expiry first.
TTL_BACKSTOP = timedelta(days=7)


def parked_key(parked: ParkedEvent) -> str:
    return f"{sortable(parked.timestamp)}#{sortable(parked.received_at)}#{parked.event_id}"


def _parse(at: str) -> datetime:
    return datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class DynamoParkedEvents:
    def __init__(self, table_name: str, profiles_table: str) -> None:
        self.table, self.profiles = table_name, profiles_table

    def park(self, parked: ParkedEvent) -> bool:
        item = {"employee_id": {"S": parked.employee_id}, "parked_key": {"S": parked_key(parked)},
                "event_id": {"S": parked.event_id}, "event_type": {"S": parked.event_type},
                "timestamp": {"S": sortable(parked.timestamp)}, "received_at": {"S": sortable(parked.received_at)},
                "park_bucket": {"S": BUCKET}, "expires_at": {"S": sortable(parked.expires_at)},
                "ttl_backstop": {"N": str(epoch(parked.expires_at + TTL_BACKSTOP))}}
        if parked.event is not None:
            item["event"] = {"S": json.dumps(parked.event)}
        # One transaction with "the profile is still absent": profile_sync writes the profile before it replays,
        # so either this commits first and the replay finds it, or it fails here and ingest publishes the event.
        try:
            client("dynamodb").transact_write_items(TransactItems=[
                {"Put": {"TableName": self.table, "Item": item}},
                {"ConditionCheck": {"TableName": self.profiles, "ConditionExpression": "attribute_not_exists(pk)",
                                    "Key": {"pk": {"S": emp_pk(parked.employee_id)}, "sk": {"S": PROFILE_SK}}}},
            ])
        except ClientError as err:
            reasons = err.response.get("CancellationReasons") or []
            if len(reasons) == 2 and reasons[1].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def for_employee(self, employee_id: str) -> list[ParkedEvent]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self.table, ConsistentRead=True, KeyConditionExpression="employee_id = :e",
            ExpressionAttributeValues={":e": {"S": employee_id}})
        return [self._from_item(i) for page in pages for i in page["Items"]]

    def expired(self, now: datetime) -> Iterator[ParkedEvent]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self.table, IndexName="by_expiry",
            KeyConditionExpression="park_bucket = :b AND expires_at <= :now",
            ExpressionAttributeValues={":b": {"S": BUCKET}, ":now": {"S": sortable(now)}})
        for page in pages:
            for item in page["Items"]:
                yield self._from_item(item)

    def remove(self, parked: ParkedEvent) -> None:
        client("dynamodb").delete_item(TableName=self.table, Key={
            "employee_id": {"S": parked.employee_id}, "parked_key": {"S": parked_key(parked)}})

    @staticmethod
    def _from_item(item: dict) -> ParkedEvent:
        event = item.get("event")
        return ParkedEvent(employee_id=item["employee_id"]["S"], event_id=item["event_id"]["S"],
                           event_type=item["event_type"]["S"], timestamp=_parse(item["timestamp"]["S"]),
                           received_at=_parse(item["received_at"]["S"]), expires_at=_parse(item["expires_at"]["S"]),
                           event=json.loads(event["S"]) if event else None)
