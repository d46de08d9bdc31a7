"""The evaluator and the recorder's call → IAM request mapping, on small hand-made inputs."""

from __future__ import annotations

import pytest
from coachwire import spine

from tests.iam.policy import Request, UnsupportedPolicy, decide
from tests.iam.recorder import Access, accesses

TABLE = {"Fn::GetAtt": ["DataProfiles1234", "Arn"]}
TABLE_ARN = "<DataProfiles1234.Arn>"


def allow(actions, resources, **extra) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def test_an_allowed_action_on_its_resource_is_allowed_and_anything_else_implicitly_denied():
    policy = [allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE)]
    assert decide(policy, Request("dynamodb:PutItem", TABLE_ARN)) == "allow"
    assert decide(policy, Request("dynamodb:ConditionCheckItem", TABLE_ARN)) == "implicit deny"
    assert decide(policy, Request("dynamodb:PutItem", "<DataOutbox99.Arn>")) == "implicit deny"


def test_an_explicit_deny_wins_over_an_allow():
    policy = [allow("dynamodb:*", TABLE), {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}]
    assert decide(policy, Request("dynamodb:UpdateItem", TABLE_ARN)) == "allow"
    assert decide(policy, Request("dynamodb:DeleteItem", TABLE_ARN)) == "explicit deny"


def test_action_wildcards_match_case_insensitively_and_only_their_service():
    policy = [allow("DynamoDB:Get*", TABLE)]
    assert decide(policy, Request("dynamodb:GetItem", TABLE_ARN)) == "allow"
    assert decide(policy, Request("dynamodb:Query", TABLE_ARN)) == "implicit deny"
    assert decide(policy, Request("s3:GetObject", TABLE_ARN)) == "implicit deny"


def test_an_index_grant_covers_the_tables_indexes_not_the_table():
    policy = [allow("dynamodb:Query", {"Fn::Join": ["", [TABLE, "/index/*"]]})]
    assert decide(policy, Request("dynamodb:Query", f"{TABLE_ARN}/index/by_manager")) == "allow"
    assert decide(policy, Request("dynamodb:Query", TABLE_ARN)) == "implicit deny"


def test_a_return_values_condition_allows_none_or_absent_and_denies_the_rest():
    policy = [allow("dynamodb:PutItem", TABLE,
                    Condition={"StringEqualsIfExists": {"dynamodb:ReturnValues": "NONE"}})]
    assert decide(policy, Request("dynamodb:PutItem", TABLE_ARN)) == "allow"
    assert decide(policy, Request("dynamodb:PutItem", TABLE_ARN, (("dynamodb:ReturnValues", "NONE"),))) == "allow"
    denied = Request("dynamodb:PutItem", TABLE_ARN, (("dynamodb:ReturnValues", "ALL_OLD"),))
    assert decide(policy, denied) == "implicit deny"


def test_a_via_service_condition_needs_the_key_in_the_request():
    region = {"Fn::Join": ["", ["dynamodb.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
    policy = [allow("kms:Decrypt", {"Fn::GetAtt": ["Key1", "Arn"]},
                    Condition={"StringEquals": {"kms:ViaService": region}})]
    via = (("kms:ViaService", "dynamodb.<AWS::Region>.amazonaws.com"),)
    assert decide(policy, Request("kms:Decrypt", "<Key1.Arn>", via)) == "allow"
    assert decide(policy, Request("kms:Decrypt", "<Key1.Arn>")) == "implicit deny"  # a direct KMS call


def test_not_action_and_unknown_operators():
    policy = [{"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": "*"}]
    assert decide(policy, Request("dynamodb:PutItem", TABLE_ARN)) == "allow"
    assert decide(policy, Request("dynamodb:DeleteItem", TABLE_ARN)) == "implicit deny"
    odd = [allow("dynamodb:PutItem", TABLE, Condition={"NumericLessThan": {"aws:x": "1"}})]
    with pytest.raises(UnsupportedPolicy):
        decide(odd, Request("dynamodb:PutItem", TABLE_ARN))


def test_each_transaction_item_is_its_own_action_on_its_own_table(monkeypatch):
    monkeypatch.delenv("COACHWIRE_PROFILES_TABLE", raising=False)
    monkeypatch.delenv("COACHWIRE_OUTBOX_TABLE", raising=False)
    params = {"TransactItems": [
        {"Put": {"TableName": "coachwire-local-profiles", "Item": {}}},
        {"ConditionCheck": {"TableName": "coachwire-local-profiles", "Key": {}, "ConditionExpression": "x"}},
        {"Put": {"TableName": "coachwire-local-outbox", "Item": {}}},
        {"Update": {"TableName": "coachwire-local-profiles", "Key": {}}},
    ]}
    found = accesses("api", "dynamodb", "TransactWriteItems", params)
    assert [(a.action, a.resource) for a in found] == [
        ("dynamodb:PutItem", ("table", "profiles")),
        ("dynamodb:ConditionCheckItem", ("table", "profiles")),
        ("dynamodb:PutItem", ("table", "outbox")),
        ("dynamodb:UpdateItem", ("table", "profiles")),
    ]


def test_calls_carry_their_index_return_values_and_the_key_a_customer_key_table_needs():
    query = accesses("api", "dynamodb", "Query", {"TableName": "coachwire-local-profiles", "IndexName": "by_manager"})
    assert query == [Access("api", "dynamodb:Query", ("table", "profiles", "index", "by_manager"))]
    put = accesses("demographics_sync", "dynamodb", "PutItem",
                   {"TableName": "coachwire-local-demographics", "Item": {}, "ReturnValues": "ALL_OLD"})
    assert put[0].context == (("dynamodb:ReturnValues", "ALL_OLD"),)
    assert any(spec.customer_managed_key for spec in spine.TABLES if spec.key == "demographics")
    assert put[1].action == "kms:Decrypt" and put[1].resource == ("table-key", "demographics")
    assert accesses("api", "sqs", "PurgeQueue", {})[0].resource == ("unmapped", "sqs", "PurgeQueue")
