"""The ingress plumbing every event path shares: the custom bus and the webhook signing secrets."""

from __future__ import annotations

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infrastructure.config import CoachwireConfig


class Ingest(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: CoachwireConfig) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"coachwire-{config.stage}-bus")

        # Holds the same comma-separated `whsec_...` list as COACHWIRE_WEBHOOK_SECRETS does locally.
        # Ops set the real value after the first deploy (see the stack output).
        self.webhook_secrets = secretsmanager.Secret(
            self,
            "WebhookSecrets",
            description=(
                f"Coachwire {config.stage}: HRIS webhook signing secrets (comma-separated whsec_...). "
                "Set with `aws secretsmanager put-secret-value`."
            ),
            removal_policy=RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY,
        )
        Validations.of(self.webhook_secrets).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason=(
                    "Signing secrets are issued by the HRIS vendor, not by us: rotation is a manual overlap "
                    "(add the new whsec_ to the list, switch the vendor, drop the old one); no rotation Lambda "
                    "can perform it."
                ),
            )
        )
