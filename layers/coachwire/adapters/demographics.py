"""The isolated demographics table. Its writer holds PutItem alone, so "latest wins" is a conditional put
rather than a read-compare-write; only the bias audit function may scan it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from coachwire.adapters.aws import client
from coachwire.domain.retention import expires_at
from coachwire.models.demographics import DemographicRecord


def sortable(at: datetime) -> str:
    """UTC, fixed width: the condition compares these as strings."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class DynamoDemographicsStore:
    def __init__(self, table_name: str, retention_days: int = 1095) -> None:
        self.table = table_name
        self.retention_days = retention_days

    def put(self, record: DemographicRecord) -> bool:
        try:
            client("dynamodb").put_item(
                TableName=self.table,
                Item={"employee_id": {"S": record.employee_id}, "updated_at": {"S": sortable(record.updated_at)},
                      "doc": {"S": record.model_dump_json()},
                      # Re-collected at least this often, or DynamoDB TTL removes it (Settings.retention).
                      "expires_at": {"N": str(expires_at(record.updated_at, self.retention_days))}},
                # Equal timestamps overwrite: a redelivery writes the same content again.
                ConditionExpression="attribute_not_exists(employee_id) OR updated_at <= :at",
                ExpressionAttributeValues={":at": {"S": sortable(record.updated_at)}})
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def all_records(self) -> Iterator[DemographicRecord]:
        for page in client("dynamodb").get_paginator("scan").paginate(TableName=self.table,
                                                                        ProjectionExpression="doc"):
            for item in page["Items"]:
                yield DemographicRecord.model_validate_json(item["doc"]["S"])
