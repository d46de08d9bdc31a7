"""DynamoDB adapters. Records are stored as a JSON `doc` plus the few attributes that keys, indexes and
conditions need, so pydantic stays the single source of truth for the shape."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from coachwire import spine
from coachwire.adapters.aws import client
from coachwire.domain.reliability import AcceptedEvent
from coachwire.domain.retention import epoch, expires_at
from coachwire.models.chat import ChatConversationRef
from coachwire.models.coaching import (
    AuditRecord,
    DevelopmentPlan,
    EmployeeProfile,
    FilledRequisition,
    Hold,
    ManagerAlert,
    Notification,
    Recommendation,
)
from coachwire.models.framework import Catalog, Crosswalk, Framework
from coachwire.models.history import HistoryEntry
from coachwire.models.messages import Channel
from coachwire.models.preferences import Preferences
from coachwire.models.rights import Correction
from coachwire.ports import (
    AlreadyProcessed,
    CapSlot,
    ConcurrentUpdate,
    ProfileChange,
    RoleConflict,
    VersionConflict,
)
from coachwire.settings import RetentionRules

OPEN_CORRECTION = "OPEN"  # partition of the sparse by_open_correction index


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: int | float) -> dict:
    return {"N": str(value)}


def _doc(item: dict) -> dict:
    return json.loads(item["doc"]["S"])


PROFILE_SK = "PROFILE"  # the sort key of an employee's profile item
PREFERENCES_SK = "PREFS"  # and of their delivery preferences, beside it: erased and exported with the person
MESSAGE_REF_SK = "MSGREF#"  # + a message to someone else that names the person (a digest): export and erasure
CHAT_USER_SK = "CHATUSER#"  # + the chat: which chat user the person is (sparse by_chat_user index)
CHAT_REF_SK = "CHATREF#"  # + the chat: where the chat's bot posts to the person (their conversation reference)


def email_key(email: str) -> str:
    """What the sparse by_email index is keyed on: the address in lower case, without surrounding space."""
    return email.strip().lower()


def emp_pk(employee_id: str) -> str:
    return f"EMP#{employee_id}"


def _query_all(**kwargs: Any) -> Iterator[dict]:
    paginator = client("dynamodb").get_paginator("query")
    for page in paginator.paginate(**kwargs):
        yield from page["Items"]


def history_collection(month: str) -> str:
    return f"HIST#{month}"


def shadow_collection(model_version: str) -> str:
    return f"SHADOW#{model_version}"


class DynamoProfileStore:
    """Profiles, recommendations, plans, alerts and receipts (single table); outbox writes join the
    same transaction so a firing's effects land together or not at all."""

    def __init__(self, table_name: str, outbox_table_name: str | None = None,
                 retention: RetentionRules | None = None) -> None:
        self.table = table_name
        self.outbox_table = outbox_table_name
        # Every item is written with its TTL (`expires_at`), from the same settings the policy publishes.
        self.retention = retention or RetentionRules()

    def get(self, employee_id: str) -> EmployeeProfile | None:
        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True,
                                           Key={"pk": _s(emp_pk(employee_id)), "sk": _s(PROFILE_SK)}).get("Item")
        return EmployeeProfile.model_validate(_doc(item)) if item else None

    def receipt(self, employee_id: str, trigger: str, event_id: str) -> dict | None:
        item = client("dynamodb").get_item(
            TableName=self.table, ConsistentRead=True,
            Key={"pk": _s(emp_pk(employee_id)), "sk": _s(f"RECEIPT#{trigger}#{event_id}")}).get("Item")
        return _doc(item) if item else None

    def commit(self, change: ProfileChange) -> None:
        ops: list[dict] = []
        pk = emp_pk(change.profile.employee_id)
        receipt_index = None
        if change.receipt is not None:
            receipt_index = len(ops)
            expires = expires_at(change.receipt.recorded_at, self.retention.receipts_days)
            ops.append({"Put": {
                "TableName": self.table,
                "Item": {"pk": _s(pk), "sk": _s(f"RECEIPT#{change.receipt.trigger}#{change.receipt.event_id}"),
                         "doc": _s(json.dumps(change.receipt.result)), "expires_at": _n(expires)},
                "ConditionExpression": "attribute_not_exists(pk)",
            }})
        if change.write_profile:
            ops.append(self._profile_put(change))
        elif change.expected_version is not None:
            # Decided on this version of the profile without changing it: still commit only if it is unchanged, so
            # two concurrent decisions (e.g. two correction requests for one field) cannot both pass their checks.
            ops.append({"ConditionCheck": {
                "TableName": self.table, "Key": {"pk": _s(pk), "sk": _s(PROFILE_SK)},
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": _n(change.expected_version)}}})
        days = self.retention
        for rec in change.recommendations:
            ops.append({"Put": {"TableName": self.table, "Item": {
                "pk": _s(pk), "sk": _s(f"REC#{rec.recommendation_id}"), "doc": _s(rec.model_dump_json()),
                "expires_at": _n(expires_at(rec.created_at, days.recommendations_days))}}})
        for rec_id in self._still_held(pk, change.completed_recommendation_ids):
            ops.append({"Update": {
                "TableName": self.table, "Key": {"pk": _s(pk), "sk": _s(f"REC#{rec_id}")},
                "UpdateExpression": "SET #st = :done", "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#st": "status"}, "ExpressionAttributeValues": {":done": _s("done")},
            }})
        for rec in change.shadow_recommendations:
            ops.append({"Put": {"TableName": self.table, "Item": {
                "pk": _s(pk), "sk": _s(f"SHADOW#{rec.recommender_version}#{rec.recommendation_id}"),
                "collection_pk": _s(shadow_collection(rec.recommender_version)), "doc": _s(rec.model_dump_json()),
                "expires_at": _n(expires_at(rec.created_at, days.shadow_recommendations_days))}}})
        for entry in change.history:
            ops.append({"Put": {"TableName": self.table, "Item": {
                "pk": _s(pk), "sk": _s(f"HIST#{entry.at.isoformat()}#{entry.entry_id}"),
                "collection_pk": _s(history_collection(entry.at.strftime("%Y-%m"))),
                "doc": _s(entry.model_dump_json()),
                "expires_at": _n(expires_at(entry.at, days.training_history_days))}}})
        if change.plan is not None:
            last_change = max([change.plan.created_at, *(c.by.at for c in change.plan.changes)])
            ops.append({"Put": {"TableName": self.table, "Item": {
                "pk": _s(pk), "sk": _s("PLAN"), "doc": _s(change.plan.model_dump_json()),
                "expires_at": _n(expires_at(last_change, days.plans_days))}}})
        if change.alert is not None:
            ops += self._alert_puts(change)
        if change.alert_update is not None:
            ops.append(self._alert_update(change.alert_update))
        ops += [self._correction_put(c) for c in change.corrections]
        for note in change.notifications:
            if not self.outbox_table:
                raise ValueError("this store was built without an outbox table")
            item = DynamoOutboxStore.item(note, expires_at(note.created_at, days.notifications_days))
            ops.append({"Put": {"TableName": self.outbox_table, "Item": item,
                                "ConditionExpression": "attribute_not_exists(notification_id)"}})
        if not ops:
            return
        self._transact(ops, receipt_index)

    def _alert_puts(self, change: ProfileChange) -> list[dict]:
        """The alert lives in the manager's partition; a pointer in the employee's own partition lets their
        export and their erasure find it (and the message that carried it)."""
        alert = change.alert
        assert alert is not None
        expires = _n(expires_at(alert.created_at, self.retention.alerts_days))
        key = {"pk": f"MGR#{alert.manager_id}", "sk": f"ALERT#{alert.as_of}#{alert.employee_id}"}
        pointer = {**key, "notification_ids": [n.notification_id for n in change.notifications
                                               if n.recipient_id != alert.employee_id]}
        return [
            {"Put": {"TableName": self.table, "Item": {"pk": _s(key["pk"]), "sk": _s(key["sk"]),
                                                       "doc": _s(alert.model_dump_json()), "expires_at": expires}}},
            {"Put": {"TableName": self.table, "Item": {
                "pk": _s(emp_pk(alert.employee_id)), "sk": _s(f"ALERTREF#{alert.as_of}#{alert.manager_id}"),
                "doc": _s(json.dumps(pointer)), "expires_at": expires}}},
        ]

    def _alert_update(self, alert: ManagerAlert) -> dict:
        """Only an alert that is still held (retention may have removed it) is rewritten, keeping its expiry."""
        return {"Update": {
            "TableName": self.table,
            "Key": {"pk": _s(f"MGR#{alert.manager_id}"), "sk": _s(f"ALERT#{alert.as_of}#{alert.employee_id}")},
            "UpdateExpression": "SET doc = :doc", "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {":doc": _s(alert.model_dump_json())}}}

    def _correction_put(self, correction: Correction) -> dict:
        """Written at `revision`, on condition the stored one is the revision before (or absent, for a new one)."""
        item = {"pk": _s(emp_pk(correction.employee_id)), "sk": _s(f"CORR#{correction.correction_id}"),
                "doc": _s(correction.model_dump_json()), "revision": _n(correction.revision)}
        if correction.status == "open":
            item["open_correction"] = _s(OPEN_CORRECTION)
            item["opened_at"] = _s(correction.requested_at.isoformat())
        elif correction.decided_at is not None:
            item["expires_at"] = _n(expires_at(correction.decided_at, self.retention.corrections_days))
        put: dict = {"TableName": self.table, "Item": item}
        if correction.revision == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "revision = :expected"
            put["ExpressionAttributeValues"] = {":expected": _n(correction.revision - 1)}
        return {"Put": put}

    def _still_held(self, pk: str, recommendation_ids: tuple[str, ...]) -> list[str]:
        """Closing a recommendation that retention already deleted is a no-op, not a failed transaction."""
        return [rec_id for rec_id in recommendation_ids if "Item" in client("dynamodb").get_item(
            TableName=self.table, ConsistentRead=True, ProjectionExpression="pk",
            Key={"pk": _s(pk), "sk": _s(f"REC#{rec_id}")})]

    def _profile_put(self, change: ProfileChange) -> dict:
        profile = change.profile.model_copy(update={"version": (change.expected_version or 0) + 1})
        item = {"pk": _s(emp_pk(profile.employee_id)), "sk": _s(PROFILE_SK), "doc": _s(profile.model_dump_json()),
                "version": _n(profile.version)}
        if profile.manager_id:
            item["manager_pk"] = _s(f"MGR#{profile.manager_id}")
        if profile.email.strip():
            item["email_key"] = _s(email_key(profile.email))  # sparse by_email: only profiles carry it
        if profile.erase_after is not None:
            # A leaver: the TTL is the erasure date, and leaving the framework index takes them out of stall
            # detection and framework recomputes.
            item["expires_at"] = _n(epoch(profile.erase_after))
        else:
            item["framework_pk"] = _s(f"FW#{profile.framework_id}")
        put: dict = {"TableName": self.table, "Item": item}
        if change.expected_version is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": _n(change.expected_version)}
        return {"Put": put}

    def _transact(self, ops: list[dict], receipt_index: int | None) -> None:
        try:
            client("dynamodb").transact_write_items(TransactItems=ops)
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in err.response.get("CancellationReasons", [])]
            if receipt_index is not None and len(reasons) > receipt_index \
                    and reasons[receipt_index] == "ConditionalCheckFailed":
                raise AlreadyProcessed() from err
            if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
                raise ConcurrentUpdate(str(reasons)) from err
            raise

    def recommendations(self, employee_id: str) -> list[Recommendation]:
        items = _query_all(TableName=self.table, KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                           ExpressionAttributeValues={":pk": _s(emp_pk(employee_id)), ":p": _s("REC#")})
        recs = []
        for item in items:
            rec = Recommendation.model_validate(_doc(item))
            if "status" in item:
                rec = rec.model_copy(update={"status": item["status"]["S"]})
            recs.append(rec)
        return sorted(recs, key=lambda r: (r.created_at, r.score), reverse=True)

    def plan(self, employee_id: str) -> DevelopmentPlan | None:
        # Consistent: a plan change reads it, then commits under the profile's version check.
        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True,
                                           Key={"pk": _s(emp_pk(employee_id)), "sk": _s("PLAN")}).get("Item")
        return DevelopmentPlan.model_validate(_doc(item)) if item else None

    def recommendation(self, employee_id: str, recommendation_id: str) -> Recommendation | None:
        item = client("dynamodb").get_item(
            TableName=self.table, Key={"pk": _s(emp_pk(employee_id)), "sk": _s(f"REC#{recommendation_id}")}
        ).get("Item")
        if not item:
            return None
        rec = Recommendation.model_validate(_doc(item))
        return rec.model_copy(update={"status": item["status"]["S"]}) if "status" in item else rec

    def alerts_for_manager(self, manager_id: str) -> list[ManagerAlert]:
        items = _query_all(TableName=self.table, KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                           ExpressionAttributeValues={":pk": _s(f"MGR#{manager_id}"), ":p": _s("ALERT#")},
                           ScanIndexForward=False)
        return [ManagerAlert.model_validate(_doc(i)) for i in items]

    def direct_reports(self, manager_id: str) -> list[str]:
        items = _query_all(TableName=self.table, IndexName="by_manager",
                           KeyConditionExpression="manager_pk = :m",
                           ExpressionAttributeValues={":m": _s(f"MGR#{manager_id}")})
        return [i["pk"]["S"].removeprefix("EMP#") for i in items if i["sk"]["S"] == PROFILE_SK]

    def employees_in_framework(self, framework_id: str) -> Iterator[str]:
        for item in _query_all(TableName=self.table, IndexName="by_framework", ProjectionExpression="pk",
                               KeyConditionExpression="framework_pk = :f",
                               ExpressionAttributeValues={":f": _s(f"FW#{framework_id}")}):
            yield item["pk"]["S"].removeprefix("EMP#")

    def profiles_in_framework(self, framework_id: str) -> Iterator[EmployeeProfile]:
        """Eventually consistent (an index): fine for daily jobs, never for read-modify-write."""
        for item in _query_all(TableName=self.table, IndexName="by_framework",
                               KeyConditionExpression="framework_pk = :f",
                               ExpressionAttributeValues={":f": _s(f"FW#{framework_id}")}):
            yield EmployeeProfile.model_validate(_doc(item))

    def _collection(self, collection: str) -> Iterator[dict]:
        # A sparse index: only history and shadow items carry collection_pk.
        for item in _query_all(TableName=self.table, IndexName="by_collection",
                               KeyConditionExpression="collection_pk = :c",
                               ExpressionAttributeValues={":c": _s(collection)}):
            yield _doc(item)

    def history(self, months: list[str]) -> Iterator[HistoryEntry]:
        for month in months:
            for doc in self._collection(history_collection(month)):
                yield HistoryEntry.model_validate(doc)

    def shadow_recommendations(self, model_version: str) -> Iterator[Recommendation]:
        for doc in self._collection(shadow_collection(model_version)):
            yield Recommendation.model_validate(doc)
    def correction(self, employee_id: str, correction_id: str) -> Correction | None:
        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True, Key={
            "pk": _s(emp_pk(employee_id)), "sk": _s(f"CORR#{correction_id}")}).get("Item")
        return Correction.model_validate(_doc(item)) if item else None

    def corrections(self, employee_id: str) -> list[Correction]:
        items = _query_all(TableName=self.table, KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
                           ExpressionAttributeValues={":pk": _s(emp_pk(employee_id)), ":p": _s("CORR#")})
        return sorted((Correction.model_validate(_doc(i)) for i in items), key=lambda c: c.requested_at)

    def open_corrections(self, opened_before: datetime | None = None) -> Iterator[Correction]:
        """Open requests across the organisation, oldest first (eventually consistent: an index)."""
        condition, values = "open_correction = :o", {":o": _s(OPEN_CORRECTION)}
        if opened_before is not None:
            condition += " AND opened_at < :before"
            values[":before"] = _s(opened_before.isoformat())
        for item in _query_all(TableName=self.table, IndexName="by_open_correction",
                               KeyConditionExpression=condition, ExpressionAttributeValues=values):
            yield Correction.model_validate(_doc(item))

    def held_about(self, employee_id: str) -> dict[str, list[dict]]:
        """Every item in the employee's partition, by sort-key kind (PROFILE, PLAN, REC, RECEIPT, CORR, ...),
        plus the manager alerts its ALERTREF pointers lead to (under "ALERT")."""
        held: dict[str, list[dict]] = {}
        for item in _query_all(TableName=self.table, KeyConditionExpression="pk = :pk", ConsistentRead=True,
                               ExpressionAttributeValues={":pk": _s(emp_pk(employee_id))}):
            kind = item["sk"]["S"].split("#", 1)[0]
            doc = _doc(item)
            if kind == "REC" and "status" in item:
                doc["status"] = item["status"]["S"]
            if kind == "RECEIPT":  # the key says which trigger processed which event
                doc = {"receipt": item["sk"]["S"].removeprefix("RECEIPT#"), "result": doc}
            held.setdefault(kind, []).append(doc)
        for pointer in held.get("ALERTREF", []):
            alert = client("dynamodb").get_item(TableName=self.table, Key={
                "pk": _s(pointer["pk"]), "sk": _s(pointer["sk"])}).get("Item")
            if alert:
                held.setdefault("ALERT", []).append(_doc(alert))
        return held

    def note_message_about(self, employee_id: str, notification_id: str, expires_at: int) -> None:
        client("dynamodb").put_item(TableName=self.table, Item={
            "pk": _s(emp_pk(employee_id)), "sk": _s(f"{MESSAGE_REF_SK}{notification_id}"),
            "doc": _s(json.dumps({"notification_ids": [notification_id]})), "expires_at": _n(expires_at)})

    def link_chat_user(self, employee_id: str, chat: str, user_ref: str) -> None:
        client("dynamodb").put_item(TableName=self.table, Item={
            "pk": _s(emp_pk(employee_id)), "sk": _s(f"{CHAT_USER_SK}{chat}"), "chat_user": _s(f"{chat}#{user_ref}"),
            "doc": _s(json.dumps({"employee_id": employee_id, "chat": chat, "user_ref": user_ref}))})

    def employee_for_chat_user(self, chat: str, user_ref: str) -> str | None:
        items = client("dynamodb").query(TableName=self.table, IndexName="by_chat_user",
                                         KeyConditionExpression="chat_user = :u",
                                         ExpressionAttributeValues={":u": _s(f"{chat}#{user_ref}")})["Items"]
        return items[0]["pk"]["S"].removeprefix("EMP#") if items else None

    def employee_for_email(self, email: str) -> str | None:
        if not email.strip():
            return None
        items = client("dynamodb").query(TableName=self.table, IndexName="by_email",
                                         KeyConditionExpression="email_key = :e",
                                         ExpressionAttributeValues={":e": _s(email_key(email))})["Items"]
        # Two profiles with one address would be an HRIS error: the first by key, deterministically.
        found = sorted(i["pk"]["S"] for i in items if i["sk"]["S"] == PROFILE_SK)
        return found[0].removeprefix("EMP#") if found else None

    def put_chat_reference(self, ref: ChatConversationRef) -> None:
        client("dynamodb").put_item(TableName=self.table, Item={
            "pk": _s(emp_pk(ref.employee_id)), "sk": _s(f"{CHAT_REF_SK}{ref.chat}"), "doc": _s(ref.model_dump_json())})

    def chat_reference(self, employee_id: str, chat: str) -> ChatConversationRef | None:
        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True, Key={
            "pk": _s(emp_pk(employee_id)), "sk": _s(f"{CHAT_REF_SK}{chat}")}).get("Item")
        return ChatConversationRef.model_validate(_doc(item)) if item else None

    def preferences(self, person_id: str) -> Preferences | None:
        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True, Key={
            "pk": _s(emp_pk(person_id)), "sk": _s(PREFERENCES_SK)}).get("Item")
        return Preferences.model_validate(_doc(item)) if item else None

    def put_preferences(self, prefs: Preferences, expected_version: int | None) -> None:
        stored = prefs.model_copy(update={"version": (expected_version or 0) + 1})
        request: dict[str, Any] = {
            "TableName": self.table,
            "Item": {"pk": _s(emp_pk(prefs.person_id)), "sk": _s(PREFERENCES_SK), "doc": _s(stored.model_dump_json()),
                     "version": _n(stored.version)}}
        if expected_version is None:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            request["ConditionExpression"] = "version = :expected"
            request["ExpressionAttributeValues"] = {":expected": _n(expected_version)}
        try:
            client("dynamodb").put_item(**request)
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConcurrentUpdate(f"the preferences of {prefs.person_id!r} changed meanwhile") from err
            raise


