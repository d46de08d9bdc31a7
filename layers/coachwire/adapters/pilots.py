"""The pilot registry on the governance table: one item per pilot under pk PILOTS (sk the pilot id), its JSON
`doc` and a `version` beside it, so every change is a write conditioned on the version it read."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from coachwire.adapters.aws import client
from coachwire.models.pilots import Pilot
from coachwire.ports import ConcurrentUpdate

PILOTS_PK = "PILOTS"


def _s(value: str) -> dict:
    return {"S": value}


class DynamoPilotStore:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _item(self, pilot: Pilot) -> dict:
        return {"pk": _s(PILOTS_PK), "sk": _s(pilot.pilot_id), "doc": _s(pilot.model_dump_json()),
                "version": {"N": str(pilot.version)}}

    def _put(self, pilot: Pilot, condition: str, values: dict | None = None) -> bool:
        request = {"TableName": self.table, "Item": self._item(pilot), "ConditionExpression": condition}
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            client("dynamodb").put_item(**request)
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def add(self, pilot: Pilot) -> bool:
        return self._put(pilot, "attribute_not_exists(pk)")

    def get(self, pilot_id: str) -> Pilot | None:
        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True,
                                           Key={"pk": _s(PILOTS_PK), "sk": _s(pilot_id)}).get("Item")
        return Pilot.model_validate(json.loads(item["doc"]["S"])) if item else None

    def all(self) -> list[Pilot]:
        found: list[Pilot] = []
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(TableName=self.table, ConsistentRead=True, KeyConditionExpression="pk = :pk",
                                       ExpressionAttributeValues={":pk": _s(PILOTS_PK)}):
            found.extend(Pilot.model_validate(json.loads(item["doc"]["S"])) for item in page["Items"])
        return sorted(found, key=lambda p: (p.created_at, p.pilot_id), reverse=True)

    def replace(self, pilot: Pilot, expected_version: int) -> None:
        if not self._put(pilot, "version = :expected", {":expected": {"N": str(expected_version)}}):
            raise ConcurrentUpdate(f"pilot {pilot.pilot_id} changed meanwhile")
