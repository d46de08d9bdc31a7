"""Alarms that page someone: anything in a dead-letter queue, any function error, any failed trigger firing, any
parked event that expired or was rejected on replay, any trigger queue whose oldest message has waited too long."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from coachwire import spine
from constructs import Construct

from infrastructure.config import CoachwireConfig

PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: CoachwireConfig) -> None:
        super().__init__(scope, construct_id)
        # CloudWatch cannot publish to a topic encrypted with the AWS-managed aws/sns key,
        # so the topic gets its own key that the alarm service may use.
        self.key = kms.Key(
            self,
            "TopicKey",
            description=f"coachwire {config.stage}: alarm topic encryption",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY,
        )
        self.key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name=f"Coachwire {config.stage} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self._action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, description: str, threshold: float = 0
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def watch_dead_letter_queues(self, queues: Iterable[tuple[str, sqs.IQueue]]) -> None:
        for label, queue in queues:
            self._alarm(
                f"{label}Depth",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                f"{label}: messages in a dead-letter queue need investigation and redrive",
            )

    def watch_queue_ages(self, queues: Iterable[tuple[str, sqs.IQueue, int]], max_age_minutes: int) -> None:
        """Each (label, trigger queue, trigger timeout in seconds). A message not yet deleted is waiting or being
        processed; older than `max_age_minutes` (or twice the trigger's timeout, for long jobs) means its function is
        throttled, disabled or cannot keep up. SQS leaves out messages received 3 times or more: failed firings
        alarm on their own."""
        for label, queue, timeout_seconds in queues:
            threshold = max(max_age_minutes * 60, 2 * timeout_seconds)
            self._alarm(
                f"{label}OldestMessage",
                queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
                f"{label}: a firing has waited more than {threshold} s on the trigger queue: see /triggers/stats",
                threshold=threshold,
            )

    def watch_trigger_failures(self, functions: Iterable[tuple[str, lambda_.Function]]) -> None:
        """A failed record is reported back to SQS (partial batch response), not raised, so the invocation does not
        count as a function error: the runtime's "trigger failed" log line is what is counted here."""
        for label, fn in functions:
            metric_filter = logs.MetricFilter(
                self, f"{label}FailedFiringsFilter", log_group=fn.log_group, metric_namespace="Coachwire",
                metric_name=f"{label}FailedFirings", metric_value="1",
                filter_pattern=logs.FilterPattern.string_value("$.message", "=", "trigger failed"))
            self._alarm(f"{label}FailedFirings", metric_filter.metric(period=PERIOD, statistic="Sum"),
                        f"{label}: a firing failed (it will be retried, then dead-lettered): see the audit log")

    def watch_trigger_rejections(self, functions: Iterable[tuple[str, lambda_.Function]]) -> None:
        """An event ingest accepted whose ids no longer resolve when its trigger runs is rejected, not retried: the
        HRIS got a 202, so only ops can hear of it."""
        for label, fn in functions:
            self._alarm_on_log_line(f"{label}RejectedEvents", f"{label}RejectedEvents", fn, spine.TRIGGER_REJECTED_LOG,
                                    f"{label}: an accepted event was rejected when processed (an id that no longer "
                                    "resolves): see the audit log (outcome rejected, the field named)")

    def watch_unknown_deliveries(self, delivery: lambda_.Function) -> None:
        """E-mail is sent at most once: one whose outcome is unknown is not resent, so a person may miss it."""
        self._alarm_on_log_line("DeliveryOutcomeUnknown", "NotificationDeliveryOutcomeUnknown", delivery,
                                spine.DELIVERY_UNKNOWN_LOG,
                                "notification_delivery: an e-mail may not have been sent and will not be resent: "
                                "see GET /notifications (status delivery_unknown)")

    def watch_broken_channels(self, functions: Iterable[tuple[str, lambda_.Function]]) -> None:
        """A chat channel that refuses Coachwire for everyone (a revoked token, a missing scope): messages fall back
        to e-mail, so nothing is lost, but nobody gets their chosen channel until someone fixes it. Every function
        that uses the chat credentials (spine `reads_chat_send_secret`) is watched."""
        for label, fn in functions:
            self._alarm_on_log_line(f"{label}ChannelBroken", f"{label}ChannelBroken", fn, spine.CHANNEL_BROKEN_LOG,
                                    f"{label}: Slack or Teams refused Coachwire's credentials (messages fall back to "
                                    "e-mail): see the log line's channel and code, then the chat secret and the app")

    def _alarm_on_log_line(self, metric_name: str, alarm_id: str, fn: lambda_.Function, message: str,
                           description: str) -> None:
        metric_filter = logs.MetricFilter(
            self, f"{metric_name}Filter", log_group=fn.log_group, metric_namespace="Coachwire",
            metric_name=metric_name, metric_value="1",
            filter_pattern=logs.FilterPattern.string_value("$.message", "=", message))
        self._alarm(alarm_id, metric_filter.metric(period=PERIOD, statistic="Sum"), description)

    def watch_silent_events(self, check: lambda_.Function) -> None:
        """An event ingest accepted (the HRIS got a 202) that has no outcome for a trigger it routes to after
        Settings.reliability_silent_after_minutes: lost, unless someone acts. Silent must be 0."""
        self._alarm_on_log_line("SilentEvents", "ReliabilityCheckSilentEvents", check, spine.SILENT_EVENT_LOG,
                                "reliability_check: an accepted HRIS event has no outcome for a trigger it routes to: "
                                "see the log line's event_id and trigger, that trigger's DLQ (coachwire dlq list) and "
                                "logs, then GET /triggers/reliability")

    def watch_parked_expiries(self, sweep: lambda_.Function) -> None:
        """An event parked for an employee who never arrived is audited and deleted by the retention sweep; each
        such expiry is a lost HRIS event someone must look at, so its log line pages like a failed firing."""
        self._alarm_on_log_line("ParkedEventsExpired", "RetentionSweepParkedEventsExpired", sweep,
                                spine.PARKED_EVENT_EXPIRED_LOG,
                                "retention_sweep: an event parked for an employee who never arrived expired: see the "
                                "audit log (trigger ingest_webhook, outcome expired)")

    def watch_parked_rejections(self, profile_sync: lambda_.Function) -> None:
        """A parked event whose skill or activity is unknown once its employee arrives was answered 202: nobody
        but ops can hear of the rejection."""
        self._alarm_on_log_line("ParkedEventsRejected", "ProfileSyncParkedEventsRejected", profile_sync,
                                spine.PARKED_EVENT_REJECTED_LOG,
                                "profile_sync: a parked event was rejected on replay (an unknown skill or activity "
                                "for the employee's role): see the audit log (trigger ingest_webhook, outcome "
                                "rejected)")

    def watch_functions(self, functions: Iterable[tuple[str, lambda_.IFunction]]) -> None:
        for label, fn in functions:
            self._alarm(
                f"{label}Errors",
                fn.metric_errors(period=PERIOD, statistic="Sum"),
                f"{label}: function invocation errors",
            )
