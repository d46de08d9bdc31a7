"""Tokens as identity providers issue them: an opaque `sub`, the HRIS employee id in another claim, groups for
roles. Through the real local API (JWT check, claims flattened to strings as the gateway does)."""

from __future__ import annotations

import pytest
import requests
from coachwire.adapters.aws import reset_clients
from coachwire.adapters.dynamo import DynamoCatalogStore
from coachwire_tools.local.stack import LocalStack, new_webhook_secret

from tests.factories import catalog, framework
from tests.integration.conftest import person

CLAIMS = {
    "COACHWIRE_EMPLOYEE_ID_CLAIM": "employee_id",
    "COACHWIRE_GROUP_ROLES": '{"coachwire-staff": "employee", "coachwire-managers": "manager"}',
}


@pytest.fixture(scope="module")
def stack():
    with pytest.MonkeyPatch.context() as env:
        for name, value in CLAIMS.items():
            env.setenv(name, value)
        with LocalStack(webhook_secrets=[new_webhook_secret()]) as running:
            reset_clients()
            DynamoCatalogStore(running.settings.catalog_table).put_framework(framework(), catalog())
            yield running


@pytest.fixture(scope="module")
def people(stack, hris):
    employee, manager = person(stack, hris)
    other, _ = person(stack, hris)
    return employee, manager, other


def get(stack, path: str, claims: dict) -> requests.Response:
    token = stack.sign_token(claims)
    return requests.get(stack.base_url + path, headers={"authorization": f"Bearer {token}"}, timeout=30)


def test_an_opaque_subject_with_the_employee_id_claim_reads_that_employees_own_data_only(stack, people):
    employee, _, other = people
    claims = {"sub": "00u8f2opaque4x7", "employee_id": employee, "groups": ["everyone", "coachwire-staff"]}
    own = get(stack, f"/employees/{employee}", claims)
    assert own.status_code == 200, own.text
    assert own.json()["employee_id"] == employee
    assert get(stack, f"/employees/{other}", claims).status_code == 403


def test_the_manager_group_reads_direct_reports_and_no_one_else(stack, people):
    employee, manager, other = people
    claims = {"sub": "00u8f2opaque9m1", "employee_id": manager, "groups": ["coachwire-staff", "coachwire-managers"]}
    assert get(stack, f"/employees/{employee}", claims).status_code == 200
    assert get(stack, f"/managers/{manager}/alerts", claims).status_code == 200
    assert get(stack, f"/employees/{other}", claims).status_code == 403


def test_the_subject_alone_is_not_taken_for_the_employee_id(stack, people):
    employee, _, _ = people
    refused = get(stack, f"/employees/{employee}", {"sub": employee, "groups": ["coachwire-staff"]})
    assert refused.status_code == 403
    assert "'employee_id' claim" in refused.json()["message"]


def test_a_token_without_a_mapped_group_is_refused_naming_the_groups_claim(stack, people):
    employee, _, _ = people
    refused = get(stack, f"/employees/{employee}", {"sub": "00u8f2opaque4x7", "employee_id": employee,
                                                    "coachwire_role": "hr_admin", "groups": ["everyone"]})
    assert refused.status_code == 403
    assert "'groups' claim" in refused.json()["message"]


def test_local_tokens_follow_the_configured_claims(stack, people):
    employee, _, other = people
    token = stack.mint_token("employee", "00u8f2opaque4x7", employee_id=employee)
    headers = {"authorization": f"Bearer {token}"}
    assert requests.get(f"{stack.base_url}/employees/{employee}", headers=headers, timeout=30).status_code == 200
    assert requests.get(f"{stack.base_url}/employees/{other}", headers=headers, timeout=30).status_code == 403
