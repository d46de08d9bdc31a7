"""What every Coachwire Lambda shares: role, log group, layer, settings env, table grants.

`TriggerFunction` (triggers.py) and `HttpFunction` (api.py) wrap this; neither re-implements it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from coachwire import spine
from coachwire.settings import env_var
from constructs import Construct

from infrastructure import REPO_ROOT
from infrastructure.config import CoachwireConfig
from infrastructure.constructs.audit_reports import AuditReports
from infrastructure.constructs.data import Tables
from infrastructure.constructs.layer import ARCHITECTURE, RUNTIME

HANDLER = "handler.lambda_handler"
POWERTOOLS_SERVICE_NAME = "coachwire"
POWERTOOLS_METRICS_NAMESPACE = "Coachwire"

RETENTION: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


@dataclass(frozen=True)
class FunctionDeps:
    """Stack-wide resources a function may be wired to."""

    config: CoachwireConfig
    tables: Tables
    bus: events.IEventBus
    layer: lambda_.ILayerVersion
    audit_reports: AuditReports | None = None

    def base_environment(self) -> dict[str, str]:
        return {
            "POWERTOOLS_SERVICE_NAME": POWERTOOLS_SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": POWERTOOLS_METRICS_NAMESPACE,
            env_var("stage"): self.config.stage,
            env_var("event_bus_name"): self.bus.event_bus_name,
            env_var("sender_email"): self.config.sender_email,
            # All table names, so no function ever falls back to Settings' `coachwire-local-*` defaults;
            # IAM (below) still limits what each one may do.
            **self.tables.environment(),
            **self.config.settings_environment(),
        }


def log_group(scope: Construct, construct_id: str, config: CoachwireConfig) -> logs.LogGroup:
    """Every log group: the configured retention, kept on destroy unless the stage drops its data."""
    return logs.LogGroup(
        scope,
        construct_id,
        retention=RETENTION[config.log_retention_days],
        removal_policy=RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY,
    )


def function_asset_dir(name: str) -> str:
    folder = REPO_ROOT / "functions" / name
    if not (folder / "handler.py").is_file():
        raise FileNotFoundError(f"{folder}/handler.py is missing: every spine function needs one")
    return str(folder)


class CoachwireFunction(Construct):
    """One Lambda function: folder asset + shared layer, own role and log group, declared grants only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deps: FunctionDeps,
        name: str,
        description: str,
        timeout_seconds: int,
        memory_mb: int,
        grants: Iterable[spine.TableGrant],
        publishes_events: bool,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        config = deps.config
        self.name = name
        self.timeout = Duration.seconds(timeout_seconds)

        self.log_group = log_group(self, "Logs", config)
        # Own role instead of AWSLambdaBasicExecutionRole: logs only to this function's group.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"coachwire {config.stage} {name}",
        )
        self.log_group.grant_write(self.role)

        self.function = lambda_.Function(
            self,
            "Function",
            description=description[:256],
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=lambda_.Code.from_asset(function_asset_dir(name), exclude=["__pycache__", "*.pyc", "tests"]),
            layers=[deps.layer],
            role=self.role,
            timeout=self.timeout,
            memory_size=memory_mb,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            environment={**deps.base_environment(), **(environment or {})},
        )

        deps.tables.grant(self.role, grants, policy_scope=self.role)
        if publishes_events:
            deps.bus.grant_put_events_to(self.role)

        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "Only xray:PutTraceSegments/PutTelemetryRecords (added by Tracing.ACTIVE), which do not "
                    "support resource-level permissions; tests/infra asserts no other action has Resource *."
                ),
            )
        )
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason=(
                    "Pinned to python3.12 on purpose: the shared layer's wheels (numpy, pydantic-core) are "
                    "built for cp312/arm64; upgrade runtime and layer together."
                ),
            )
        )
