from datetime import UTC, datetime

import pytest
from coachwire.domain.access import Caller, may_read_employee, may_read_manager_inbox, may_read_notifications
from coachwire.errors import NotAllowed
from coachwire.identity import ClaimMapping
from coachwire.models.events import CheckinSubmitted, EmployeeUpserted
from coachwire.services.ingest import Rejected, parse, verify_signature
from pydantic import ValidationError
from standardwebhooks import Webhook

from tests.shared_data import shared_json


@pytest.mark.parametrize(("role", "sub", "employee", "manager", "allowed"), [
    ("hr_admin", "x", "emp-1", "emp-9", True),
    ("employee", "emp-1", "emp-1", "emp-9", True),
    ("employee", "emp-2", "emp-1", "emp-9", False),
    ("manager", "emp-9", "emp-1", "emp-9", True),
    ("manager", "emp-8", "emp-1", "emp-9", False),
    ("manager", "emp-9", "emp-9", "emp-7", True),   # their own record
    ("manager", "emp-9", "emp-3", None, False),
])
def test_employee_reads(role, sub, employee, manager, allowed):
    assert may_read_employee(Caller(sub, role), employee, manager) is allowed


def test_inbox_and_notification_reads():
    assert may_read_manager_inbox(Caller("emp-9", "manager"), "emp-9")
    assert not may_read_manager_inbox(Caller("emp-9", "employee"), "emp-9")
    assert not may_read_manager_inbox(Caller("emp-8", "manager"), "emp-9")
    assert may_read_notifications(Caller("emp-1", "employee"), "emp-1")
    assert not may_read_notifications(Caller("emp-9", "manager"), "emp-1")


def test_claims_without_a_known_role_are_refused():
    with pytest.raises(NotAllowed):
        Caller.from_claims({"sub": "emp-1", "coachwire_role": "superuser"}, ClaimMapping())
    assert Caller.from_claims({"sub": "emp-1", "coachwire_role": "employee"}, ClaimMapping()).role == "employee"


def test_inbound_models_refuse_unknown_fields():
    with pytest.raises(ValidationError) as err:
        EmployeeUpserted.model_validate({"employee_id": "e", "role_id": "r", "career_stage": "s",
                                         "email": "a@example.com", "display_name": "A", "hire_date": "2024-01-01",
                                         "salary": 1})
    assert err.value.errors()[0]["loc"] == ("salary",)


def test_a_skill_rated_twice_is_refused():
    with pytest.raises(ValidationError):
        CheckinSubmitted.model_validate({"checkin_id": "c", "employee_id": "e", "manager_id": "m",
                                         "submitted_at": "2026-11-01T10:00:00Z", "skill_ratings": [
                                             {"skill_id": "a", "level": 1}, {"skill_id": "a", "level": 2}]})


@pytest.mark.parametrize(("body", "field"), [
    (b"{not json", "body"),
    (b'{"type": "employee.fired", "timestamp": "2026-11-01T10:00:00Z", "data": {}}', "type"),
    (b'{"type": "performance.checkin.submitted", "timestamp": "2026-11-01T10:00:00Z", "data": {"checkin_id": "c",'
     b' "employee_id": "e", "manager_id": "m", "submitted_at": "2026-11-01T10:00:00Z",'
     b' "skill_ratings": [{"skill_id": "a", "level": "high"}]}}', "data.skill_ratings.0.level"),
    (b'{"type": "learning.activity.completed", "timestamp": "2026-11-01T10:00:00", "data": {}}', "timestamp"),
])
def test_parse_errors_name_the_field(body, field):
    with pytest.raises(Rejected) as err:
        parse(body)
    assert err.value.status == 400 and err.value.field == field and field in err.value.message


@pytest.fixture(scope="module")
def vectors():
    return shared_json("standard_webhooks/test_vectors.json")


def test_signing_matches_the_published_known_answer(vectors):
    k = vectors["known_answer"]
    signed = Webhook(k["secret"]).sign(k["msg_id"], datetime.fromtimestamp(k["timestamp"], tz=UTC), k["payload"])
    assert signed == k["expected_signature"]


def _fresh_headers(k: dict, signature: str | None = None) -> tuple[bytes, dict]:
    now = datetime.now(UTC)
    good = Webhook(k["secret"]).sign(k["msg_id"], now, k["payload"])
    return k["payload"].encode(), {"webhook-id": k["msg_id"], "webhook-timestamp": str(int(now.timestamp())),
                                   "webhook-signature": signature or good}


def test_a_current_signature_verifies_with_any_configured_secret(vectors):
    body, headers = _fresh_headers(vectors["known_answer"])
    verify_signature(body, headers, ["whsec_" + "A" * 32, vectors["known_answer"]["secret"]])


def _negative_requests(known: dict, case: dict):
    """Each published negative case as (body, headers, secret) requests that must be refused."""
    body, headers = _fresh_headers(known)
    secret = case.get("secret", known["secret"])
    if case["name"].startswith("missing"):
        for name in list(headers):
            yield body, {k: v for k, v in headers.items() if k != name}, secret
        return
    yield body, {**headers, **{k: v for k, v in case.items() if k.startswith("webhook-")}}, secret


def test_published_negative_cases_are_refused(vectors):
    assert len(vectors["negative_cases"]) >= 5
    for case in vectors["negative_cases"]:
        for body, headers, secret in _negative_requests(vectors["known_answer"], case):
            with pytest.raises(Rejected, match="signature|signing") as err:
                verify_signature(body, headers, [secret])
            assert err.value.status == 401, case["name"]


def test_one_changed_whitespace_byte_fails(vectors):
    body, headers = _fresh_headers(vectors["known_answer"])
    with pytest.raises(Rejected):
        verify_signature(body.replace(b": ", b":  "), headers, [vectors["known_answer"]["secret"]])
