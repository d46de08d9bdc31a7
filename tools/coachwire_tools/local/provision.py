"""Create in the emulator what the CDK app creates in AWS, by looping over `coachwire.spine`.

Every step is an upsert, so provisioning an already provisioned account is safe.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from botocore.exceptions import ClientError
from coachwire import spine
from coachwire.settings import Settings

from coachwire_tools.local.moto_server import client

DEAD_LETTER_ENV = "COACHWIRE_DEAD_LETTER_QUEUES"
TRIGGER_QUEUES_ENV = "COACHWIRE_TRIGGER_QUEUES"
# In AWS only the bias audit function gets this key (for its input snapshots); locally every handler shares
# one environment.
DEMOGRAPHICS_KEY_ENV = "COACHWIRE_DEMOGRAPHICS_KEY_ARN"


def resource_name(settings: Settings, trigger: spine.Trigger) -> str:
    """Queue, rule and schedule name of one trigger (the DLQ adds `-dlq`)."""
    return f"coachwire-{settings.stage}-{trigger.name.replace('_', '-')}"


def table_name(settings: Settings, spec: spine.TableSpec) -> str:
    return getattr(settings, f"{spec.key}_table")


@dataclass(frozen=True)
class Provisioned:
    """What provisioning created, for the dispatcher and the tests."""

    bus_name: str
    bus_arn: str
    queue_urls: dict[str, str]  # trigger name -> queue url
    queue_arns: dict[str, str]
    dlq_urls: dict[str, str]
    rule_names: dict[str, str]
    schedule_names: dict[str, str]  # only triggers with a schedule
    tables: dict[str, str]  # table key -> table name
    table_keys: dict[str, str] = field(default_factory=dict)  # table key -> its own KMS key arn, if any
    audit_bucket: str = ""

    def dead_letter_env(self) -> str:
        return ",".join(f"{name}={url}" for name, url in self.dlq_urls.items())

    def trigger_queue_env(self) -> str:
        return ",".join(f"{name}={url}" for name, url in self.queue_urls.items())


def provision(settings: Settings | None = None) -> Provisioned:
    """Provision everything; export COACHWIRE_DEAD_LETTER_QUEUES (api) and the demographics key (bias audit)."""
    settings = settings or Settings()
    table_keys = {spec.key: _kms_key(table_name(settings, spec)) for spec in spine.TABLES
                  if spec.customer_managed_key}
    tables = {spec.key: _table(settings, spec, table_keys.get(spec.key)) for spec in spine.TABLES}
    bus_arn = _event_bus(settings.event_bus_name)
    queue_urls, queue_arns, dlq_urls, rules, schedules = {}, {}, {}, {}, {}
    for trigger in spine.TRIGGERS:
        name = resource_name(settings, trigger)
        dlq_urls[trigger.name], dlq_arn = _queue(f"{name}-dlq")
        queue_urls[trigger.name], queue_arns[trigger.name] = _queue(name)
        rule_arn = _rule(settings.event_bus_name, name, trigger)
        client("sqs").set_queue_attributes(
            QueueUrl=queue_urls[trigger.name],
            Attributes={
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": trigger.max_receive_count}
                ),
                # AWS guidance: at least 6x the consumer's timeout. Failed records get 1 s locally.
                "VisibilityTimeout": str(6 * trigger.timeout_seconds),
                "Policy": _allow_rule_policy(queue_arns[trigger.name], rule_arn),
            },
        )
        rules[trigger.name] = name
        _target(settings.event_bus_name, name, queue_arns[trigger.name])
        if trigger.schedule:
            schedules[trigger.name] = _schedule(name, trigger, bus_arn)
    client("ses").verify_email_identity(EmailAddress=settings.sender_email)
    _audit_bucket(settings.audit_bucket, _kms_key(settings.audit_bucket))
    provisioned = Provisioned(
        bus_name=settings.event_bus_name,
        bus_arn=bus_arn,
        queue_urls=queue_urls,
        queue_arns=queue_arns,
        dlq_urls=dlq_urls,
        rule_names=rules,
        schedule_names=schedules,
        tables=tables,
        table_keys=table_keys,
        audit_bucket=settings.audit_bucket,
    )
    os.environ[DEAD_LETTER_ENV] = provisioned.dead_letter_env()
    os.environ[TRIGGER_QUEUES_ENV] = provisioned.trigger_queue_env()
    os.environ[DEMOGRAPHICS_KEY_ENV] = table_keys.get("demographics", "")
    return provisioned


def _kms_key(name: str) -> str:
    """A rotated symmetric key found by its alias, so re-provisioning reuses it."""
    kms = client("kms")
    alias = f"alias/{name}"
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "NotFoundException":
            raise
    key = kms.create_key(Description=f"{name}: its own key, as in AWS")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key["Arn"]


def _table(settings: Settings, spec: spine.TableSpec, kms_key_arn: str | None = None) -> str:
    name = table_name(settings, spec)
    ddb = client("dynamodb")
    key_names = [spec.partition_key, spec.sort_key]
    for index in spec.indexes:
        key_names += [index.partition_key, index.sort_key]
    # spine declares key names only; every Coachwire key is a string.
    attributes = [{"AttributeName": n, "AttributeType": "S"} for n in dict.fromkeys(k for k in key_names if k)]
    request = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": attributes,
        "KeySchema": _key_schema(spec.partition_key, spec.sort_key),
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition_key, index.sort_key),
                "Projection": {"ProjectionType": index.projection},
            }
            for index in spec.indexes
        ]
    if kms_key_arn:
        request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key_arn}
    try:
        ddb.create_table(**request)
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceInUseException":
            raise
    if spec.ttl_attribute:
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") != "ENABLED":
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )
    return name


def _audit_bucket(name: str, kms_key_arn: str) -> None:
    """As the CDK builds it: versioned, encrypted under its own key, no public access, snapshots expiring."""
    s3 = client("s3")
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_arn},
        "BucketKeyEnabled": True}]})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [{
        "ID": "expire-input-snapshots", "Status": "Enabled", "Filter": {"Prefix": spine.AUDIT_SNAPSHOTS_PREFIX},
        "Expiration": {"Days": spine.AUDIT_SNAPSHOT_RETENTION_DAYS},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]})


def _key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def _event_bus(name: str) -> str:
    events = client("events")
    try:
        return events.create_event_bus(Name=name)["EventBusArn"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceAlreadyExistsException":
            raise
        return events.describe_event_bus(Name=name)["Arn"]


def _queue(name: str) -> tuple[str, str]:
    # Created bare and configured with set_queue_attributes: create_queue rejects an existing queue
    # whose attributes differ, which would make re-provisioning fail.
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _allow_rule_policy(queue_arn: str, rule_arn: str) -> str:
    # moto does not enforce it; kept so the local queue carries the same grant as the deployed one.
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowEventBridgeRule",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                }
            ],
        }
    )


def _rule(bus_name: str, rule_name: str, trigger: spine.Trigger) -> str:
    return client("events").put_rule(
        Name=rule_name,
        EventBusName=bus_name,
        EventPattern=json.dumps(trigger.event_pattern()),
        State="ENABLED",
        Description=trigger.summary,
    )["RuleArn"]


def _target(bus_name: str, rule_name: str, queue_arn: str) -> None:
    response = client("events").put_targets(
        Rule=rule_name, EventBusName=bus_name, Targets=[{"Id": "queue", "Arn": queue_arn}]
    )
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"could not target {queue_arn} from rule {rule_name}: {response['FailedEntries']}")


def schedule_input(trigger: spine.Trigger) -> dict[str, str]:
    """The Detail the real schedule puts on the bus (the scheduler never passes `as_of`)."""
    return {"job": trigger.name, "requested_by": "schedule"}


def _schedule(name: str, trigger: spine.Trigger, bus_arn: str) -> str:
    if not trigger.schedule_detail_type:
        raise ValueError(f"trigger {trigger.name} has a schedule but no schedule_detail_type")
    account = bus_arn.split(":")[4]
    request = {
        "Name": name,
        "ScheduleExpression": trigger.schedule,
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED",
        "Target": {
            "Arn": bus_arn,
            "RoleArn": f"arn:aws:iam::{account}:role/{name}-scheduler",
            "Input": json.dumps(schedule_input(trigger)),
            "EventBridgeParameters": {
                "Source": spine.EVENT_SOURCE_SCHEDULER,
                "DetailType": trigger.schedule_detail_type,
            },
        },
    }
    scheduler = client("scheduler")
    try:
        scheduler.create_schedule(**request)
    except ClientError as e:
        if e.response["Error"]["Code"] != "ConflictException":
            raise
        scheduler.update_schedule(**request)
    return name
