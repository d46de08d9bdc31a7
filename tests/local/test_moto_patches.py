"""The emulator patch must keep moto's transaction semantics: all or nothing."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from coachwire_tools.local import moto_patches
from moto import mock_aws


@pytest.fixture
def ddb():
    moto_patches.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for name, keys in (("ranged", ("pk", "sk")), ("hashed", ("id",))):
            client.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in zip(keys, ("HASH", "RANGE"), strict=False)],
                AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys])
        client.put_item(TableName="ranged", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})
        client.put_item(TableName="hashed", Item={"id": {"S": "x"}, "n": {"N": "1"}})
        yield client


def _all(client, table):
    return sorted(str(i) for i in client.scan(TableName=table)["Items"])


def test_a_cancelled_transaction_leaves_every_table_as_it_was(ddb):
    before = {t: _all(ddb, t) for t in ("ranged", "hashed")}
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": "ranged", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET n = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Put": {"TableName": "ranged", "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
            {"Update": {"TableName": "hashed", "Key": {"id": {"S": "x"}}, "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Put": {"TableName": "hashed", "Item": {"id": {"S": "x2"}},
                     "ConditionExpression": "attribute_exists(id)"}},  # fails: cancels everything
        ])
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert {t: _all(ddb, t) for t in ("ranged", "hashed")} == before


def test_a_successful_transaction_applies_every_operation(ddb):
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": "ranged", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                    "UpdateExpression": "SET n = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}},
        {"Put": {"TableName": "hashed", "Item": {"id": {"S": "y"}}, "ConditionExpression": "attribute_not_exists(id)"}},
    ])
    item = ddb.get_item(TableName="ranged", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]
    assert item["n"] == {"N": "2"}
    assert "Item" in ddb.get_item(TableName="hashed", Key={"id": {"S": "y"}})


def test_the_cached_service_list_is_what_moto_lists_from_disk():
    import os

    import moto
    import moto.backends as backends

    moto_patches.apply()
    root = os.path.dirname(moto.__file__)
    on_disk = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith("__"))
    assert list(backends.list_of_moto_modules()) == on_disk
    assert {"dynamodb", "sqs", "events", "s3", "kms", "scheduler"} <= set(on_disk)


def test_concurrent_counter_updates_and_cancelled_transactions_lose_no_increment(ddb):
    """Counters are bumped by plain UpdateItem and inside transactions, some of them cancelled, from many threads at
    once (as the local stack's pollers and HTTP server do): every increment that succeeded is kept."""
    from concurrent.futures import ThreadPoolExecutor

    add = {"TableName": "hashed", "Key": {"id": {"S": "x"}}, "UpdateExpression": "ADD n :one",
           "ExpressionAttributeValues": {":one": {"N": "1"}}}

    def bump(i: int) -> int:
        if i % 3:
            ddb.update_item(**add)
            return 1
        try:  # a transaction whose second item fails: its increment is rolled back, others' must not be
            ddb.transact_write_items(TransactItems=[
                {"Update": add},
                {"Put": {"TableName": "hashed", "Item": {"id": {"S": "x"}}, "ConditionExpression":
                         "attribute_not_exists(id)"}}])
        except ClientError:
            return 0
        return 1

    with ThreadPoolExecutor(16) as pool:
        applied = sum(pool.map(bump, range(1500)))
    stored = int(ddb.get_item(TableName="hashed", Key={"id": {"S": "x"}})["Item"]["n"]["N"])
    assert applied == 1000 and stored == 1 + applied
