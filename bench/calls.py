"""Every botocore API call a handler makes, recorded in this process only, and what DynamoDB would bill for it.

`CallRecorder.install()` wraps `BaseClient._make_api_call` (paginators and powertools' own clients go through
it too). Calls are recorded only inside `recording()`, so the bench's own queue reads and deletes are not
counted. Each call keeps its parameters and response; capacity units are worked out afterwards, outside the
timed region.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SERVICE_NAMES = {"dynamodb": "DynamoDB", "events": "EventBridge", "sqs": "SQS", "ses": "SES",
                 "secretsmanager": "SecretsManager", "scheduler": "Scheduler"}


@dataclass
class ApiCall:
    service: str
    operation: str
    params: dict[str, Any]
    response: dict[str, Any] | None  # None when the call raised
    error: str | None
    ms: float

    @property
    def label(self) -> str:
        """"Service.Operation", with the DynamoDB table(s) it touches."""
        label = f"{SERVICE_NAMES.get(self.service, self.service)}.{self.operation}"
        if self.service != "dynamodb":
            return label
        tables = {self.params.get("TableName")} | {
            body.get("TableName") for entry in self.params.get("TransactItems", []) for body in entry.values()}
        short = sorted(re.sub(r"^coachwire-[^-]+-", "", t) for t in tables if t)
        return f"{label} {'+'.join(short)}" if short else label


class CallRecorder:
    def __init__(self) -> None:
        self._local = threading.local()
        self._installed = False

    def install(self) -> None:
        if self._installed:
            return
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        local = self._local

        def _make_api_call(client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            calls = getattr(local, "calls", None)
            if calls is None:
                return original(client, operation_name, api_params)
            started = time.perf_counter()
            response, error = None, None
            try:
                response = original(client, operation_name, api_params)
                return response
            except Exception as err:
                details = getattr(err, "response", None)
                error = (details.get("Error", {}).get("Code") if isinstance(details, dict) else None) \
                    or type(err).__name__
                raise
            finally:
                calls.append(ApiCall(client.meta.service_model.service_name, operation_name, api_params, response,
                                     error, (time.perf_counter() - started) * 1000))

        BaseClient._make_api_call = _make_api_call
        self._installed = True

    @contextmanager
    def recording(self) -> Iterator[list[ApiCall]]:
        calls: list[ApiCall] = []
        self._local.calls = calls
        try:
            yield calls
        finally:
            self._local.calls = None


# -- DynamoDB capacity -------------------------------------------------------------------------------------

def attribute_bytes(value: dict[str, Any]) -> int:
    """Approximate stored size of one AttributeValue, after the DynamoDB item size rules."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + attribute_bytes(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_bytes(v) for k, v in inner.items())
    if kind in ("SS", "NS"):
        return sum(len(v.encode()) for v in inner)
    return len(json.dumps(inner))


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_bytes(value) for name, value in item.items())


@dataclass
class Capacity:
    rru: float = 0.0
    wru: float = 0.0

    def __iadd__(self, other: Capacity) -> Capacity:
        self.rru += other.rru
        self.wru += other.wru
        return self


class CapacityModel:
    """Read/write request units per call, on-demand pricing rules.

    Reads: 1 RRU per 4 KB read (strongly consistent), half that eventually consistent; a Query or Scan rounds
    the total it read, and a Scan reads (and bills) every item it examines, filtered out or not. Writes: 1 WRU
    per 1 KB of the larger of the old and new item; twice that inside a transaction. Sizes come from the items
    the model has seen (puts, reads, ALL_NEW updates): an update of an item never seen counts as 1 KB, and a
    Scan's examined items are priced at the mean size of the table's items seen so far.
    """

    def __init__(self, key_schemas: dict[str, tuple[str, ...]]) -> None:
        self.key_schemas = key_schemas
        self.sizes: dict[tuple[str, str], int] = {}
        self._table_bytes: Counter[str] = Counter()
        self._table_items: Counter[str] = Counter()

    def _key(self, table: str, item_or_key: dict[str, Any]) -> tuple[str, str]:
        names = self.key_schemas.get(table, tuple(sorted(item_or_key)))
        return table, json.dumps({n: item_or_key.get(n) for n in names}, sort_keys=True)

    def seen(self, table: str, item: dict[str, Any] | None) -> None:
        """Remember an item's size (also for items written outside the recorded calls, e.g. the seed)."""
        if not item:
            return
        key, size = self._key(table, item), item_bytes(item)
        old = self.sizes.get(key)
        if old is None:
            self._table_items[table] += 1
        self._table_bytes[table] += size - (old or 0)
        self.sizes[key] = size

    def _known(self, table: str, key: dict[str, Any]) -> int | None:
        return self.sizes.get(self._key(table, key))

    def mean_item_bytes(self, table: str) -> float:
        return self._table_bytes[table] / self._table_items[table] if self._table_items[table] else 1024.0

    @staticmethod
    def _reads(size: int, consistent: bool) -> float:
        return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)

    @staticmethod
    def _writes(size: int) -> float:
        return max(1, math.ceil(size / 1024))

    def _write_one(self, kind: str, op: dict[str, Any]) -> float:
        table = op["TableName"]
        if kind == "Put":
            old = self._known(table, op["Item"]) or 0
            self.seen(table, op["Item"])
            return self._writes(max(old, item_bytes(op["Item"])))
        return self._writes(self._known(table, op["Key"]) or 1024)  # Update, Delete, ConditionCheck

    def of(self, call: ApiCall) -> Capacity:
        if call.service != "dynamodb":
            return Capacity()
        p, r = call.params, call.response or {}
        op = call.operation
        if op == "GetItem":
            self.seen(p["TableName"], r.get("Item"))
            return Capacity(rru=self._reads(item_bytes(r.get("Item") or {}), bool(p.get("ConsistentRead"))))
        if op == "Query":
            total = sum(item_bytes(i) for i in r.get("Items", []))
            return Capacity(rru=self._reads(total, bool(p.get("ConsistentRead"))))
        if op == "Scan":
            mean = self.mean_item_bytes(p["TableName"])
            return Capacity(rru=self._reads(int(r.get("ScannedCount", 0) * mean), bool(p.get("ConsistentRead"))))
        if op == "PutItem":
            return Capacity(wru=self._write_one("Put", p))
        if op in ("UpdateItem", "DeleteItem"):
            wru = self._write_one("Update", p)
            if r.get("Attributes") and p.get("ReturnValues") == "ALL_NEW":
                self.seen(p["TableName"], r["Attributes"])
                wru = max(wru, self._writes(item_bytes(r["Attributes"])))
            return Capacity(wru=wru)
        if op == "TransactWriteItems":
            return Capacity(wru=sum(2 * self._write_one(kind, body)
                                    for entry in p["TransactItems"] for kind, body in entry.items()))
        if op == "TransactGetItems":
            return Capacity(rru=sum(2 * self._reads(item_bytes(i.get("Item") or {}), True)
                                    for i in r.get("Responses", [])))
        if op == "BatchGetItem":
            return Capacity(rru=sum(self._reads(item_bytes(i), False)
                                    for items in r.get("Responses", {}).values() for i in items))
        return Capacity()
