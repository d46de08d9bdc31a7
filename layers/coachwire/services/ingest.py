"""POST /webhooks/hris: verify → validate → dedupe → publish. Answers fast; the triggers do the work."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ValidationError
from standardwebhooks import Webhook

from coachwire import spine
from coachwire.domain.reliability import AcceptedEvent
from coachwire.errors import DomainError
from coachwire.models.coaching import AuditRecord
from coachwire.models.events import (
    DATA_MODELS,
    CanonicalEvent,
    PerformanceRating,
    SkillRating,
    WebhookEnvelope,
)
from coachwire.ports import DeliveryInFlight, ReusedDeliveryId
from coachwire.services import parking
from coachwire.services.deps import Dependencies
from coachwire.services.references import EmployeeNotYetKnown, resolve_references
from coachwire.settings import EventDateWindow

TRIGGER = "ingest_webhook"


@dataclass(frozen=True)
class IngestResponse:
    status: int
    body: dict
    # The rejected field as logs may carry it (schema names only); the body's own `field` is for the caller.
    logged_field: str | None = None


class Rejected(Exception):
    def __init__(self, status: int, message: str, field: str | None = None, *, logged_field: str | None = None,
                 event_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        # What logs and the audit log may hold: schema names only (defaults to `field` mapped onto them).
        self.logged_field = logged_field or (schema_field(field.split(".")) if field else None)
        self.event_type = event_type


# Paths in responses are cut short; what is logged or stored is drawn from the schema's own names only.
MAX_FIELD_CHARS = 160
MAX_SEGMENT_CHARS = 64
UNKNOWN_FIELD = "<unknown field>"
# JSON deeper than this is refused before anything walks it (no event has more than three levels).
MAX_JSON_DEPTH = 16
_REQUEST_FIELDS = {"body", "content-type", "webhook-id"}


def _schema_names(models) -> set[str]:
    names: set[str] = set()
    for model in models:
        names.update(model.model_fields)
    return names


KNOWN_FIELD_NAMES = (_schema_names([WebhookEnvelope, SkillRating, PerformanceRating, *DATA_MODELS.values()])
                     | _REQUEST_FIELDS)


def bounded_field(field: str) -> str:
    """The field path as the caller may see it: each segment and the whole path length-bounded."""
    parts = [p if len(p) <= MAX_SEGMENT_CHARS else p[:MAX_SEGMENT_CHARS] + "…" for p in field.split(".")]
    path = ".".join(parts)
    return path if len(path) <= MAX_FIELD_CHARS else path[:MAX_FIELD_CHARS] + "…"


def schema_field(parts: Sequence[str | int]) -> str:
    """The field path as logs and the audit log may hold it: a name the schema does not know (an extra key, which
    could hold anything) becomes a placeholder, list indices stay."""
    names = [str(p) if p in KNOWN_FIELD_NAMES or (str(p).isdigit() and len(str(p)) <= 4) else UNKNOWN_FIELD
             for p in parts]
    return ".".join(names)[:MAX_FIELD_CHARS]


def first_error(err: ValidationError, prefix: str = "") -> tuple[str, str]:
    """The first validation error as (dotted field path, message)."""
    detail = err.errors()[0]
    path = ".".join(str(p) for p in detail["loc"])
    return (f"{prefix}{path}" if path else prefix.rstrip(".") or "body"), detail["msg"]


def schema_rejection(err: ValidationError, prefix: str = "", event_type: str | None = None) -> Rejected:
    """The first validation error as a 400 naming its field: in full (bounded) for the caller, in schema names
    for the record."""
    detail = err.errors()[0]
    loc = [*prefix.split(".")[:-1], *detail["loc"]]
    field = ".".join(str(p) for p in loc) or "body"
    return Rejected(400, f"{bounded_field(field)}: {detail['msg']}", field,
                    logged_field=schema_field(loc) if loc else "body", event_type=event_type)


def verify_signature(raw: bytes, headers: Mapping[str, str], secrets: list[str]) -> None:
    """Standard Webhooks over the raw bytes; any of the configured secrets may match (rotation)."""
    if not secrets:
        raise Rejected(401, "webhook signing is not configured")
    for secret in secrets:
        try:
            _verify_one(raw, headers, secret)
            return
        except Exception:  # noqa: S112 - malformed headers and bad signatures are all a 401
            continue
    raise Rejected(401, "invalid or stale webhook signature")


def _verify_one(raw: bytes, headers: Mapping[str, str], secret: str) -> None:
    webhook = Webhook(secret)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        webhook.verify(raw, dict(headers), json_parse=False)
        return
    # The library signs text; a body that is not UTF-8 is still signed over its bytes, so it is checked here and
    # refused afterwards for what it is (not JSON) rather than as a bad signature.
    msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    expected = hmac.new(webhook._whsecret, f"{msg_id}.{stamp}.".encode() + raw, hashlib.sha256).digest()
    for versioned in headers.get("webhook-signature", "").split(" "):
        version, _, signature = versioned.partition(",")
        if version == "v1" and hmac.compare_digest(expected, base64.b64decode(signature)):
            # Same headers and timestamp tolerance as any other body: verified over an empty stand-in.
            stand_in = webhook.sign(msg_id, datetime.fromtimestamp(float(stamp), UTC), "")
            webhook.verify(b"", {**headers, "webhook-signature": stand_in}, json_parse=False)
            return
    raise ValueError("no matching signature")


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    body: dict = {}
    for key, value in pairs:
        if key in body:
            raise _DuplicateKey(key)
        body[key] = value
    return body


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _nesting(raw: bytes) -> int:
    """Bracket nesting of the raw JSON, ignoring strings: checked before the parser recurses into it."""
    deepest = level = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):
            level += 1
            deepest = max(deepest, level)
        elif byte in (0x7D, 0x5D):
            level -= 1
    return deepest


def parse(raw: bytes) -> tuple[WebhookEnvelope, BaseModel]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Rejected(400, "body is not UTF-8 encoded JSON", "body") from err
    if _nesting(raw) > MAX_JSON_DEPTH:
        raise Rejected(400, f"body nests deeper than {MAX_JSON_DEPTH} levels", "body")
    try:
        body = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKey as err:
        raise Rejected(400, f"body repeats the key '{bounded_field(err.key)}'", "body") from err
    except (json.JSONDecodeError, RecursionError, ValueError) as err:
        # ValueError: an integer longer than Python converts (and any other malformed number).
        raise Rejected(400, f"body is not valid JSON ({type(err).__name__})", "body") from err
    if _depth(body) > MAX_JSON_DEPTH:
        raise Rejected(400, f"body nests deeper than {MAX_JSON_DEPTH} levels", "body")
    try:
        envelope = WebhookEnvelope.from_json_data(body)
    except ValidationError as err:
        raise schema_rejection(err) from err
    try:
        data = DATA_MODELS[envelope.type].from_json_data(envelope.data)
    except ValidationError as err:
        raise schema_rejection(err, "data.", envelope.type) from err
    return envelope, data


def check_dates(envelope: WebhookEnvelope, data: BaseModel, window: EventDateWindow, now: datetime) -> None:
    """Every date an event carries lies in the configured window, so no single event can stamp a record with a
    far future (freezing it: later real updates would look older) or a far past (a leaving date of 0001-01-01
    would erase the person at once). Times are facts: at most a little ahead of now. Dates are effective dates
    (hire, role change, leaving): at most `effective_horizon_days` ahead."""
    earliest = datetime.combine(window.earliest, time(0, 0), tzinfo=UTC)
    latest_fact = now + timedelta(hours=window.fact_future_skew_hours)
    latest_date = now.date() + timedelta(days=window.effective_horizon_days)
    values: list[tuple[str, object]] = [("timestamp", envelope.timestamp), *_dated_fields(data, "data")]
    for field, value in values:
        if isinstance(value, datetime):
            if not earliest <= value <= latest_fact:
                raise Rejected(422, f"{field}: {value.isoformat()} is outside {window.earliest.isoformat()} .. "
                                    f"{latest_fact.isoformat(timespec='seconds')}", field)
        elif isinstance(value, date) and not window.earliest <= value <= latest_date:
            raise Rejected(422, f"{field}: {value.isoformat()} is outside {window.earliest.isoformat()} .. "
                                f"{latest_date.isoformat()}", field)
    band = getattr(data, "birth_year_band", None)
    if band and band[0].isdigit():
        first, last = (int(y) for y in band.split("-"))
        if first < window.earliest.year or last > now.year + 9:
            raise Rejected(422, f"data.birth_year_band: {band} is outside {window.earliest.year} .. "
                                f"{now.year + 9}", "data.birth_year_band")


def _dated_fields(model: BaseModel, prefix: str) -> list[tuple[str, object]]:
    """Every field of the model as (dotted path, value), nested models (a performance record) walked into."""
    values: list[tuple[str, object]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            values += _dated_fields(value, f"{prefix}.{name}")
        else:
            values.append((f"{prefix}.{name}", value))
    return values


# Publishes the delivery once per webhook id and returns the first publication's result.
Deduper = Callable[[dict], dict]


def ingest(raw: bytes, headers: Mapping[str, str], deps: Dependencies, secrets: list[str],
           dedupe: Deduper) -> IngestResponse:
    headers = {k.lower(): v for k, v in headers.items()}
    webhook_id = headers.get("webhook-id", "")
    event_type = None
    try:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Rejected(415, "content-type must be application/json", "content-type")
        if len(raw) > deps.settings.webhook_max_body_bytes:
            raise Rejected(413, f"body exceeds {deps.settings.webhook_max_body_bytes} bytes", "body")
        verify_signature(raw, headers, secrets)
        envelope, data = parse(raw)
        event_type = envelope.type
        check_dates(envelope, data, deps.settings.event_dates, deps.clock.now())
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
        _record_rejection(deps, webhook_id, rejected, event_type or rejected.event_type)
        body = {"message": rejected.message}
        if rejected.field:
            body["field"] = bounded_field(rejected.field)
        return IngestResponse(rejected.status, body, rejected.logged_field)
    duplicate = outcome["attempt"] != attempt
    if duplicate:
        deps.stats.count(TRIGGER, "duplicate")
        return IngestResponse(202, {"event_id": webhook_id, "status": "duplicate"})
    if outcome.get("parked"):
        parking.audit_parked(deps, webhook_id, event_type, event.subject_id)
        return IngestResponse(202, {"event_id": webhook_id, "status": "parked"})
    deps.stats.count(TRIGGER, "succeeded")
    return IngestResponse(202, {"event_id": webhook_id, "status": "accepted"})


def publish_delivery(deps: Dependencies, delivery: dict) -> dict:
    """Runs once per webhook id (the deduper's publish step), so a redelivered parked webhook parks nothing twice.
    Raises Rejected (nothing stored) when the employee arrived meanwhile and the event names an unknown id."""
    event = delivery["event"]
    parked = False
    if delivery.get("park"):
        parked = parking.park(deps, event)
        if not parked:
            event = _resolved_now(deps, CanonicalEvent.model_validate(event))
        elif event["type"] != spine.DEMOGRAPHICS_UPSERTED:
            _mark_accepted(deps, event)
            return {"attempt": delivery["attempt"], "parked": True}
        # Demographics need no profile: stored now in their own table, the park keeps only a marker.
    _mark_accepted(deps, event)
    bus_id = deps.events.publish(spine.EVENT_SOURCE_HRIS, event["type"], event)
    return {"attempt": delivery["attempt"], "bus_event_id": bus_id, "parked": parked}


def _mark_accepted(deps: Dependencies, event: dict) -> None:
    """Trigger reliability counts what was accepted (services/reliability.py). Marked before publishing, so an
    event whose publication never happens is reported silent rather than missed."""
    deps.audit.mark_accepted(AcceptedEvent(event["event_id"], event["type"], deps.clock.now()))


def _resolved_now(deps: Dependencies, event: CanonicalEvent) -> dict:
    """The employee's upsert landed between ingest's look and the park: resolve as if it had been there."""
    try:
        data, translated = resolve_references(deps, event.type, DATA_MODELS[event.type].model_validate(event.data))
    except EmployeeNotYetKnown:  # erased in between: the park would wait for nobody
        raise Rejected(422, "unknown employee", "data.employee_id") from None
    except DomainError as err:
        raise Rejected(422, str(err), err.field) from err
    return event.model_copy(update={"data": data.model_dump(mode="json"),
                                    "translated_ids": translated}).model_dump(mode="json")


def _record_rejection(deps: Dependencies, webhook_id: str, rejected: Rejected, event_type: str | None) -> None:
    """Rejected deliveries are recorded without their payload: status, field (a schema name) and type only.
    Before the signature is verified nothing in the request is trusted, so it is counted, never stored: anyone
    can send one, and a row per request would let them fill the audit log."""
    if rejected.status in UNAUTHENTICATED:
        deps.stats.count(TRIGGER, "rejected")
        return
    decision: dict = {"status": rejected.status}
    if rejected.logged_field:
        decision["field"] = rejected.logged_field
    if event_type:
        decision["event_type"] = event_type
    deps.audit.append(AuditRecord(
        event_id=webhook_id or f"rejected:{uuid.uuid4().hex}", trigger=TRIGGER, subject_id="",
        outcome="rejected", recorded_at=deps.clock.now(), decision=decision), counted=True)


# Refused before the signature is checked (or for a bad one).
UNAUTHENTICATED = (401, 413, 415)
