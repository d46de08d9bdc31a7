"""`TriggerFunction`: one construct for every `spine.Trigger` — rule → queue (+DLQ) → function."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from coachwire import spine
from coachwire.settings import env_var
from constructs import Construct

from infrastructure.constructs.chat import ChatSecrets, grant_secret_value
from infrastructure.constructs.function import CoachwireFunction, FunctionDeps
from infrastructure.constructs.notifications import Notifications

# Queue visibility must outlast every retry of one batch (AWS guidance: 6 × function timeout).
VISIBILITY_FACTOR = 6
DLQ_RETENTION = Duration.days(14)  # SQS maximum: time to investigate and redrive
# Failing to put an event on our own queue is a config error (policy, encryption); surface it fast.
RULE_RETRY_ATTEMPTS = 8
RULE_MAX_EVENT_AGE = Duration.hours(6)

# spine patterns use EventBridge JSON keys; EventPattern wants python names.
_PATTERN_KEYS = {
    "source": "source",
    "detail-type": "detail_type",
    "detail": "detail",
    "account": "account",
    "region": "region",
    "resources": "resources",
}


def construct_id(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def event_pattern(trigger: spine.Trigger) -> events.EventPattern:
    raw = trigger.event_pattern()
    unknown = set(raw) - set(_PATTERN_KEYS)
    if unknown:
        raise ValueError(f"trigger {trigger.name}: unsupported event pattern keys {sorted(unknown)}")
    return events.EventPattern(**{_PATTERN_KEYS[k]: v for k, v in raw.items()})


def secure_queue(scope: Construct, construct_id: str, **props: object) -> sqs.Queue:
    """Every queue here: SQS-managed SSE (EventBridge can deliver to it, unlike aws/sqs KMS) + TLS only."""
    return sqs.Queue(scope, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **props)


def acknowledge_unredriven_dlq(queue: sqs.Queue, what: str) -> None:
    Validations.of(queue).acknowledge(
        Acknowledgment(
            id="AwsSolutions-SQS3",
            reason=f"This queue is itself the dead-letter queue for {what}; it is alarmed, not redriven.",
        )
    )


class TriggerFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trigger: spine.Trigger,
        deps: FunctionDeps,
        notifications: Notifications,
        chat: ChatSecrets,
    ) -> None:
        super().__init__(scope, construct_id)
        self.trigger = trigger
        environment: dict[str, str] = {}
        reports = deps.audit_reports
        if trigger.writes_audit_reports:
            if reports is None or "demographics" not in deps.tables.keys:
                raise ValueError(f"trigger {trigger.name} writes audit reports: the stack needs the audit bucket "
                                 "and the demographics table's key")
            environment[env_var("audit_bucket")] = reports.bucket.bucket_name
            environment[env_var("demographics_key_arn")] = deps.tables.keys["demographics"].key_arn
        if trigger.notifies_hr_admins:
            environment[env_var("hr_admins")] = deps.config.hr_admins_json()
        if trigger.reads_chat_send_secret:
            environment.update(chat.send_environment())
        if trigger.reads_teams_bot_secret:
            environment.update(chat.teams_bot_environment())

        self.handler = CoachwireFunction(
            self,
            "Handler",
            deps=deps,
            name=trigger.name,
            description=trigger.summary,
            timeout_seconds=trigger.timeout_seconds,
            memory_mb=trigger.memory_mb,
            grants=trigger.all_grants,
            publishes_events=trigger.publishes_events,
            environment=environment,
        )
        self.function = self.handler.function
        if trigger.writes_audit_reports and reports is not None:
            reports.grant_write(self.handler.role, deps.tables.keys["demographics"])

        self.dead_letter_queue = secure_queue(self, "DeadLetterQueue", retention_period=DLQ_RETENTION)
        self.queue = secure_queue(
            self,
            "Queue",
            visibility_timeout=Duration.seconds(VISIBILITY_FACTOR * trigger.timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=trigger.max_receive_count
            ),
        )
        self.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=trigger.batch_size,
                # Batches above 10 are only allowed with a batching window.
                max_batching_window=Duration.seconds(1) if trigger.batch_size > 10 else None,
                report_batch_item_failures=True,
            )
        )

        # Where EventBridge puts events it could not deliver to `queue` after the retry policy.
        self.delivery_dead_letter_queue = secure_queue(self, "DeliveryDeadLetterQueue", retention_period=DLQ_RETENTION)
        acknowledge_unredriven_dlq(self.delivery_dead_letter_queue, f"the {trigger.name} rule's target")
        self.rule = events.Rule(
            self,
            "Rule",
            event_bus=deps.bus,
            description=trigger.summary[:512],
            event_pattern=event_pattern(trigger),
            targets=[
                targets.SqsQueue(
                    self.queue,
                    dead_letter_queue=self.delivery_dead_letter_queue,
                    retry_attempts=RULE_RETRY_ATTEMPTS,
                    max_event_age=RULE_MAX_EVENT_AGE,
                )
            ],
        )

        if trigger.sends_email:
            notifications.grant_send(self.handler.role)
        if trigger.reads_chat_send_secret:
            grant_secret_value(self.handler.role, chat.send)
        if trigger.reads_teams_bot_secret:
            grant_secret_value(self.handler.role, chat.teams_bot)
