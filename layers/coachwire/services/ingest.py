"""POST /webhooks/hris: verify → validate → dedupe → publish. Answers fast; the triggers do the work."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError
from standardwebhooks import Webhook

from coachwire import spine
from coachwire.domain.errors import DomainError, UnknownReference
from coachwire.domain.profiles import check_ratings
from coachwire.frameworks import crosswalk
from coachwire.models.coaching import AuditRecord
from coachwire.models.events import (
    DATA_MODELS,
    CanonicalEvent,
    CheckinSubmitted,
    WebhookEnvelope,
)
from coachwire.ports import DeliveryInFlight, ReusedDeliveryId
from coachwire.services import parking
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import framework_for_role, published_framework

TRIGGER = "ingest_webhook"


@dataclass(frozen=True)
class IngestResponse:
    status: int
    body: dict


class Rejected(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def first_error(err: ValidationError, prefix: str = "") -> tuple[str, str]:
    """The first validation error as (dotted field path, message)."""
    detail = err.errors()[0]
    path = ".".join(str(p) for p in detail["loc"])
    return (f"{prefix}{path}" if path else prefix.rstrip(".") or "body"), detail["msg"]


def verify_signature(raw: bytes, headers: Mapping[str, str], secrets: list[str]) -> None:
    """Standard Webhooks over the raw bytes; any of the configured secrets may match (rotation)."""
    if not secrets:
        raise Rejected(401, "webhook signing is not configured")
    for secret in secrets:
        try:
            Webhook(secret).verify(raw, dict(headers), json_parse=False)
            return
        except Exception:  # noqa: S112 - malformed headers and bad signatures are all a 401
            continue
    raise Rejected(401, "invalid or stale webhook signature")


def parse(raw: bytes) -> tuple[WebhookEnvelope, object]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise Rejected(400, f"body is not valid JSON ({type(err).__name__})", "body") from err
    try:
        envelope = WebhookEnvelope.model_validate(body)
    except ValidationError as err:
        field, msg = first_error(err)
        raise Rejected(400, f"{field}: {msg}", field) from err
    try:
        data = DATA_MODELS[envelope.type].model_validate(envelope.data)
    except ValidationError as err:
        field, msg = first_error(err, "data.")
        raise Rejected(400, f"{field}: {msg}", field) from err
    return envelope, data


class EmployeeNotYetKnown(Exception):
    """The employee's upsert has not arrived (senders post in parallel): the event is parked, not rejected."""


def resolve_references(deps: Dependencies, event_type: str, data):
    """Ids must exist in the organisation's data, so a typo is a clear 422 now, not a dead letter later.
    External ids with a crosswalk entry are translated first. Returns (data, translated ids)."""
    if event_type == spine.EMPLOYEE_UPSERTED:
        framework_for_role(deps, data.role_id, data.career_stage)
        return data, {}
    profile = deps.profiles.get(data.employee_id)
    if profile is None:
        # Role ids do not depend on the employee: still a 422 now. Skills and activities do: checked on replay.
        if event_type == spine.ROLE_CHANGED:
            framework_for_role(deps, data.role_id, data.career_stage)
        raise EmployeeNotYetKnown(data.employee_id)
    if event_type == spine.DEMOGRAPHICS_UPSERTED:
        return data, {}  # categories are free codes: nothing else to resolve
    if event_type == spine.ROLE_CHANGED:
        framework_for_role(deps, data.role_id, data.career_stage)
        return data, {}
    if event_type == spine.EMPLOYEE_LEFT:
        return data, {}  # the employee exists: that is all a leaver event refers to
    framework = published_framework(deps, profile.framework_id, field="data.employee_id")
    crosswalks = deps.catalog.crosswalks(framework.framework_id)
    if isinstance(data, CheckinSubmitted):
        data, translated = crosswalk.translate_checkin(data, framework, crosswalks)
        check_ratings(framework, data)
        return data, translated
    catalog = deps.catalog.catalog(framework.framework_id)
    data, translated = crosswalk.translate_completion(data, catalog, crosswalks)
    if data.activity_id not in {i.item_id for i in catalog.items}:
        raise UnknownReference("data.activity_id", f"unknown learning activity '{data.activity_id}' (not in the "
                                                   f"{framework.framework_id} catalog nor its crosswalks)")
    return data, translated


