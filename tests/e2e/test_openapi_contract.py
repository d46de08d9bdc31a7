"""The OpenAPI document is the API's contract: a bounded schemathesis run against the seeded local stack finds no
server error, no undocumented status, content type or header, no body that breaks its schema, and a 405 with an
Allow header for every method a path does not have. Path parameters are real ids of the sample organisation, so
operations get past their 404s; tokens carry the role each operation needs, so they get past 403."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import hypothesis
import pytest
import requests
import schemathesis
from coachwire.api.app import create_app, openapi_document
from coachwire.models.guides import REASON_CODES
from coachwire_tools.local.stack import LocalStack
from coachwire_tools.sample_org import framework_for_role
from coachwire_tools.sample_org.people import SAMPLE_PEOPLE
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from standardwebhooks import Webhook

pytestmark = pytest.mark.e2e

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, unsupported_method]
HR_ADMIN = next(p.employee_id for p in SAMPLE_PEOPLE if p.access == "hr_admin")
EMPLOYEE = next(p for p in SAMPLE_PEOPLE if p.access == "employee" and p.manager_id)
# Only the employee themself may do these (hr_admin gets 403): their token, so the fuzzer reaches the route.
EMPLOYEE_ONLY = {("PUT", "/employees/{employee_id}/personalisation"), ("POST", "/employees/{employee_id}/corrections"),
                 ("PATCH", "/employees/{employee_id}/plan")}


@pytest.fixture(scope="module")
def running():
    with LocalStack(seed="sample") as stack:
        yield stack


# Real ids, filled in by the `ids` fixture before any case is generated.
REAL_IDS: dict[str, list[str]] = {}


@pytest.fixture(scope="module")
def ids(running):
    """Real ids for every path parameter the sample organisation (plus one correction and one audit) has."""
    def call(method: str, path: str, sub: str, role: str, body: dict | None = None) -> dict:
        response = requests.request(method, running.base_url + path, json=body, timeout=30,
                                    headers={"authorization": f"Bearer {running.mint_token(role, sub)}"})
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    correction = call("POST", f"/employees/{EMPLOYEE.employee_id}/corrections", EMPLOYEE.employee_id, "employee",
                      {"field": "display_name", "proposed": "Renamed Person"})
    audit = call("POST", "/audits", HR_ADMIN, "hr_admin", {"window": "2026Q3"})
    stall_run = call("POST", "/jobs/stall-detection/run", HR_ADMIN, "hr_admin", {})
    frameworks = call("GET", "/frameworks", HR_ADMIN, "hr_admin")["frameworks"]
    models = call("GET", "/models", HR_ADMIN, "hr_admin")
    REAL_IDS.update({
        "employee_id": [EMPLOYEE.employee_id],
        "person_id": [EMPLOYEE.employee_id],
        "manager_id": [EMPLOYEE.manager_id],
        "framework_id": [f["framework_id"] for f in frameworks],
        "framework_version": [v for f in frameworks for v in f["versions"]],
        "model_version": [models["active"]],
        "correction_id": [correction["correction_id"]],
        "audit_id": [audit["audit_id"]],
        "run_id": [stall_run["run_id"]],
        "reason_code": list(REASON_CODES),
    })
    schema.config.parameters.update({"path.correction_id": correction["correction_id"],
                                     "path.audit_id": audit["audit_id"], "path.run_id": stall_run["run_id"]})
    return REAL_IDS


# The document the API serves, made by the same code without a running stack (so pytest can collect one test per
# operation); test_the_served_document_is_this_one checks the two are the same.
DOCUMENT = openapi_document(create_app(None))  # type: ignore[arg-type]
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(max_examples=4, deterministic=True, no_shrink=True)
# Ids known before the stack starts, pinned for every phase (the coverage phase's cases are built at collection).
schema.config.parameters.update({"path.employee_id": EMPLOYEE.employee_id, "path.person_id": EMPLOYEE.employee_id,
                                 "path.manager_id": EMPLOYEE.manager_id,
                                 "path.framework_id": framework_for_role(EMPLOYEE.role_id).framework_id})


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict) -> st.SearchStrategy:
    """Mostly real ids (the generated one now and then, for the 404 path)."""
    choices = {}
    for name, value in (path_parameters or {}).items():
        key = name
        if name == "version":
            key = "model_version" if context.operation.path.startswith("/models") else "framework_version"
        real = REAL_IDS.get(key)
        choices[name] = st.sampled_from([*real, *real, *real, value]) if real else st.just(value)
    return st.fixed_dictionaries(choices) if path_parameters is not None else st.none()


def test_the_served_document_is_this_one(running):
    assert requests.get(running.base_url + "/openapi.json", timeout=30).json() == DOCUMENT


@schema.parametrize()
@hypothesis.settings(deadline=None, derandomize=True, suppress_health_check=list(hypothesis.HealthCheck))
def test_the_api_answers_as_its_openapi_document_says(case, running, ids):
    role, sub = ("employee", EMPLOYEE.employee_id) if (case.method, case.path) in EMPLOYEE_ONLY else (
        "hr_admin", HR_ADMIN)
    headers = {"authorization": f"Bearer {running.mint_token(role, sub)}"}
    if case.path == "/webhooks/hris" and case.method == "POST":
        response = _signed(case, running, headers)
        case.validate_response(response, checks=CHECKS)
    else:
        case.call_and_validate(base_url=running.base_url, headers=headers, checks=CHECKS, timeout=30)


def _signed(case, running: LocalStack, headers: dict) -> requests.Response:
    """The webhook with a valid signature over whatever body was generated, so it gets past 401."""
    kwargs = case.as_transport_kwargs(base_url=running.base_url, headers=headers)
    raw = kwargs.pop("data", None)
    if "json" in kwargs:
        raw = json.dumps(kwargs.pop("json")).encode()
    raw = raw if isinstance(raw, bytes) else (raw or "").encode()
    webhook_id = f"msg_fuzz_{time.monotonic_ns()}"
    now = datetime.now(UTC)
    kwargs["headers"] = {**kwargs.get("headers", {}), "webhook-id": webhook_id,
                         "webhook-timestamp": str(int(now.timestamp())),
                         "webhook-signature": Webhook(running.webhook_secrets[0]).sign(webhook_id, now, raw.decode(
                             "utf-8", "replace"))}
    return requests.request(data=raw, timeout=30, **kwargs)
