"""CoachwireStack: every resource, derived from `coachwire.spine` and the deploy-time config."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from coachwire import spine
from coachwire_tools.dlq.stack import AUDIT_TABLE_OUTPUT, dead_letter_output_key
from constructs import Construct

from infrastructure.config import CoachwireConfig
from infrastructure.constructs.api import Api, HttpFunction
from infrastructure.constructs.audit_reports import AuditReports
from infrastructure.constructs.chat import ChatSecrets
from infrastructure.constructs.data import Tables
from infrastructure.constructs.function import FunctionDeps
from infrastructure.constructs.ingest import Ingest
from infrastructure.constructs.layer import CoachwireLayer
from infrastructure.constructs.monitoring import Monitoring
from infrastructure.constructs.notifications import Notifications
from infrastructure.constructs.schedules import Schedules
from infrastructure.constructs.triggers import TriggerFunction, construct_id


class CoachwireStack(Stack):
    def __init__(self, scope: Construct, construct_id_: str, *, config: CoachwireConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id_, **kwargs)
        self.config = config
        Tags.of(self).add("project", "coachwire")
        Tags.of(self).add("stage", config.stage)

        self.tables = Tables(self, "Data", config=config)
        self.ingest = Ingest(self, "Ingest", config=config)
        self.notifications = Notifications(self, "Notifications", config=config)
        self.chat = ChatSecrets(self, "ChatSecrets", config=config)
        self.layer = CoachwireLayer(self, "SharedLayer")
        self.audit_reports = AuditReports(self, "AuditReports", config=config)
        deps = FunctionDeps(config=config, tables=self.tables, bus=self.ingest.bus, layer=self.layer.layer,
                            audit_reports=self.audit_reports)

        self.triggers: dict[str, TriggerFunction] = {
            trigger.name: TriggerFunction(
                self,
                f"{construct_id(trigger.name)}Trigger",
                trigger=trigger,
                deps=deps,
                notifications=self.notifications,
                chat=self.chat,
            )
            for trigger in spine.TRIGGERS
        }
        self.schedules = Schedules(self, "Schedules", bus=self.ingest.bus, triggers=spine.TRIGGERS)

        self.http_functions: dict[str, HttpFunction] = {
            spec.name: HttpFunction(
                self,
                f"{construct_id(spec.name)}Function",
                spec=spec,
                deps=deps,
                webhook_secrets=self.ingest.webhook_secrets,
                chat=self.chat,
                triggers=list(self.triggers.values()),
            )
            for spec in spine.HTTP_FUNCTIONS
        }
        self.api = Api(self, "Api", config=config, functions=list(self.http_functions.values()))

        self.monitoring = Monitoring(self, "Monitoring", config=config)
        dead_letter_queues = [(construct_id(n), t.dead_letter_queue) for n, t in self.triggers.items()]
        dead_letter_queues += [
            (f"{construct_id(n)}Delivery", t.delivery_dead_letter_queue) for n, t in self.triggers.items()
        ]
        if self.schedules.triggers:
            dead_letter_queues.append(("Schedules", self.schedules.dead_letter_queue))
        self.monitoring.watch_dead_letter_queues(dead_letter_queues)
        functions = [(construct_id(n), t.function) for n, t in self.triggers.items()]
        functions += [(construct_id(n), f.function) for n, f in self.http_functions.items()]
        self.monitoring.watch_functions(functions)
        self.monitoring.watch_trigger_failures([(construct_id(n), t.function) for n, t in self.triggers.items()])
        self.monitoring.watch_trigger_rejections([(construct_id(n), t.function) for n, t in self.triggers.items()])
        self.monitoring.watch_queue_ages(
            [(construct_id(n), t.queue, t.trigger.timeout_seconds) for n, t in self.triggers.items()],
            config.queue_age_alarm_minutes,
        )
        self.monitoring.watch_parked_expiries(self.triggers["retention_sweep"].function)
        self.monitoring.watch_parked_rejections(self.triggers["profile_sync"].function)
        self.monitoring.watch_unknown_deliveries(self.triggers["notification_delivery"].function)
        self.monitoring.watch_silent_events(self.triggers["reliability_check"].function)
        self.monitoring.watch_broken_channels(
            [(construct_id(n), t.function) for n, t in self.triggers.items() if t.trigger.reads_chat_send_secret])

        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the HTTP API")
        CfnOutput(self, "EventBusName", value=self.ingest.bus.event_bus_name)
        CfnOutput(
            self,
            "WebhookSecretsArn",
            value=self.ingest.webhook_secrets.secret_arn,
            description="Put the HRIS whsec_ signing secret(s) here, comma-separated",
        )
        CfnOutput(self, "ChatSendSecretArn", value=self.chat.send.secret_arn,
                  description='Put {"slack_bot_token": "xoxb-...", "teams_webhooks": {"<ref>": "https://..."}} here')
        CfnOutput(self, "ChatVerifySecretArn", value=self.chat.verify.secret_arn,
                  description='Put {"slack_signing_secret": "..."} here')
        CfnOutput(self, "TeamsBotSecretArn", value=self.chat.teams_bot.secret_arn,
                  description='Put {"client_secret": "..."} (the Teams bot\'s Entra client secret) here')
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)
        # `coachwire dlq` finds each trigger's DLQ and the audit log (error types) through these.
        for name, trigger_function in self.triggers.items():
            CfnOutput(self, dead_letter_output_key(name), value=trigger_function.dead_letter_queue.queue_url,
                      description=f"{name}: firings that failed every retry (coachwire dlq)")
        CfnOutput(self, AUDIT_TABLE_OUTPUT, value=self.tables.by_key["audit"].table_name)
        CfnOutput(self, "AuditBucketName", value=self.audit_reports.bucket.bucket_name,
                  description="Bias audit reports and input snapshots (coachwire audit rerun reads it)")
