"""Which token claims name the caller and their role: configurable, checked when the settings load."""

from __future__ import annotations

import pytest
from coachwire.domain.access import Caller
from coachwire.errors import NotAllowed
from coachwire.identity import ClaimMapping, claim_values
from coachwire.settings import Settings
from coachwire_tools.local.http import _claims_as_strings
from pydantic import ValidationError

COGNITO = ClaimMapping(employee_id_claim="custom:employee_id", groups_claim="cognito:groups",
                       group_roles={"coachwire-hr": "hr_admin", "coachwire-managers": "manager",
                                    "coachwire-staff": "employee"})


def test_by_default_the_subject_is_the_employee_id_and_the_role_its_own_claim():
    caller = Caller.from_claims({"sub": "emp-1", "coachwire_role": "manager"}, ClaimMapping())
    assert caller == Caller("emp-1", "manager")


def test_an_opaque_subject_is_ignored_when_another_claim_holds_the_employee_id():
    claims = {"sub": "7f3c2a9e-0b1d-4c55-9e61-2f0d8a4b7c10", "employee_id": "emp-1", "coachwire_role": "employee"}
    assert Caller.from_claims(claims, ClaimMapping(employee_id_claim="employee_id")).subject == "emp-1"


def test_a_numeric_employee_number_is_read_as_the_id_it_is_in_the_hris():
    claims = {"sub": "opaque", "employee_id": 104233, "coachwire_role": "employee"}
    assert Caller.from_claims(claims, ClaimMapping(employee_id_claim="employee_id")).subject == "104233"


@pytest.mark.parametrize("claims", [{"sub": "opaque", "coachwire_role": "employee"},
                                    {"sub": "opaque", "employee_id": "  ", "coachwire_role": "employee"},
                                    {"sub": "opaque", "employee_id": ["emp-1"], "coachwire_role": "employee"}])
def test_a_token_without_the_employee_id_claim_is_refused_naming_the_claim(claims):
    with pytest.raises(NotAllowed, match="'employee_id' claim"):
        Caller.from_claims(claims, ClaimMapping(employee_id_claim="employee_id"))


@pytest.mark.parametrize(("groups", "role"), [
    (["coachwire-staff"], "employee"),
    (["coachwire-staff", "coachwire-managers"], "manager"),
    (["coachwire-managers", "coachwire-hr", "coachwire-staff"], "hr_admin"),  # the strongest role wins
    (["everyone", "coachwire-managers"], "manager"),  # groups nobody mapped are ignored
])
def test_groups_map_to_the_strongest_role_as_the_gateway_hands_them_over(groups, role):
    # The API Gateway JWT authorizer flattens list claims to "[a b]"; the local server does the same.
    for claims in ({"custom:employee_id": "emp-1", "cognito:groups": groups},
                   _claims_as_strings({"custom:employee_id": "emp-1", "cognito:groups": groups})):
        assert Caller.from_claims(claims, COGNITO) == Caller("emp-1", role)


def test_with_group_roles_set_the_role_claim_is_not_read():
    claims = {"custom:employee_id": "emp-1", "coachwire_role": "hr_admin", "cognito:groups": "[coachwire-staff]"}
    assert Caller.from_claims(claims, COGNITO).role == "employee"


@pytest.mark.parametrize("groups", [None, "[]", "[everyone admins]", "coachwire-hr-lookalike"])
def test_no_mapped_group_is_refused_naming_the_groups_claim(groups):
    claims = {"custom:employee_id": "emp-1"} | ({"cognito:groups": groups} if groups is not None else {})
    with pytest.raises(NotAllowed, match="'cognito:groups' claim"):
        Caller.from_claims(claims, COGNITO)


@pytest.mark.parametrize(("value", "values"), [
    ("[a b c]", ["a", "b", "c"]),  # API Gateway's flattening of ["a", "b", "c"]
    ('["a", "b"]', ["a", "b"]),  # a JSON-encoded array in a string claim
    ("a", ["a"]),
    (["a", "b"], ["a", "b"]),
    ("", []),
    (None, []),
])
def test_list_claims_in_every_shape_they_arrive_in(value, values):
    assert claim_values(value) == values


def test_settings_carry_the_claim_mapping_from_the_environment(monkeypatch):
    monkeypatch.setenv("COACHWIRE_EMPLOYEE_ID_CLAIM", "custom:employee_id")
    monkeypatch.setenv("COACHWIRE_GROUPS_CLAIM", "cognito:groups")
    monkeypatch.setenv("COACHWIRE_GROUP_ROLES", '{"coachwire-hr": "hr_admin", "coachwire-managers": "manager", '
                                               '"coachwire-staff": "employee"}')
    assert Settings().claim_mapping() == COGNITO


@pytest.mark.parametrize(("env", "value", "named"), [
    ("COACHWIRE_GROUP_ROLES", '{"coachwire-hr": "superuser"}', "COACHWIRE_GROUP_ROLES"),
    ("COACHWIRE_GROUP_ROLES", '{"HR Admins": "hr_admin"}', "COACHWIRE_GROUP_ROLES"),
    ("COACHWIRE_EMPLOYEE_ID_CLAIM", "employee id", "COACHWIRE_EMPLOYEE_ID_CLAIM"),
    ("COACHWIRE_ROLE_CLAIM", "", "COACHWIRE_ROLE_CLAIM"),
    ("COACHWIRE_GROUPS_CLAIM", "a b", "COACHWIRE_GROUPS_CLAIM"),
])
def test_bad_claim_configuration_fails_when_the_settings_load_naming_the_setting(monkeypatch, env, value, named):
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError, match=named):
        Settings()
