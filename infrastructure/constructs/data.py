"""DynamoDB tables, one per `spine.TABLES` entry, and least-privilege grants from `spine.TableGrant`."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Acknowledgment, Aws, CfnElement, RemovalPolicy, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from coachwire import spine
from coachwire.settings import env_var
from constructs import Construct

from infrastructure.config import CoachwireConfig


def table_env_var(key: str) -> str:
    """Settings field `<key>_table` read from COACHWIRE_<KEY>_TABLE."""
    return env_var(f"{key}_table")


# What a caller needs on a table's own key, used through DynamoDB. Writes need Decrypt too: DynamoDB decrypts
# the table key with the caller's permissions on every access (aws-cdk#10010). Reading the data stays
# limited by the DynamoDB actions granted: a PutItem-only role cannot read items, whatever its key use.
KEY_ACTIONS_TO_READ = ("kms:Decrypt", "kms:DescribeKey")
KEY_ACTIONS_TO_WRITE = KEY_ACTIONS_TO_READ + (
    "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext")
READ_ACTIONS = frozenset({"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"})


def via_dynamodb() -> dict:
    """Key use allowed only inside DynamoDB calls, never as a direct KMS call."""
    return {"StringEquals": {"kms:ViaService": f"dynamodb.{Aws.REGION}.amazonaws.com"}}


def _attr(name: str) -> dynamodb.Attribute:
    # Every key in the spine is a string (ids, ISO timestamps, composite keys).
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Tables(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: CoachwireConfig) -> None:
        super().__init__(scope, construct_id)
        self.by_key: dict[str, dynamodb.Table] = {}
        self.specs: dict[str, spine.TableSpec] = {}
        self.keys: dict[str, kms.Key] = {}
        for spec in spine.TABLES:
            key = None
            if spec.customer_managed_key:
                key = kms.Key(
                    self,
                    f"{spec.key.title().replace('_', '')}Key",
                    description=f"coachwire {config.stage}: the {spec.key} table only",
                    enable_key_rotation=True,
                    removal_policy=RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY,
                )
                self.keys[spec.key] = key
            table = dynamodb.Table(
                self,
                spec.key.title().replace("_", ""),
                partition_key=_attr(spec.partition_key),
                sort_key=_attr(spec.sort_key) if spec.sort_key else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED if key else dynamodb.TableEncryption.AWS_MANAGED,
                encryption_key=key,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                time_to_live_attribute=spec.ttl_attribute,
                deletion_protection=config.is_prod,
                removal_policy=RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY,
            )
            for index in spec.indexes:
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attr(index.partition_key),
                    sort_key=_attr(index.sort_key) if index.sort_key else None,
                    projection_type=dynamodb.ProjectionType[index.projection],
                )
            self.by_key[spec.key] = table
            self.specs[spec.key] = spec

    def environment(self) -> dict[str, str]:
        return {table_env_var(key): table.table_name for key, table in self.by_key.items()}

    def grant(self, role: iam.IRole, grants: Iterable[spine.TableGrant], policy_scope: Construct) -> None:
        """Grant exactly the declared actions; `Table.grant` adds `<arn>/index/*` when the table has GSIs."""
        for grant in grants:
            if grant.table not in self.by_key:
                raise ValueError(f"grant names unknown table {grant.table!r}; spine.TABLES has {list(self.by_key)}")
            if any(a == "dynamodb:*" or not a.startswith("dynamodb:") for a in grant.actions):
                raise ValueError(f"grant on {grant.table!r} must list explicit dynamodb actions: {grant.actions}")
            table = self.by_key[grant.table]
            if grant.returns_nothing:
                if any(a in READ_ACTIONS for a in grant.actions):
                    raise ValueError(f"a returns-nothing grant on {grant.table!r} cannot include reads")
                role.add_to_principal_policy(iam.PolicyStatement(
                    actions=list(grant.actions), resources=[table.table_arn],
                    conditions={"StringEqualsIfExists": {"dynamodb:ReturnValues": "NONE"}}))
            else:
                table.grant(role, *grant.actions)
            key = self.keys.get(grant.table)
            if key is not None:
                writes = any(a not in READ_ACTIONS for a in grant.actions)
                role.add_to_principal_policy(iam.PolicyStatement(
                    actions=list(KEY_ACTIONS_TO_WRITE if writes else KEY_ACTIONS_TO_READ),
                    resources=[key.key_arn], conditions=via_dynamodb()))
            if self.specs[grant.table].indexes:
                Validations.of(policy_scope).acknowledge(
                    Acknowledgment(
                        id=f"AwsSolutions-IAM5[Resource::<{self._logical_id(table)}.Arn>/index/*]",
                        reason=(
                            f"Only the actions declared in spine for table '{grant.table}' "
                            f"({', '.join(grant.actions)}), extended to its own GSIs; index names are "
                            "not known as ARNs at deploy time."
                        ),
                    )
                )

    @staticmethod
    def _logical_id(table: dynamodb.Table) -> str:
        cfn = table.node.default_child
        assert isinstance(cfn, CfnElement)  # an L2 table's default child is its CfnTable
        return Stack.of(table).resolve(cfn.logical_id)
