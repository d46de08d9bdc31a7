"""The bias audit's archive: one S3 bucket (own KMS key, versioned, TLS only, no public access, access-logged).

Two prefixes with different readers (spine): `audits/` holds results JSON, HTML reports and manifests, which the
API may read; `snapshots/` holds each audit's row-level inputs, demographics included, encrypted under the
demographics table's key, which only the audit function may use, and expiring after the spine's retention.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Aws, CfnElement, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from coachwire import spine
from constructs import Construct

from infrastructure.config import CoachwireConfig

ACCESS_LOG_DAYS = 365
NONCURRENT_SNAPSHOT_DAYS = 30


def via_s3() -> dict:
    """Key use allowed only inside S3 calls."""
    return {"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}}


class AuditReports(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: CoachwireConfig) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description=f"coachwire {config.stage}: bias audit reports",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Server access logs cannot go to a KMS-encrypted bucket: S3-managed keys here.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(ACCESS_LOG_DAYS))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.access_logs).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason="This bucket receives the audit bucket's server access logs; logging it to itself would loop.",
            )
        )
        # Retained even for dev stacks: audit manifests and aggregates are records HR must be able to show.
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="audit-reports/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-input-snapshots",
                    prefix=spine.AUDIT_SNAPSHOTS_PREFIX,
                    expiration=Duration.days(spine.AUDIT_SNAPSHOT_RETENTION_DAYS),
                    noncurrent_version_expiration=Duration.days(NONCURRENT_SNAPSHOT_DAYS),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _acknowledge_prefix(self, role: iam.IRole, what: str, *prefixes: str) -> None:
        cfn = self.bucket.node.default_child
        assert isinstance(cfn, CfnElement)  # an L2 bucket's default child is its CfnBucket
        bucket_id = Stack.of(self).resolve(cfn.logical_id)
        for prefix in prefixes:
            Validations.of(role).acknowledge(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}*]",
                    reason=f"{what} objects under {prefix} only; audit ids are not known at deploy time.",
                )
            )

    def grant_write(self, role: iam.IRole, demographics_key: kms.IKey) -> None:
        """The audit function: put reports and snapshots, never read or delete them."""
        prefixes = (spine.AUDIT_REPORTS_PREFIX, spine.AUDIT_SNAPSHOTS_PREFIX)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:PutObject"], resources=[self.bucket.arn_for_objects(f"{p}*") for p in prefixes]))
        # Reports under the bucket's key; snapshots under the demographics key (S3 calls, nothing direct).
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[self.key.key_arn, demographics_key.key_arn],
            conditions=via_s3()))
        self._acknowledge_prefix(role, "PutObject on", *prefixes)

    def grant_read_reports(self, role: iam.IRole) -> None:
        """The API: read reports, never snapshots (their prefix and their key are both out of reach)."""
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects(f"{spine.AUDIT_REPORTS_PREFIX}*")]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["kms:Decrypt"], resources=[self.key.key_arn], conditions=via_s3()))
        self._acknowledge_prefix(role, "GetObject on", spine.AUDIT_REPORTS_PREFIX)
