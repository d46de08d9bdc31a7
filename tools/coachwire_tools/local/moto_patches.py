"""Emulator fixes applied inside the moto server process only (never in Lambda).

moto 5.2's `transact_write_items` deep-copies every table it touches, once per operation, to be able
to roll back. Its cost grows with the table (measured here: 26 ms at 100 items, 667 ms at 6,000), which
real DynamoDB does not do, and concurrent requests can change a table during the copy. The patch keeps
moto's own logic and rollback but hands it a cheap snapshot instead: the table's item index copied two
levels deep (the Item objects shared) with the items this transaction touches deep-copied, so a
rolled-back table is exactly the table before the transaction. Transactions and single-item writes are
serialised under one lock, so concurrent counters lose no increment.

The server's request routing re-lists moto's service modules from disk on every request: that list is cached.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_lock = threading.RLock()
_local = threading.local()


def _snapshot(table: Any, keys: list[dict[str, Any]]) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType

    snap = copy.copy(table)
    index = table.items  # defaultdict: hash → Item, or hash → {range → Item}
    # list() and dict() copy in C without running Python code, so a request changing the table meanwhile (a
    # plain PutItem is not under our lock) cannot interleave with the copy.
    rows = list(index.items())
    if table.range_key_attr is not None:
        rows = [(h, dict(r)) for h, r in rows]
    snap.items = type(index)(index.default_factory, rows)
    for key in keys:
        hash_value = DynamoType(key[table.hash_key_attr])
        if table.range_key_attr is None:
            if hash_value in snap.items:
                snap.items[hash_value] = copy.deepcopy(snap.items[hash_value])
            continue
        range_value = DynamoType(key[table.range_key_attr])
        row = snap.items.get(hash_value)
        if row is not None and range_value in row:
            row[range_value] = copy.deepcopy(row[range_value])
    return snap


class _CopyShim:
    """Stands in for the `copy` module inside moto.dynamodb.models: tables get our snapshot."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(obj: Any, memo: Any = None) -> Any:
        snapshots = getattr(_local, "snapshots", None)
        if snapshots and id(obj) in snapshots:
            return snapshots[id(obj)]
        return copy.deepcopy(obj, memo)


def _touched_keys(backend: Any, transact_items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    keys: dict[str, list[dict[str, Any]]] = {}
    for item in transact_items:
        _, op = next(iter(item.items()))
        name = op.get("TableName")
        if name not in backend.tables:
            continue
        table = backend.tables[name]
        if "Key" in op:
            key = op["Key"]
        else:
            attrs = op.get("Item", {})
            key = {a: attrs[a] for a in (table.hash_key_attr, table.range_key_attr) if a and a in attrs}
        if table.hash_key_attr in key and (table.range_key_attr is None or table.range_key_attr in key):
            keys.setdefault(name, []).append(key)
    return keys


def apply() -> None:
    import moto.dynamodb.models as models

    if getattr(models, "_coachwire_patched", False):
        return
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _lock:
            touched = _touched_keys(self, transact_items)
            _local.snapshots = {id(self.tables[name]): _snapshot(self.tables[name], keys)
                                for name, keys in touched.items()}
            try:
                return original(self, transact_items)
            finally:
                _local.snapshots = None

    models.copy = _CopyShim()  # only this module's `copy.deepcopy` calls see the shim
    models.DynamoDBBackend.transact_write_items = transact_write_items
    # moto's single-item writes read, modify and store in Python: two threads can lose an ADD, and a transaction
    # rolling back would restore its snapshot over a write made meanwhile. DynamoDB does neither: serialise them.
    for name in ("put_item", "update_item", "delete_item"):
        setattr(models.DynamoDBBackend, name, _serialised(getattr(models.DynamoDBBackend, name)))
    _cache_service_modules()
    models._coachwire_patched = True


def _serialised(method: Any) -> Any:
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return method(self, *args, **kwargs)

    return locked


def _cache_service_modules() -> None:
    """moto's server routes every request by listing its package directory and stat-ing each entry (about 150
    system calls) under its global lock. The list cannot change while the server runs: compute it once."""
    import moto.backends as backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
