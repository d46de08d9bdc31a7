"""The trigger DLQs of a deployed stack: their urls from the stack's outputs, redrive by SQS StartMessageMoveTask
(which moves each message back to the queue it was dead-lettered from)."""

from __future__ import annotations

from coachwire import spine
from coachwire.adapters.aws import client

from coachwire_tools.dlq.queues import DeadLetter, Redrive

AUDIT_TABLE_OUTPUT = "AuditTableName"
PEEK_VISIBILITY_SECONDS = 30


def dead_letter_output_key(trigger_name: str) -> str:
    """The stack output holding a trigger's DLQ url, e.g. ProfileSyncDeadLetterQueueUrl."""
    return "".join(part.title() for part in trigger_name.split("_")) + "DeadLetterQueueUrl"


class StackNotFound(LookupError):
    pass


def stack_outputs(stack_name: str) -> dict[str, str]:
    from botocore.exceptions import ClientError

    try:
        stacks = client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "ValidationError":
            raise StackNotFound(f"no CloudFormation stack {stack_name!r} in this account and region") from None
        raise
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


class SqsDeadLetterQueues:
    def __init__(self, stack_name: str, outputs: dict[str, str]) -> None:
        self.where = f"stack {stack_name}"
        self.urls = {}
        for trigger in spine.TRIGGERS:
            key = dead_letter_output_key(trigger.name)
            if key not in outputs:
                raise StackNotFound(f"stack {stack_name} has no output {key}: deploy this version of Coachwire first")
            self.urls[trigger.name] = outputs[key]

    def depth(self, trigger: str) -> int:
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=self.urls[trigger], AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def peek(self, trigger: str, limit: int) -> list[DeadLetter]:
        sqs, url = client("sqs"), self.urls[trigger]
        seen: dict[str, DeadLetter] = {}
        handles = []
        try:
            while len(seen) < limit:
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=min(10, limit - len(seen)), WaitTimeSeconds=1,
                    VisibilityTimeout=PEEK_VISIBILITY_SECONDS, MessageSystemAttributeNames=["All"]).get("Messages", [])
                if not messages:
                    break
                for m in messages:
                    handles.append(m["ReceiptHandle"])
                    seen[m["MessageId"]] = DeadLetter(m["MessageId"], m["Body"],
                                                      int(m.get("Attributes", {}).get("ApproximateReceiveCount", 0)))
        finally:
            for handle in handles:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
        return list(seen.values())

    def _arn(self, trigger: str) -> str:
        attributes = client("sqs").get_queue_attributes(QueueUrl=self.urls[trigger], AttributeNames=["QueueArn"])
        return attributes["Attributes"]["QueueArn"]

    def redrive(self, trigger: str) -> Redrive:
        sqs, arn = client("sqs"), self._arn(trigger)
        # No DestinationArn: each message goes back to the queue it was dead-lettered from, the trigger's own.
        handle = sqs.start_message_move_task(SourceArn=arn)["TaskHandle"]
        return Redrive(trigger, None, handle)

    def move_status(self, trigger: str) -> dict:
        """The latest move task of this DLQ (Status, ApproximateNumberOfMessagesMoved, ...)."""
        sqs, arn = client("sqs"), self._arn(trigger)
        tasks = sqs.list_message_move_tasks(SourceArn=arn, MaxResults=1).get("Results", [])
        return tasks[0] if tasks else {}