class DynamoCatalogStore:
    """Frameworks and catalogs. Read-mostly, so reads are cached per container for a short while."""

    CACHE_SECONDS = 60.0

    def __init__(self, table_name: str) -> None:
        self.table = table_name
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    def _get(self, pk: str, sk: str) -> dict | None:
        key = (pk, sk)
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < self.CACHE_SECONDS:
            return hit[1]
        # Consistent: a miss is rare (cached a minute), and a publish must be seen by the next read after it.
        item = client("dynamodb").get_item(TableName=self.table, Key={"pk": _s(pk), "sk": _s(sk)},
                                           ConsistentRead=True).get("Item")
        value = _doc(item) if item else None
        self._cache[key] = (time.monotonic(), value)
        return value

    def forget_cached(self) -> None:
        self._cache.clear()

    def framework(self, framework_id: str) -> Framework | None:
        doc = self._get(f"FRAMEWORK#{framework_id}", "CURRENT")
        return self._parsed(("fw", framework_id), doc, Framework)

    def framework_for_role(self, role_id: str) -> Framework | None:
        pointer = self._get(f"ROLE#{role_id}", "FRAMEWORK")
        return self.framework(pointer["framework_id"]) if pointer else None

    def catalog(self, framework_id: str) -> Catalog:
        doc = self._get(f"CATALOG#{framework_id}", "CURRENT")
        parsed = self._parsed(("cat", framework_id), doc, Catalog)
        return parsed or Catalog(framework_id=framework_id, items=[])

    def _parsed(self, key: tuple[str, str], doc: dict | None, model: type[BaseModel]) -> Any:
        # Parsing a framework costs more than fetching it: keep the parsed object beside the doc.
        if doc is None:
            return None
        hit = self._cache.get(key)
        if hit and hit[1][0] is doc:
            return hit[1][1]
        value = model.model_validate(doc)
        self._cache[key] = (time.monotonic(), (doc, value))
        return value

    def publish(self, framework: Framework, catalog: Catalog | None) -> bool:
        doc = framework.model_dump_json()
        fid, version = framework.framework_id, framework.version
        ops: list[dict] = [
            {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(pk)", "Item": {
                "pk": _s(f"FRAMEWORK#{fid}"), "sk": _s(f"VERSION#{version}"), "doc": _s(doc)}}},
            {"Put": {"TableName": self.table, "Item": {
                "pk": _s(f"FRAMEWORK#{fid}"), "sk": _s("CURRENT"), "doc": _s(doc), "version": _s(version)}}},
            {"Put": {"TableName": self.table, "Item": {
                "pk": _s("FRAMEWORKS"), "sk": _s(fid), "doc": _s(json.dumps({
                    "framework_id": fid, "name": framework.name, "owner": framework.owner,
                    "current_version": version, "effective_date": framework.effective_date.isoformat()}))}}},
        ]
        if catalog is not None:
            ops.append({"Put": {"TableName": self.table, "Item": {
                "pk": _s(f"CATALOG#{fid}"), "sk": _s("CURRENT"), "doc": _s(catalog.model_dump_json())}}})
        role_ops = len(ops)
        for role in framework.roles:
            ops.append({"Put": {
                "TableName": self.table,
                "Item": {"pk": _s(f"ROLE#{role.role_id}"), "sk": _s("FRAMEWORK"), "framework_id": _s(fid),
                         "doc": _s(json.dumps({"framework_id": fid}))},
                "ConditionExpression": "attribute_not_exists(pk) OR framework_id = :fid",
                "ExpressionAttributeValues": {":fid": _s(fid)}}})
        try:
            client("dynamodb").transact_write_items(TransactItems=ops)
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in err.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                existing = self.framework_version(fid, version)
                if existing == framework:
                    return False
                raise VersionConflict(f"{fid} version {version} was published with other content") from err
            taken = [framework.roles[i - role_ops].role_id for i, code in enumerate(reasons)
                     if code == "ConditionalCheckFailed" and i >= role_ops]
            if taken:
                raise RoleConflict(f"roles already in another framework: {', '.join(taken)}") from err
            raise
        finally:
            self._cache.clear()
        return True

    def put_framework(self, framework: Framework, catalog: Catalog) -> None:
        self.publish(framework, catalog)

    def framework_version(self, framework_id: str, version: str) -> Framework | None:
        item = client("dynamodb").get_item(TableName=self.table, Key={
            "pk": _s(f"FRAMEWORK#{framework_id}"), "sk": _s(f"VERSION#{version}")}).get("Item")
        return Framework.model_validate(_doc(item)) if item else None

    def versions(self, framework_id: str) -> list[str]:
        items = _query_all(TableName=self.table, KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
                           ExpressionAttributeValues={":pk": _s(f"FRAMEWORK#{framework_id}"), ":v": _s("VERSION#")},
                           ProjectionExpression="sk")
        return [i["sk"]["S"].removeprefix("VERSION#") for i in items]

    def put_crosswalk(self, crosswalk: Crosswalk) -> None:
        client("dynamodb").put_item(TableName=self.table, Item={
            "pk": _s(f"CROSSWALK#{crosswalk.framework_id}"), "sk": _s(crosswalk.crosswalk_id),
            "doc": _s(crosswalk.model_dump_json())})
        self._cache.clear()

    def crosswalks(self, framework_id: str) -> list[Crosswalk]:
        key = ("crosswalks", framework_id)
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < self.CACHE_SECONDS:
            return hit[1]
        items = _query_all(TableName=self.table, KeyConditionExpression="pk = :pk",
                           ExpressionAttributeValues={":pk": _s(f"CROSSWALK#{framework_id}")})
        value = [Crosswalk.model_validate(_doc(i)) for i in items]
        self._cache[key] = (time.monotonic(), value)
        return value

    # Filled requisitions (the mobility metric): one partition, sorted by fill date; never cached.
    REQUISITIONS = "REQUISITION"

    def put_requisition(self, requisition: FilledRequisition) -> None:
        for old in _query_all(TableName=self.table, KeyConditionExpression="pk = :pk",
                              FilterExpression="requisition_id = :rid",
                              ExpressionAttributeValues={":pk": _s(self.REQUISITIONS),
                                                         ":rid": _s(requisition.requisition_id)}):
            client("dynamodb").delete_item(TableName=self.table, Key={"pk": old["pk"], "sk": old["sk"]})
        client("dynamodb").put_item(TableName=self.table, Item={
            "pk": _s(self.REQUISITIONS), "sk": _s(f"{requisition.filled_at.isoformat()}#{requisition.requisition_id}"),
            "requisition_id": _s(requisition.requisition_id), "doc": _s(requisition.model_dump_json())})

    def requisitions(self, filled_from: date | None = None, filled_to: date | None = None
                     ) -> list[FilledRequisition]:
        low = filled_from.isoformat() if filled_from else "0000"
        high = (filled_to.isoformat() if filled_to else "9999") + "#\uffff"
        items = _query_all(TableName=self.table, KeyConditionExpression="pk = :pk AND sk BETWEEN :lo AND :hi",
                           ExpressionAttributeValues={":pk": _s(self.REQUISITIONS), ":lo": _s(low),
                                                      ":hi": _s(high)})
        return [FilledRequisition.model_validate(_doc(i)) for i in items]

    def frameworks(self) -> list[dict]:
        items = _query_all(TableName=self.table, KeyConditionExpression="pk = :pk",
                           ExpressionAttributeValues={":pk": _s("FRAMEWORKS")})
        return [_doc(i) for i in items]


