"""The bias audit's stores in memory: governance (audits, review cases), the report archive, the profile scan."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from coachwire.models.bias_audits import AuditSummary, ReviewCase
from coachwire.models.coaching import Notification
from coachwire.ports import ConcurrentUpdate, NotFound

from tests.fakes.outbox import FakeOutboxStore
from tests.fakes.profiles import PROFILE, FakeProfileStore


class FakeGovernanceStore:
    def __init__(self, outbox: FakeOutboxStore | None = None) -> None:
        self.outbox = outbox
        self.audit_docs: dict[str, str] = {}
        self.review_docs: dict[str, str] = {}

    def add_audit(self, summary: AuditSummary) -> AuditSummary | None:
        if summary.audit_id in self.audit_docs:
            return None
        self.audit_docs[summary.audit_id] = summary.model_dump_json()
        return summary

    def put_audit(self, summary: AuditSummary) -> None:
        self.audit_docs[summary.audit_id] = summary.model_dump_json()

    def claim_audit(self, running: AuditSummary, stale_before: datetime) -> bool:
        """Free unless another run holds it (running, started after `stale_before`) or it completed; compared as
        the adapter compares them (ISO strings; no start time sorts first)."""
        held = self.audit(running.audit_id)
        if held is not None and held.status not in ("requested", "failed"):
            started = held.started_at.isoformat() if held.started_at else ""
            if not (held.status == "running" and started < stale_before.isoformat()):
                return False
        self.put_audit(running)
        return True

    def audit(self, audit_id: str) -> AuditSummary | None:
        doc = self.audit_docs.get(audit_id)
        return AuditSummary.model_validate_json(doc) if doc else None

    def audits(self) -> list[AuditSummary]:
        found = [AuditSummary.model_validate_json(d) for d in self.audit_docs.values()]
        return sorted(found, key=lambda a: (a.requested_at, a.audit_id), reverse=True)

    def open_review(self, case: ReviewCase) -> bool:
        if case.review_id in self.review_docs:
            return False
        self.review_docs[case.review_id] = case.model_dump_json()
        return True

    def review(self, review_id: str) -> ReviewCase | None:
        doc = self.review_docs.get(review_id)
        return ReviewCase.model_validate_json(doc) if doc else None

    def reviews(self) -> list[ReviewCase]:
        found = [ReviewCase.model_validate_json(d) for d in self.review_docs.values()]
        return sorted(found, key=lambda c: (c.opened_at, c.review_id), reverse=True)

    def update_review(self, case: ReviewCase, expected_version: int) -> None:
        held = self.review(case.review_id)
        if held is None or held.version != expected_version:
            raise ConcurrentUpdate(f"review {case.review_id} changed meanwhile")
        self.review_docs[case.review_id] = case.model_dump_json()

    def queue_notifications(self, notes: list[Notification]) -> None:
        if notes and self.outbox is None:
            raise ValueError("this store was built without an outbox table")
        for note in notes:
            assert self.outbox is not None
            self.outbox.add(note)


class FakeAuditArchive:
    def __init__(self) -> None:
        self.objects: dict[str, list[tuple[bytes, str, str]]] = {}  # key → versions: (body, content type, kms key)

    def put(self, key: str, body: bytes, content_type: str, *, kms_key_id: str = "") -> str:
        versions = self.objects.setdefault(key, [])
        versions.append((bytes(body), content_type, kms_key_id))
        return f"v{len(versions)}"

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound(f"no object {key}")
        return self.objects[key][-1][0]


class FakeAuditSource:
    """Profiles and recommendations as stored (the recommendation documents as written, like the adapter's scan)."""

    def __init__(self, profiles: FakeProfileStore) -> None:
        self.profiles = profiles

    def profile_docs(self, recommendations: bool = True) -> Iterator[tuple[str, dict]]:
        for (_, sk), item in sorted(self.profiles.items.items()):
            if sk == PROFILE:
                yield "profile", json.loads(item["doc"])
            elif recommendations and sk.startswith("REC#"):
                yield "recommendation", json.loads(item["doc"])
