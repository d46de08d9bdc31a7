"""EventBridge, SES and SQS adapters."""

from __future__ import annotations

import json
import time
from email.message import EmailMessage

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

from coachwire.adapters.aws import client
from coachwire.ports import EmailOutcomeUnknown


class PublishFailed(RuntimeError):
    pass


class EventBridgePublisher:
    def __init__(self, bus_name: str) -> None:
        self.bus_name = bus_name

    def publish(self, source: str, detail_type: str, detail: dict) -> str:
        out = client("events").put_events(Entries=[{
            "EventBusName": self.bus_name, "Source": source, "DetailType": detail_type,
            "Detail": json.dumps(detail, default=str)}])
        entry = out["Entries"][0]
        if out.get("FailedEntryCount") or "EventId" not in entry:
            # ErrorCode only: the detail may hold personal data.
            raise PublishFailed(f"EventBridge rejected the event: {entry.get('ErrorCode', 'unknown')}")
        return entry["EventId"]


    def publish_many(self, source: str, detail_type: str, details: list[dict]) -> int:
        """PutEvents takes up to 10 entries a call; every entry must be accepted or this raises."""
        for start in range(0, len(details), 10):
            chunk = details[start:start + 10]
            out = client("events").put_events(Entries=[{
                "EventBusName": self.bus_name, "Source": source, "DetailType": detail_type,
                "Detail": json.dumps(d, default=str)} for d in chunk])
            if out.get("FailedEntryCount"):
                codes = sorted({e.get("ErrorCode", "unknown") for e in out["Entries"] if "ErrorCode" in e})
                raise PublishFailed(f"EventBridge rejected {out['FailedEntryCount']} events: {', '.join(codes)}")
        return len(details)


THROTTLED = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
THROTTLE_RETRIES = 3
THROTTLE_BACKOFF_SECONDS = 0.2


class SesEmailSender:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, to: str, subject: str, body: str, *, html: str | None = None,
             headers: dict[str, str] | None = None) -> str:
        # One HTTP attempt per call (SES has no idempotency key): the SDK's own retry would resend after a read
        # timeout, when SES may already have accepted. Throttling is an answer, so nothing was sent: retried here,
        # with backoff, rather than spending one of the message's few deliveries on it.
        raw = self._mime(to, subject, body, html, headers or {}) if html or headers else None
        for attempt in range(THROTTLE_RETRIES + 1):
            try:
                ses = client("ses", total_attempts=1)
                if raw is not None:  # HTML or headers: SendEmail carries neither custom headers nor both parts
                    # Recipients from the To header alone (Destinations as well would address it twice).
                    out = ses.send_raw_email(Source=self.sender, RawMessage={"Data": raw})
                else:
                    out = ses.send_email(
                        Source=self.sender, Destination={"ToAddresses": [to]},
                        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                                 "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}})
                return out["MessageId"]
            except ClientError as err:
                if err.response["Error"]["Code"] not in THROTTLED or attempt == THROTTLE_RETRIES:
                    raise  # SES answered with an error: not sent
                time.sleep(THROTTLE_BACKOFF_SECONDS * 2 ** attempt)
            except (EndpointConnectionError, ConnectTimeoutError):
                raise  # SES was never reached: not sent
            except Exception as err:  # read timeout, connection dropped mid-request: SES may have sent it
                raise EmailOutcomeUnknown(type(err).__name__) from err
        raise AssertionError("unreachable")


    def _mime(self, to: str, subject: str, text: str, html: str | None, headers: dict[str, str]) -> bytes:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        for name, value in headers.items():
            message[name] = value
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
        return message.as_bytes()


class SqsQueueDepths:
    def __init__(self, queue_urls: dict[str, str]) -> None:
        self.queue_urls = queue_urls

    def in_flight(self) -> dict[str, dict[str, int]]:
        result = {}
        for trigger, url in self.queue_urls.items():
            attrs = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            result[trigger] = {"waiting": int(attrs["ApproximateNumberOfMessages"]),
                               "in_process": int(attrs["ApproximateNumberOfMessagesNotVisible"])}
        return result


class SqsDeadLetterDepth:
    def __init__(self, queue_urls: dict[str, str]) -> None:
        self.queue_urls = queue_urls

    def depth(self) -> dict[str, int]:
        depths = {}
        for trigger, url in self.queue_urls.items():
            attrs = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            depths[trigger] = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
        return depths