class DynamoOutboxStore:
    def __init__(self, table_name: str, notifications_days: int | None = None) -> None:
        self.table = table_name
        # Messages queued here directly (a digest) are kept like every other (Settings.retention.notifications_days).
        self.notifications_days = notifications_days or RetentionRules().notifications_days

    @staticmethod
    def item(note: Notification, expires: int | None = None) -> dict:
        item = {"notification_id": _s(note.notification_id), "recipient_id": _s(note.recipient_id),
                "created_at": _s(note.created_at.isoformat()), "status": _s(note.status),
                "attempts": _n(note.attempts), "doc": _s(note.model_dump_json())}
        if expires is not None:
            item["expires_at"] = _n(expires)
        return item

    @staticmethod
    def _from_item(item: dict) -> Notification:
        state: dict[str, Any] = {"status": item["status"]["S"], "attempts": int(item["attempts"]["N"])}
        for name in OUTBOX_STATE:
            if name in item:
                state[name] = item[name]["S"] or None
        for name in OUTBOX_JSON_STATE:
            if name in item:
                state[name] = json.loads(item[name]["S"])
        if "channel_failures" in item:
            state["channel_failures"] = int(item["channel_failures"]["N"])
        return Notification.model_validate({**_doc(item), **state})

    def get(self, notification_id: str) -> Notification | None:
        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True,
                                           Key={"notification_id": _s(notification_id)}).get("Item")
        return self._from_item(item) if item else None

    def queue(self, note: Notification) -> bool:
        item = self.item(note, expires_at(note.created_at, self.notifications_days))
        try:
            client("dynamodb").put_item(TableName=self.table, Item=item,
                                        ConditionExpression="attribute_not_exists(notification_id)")
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def claim(self, notification_id: str, now: datetime, lease_seconds: int,
              claimed_by: str = "") -> Notification | None:
        lease = (now + timedelta(seconds=lease_seconds)).isoformat()
        try:
            out = client("dynamodb").update_item(
                TableName=self.table, Key={"notification_id": _s(notification_id)},
                UpdateExpression="SET #st = :sending, lease_until = :lease, claimed_by = :by ADD attempts :one "
                                 "REMOVE held_bucket",
                # A held message is claimable once its hold is over: the release job only queues it again.
                ConditionExpression="#st = :pending OR (#st = :held AND not_before <= :now)",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":sending": _s("sending"), ":pending": _s("pending"), ":one": _n(1),
                                           ":lease": _s(lease), ":by": _s(claimed_by), ":held": _s("held"),
                                           ":now": _s(now.isoformat())},
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as err:
            current = _refused_item(err)
            # The SDK resends a write whose reply was lost: finding our own claim (same holder, same lease) means
            # the first request took effect.
            if current is not None and claimed_by and _attr(current, "status") == "sending" \
                    and _attr(current, "claimed_by") == claimed_by and _attr(current, "lease_until") == lease:
                return self._from_item(current)
            if current is not None or err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return self._from_item(out["Attributes"])

    def _set_status(self, notification_id: str, status: str, expect: str | tuple[str, ...],
                    extra: dict[str, str], numbers: dict[str, int] | None = None,
                    remove: tuple[str, ...] = ()) -> None:
        names = {"#st": "status"}
        expected = (expect,) if isinstance(expect, str) else expect
        values = {":new": _s(status), **{f":expect{i}": _s(e) for i, e in enumerate(expected)}}
        sets = ["#st = :new"]
        for i, (name, value) in enumerate(extra.items()):
            sets.append(f"{name} = :v{i}")
            values[f":v{i}"] = _s(value)
        for i, (name, number) in enumerate((numbers or {}).items()):
            sets.append(f"{name} = :n{i}")
            values[f":n{i}"] = _n(number)
        removed = ", ".join(("lease_until", "claimed_by", *remove))
        try:
            client("dynamodb").update_item(
                TableName=self.table, Key={"notification_id": _s(notification_id)},
                UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + removed,
                ConditionExpression="#st IN (" + ", ".join(f":expect{i}" for i in range(len(expected))) + ")",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as err:
            current = _refused_item(err)
            if current is not None and _attr(current, "status") == status:
                return  # our own write, resent by the SDK after its reply was lost, had already taken effect
            raise

    def mark_sent(self, notification_id: str, provider_message_id: str, sent_at: datetime, *,
                  channel: Channel = "email", ref: dict[str, str] | None = None,
                  fell_back_from: Channel | None = None, fallback_reason: str | None = None) -> None:
        # From delivery_unknown too: a concurrent copy may have given up on a send that did go out; the provider's
        # message id settles it.
        extra = {"provider_message_id": provider_message_id, "sent_at": sent_at.isoformat(), "channel": channel,
                 "provider_ref": json.dumps(ref or {})}
        if fell_back_from:
            extra |= {"fell_back_from": fell_back_from, "fallback_reason": fallback_reason or ""}
        self._set_status(notification_id, "sent", ("sending", "delivery_unknown"), extra)

    def release(self, notification_id: str, final: bool, *, channel_failures: int | None = None,
                fell_back_from: Channel | None = None, fallback_reason: str | None = None) -> None:
        numbers = {"channel_failures": channel_failures} if channel_failures is not None else None
        extra = {"fell_back_from": fell_back_from, "fallback_reason": fallback_reason or ""} if fell_back_from else {}
        self._set_status(notification_id, "failed" if final else "pending", "sending", extra, numbers)

    def mark_unknown(self, notification_id: str) -> None:
        self._set_status(notification_id, "delivery_unknown", "sending", {})

    def mark_suppressed(self, notification_id: str, reason: str = "", *, held_only: bool = False) -> None:
        # From held too: a held alert merged into a digest, or a hold released for a leaver. `held_only`: the release
        # job's, which must never take a message a delivery is sending.
        self._set_status(notification_id, "suppressed", "held" if held_only else ("sending", "held"),
                         {"suppressed_reason": reason}, remove=("held_bucket",))

    def hold(self, notification_id: str, holds: list[Hold]) -> None:
        """sending → held until the last hold's end; the sparse by_hold index lists it until it is claimed again."""
        self._set_status(notification_id, "held", "sending", {
            "holds": json.dumps([h.model_dump(mode="json") for h in holds]),
            "not_before": holds[-1].until.isoformat(), "held_bucket": HELD_BUCKET})

    def due_held(self, now: datetime, limit: int = 500) -> list[Notification]:
        items = _query_all(TableName=self.table, IndexName="by_hold",
                           KeyConditionExpression="held_bucket = :b AND not_before <= :now",
                           ExpressionAttributeValues={":b": _s(HELD_BUCKET), ":now": _s(now.isoformat())})
        return [self._from_item(i) for i in itertools.islice(items, limit)]

    def record_decision(self, notification_id: str, decided: str) -> None:
        """What its recipient decided from a sent message (shown when the message is updated in place)."""
        self._set_status(notification_id, "sent", "sent", {"decided": decided})

    def for_recipient(self, recipient_id: str) -> list[Notification]:
        items = _query_all(TableName=self.table, IndexName="by_recipient",
                           KeyConditionExpression="recipient_id = :r",
                           ExpressionAttributeValues={":r": _s(recipient_id)}, ScanIndexForward=False)
        return [self._from_item(i) for i in items]


# Delivery state kept as attributes beside the document written at creation (which never changes).
OUTBOX_STATE = ("lease_until", "sent_at", "provider_message_id", "claimed_by", "channel", "fell_back_from",
                "fallback_reason", "not_before", "decided", "suppressed_reason")
OUTBOX_JSON_STATE = ("provider_ref", "holds")
# Every held message shares one partition of the sparse by_hold index: holds are few and short-lived.
HELD_BUCKET = "held"


def _refused_item(err: ClientError) -> dict | None:
    """The item as it stood when a conditional write was refused (ReturnValuesOnConditionCheckFailure)."""
    if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
        return None
    return err.response.get("Item")


def _attr(item: dict, name: str) -> str | None:
    return item.get(name, {}).get("S")


# Beside a firing's entries in the audit table: the first terminal outcome of (event, trigger), so that outcome
# is counted once however often the event is redelivered. It has no doc and no subject: never listed.
TERMINAL_MARKER = "TERMINAL#"


class DynamoAuditLog:
    """Append-only: the writer's IAM policy allows PutItem alone, and every put refuses to overwrite.
    A counted firing bumps its trigger's counters in the same transaction, so stats match the log: every attempt
    counts in `attempts`; for a trigger firing (`once_per_event`) a failed one counts in `failed_attempts` and
    the event's first terminal outcome once under that outcome. Ingest's records count per record: each is a
    delivery or a fact of its own (parked, then expired)."""

    def __init__(self, table_name: str, stats_table_name: str | None = None, retention_days: int | None = None) -> None:
        self.table = table_name
        self.stats_table = stats_table_name
        # Append-only, so nothing in Coachwire deletes entries: DynamoDB TTL expires them after this many days.
        self.retention_days = retention_days or RetentionRules().audit_days

    def append(self, record: AuditRecord, counted: bool = False, once_per_event: bool = False) -> None:
        key = f"{record.recorded_at.isoformat()}#{record.trigger}#{uuid.uuid4().hex[:8]}"
        item = {"event_id": _s(record.event_id), "recorded_key": _s(key), "doc": _s(record.model_dump_json()),
                "trigger": _s(record.trigger), "outcome": _s(record.outcome),
                "expires_at": _n(expires_at(record.recorded_at, self.retention_days))}
        if record.subject_id:
            item["subject_id"] = _s(record.subject_id)
        put = {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(event_id)"}
        if not counted:
            client("dynamodb").put_item(**put)
            return
        if not self.stats_table:
            raise ValueError("this audit log was built without a stats table")
        ddb = client("dynamodb")
        if not once_per_event:
            ddb.transact_write_items(TransactItems=[
                {"Put": put}, {"Update": DynamoTriggerStats.increment(self.stats_table, record.trigger,
                                                                      record.outcome)}])
            return
        if record.outcome == "failed":  # will be retried (or dead-lettered): an attempt, not an outcome
            ddb.transact_write_items(TransactItems=[
                {"Put": put}, {"Update": DynamoTriggerStats.increment(self.stats_table, record.trigger,
                                                                      "failed_attempts")}])
            return
        marker = {"TableName": self.table, "ConditionExpression": "attribute_not_exists(event_id)", "Item": {
            "event_id": _s(record.event_id), "recorded_key": _s(f"{TERMINAL_MARKER}{record.trigger}"),
            "trigger": _s(record.trigger), "outcome": _s(record.outcome), "expires_at": item["expires_at"]}}
        try:
            ddb.transact_write_items(TransactItems=[
                {"Put": put}, {"Put": marker},
                {"Update": DynamoTriggerStats.increment(self.stats_table, record.trigger, record.outcome)}])
        except ClientError as err:
            if not _cancelled_by(err, 1):
                raise
            # This event already reached a terminal outcome here (a redelivery): logged, counted as an attempt.
            ddb.transact_write_items(TransactItems=[
                {"Put": put}, {"Update": DynamoTriggerStats.increment(self.stats_table, record.trigger)}])

    def for_subject(self, subject_id: str) -> list[AuditRecord]:
        items = _query_all(TableName=self.table, IndexName="by_subject",
                           KeyConditionExpression="subject_id = :s", ExpressionAttributeValues={":s": _s(subject_id)})
        return [AuditRecord.model_validate(_doc(i)) for i in items]

    def for_event(self, event_id: str) -> list[AuditRecord]:
        items = _query_all(TableName=self.table, KeyConditionExpression="event_id = :e",
                           ExpressionAttributeValues={":e": _s(event_id)})
        return [AuditRecord.model_validate(_doc(i)) for i in items if "doc" in i]

    def for_subject_between(self, subject_id: str, start: datetime, end: datetime) -> list[AuditRecord]:
        items = _query_all(TableName=self.table, IndexName="by_subject",
                           KeyConditionExpression="subject_id = :s AND recorded_key BETWEEN :a AND :b",
                           ExpressionAttributeValues={":s": _s(subject_id), ":a": _s(start.astimezone(UTC).isoformat()),
                                                      ":b": _s(f"{end.astimezone(UTC).isoformat()}~")})
        records = [AuditRecord.model_validate(_doc(i)) for i in items]
        return [r for r in records if start <= r.recorded_at <= end]

    def mark_accepted(self, accepted: AcceptedEvent) -> None:
        """A marker item beside the event's entries: no `doc` (for_event skips it), no subject (not in by_subject);
        its `accepted_day` puts it, alone, in the sparse by_acceptance index."""
        at = accepted.accepted_at.astimezone(UTC)
        key = f"{at.isoformat()}#{spine.INGEST_FUNCTION}#{uuid.uuid4().hex[:8]}"
        client("dynamodb").put_item(
            TableName=self.table, ConditionExpression="attribute_not_exists(event_id)",
            Item={"event_id": _s(accepted.event_id), "recorded_key": _s(key), "trigger": _s(spine.INGEST_FUNCTION),
                  "accepted_day": _s(at.date().isoformat()), "accepted_at": _s(at.isoformat()),
                  "event_type": _s(accepted.event_type), "expires_at": _n(expires_at(at, self.retention_days))})

    def accepted_between(self, start: datetime, end: datetime) -> Iterator[AcceptedEvent]:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        day = start.date()
        while day <= end.date():
            items = _query_all(TableName=self.table, IndexName="by_acceptance",
                               KeyConditionExpression="accepted_day = :d AND recorded_key BETWEEN :a AND :b",
                               ExpressionAttributeValues={":d": _s(day.isoformat()), ":a": _s(start.isoformat()),
                                                          ":b": _s(f"{end.isoformat()}~")})
            for item in items:
                accepted = AcceptedEvent(item["event_id"]["S"], item["event_type"]["S"],
                                         datetime.fromisoformat(item["accepted_at"]["S"]))
                if start <= accepted.accepted_at <= end:
                    yield accepted
            day += timedelta(days=1)


def _cancelled_by(err: ClientError, index: int) -> bool:
    """A cancelled transaction whose item at `index` failed its condition."""
    if err.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = err.response.get("CancellationReasons") or []
    return len(reasons) > index and reasons[index].get("Code") == "ConditionalCheckFailed"


class DynamoTriggerStats:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @staticmethod
    def increment(table: str, trigger: str, outcome: str | None = None) -> dict:
        """One more attempt, and (when given) one more of `outcome`."""
        update: dict = {"TableName": table, "Key": {"trigger": _s(trigger)}, "UpdateExpression": "ADD attempts :one",
                        "ExpressionAttributeValues": {":one": _n(1)}}
        if outcome:
            update["UpdateExpression"] += ", #o :one"
            update["ExpressionAttributeNames"] = {"#o": outcome}
        return update

    def count(self, trigger: str, outcome: str) -> None:
        client("dynamodb").update_item(**self.increment(self.table, trigger, outcome))

    def all(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for page in client("dynamodb").get_paginator("scan").paginate(TableName=self.table):
            for item in page["Items"]:
                result[item["trigger"]["S"]] = {k: int(v["N"]) for k, v in item.items() if "N" in v}
        return result


class DynamoDeliveryCounters:
    """Cap counters beside the idempotency records (short-lived keys, dropped by the table's TTL). Each counter
    holds the ids it counted, so a retried delivery counts once: `size(ids) < cap OR contains(ids, id)`."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _update(self, notification_id: str, slot: CapSlot) -> dict:
        return {"Update": {
            "TableName": self.table, "Key": {"id": _s(f"deliverycap#{slot.name}#{slot.key}")},
            "UpdateExpression": "ADD ids :one SET expiration = :exp",
            "ConditionExpression": "attribute_not_exists(ids) OR size(ids) < :cap OR contains(ids, :nid)",
            "ExpressionAttributeValues": {":one": {"SS": [notification_id]}, ":nid": _s(notification_id),
                                          ":cap": _n(slot.cap), ":exp": _n(slot.expires_at)}}}

    def reserve(self, notification_id: str, slots: list[CapSlot]) -> str | None:
        if not slots:
            return None
        closed = next((slot for slot in slots if slot.cap <= 0), None)
        if closed is not None:  # a cap of 0 holds nothing, not even a first message (the condition would let it in)
            return closed.name
        try:
            client("dynamodb").transact_write_items(TransactItems=[self._update(notification_id, s) for s in slots])
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = err.response.get("CancellationReasons") or []
            for slot, reason in zip(slots, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    return slot.name
            raise
        return None

    def give_back(self, notification_id: str, slots: list[CapSlot]) -> None:
        for slot in slots:
            client("dynamodb").update_item(
                TableName=self.table, Key={"id": _s(f"deliverycap#{slot.name}#{slot.key}")},
                UpdateExpression="DELETE ids :one", ExpressionAttributeValues={":one": {"SS": [notification_id]}})