# Publishes the delivery once per webhook id and returns the first publication's result.
Deduper = Callable[[dict], dict]


def ingest(raw: bytes, headers: Mapping[str, str], deps: Dependencies, secrets: list[str],
           dedupe: Deduper) -> IngestResponse:
    headers = {k.lower(): v for k, v in headers.items()}
    webhook_id = headers.get("webhook-id", "")
    event_type = None
    subject = ""
    try:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Rejected(415, "content-type must be application/json", "content-type")
        if len(raw) > deps.settings.webhook_max_body_bytes:
            raise Rejected(413, f"body exceeds {deps.settings.webhook_max_body_bytes} bytes", "body")
        verify_signature(raw, headers, secrets)
        envelope, data = parse(raw)
        event_type = envelope.type
        subject = getattr(data, "employee_id", "")
        parked = False
        translated: dict = {}
        try:
            data, translated = resolve_references(deps, envelope.type, data)
        except DomainError as err:
            raise Rejected(422, str(err), err.field) from err
        except EmployeeNotYetKnown:
            parked = True
        event = CanonicalEvent(event_id=webhook_id, type=envelope.type, timestamp=envelope.timestamp,
                               data=data.model_dump(mode="json"), received_at=deps.clock.now(),
                               translated_ids=translated)
        attempt = uuid.uuid4().hex
        delivery = {"webhook_id": webhook_id, "body_sha256": hashlib.sha256(raw).hexdigest(),
                    "attempt": attempt, "event": event.model_dump(mode="json"), "park": parked}
        try:
            outcome = dedupe(delivery)
        except ReusedDeliveryId as err:
            raise Rejected(409, "webhook-id was already used for a different body", "webhook-id") from err
        except DeliveryInFlight as err:
            raise Rejected(409, "this delivery is being processed; retry later", "webhook-id") from err
    except Rejected as rejected:
        _audit_rejection(deps, webhook_id, rejected, event_type, subject)
        body = {"message": rejected.message}
        if rejected.field:
            body["field"] = rejected.field
        return IngestResponse(rejected.status, body)
    duplicate = outcome["attempt"] != attempt
    if duplicate:
        deps.stats.count(TRIGGER, "duplicate")
        return IngestResponse(202, {"event_id": webhook_id, "status": "duplicate"})
    if parked:
        parking.audit_parked(deps, webhook_id, event_type, subject)
        return IngestResponse(202, {"event_id": webhook_id, "status": "parked"})
    deps.stats.count(TRIGGER, "succeeded")
    return IngestResponse(202, {"event_id": webhook_id, "status": "accepted"})


def publish_delivery(deps: Dependencies, delivery: dict) -> dict:
    """Runs once per webhook id (the deduper's publish step), so a redelivered parked webhook parks nothing twice."""
    event = delivery["event"]
    if delivery.get("park"):
        parking.park(deps, event)
        if event["type"] != spine.DEMOGRAPHICS_UPSERTED:
            return {"attempt": delivery["attempt"], "parked": True}
        # Demographics need no profile: stored now in their own table, the park keeps only a marker.
    bus_id = deps.events.publish(spine.EVENT_SOURCE_HRIS, event["type"], event)
    return {"attempt": delivery["attempt"], "bus_event_id": bus_id}


def _audit_rejection(deps: Dependencies, webhook_id: str, rejected: Rejected, event_type: str | None,
                     subject: str) -> None:
    """Rejected deliveries are recorded without their payload: status, field and type only."""
    decision: dict = {"status": rejected.status}
    if rejected.field:
        decision["field"] = rejected.field
    if event_type:
        decision["event_type"] = event_type
    # Before the signature is verified nothing in the request is trusted, not even its id.
    trusted = rejected.status not in (401, 413, 415)
    deps.audit.append(AuditRecord(
        event_id=webhook_id if (trusted and webhook_id) else f"rejected:{uuid.uuid4().hex}",
        trigger=TRIGGER, subject_id=subject if trusted else "", outcome="rejected",
        recorded_at=deps.clock.now(), decision=decision), counted=True)
