"""Bias audit adapters: the governance table (audit summaries, review cases), the S3 report archive, and the
one-pass parallel scan the audit reads profiles and recommendations with."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from datetime import datetime

from botocore.exceptions import ClientError

from coachwire.adapters.aws import client
from coachwire.adapters.dynamo import DynamoOutboxStore
from coachwire.domain.retention import expires_at
from coachwire.models.bias_audits import AuditSummary, ReviewCase
from coachwire.models.coaching import Notification
from coachwire.ports import ConcurrentUpdate, NotFound

AUDITS_PK = "AUDITS"
REVIEWS_PK = "REVIEWS"


def _s(value: str) -> dict:
    return {"S": value}


def _conditional_put(table: str, item: dict, condition: str, values: dict | None = None,
                     names: dict | None = None) -> bool:
    request = {"TableName": table, "Item": item, "ConditionExpression": condition}
    if values:
        request["ExpressionAttributeValues"] = values
    if names:
        request["ExpressionAttributeNames"] = names
    try:
        client("dynamodb").put_item(**request)
    except ClientError as err:
        if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


class DynamoGovernanceStore:
    """Audits under pk AUDITS and review cases under pk REVIEWS, one JSON `doc` each (a few per quarter)."""

    def __init__(self, table_name: str, outbox_table_name: str | None = None, notifications_days: int = 180) -> None:
        self.table = table_name
        self.outbox_table = outbox_table_name
        self.notifications_days = notifications_days

    def _item(self, pk: str, sk: str, doc: str, **extra: dict) -> dict:
        return {"pk": _s(pk), "sk": _s(sk), "doc": _s(doc), **extra}

    def _get(self, pk: str, sk: str) -> dict | None:
        item = client("dynamodb").get_item(TableName=self.table, ConsistentRead=True,
                                           Key={"pk": _s(pk), "sk": _s(sk)}).get("Item")
        return json.loads(item["doc"]["S"]) if item else None

    def _all(self, pk: str) -> Iterator[dict]:
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(TableName=self.table, KeyConditionExpression="pk = :pk",
                                       ExpressionAttributeValues={":pk": _s(pk)}):
            for item in page["Items"]:
                yield json.loads(item["doc"]["S"])

    def _audit_item(self, summary: AuditSummary) -> dict:
        # Status and start time beside the doc, so a claim can be a condition on them.
        started = summary.started_at.isoformat() if summary.started_at else ""
        return self._item(AUDITS_PK, summary.audit_id, summary.model_dump_json(), status=_s(summary.status),
                          run_started_at=_s(started))

    def add_audit(self, summary: AuditSummary) -> AuditSummary | None:
        return summary if _conditional_put(self.table, self._audit_item(summary), "attribute_not_exists(pk)") else None

    def put_audit(self, summary: AuditSummary) -> None:
        client("dynamodb").put_item(TableName=self.table, Item=self._audit_item(summary))

    def claim_audit(self, running: AuditSummary, stale_before: datetime) -> bool:
        """Mark the audit running unless another run holds it (running, and started after `stale_before`) or it
        completed: at-least-once delivery then runs it once at a time."""
        return _conditional_put(
            self.table, self._audit_item(running),
            "attribute_not_exists(pk) OR attribute_not_exists(#st) OR #st IN (:requested, :failed) "
            "OR (#st = :running AND run_started_at < :stale)",
            {":requested": _s("requested"), ":failed": _s("failed"), ":running": _s("running"),
             ":stale": _s(stale_before.isoformat())}, names={"#st": "status"})

    def audit(self, audit_id: str) -> AuditSummary | None:
        doc = self._get(AUDITS_PK, audit_id)
        return AuditSummary.model_validate(doc) if doc else None

    def audits(self) -> list[AuditSummary]:
        found = [AuditSummary.model_validate(doc) for doc in self._all(AUDITS_PK)]
        return sorted(found, key=lambda a: (a.requested_at, a.audit_id), reverse=True)

    def open_review(self, case: ReviewCase) -> bool:
        item = self._item(REVIEWS_PK, case.review_id, case.model_dump_json(), version={"N": str(case.version)})
        return _conditional_put(self.table, item, "attribute_not_exists(pk)")

    def review(self, review_id: str) -> ReviewCase | None:
        doc = self._get(REVIEWS_PK, review_id)
        return ReviewCase.model_validate(doc) if doc else None

    def reviews(self) -> list[ReviewCase]:
        found = [ReviewCase.model_validate(doc) for doc in self._all(REVIEWS_PK)]
        return sorted(found, key=lambda c: (c.opened_at, c.review_id), reverse=True)

    def update_review(self, case: ReviewCase, expected_version: int) -> None:
        item = self._item(REVIEWS_PK, case.review_id, case.model_dump_json(), version={"N": str(case.version)})
        if not _conditional_put(self.table, item, "version = :expected", {":expected": {"N": str(expected_version)}}):
            raise ConcurrentUpdate(f"review {case.review_id} changed meanwhile")

    def queue_notifications(self, notes: list[Notification]) -> None:
        if notes and not self.outbox_table:
            raise ValueError("this store was built without an outbox table")
        for note in notes:  # kept like every other message (Settings.retention.notifications_days)
            expires = expires_at(note.created_at, self.notifications_days)
            _conditional_put(self.outbox_table or "", DynamoOutboxStore.item(note, expires),
                             "attribute_not_exists(notification_id)")


class S3AuditArchive:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, body: bytes, content_type: str, *, kms_key_id: str = "") -> str:
        request = {"Bucket": self.bucket, "Key": key, "Body": body, "ContentType": content_type}
        if kms_key_id:
            request |= {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
        return str(client("s3").put_object(**request).get("VersionId") or "")

    def get(self, key: str) -> bytes:
        try:
            return client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as err:
            if err.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise NotFound(f"no object {key}") from err
            raise


class DynamoAuditSource:
    """A parallel scan of the profiles table keeping profiles and recommendations only. Segments run in threads
    and hand documents over through a bounded queue, so memory holds what the caller keeps, not the table."""

    SEGMENTS = 4
    _DONE = object()

    def __init__(self, table_name: str, segments: int = SEGMENTS) -> None:
        self.table = table_name
        self.segments = segments

    def profile_docs(self, recommendations: bool = True) -> Iterator[tuple[str, dict]]:
        handover: queue.Queue = queue.Queue(maxsize=10_000)
        stop = threading.Event()
        workers = [threading.Thread(target=self._scan, args=(segment, recommendations, handover, stop), daemon=True)
                   for segment in range(self.segments)]
        for worker in workers:
            worker.start()
        finished = 0
        try:
            while finished < self.segments:
                entry = handover.get()
                if entry is self._DONE:
                    finished += 1
                elif isinstance(entry, BaseException):
                    raise entry
                else:
                    yield entry
        finally:
            stop.set()
            while finished < self.segments:  # let blocked workers finish their put and see the stop
                try:
                    finished += handover.get(timeout=30) is self._DONE
                except queue.Empty:
                    break

    def _scan(self, segment: int, recommendations: bool, handover: queue.Queue, stop: threading.Event) -> None:
        try:
            paginator = client("dynamodb").get_paginator("scan")
            wanted = ({"FilterExpression": "sk = :profile OR begins_with(sk, :rec)",
                       "ExpressionAttributeValues": {":profile": _s("PROFILE"), ":rec": _s("REC#")}}
                      if recommendations else
                      {"FilterExpression": "sk = :profile", "ExpressionAttributeValues": {":profile": _s("PROFILE")}})
            pages = paginator.paginate(TableName=self.table, Segment=segment, TotalSegments=self.segments,
                                       ProjectionExpression="sk, doc", **wanted)
            for page in pages:
                for item in page["Items"]:
                    if stop.is_set():
                        return
                    kind = "profile" if item["sk"]["S"] == "PROFILE" else "recommendation"
                    handover.put((kind, json.loads(item["doc"]["S"])))
        except BaseException as err:  # handed to the reader, which raises it
            handover.put(err)
        finally:
            handover.put(self._DONE)
