"""A rough AWS bill per 1,000 events, from the measured duration and the recorded calls of each invocation.

Prices: us-east-1, from /work/shared/reference/aws-serverless.md (the project's reference sheet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bench.calls import ApiCall, Capacity

LAMBDA_PER_REQUEST = 0.20 / 1e6
LAMBDA_PER_GB_S_ARM64 = 0.0000133334
DYNAMODB_PER_WRU = 0.625 / 1e6
DYNAMODB_PER_RRU = 0.125 / 1e6
SQS_PER_REQUEST = 0.40 / 1e6
EVENTBRIDGE_PER_EVENT = 1.00 / 1e6
SCHEDULER_PER_INVOCATION = 1.00 / 1e6
HTTP_API_PER_REQUEST = 1.00 / 1e6
SES_PER_EMAIL = 0.10 / 1000

# How the event reached the function, and what that costs outside it. An SQS-fed event costs the queue
# three requests at batches of one (EventBridge's SendMessage, the event source's ReceiveMessage and
# DeleteMessage); its EventBridge event is billed to whoever published it (counted in their calls).
SQS_REQUESTS_PER_DELIVERED_EVENT = 3


@dataclass
class Cost:
    """Dollars for one invocation, by service."""

    lambda_: float = 0.0
    dynamodb: float = 0.0
    eventbridge: float = 0.0
    sqs: float = 0.0
    ses: float = 0.0
    other: float = 0.0  # API Gateway, Scheduler
    capacity: Capacity = field(default_factory=Capacity)

    @property
    def total(self) -> float:
        return self.lambda_ + self.dynamodb + self.eventbridge + self.sqs + self.ses + self.other

    def __iadd__(self, other: Cost) -> Cost:
        for name in ("lambda_", "dynamodb", "eventbridge", "sqs", "ses", "other"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.capacity += other.capacity
        return self

    def scaled(self, factor: float) -> Cost:
        return Cost(self.lambda_ * factor, self.dynamodb * factor, self.eventbridge * factor, self.sqs * factor,
                    self.ses * factor, self.other * factor,
                    Capacity(self.capacity.rru * factor, self.capacity.wru * factor))


def invocation_cost(ms: float, calls: list[ApiCall], units: list[Capacity], *, memory_mb: int, trigger: str) -> Cost:
    """`units`: the DynamoDB capacity of each call (bench.calls.CapacityModel). `trigger`: how the function is
    invoked, "sqs", "http" or "schedule" (EventBridge Scheduler → bus → SQS)."""
    cost = Cost(lambda_=LAMBDA_PER_REQUEST + math.ceil(ms) / 1000 * memory_mb / 1024 * LAMBDA_PER_GB_S_ARM64)
    if trigger in ("sqs", "schedule"):
        cost.sqs += SQS_REQUESTS_PER_DELIVERED_EVENT * SQS_PER_REQUEST
    if trigger == "schedule":
        cost.other += SCHEDULER_PER_INVOCATION
        cost.eventbridge += EVENTBRIDGE_PER_EVENT  # the schedule's event on the bus
    if trigger == "http":
        cost.other += HTTP_API_PER_REQUEST
    for call, capacity in zip(calls, units, strict=True):
        if call.service == "dynamodb":
            cost.capacity += capacity
            cost.dynamodb += capacity.rru * DYNAMODB_PER_RRU + capacity.wru * DYNAMODB_PER_WRU
        elif call.service == "events" and call.operation == "PutEvents":
            cost.eventbridge += len(call.params.get("Entries", [])) * EVENTBRIDGE_PER_EVENT
        elif call.service == "sqs":
            cost.sqs += SQS_PER_REQUEST
        elif call.service == "ses" and call.operation in ("SendEmail", "SendRawEmail"):
            destination = call.params.get("Destination", {})
            recipients = sum(len(destination.get(k, [])) for k in ("ToAddresses", "CcAddresses", "BccAddresses"))
            cost.ses += max(1, recipients) * SES_PER_EMAIL
    return cost
