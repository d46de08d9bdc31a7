"""What ingest refuses (hostile JSON, dates outside the window, loose types, disguising characters) and what a
refused request leaves behind: a count, or an audit row with schema names only, never anything it sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from coachwire.adapters.aws import client

from tests.integration.conftest import checkin, new_id, person, role_change, upsert


@pytest.fixture(scope="module")
def known(stack, hris):
    return person(stack, hris)


def _now(days: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _rejected(deps) -> int:
    return deps.stats.all().get("ingest_webhook", {}).get("rejected", 0)


def _audit_rows(stack) -> int:
    return client("dynamodb").scan(TableName=stack.settings.audit_table, Select="COUNT")["Count"]


def _signed_bytes(secret: str, body: bytes, webhook_id: str) -> dict[str, str]:
    """Standard Webhooks signs the body's bytes; the client library only signs text, so a non-UTF-8 body is
    signed here."""
    stamp = str(int(datetime.now(UTC).timestamp()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": webhook_id, "webhook-timestamp": stamp, "content-type": "application/json",
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def _send_raw(hris, body: bytes) -> tuple[str, int, dict]:
    webhook_id = f"msg_{uuid.uuid4().hex}"
    response = requests.post(hris.url, data=body, headers=_signed_bytes(hris.secret, body, webhook_id), timeout=30)
    return webhook_id, response.status_code, response.json()


def _with_data(payload: dict, **changes) -> dict:
    return {**payload, "data": {**payload["data"], **changes}}


@pytest.mark.parametrize("body", [
    b'{"type": "employee.upserted", "timestamp": "2026-10-01T00:00:00Z", "data": ' + b"[" * 1000 + b"]" * 1000
    + b"}",
    b'{"type": "employee.upserted", "timestamp": "2026-10-01T00:00:00Z", "data": {"x": ' + b"7" * 4301 + b"}}",
    b'{"type": "employee.upserted", "type": "employee.left", "timestamp": "2026-10-01T00:00:00Z", "data": {}}',
    b'{"type": "employee.upserted", "timestamp": "2026-10-01T00:00:00Z", "data": {"display_name": "\xff\xfe"}}',
], ids=["nested 1000 deep", "4301-digit integer", "duplicate key", "not UTF-8"])
def test_signed_hostile_json_is_a_400_naming_the_body_audited_and_counted(body, stack, hris, deps):
    before = _rejected(deps)
    webhook_id, status, answer = _send_raw(hris, body)
    assert status == 400, answer
    assert answer["field"] == "body"
    assert _rejected(deps) == before + 1
    assert [r.decision for r in deps.audit.for_event(webhook_id)] == [{"status": 400, "field": "body"}]


def _date_cases(employee: str, manager: str):
    far = "2999-01-01T00:00:00Z"
    return [
        ("upsert stamped 2999", upsert(employee, manager, at=far), "timestamp"),
        ("hire date 9999", _with_data(upsert(employee, manager, at=_now()), hire_date="9999-12-31"),
         "data.hire_date"),
        ("hire date 0001", _with_data(upsert(employee, manager, at=_now()), hire_date="0001-01-01"),
         "data.hire_date"),
        ("check-in submitted 9999", _with_data(checkin(employee, manager, [{"skill_id": "design", "level": 2}],
                                                       at=_now()), submitted_at="9999-12-31T00:00:00Z"),
         "data.submitted_at"),
        ("check-in timestamp 2999", checkin(employee, manager, [{"skill_id": "design", "level": 2}], at=far),
         "timestamp"),
        ("role change effective 2999", {**role_change(employee, "senior", "2999-01-01"), "timestamp": _now()},
         "data.effective_date"),
        ("leaving date 0001", {"type": "employee.left", "timestamp": _now(),
                               "data": {"employee_id": employee, "leaving_date": "0001-01-01"}}, "data.leaving_date"),
        ("leaving before hire", {"type": "employee.left", "timestamp": _now(),
                                 "data": {"employee_id": employee, "leaving_date": "2024-01-31"}},
         "data.leaving_date"),
        ("birth years from 0001", {"type": "employee.demographics.upserted", "timestamp": _now(),
                                   "data": {"employee_id": employee, "birth_year_band": "0001-0010"}},
         "data.birth_year_band"),
    ]


@pytest.mark.parametrize("name", [c[0] for c in _date_cases("e", "m")])
def test_dates_outside_the_window_are_refused_naming_the_field(name, stack, hris, deps, known):
    employee, manager = known
    _, payload, field = next(c for c in _date_cases(employee, manager) if c[0] == name)
    delivery = hris.send(payload)
    assert delivery.status == 422, delivery.body
    assert delivery.body["field"] == field
    stack.wait_until_idle()
    profile = deps.profiles.get(employee)
    assert profile.leaving_date is None and profile.hire_date == date(2024, 2, 1)


def test_a_far_future_stamp_cannot_freeze_the_record_later_updates_still_apply(stack, hris, deps, known):
    employee, _ = known
    assert hris.send(upsert(employee, "mgr-other", at="2999-01-01T00:00:00Z")).status == 422
    new_manager = new_id("mgr")
    assert hris.send(upsert(employee, new_manager, at=_now())).status == 202
    stack.wait_until_idle()
    assert deps.profiles.get(employee).manager_id == new_manager


def test_a_past_leaving_date_gets_the_full_grace_from_when_coachwire_learned_of_it(stack, hris, deps):
    employee, _ = person(stack, hris)
    assert hris.send({"type": "employee.left", "timestamp": _now(),
                      "data": {"employee_id": employee, "leaving_date": "2025-03-01"}}).status == 202
    stack.wait_until_idle()
    grace = stack.settings.retention.leaver_grace_days
    assert deps.profiles.get(employee).erase_after >= datetime.now(UTC).date() + timedelta(days=grace)


@pytest.mark.parametrize("change, field", [
    ({"level": "2"}, "data.skill_ratings.0.level"),
    ({"level": True}, "data.skill_ratings.0.level"),
    ({"level": 2.0}, "data.skill_ratings.0.level"),
    ({"gap_flagged": "yes"}, "data.skill_ratings.0.gap_flagged"),
    ({"gap_flagged": 1}, "data.skill_ratings.0.gap_flagged"),
])
def test_ratings_take_the_contracts_json_types_only(change, field, hris, known):
    employee, manager = known
    delivery = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 2, **change}], at=_now()))
    assert (delivery.status, delivery.body.get("field")) == (400, field), delivery.body


@pytest.mark.parametrize("change, field", [
    ({"display_name": "Ada\u202eelpmaxE"}, "data.display_name"),
    ({"display_name": "Ada\x00"}, "data.display_name"),
    ({"display_name": "Ada\u200b Example"}, "data.display_name"),
    ({"email": "ada\x07@example.com"}, "data.email"),
    ({"email": "ada\u202e@example.com"}, "data.email"),
])
def test_control_and_bidi_characters_are_refused_in_names_and_addresses(change, field, hris):
    delivery = hris.send(_with_data(upsert(new_id("emp"), None, at=_now()), **change))
    assert (delivery.status, delivery.body.get("field")) == (400, field), delivery.body


@pytest.mark.parametrize("address", [
    "ada@;<example>.com",  # no domain once parsed as an address: SES refuses it ("Missing domain")
    "jörg@example.de",  # SES takes 7-bit ASCII only before the @ (no SMTPUTF8)
    "ada@example..com",
    "ada@-example.com",
    "ada.@example.com",
])
def test_an_address_email_could_never_reach_is_refused_naming_it(address, stack, hris, deps):
    employee = new_id("emp")
    delivery = hris.send(_with_data(upsert(employee, None, at=_now()), email=address))
    assert (delivery.status, delivery.body.get("field")) == (400, "data.email"), delivery.body
    stack.wait_until_idle()
    assert deps.profiles.get(employee) is None


def test_an_internationalised_domain_is_kept_in_the_ascii_form_email_is_sent_to(stack, hris, deps):
    employee = new_id("emp")
    delivery = hris.send(_with_data(upsert(employee, None, at=_now()), email="Ada.Lovelace@Exämple.de"))
    assert delivery.status == 202, delivery.body
    stack.wait_until_idle()
    assert deps.profiles.get(employee).email == "Ada.Lovelace@xn--exmple-cua.de"


def test_a_numeric_timestamp_is_refused(hris):
    delivery = hris.send({**upsert(new_id("emp"), None), "timestamp": 1700000000})
    assert (delivery.status, delivery.body.get("field")) == (400, "timestamp"), delivery.body


def test_unsigned_requests_are_counted_not_stored(stack, hris, deps):
    rows, rejected = _audit_rows(stack), _rejected(deps)
    for _ in range(3):
        response = requests.post(hris.url, data=b'{"type": "employee.upserted"}', timeout=30,
                                 headers={"content-type": "application/json"})
        assert response.status_code == 401
    assert hris.send(upsert("emp-x", None), headers={"content-type": "text/plain"}).status == 415
    assert _audit_rows(stack) == rows
    assert _rejected(deps) == rejected + 4


def test_a_rejected_body_leaves_only_schema_names_and_no_subject(stack, hris, deps, known):
    employee, manager = known
    secret_key = "jane.doe@example.com " + "k" * 20_000
    delivery = hris.send(_with_data(upsert(employee, manager, at=_now()), **{secret_key: 1}))
    assert delivery.status == 400
    assert delivery.body["field"].startswith("data.jane.doe") and len(delivery.body["field"]) < 200
    assert len(json.dumps(delivery.body)) < 1000
    [record] = deps.audit.for_event(delivery.webhook_id)
    assert record.decision == {"status": 400, "field": "data.<unknown field>", "event_type": "employee.upserted"}
    assert record.subject_id == ""
    assert "jane.doe" not in record.model_dump_json() and employee not in record.model_dump_json()
    assert all(r.outcome != "rejected" for r in deps.audit.for_subject(employee))


# -- the HRIS facts the outcome metrics need (leaving reason, performance, role moves) ------------------------------

_PERIOD = {"period_start": "2026-01-01", "period_end": "2026-06-30"}


def _outcome_cases(employee: str, manager: str):
    def left(**extra) -> dict:
        return {"type": "employee.left", "timestamp": _now(),
                "data": {"employee_id": employee, "leaving_date": "2026-12-31", **extra}}

    def rated(performance) -> dict:
        return _with_data(upsert(employee, manager, at=_now()), performance=performance)

    def moved(**extra) -> dict:
        payload = {**role_change(employee, "senior", "2026-10-01"), "timestamp": _now()}
        return _with_data(payload, **extra)

    return [
        ("leaving reason unknown", left(leaving_reason="resigned"), 400, "data.leaving_reason"),
        ("leaving reason not a string", left(leaving_reason=1), 400, "data.leaving_reason"),
        ("quartile 5", rated({**_PERIOD, "quartile": 5}), 400, "data.performance.quartile"),
        ("quartile 0", rated({**_PERIOD, "quartile": 0}), 400, "data.performance.quartile"),
        ("quartile as text", rated({**_PERIOD, "quartile": "4"}), 400, "data.performance.quartile"),
        ("quartile 3.0", rated({**_PERIOD, "quartile": 3.0}), 400, "data.performance.quartile"),
        ("rating as text", rated({**_PERIOD, "rating": "3.5"}), 400, "data.performance.rating"),
        ("rating negative", rated({**_PERIOD, "rating": -1}), 400, "data.performance.rating"),
        ("neither rating nor quartile", rated(_PERIOD), 400, "data.performance"),
        ("period ends before it starts", rated({"period_start": "2026-06-30", "period_end": "2026-01-01",
                                                "quartile": 2}), 400, "data.performance.period_end"),
        ("no period", rated({"quartile": 2}), 400, "data.performance.period_start"),
        ("unknown performance field", rated({**_PERIOD, "quartile": 2, "percentile": 90}), 400,
         "data.performance.percentile"),
        ("performance not an object", rated(4), 400, "data.performance"),
        ("period from 0001", rated({"period_start": "0001-01-01", "period_end": "2026-06-30", "quartile": 2}), 422,
         "data.performance.period_start"),
        ("period ends 2999", rated({"period_start": "2026-01-01", "period_end": "2999-06-30", "quartile": 2}), 422,
         "data.performance.period_end"),
        ("move kind unknown", moved(move_kind="sideways"), 400, "data.move_kind"),
        ("requisition id with a space", moved(move_kind="promotion", requisition_id="req 42"), 400,
         "data.requisition_id"),
    ]


@pytest.mark.parametrize("name", [c[0] for c in _outcome_cases("e", "m")])
def test_bad_outcome_facts_are_refused_naming_the_field_and_nothing_is_stored(name, stack, hris, deps, known):
    employee, manager = known
    before = deps.profiles.get(employee)
    _, payload, status, field = next(c for c in _outcome_cases(employee, manager) if c[0] == name)
    delivery = hris.send(payload)
    assert (delivery.status, delivery.body.get("field")) == (status, field), delivery.body
    [record] = deps.audit.for_event(delivery.webhook_id)
    assert record.decision["field"] == field.replace("percentile", "<unknown field>")  # logs: schema names only
    stack.wait_until_idle()
    after = deps.profiles.get(employee)
    assert (after.version, after.performance, after.role_moves, after.leaving_reason) == (
        before.version, before.performance, before.role_moves, before.leaving_reason)


def test_outcome_facts_travel_from_the_webhook_to_the_profile(stack, hris, deps):
    employee, manager = person(stack, hris)
    rated = _with_data(upsert(employee, manager, at=_now()), performance={**_PERIOD, "rating": 4.5, "quartile": 4})
    moved = _with_data({**role_change(employee, "senior", "2026-10-01"), "timestamp": _now()},
                       move_kind="promotion", requisition_id="req-7")
    leaving = {"type": "employee.left", "timestamp": _now(1),
               "data": {"employee_id": employee, "leaving_date": "2026-12-31", "leaving_reason": "voluntary"}}
    for payload in (rated, moved):
        assert hris.send(payload).status == 202
        stack.wait_until_idle()
    assert hris.send(leaving).status == 202
    stack.wait_until_idle()
    profile = deps.profiles.get(employee)
    assert [(r.period_end, r.rating, r.quartile) for r in profile.performance] == [(date(2026, 6, 30), 4.5, 4)]
    assert [(m.career_stage, m.move_kind, m.requisition_id) for m in profile.role_moves] == [
        ("senior", "promotion", "req-7")]
    assert profile.leaving_reason == "voluntary"
