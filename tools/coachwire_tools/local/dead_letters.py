"""The trigger DLQs of a running local stack (moto), found by the names provisioning gives them. moto answers
StartMessageMoveTask with an error, so redrive here is a mover of its own: receive from the DLQ, send to the
trigger's queue, then delete from the DLQ (a crash in between repeats a message, never loses one; the firing's
receipt makes the repeat a no-op)."""

from __future__ import annotations

import boto3
from botocore.config import Config
from coachwire import spine
from coachwire.settings import Settings

from coachwire_tools.dlq.queues import DeadLetter, Redrive
from coachwire_tools.local.moto_server import REGION
from coachwire_tools.local.provision import resource_name

# moto accepts any credentials: the conventional placeholders, so the CLI needs none configured.
_FAKE = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
PEEK_VISIBILITY_SECONDS = 30


class LocalDeadLetterQueues:
    def __init__(self, endpoint_url: str, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.where = f"the local stack at {endpoint_url}"
        self._sqs = boto3.session.Session().client(
            "sqs", region_name=REGION, endpoint_url=endpoint_url, config=Config(retries={"max_attempts": 2}), **_FAKE)

    def _url(self, trigger: str, dead_letter: bool) -> str:
        name = resource_name(self.settings, spine.TRIGGERS_BY_NAME[trigger]) + ("-dlq" if dead_letter else "")
        return self._sqs.get_queue_url(QueueName=name)["QueueUrl"]

    def depth(self, trigger: str) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._url(trigger, True), AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def peek(self, trigger: str, limit: int) -> list[DeadLetter]:
        url = self._url(trigger, True)
        seen: dict[str, DeadLetter] = {}
        handles = []
        try:
            while len(seen) < limit:
                messages = self._sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=min(10, limit - len(seen)), WaitTimeSeconds=0,
                    VisibilityTimeout=PEEK_VISIBILITY_SECONDS, MessageSystemAttributeNames=["All"]).get("Messages", [])
                if not messages:
                    break
                for m in messages:
                    handles.append(m["ReceiptHandle"])
                    seen[m["MessageId"]] = DeadLetter(m["MessageId"], m["Body"], _receive_count(m))
        finally:
            for handle in handles:  # visible again at once: peeking takes nothing away
                self._sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
        return list(seen.values())

    def redrive(self, trigger: str) -> Redrive:
        source, target = self._url(trigger, True), self._url(trigger, False)
        moved = 0
        while True:
            messages = self._sqs.receive_message(
                QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60,
                MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                return Redrive(trigger, moved)
            sent = self._sqs.send_message_batch(QueueUrl=target, Entries=[
                {"Id": str(i), "MessageBody": m["Body"],
                 **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {})}
                for i, m in enumerate(messages)])
            ok = {entry["Id"] for entry in sent.get("Successful", [])}
            done = [m for i, m in enumerate(messages) if str(i) in ok]
            if done:
                self._sqs.delete_message_batch(QueueUrl=source, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
            moved += len(done)
            if sent.get("Failed"):
                codes = sorted({f.get("Code", "unknown") for f in sent["Failed"]})
                raise RuntimeError(f"{len(sent['Failed'])} messages could not be sent back ({', '.join(codes)}); "
                                   "they stay in the dead-letter queue")


def _receive_count(message: dict) -> int:
    return int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0))
