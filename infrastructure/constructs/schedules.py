"""EventBridge Scheduler schedules for every trigger that declares `schedule`.

A schedule puts a job event on the bus (not straight on the queue), so scheduled and on-demand
runs (`POST /jobs/...`) travel the same rule → queue → function path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from coachwire import spine
from constructs import Construct

from infrastructure.constructs.triggers import (
    DLQ_RETENTION,
    acknowledge_unredriven_dlq,
    construct_id,
    secure_queue,
)

RETRY_ATTEMPTS = 5
MAX_EVENT_AGE_SECONDS = 3600  # a daily job more than an hour late should alarm, not run


def schedule_input(trigger: spine.Trigger) -> str:
    return json.dumps({"job": trigger.name, "requested_by": "schedule"})


def scheduled(triggers: Iterable[spine.Trigger]) -> list[spine.Trigger]:
    out = []
    for trigger in triggers:
        if not trigger.schedule:
            continue
        # The event the schedule emits must match the trigger's own rule, or it would vanish.
        if (
            not trigger.schedule_detail_type
            or trigger.schedule_detail_type not in trigger.detail_types
            or spine.EVENT_SOURCE_SCHEDULER not in trigger.sources
        ):
            raise ValueError(
                f"trigger {trigger.name}: schedule needs schedule_detail_type in detail_types and "
                f"{spine.EVENT_SOURCE_SCHEDULER!r} in sources"
            )
        out.append(trigger)
    return out


class Schedules(Construct):
    def __init__(
        self, scope: Construct, construct_id_: str, *, bus: events.IEventBus, triggers: Iterable[spine.Trigger]
    ) -> None:
        super().__init__(scope, construct_id_)
        self.triggers = scheduled(triggers)
        self.schedules: dict[str, scheduler.CfnSchedule] = {}
        if not self.triggers:
            return

        self.dead_letter_queue = secure_queue(self, "DeadLetterQueue", retention_period=DLQ_RETENTION)
        acknowledge_unredriven_dlq(self.dead_letter_queue, "scheduler invocations")
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="EventBridge Scheduler: put coachwire job events on the bus",
        )
        bus.grant_put_events_to(self.role)
        # Scheduler delivers to its DLQ with the execution role; SendMessage is all it needs.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.dead_letter_queue.queue_arn])
        )

        for trigger in self.triggers:
            self.schedules[trigger.name] = scheduler.CfnSchedule(
                self,
                construct_id(trigger.name),
                description=trigger.summary[:512],
                schedule_expression=trigger.schedule,
                schedule_expression_timezone="UTC",
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                state="ENABLED",
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=bus.event_bus_arn,
                    role_arn=self.role.role_arn,
                    input=schedule_input(trigger),
                    event_bridge_parameters=scheduler.CfnSchedule.EventBridgeParametersProperty(
                        detail_type=trigger.schedule_detail_type,
                        source=spine.EVENT_SOURCE_SCHEDULER,
                    ),
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                        maximum_retry_attempts=RETRY_ATTEMPTS,
                        maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
                    ),
                    dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                        arn=self.dead_letter_queue.queue_arn
                    ),
                ),
            )
