"""The model registry in the catalog table: one item per immutable version (gzip-compressed JSON, since a fitted
efficacy table for a large catalog runs to hundreds of kilobytes of text) and one pointer item changed only by a
conditional write on its revision."""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from coachwire.adapters.aws import client
from coachwire.ports import ConcurrentUpdate

if TYPE_CHECKING:
    from coachwire.engine.model import ModelVersion
    from coachwire.engine.registry import ModelEntry, RegistryPointer

PK = "MODEL"
POINTER_SK = "POINTER"


def _version_sk(version: str) -> str:
    return f"VERSION#{version}"


class DynamoModelRegistry:
    """The engine (numpy) is imported on first use only: functions that never score must not pay for it."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name
        self._versions: dict[str, ModelVersion] = {}  # immutable, so safe to keep for the container's life

    def get(self, version: str) -> ModelVersion | None:
        if version in self._versions:
            return self._versions[version]
        item = client("dynamodb").get_item(TableName=self.table,
                                           Key={"pk": {"S": PK}, "sk": {"S": _version_sk(version)}}).get("Item")
        if not item:
            return None
        from coachwire.engine.model import ModelVersion

        model = ModelVersion.from_json(gzip.decompress(item["body"]["B"]).decode())
        self._versions[version] = model
        return model

    def put(self, model: ModelVersion, entry: ModelEntry) -> bool:
        try:
            client("dynamodb").put_item(
                TableName=self.table, ConditionExpression="attribute_not_exists(pk)",
                Item={"pk": {"S": PK}, "sk": {"S": _version_sk(model.version)},
                      "entry": {"S": entry.model_dump_json()},
                      "body": {"B": gzip.compress(model.to_json().encode(), mtime=0)}})
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def entries(self) -> list[ModelEntry]:
        from coachwire.engine.registry import ModelEntry

        paginator = client("dynamodb").get_paginator("query")
        entries = []
        for page in paginator.paginate(TableName=self.table, KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
                                       ProjectionExpression="entry",
                                       ExpressionAttributeValues={":pk": {"S": PK}, ":v": {"S": "VERSION#"}}):
            entries += [ModelEntry.model_validate_json(i["entry"]["S"]) for i in page["Items"]]
        return sorted(entries, key=lambda e: (e.created_at is not None, e.created_at or 0, e.version))

    def pointer(self) -> RegistryPointer:
        from coachwire.engine.registry import RegistryPointer

        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True,
                                           Key={"pk": {"S": PK}, "sk": {"S": POINTER_SK}}).get("Item")
        return RegistryPointer.model_validate(json.loads(item["doc"]["S"])) if item else RegistryPointer()

    def swap_pointer(self, new: RegistryPointer, expected_revision: int) -> None:
        condition = "attribute_not_exists(pk)" if expected_revision == 0 else "revision = :r"
        values = {} if expected_revision == 0 else {":r": {"N": str(expected_revision)}}
        try:
            client("dynamodb").put_item(
                TableName=self.table, ConditionExpression=condition,
                Item={"pk": {"S": PK}, "sk": {"S": POINTER_SK}, "doc": {"S": new.model_dump_json()},
                      "revision": {"N": str(new.revision)}},
                **({"ExpressionAttributeValues": values} if values else {}))
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConcurrentUpdate("the model registry changed meanwhile") from err
            raise
