"""The SES adapter against the local SES: a lost reply is reported as an unknown outcome and never resent by the
SDK (SES has no idempotency key), while a refusal stays an ordinary, retryable error."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from coachwire.adapters.aws import client
from coachwire.adapters.messaging import SesEmailSender
from coachwire.ports import EmailOutcomeUnknown


@pytest.fixture
def ses_requests(stack):
    """Counts the HTTP requests the adapter's SES client makes; `fail_with` makes each one fail that way."""

    class Requests:
        count = 0
        fail_with: Exception | None = None

    def on_send(request, **_):
        Requests.count += 1
        if Requests.fail_with is not None:
            raise Requests.fail_with

    events = client("ses", total_attempts=1).meta.events
    events.register("before-send.ses.SendEmail", on_send)
    yield Requests
    events.unregister("before-send.ses.SendEmail", on_send)


def test_a_sent_email_returns_the_provider_message_id(stack, ses_requests) -> None:
    message_id = SesEmailSender(stack.settings.sender_email).send("emp-1@example.com", "Hello", "Body")
    assert message_id and ses_requests.count == 1


def test_a_lost_reply_is_an_unknown_outcome_and_is_not_resent(stack, ses_requests) -> None:
    ses_requests.fail_with = ReadTimeoutError(endpoint_url="https://email.example")
    with pytest.raises(EmailOutcomeUnknown):
        SesEmailSender(stack.settings.sender_email).send("emp-1@example.com", "Hello", "Body")
    assert ses_requests.count == 1  # the SDK's default retry would have sent it again


def test_a_refusal_by_ses_is_an_ordinary_error(stack, ses_requests) -> None:
    with pytest.raises(ClientError) as refused:  # moto refuses a sender identity that was never verified
        SesEmailSender("not-verified@example.org").send("emp-1@example.com", "Hello", "Body")
    assert refused.value.response["Error"]["Code"] == "MessageRejected"
    assert ses_requests.count == 1


@pytest.fixture
def throttled(stack, monkeypatch):
    """SES answers Throttling to the first `times` requests (a 400 answer: nothing was sent)."""
    from coachwire.adapters import messaging

    monkeypatch.setattr(messaging, "THROTTLE_BACKOFF_SECONDS", 0.01)

    class Throttle:
        times = 0
        calls = 0

    def on_call(model, **_):
        Throttle.calls += 1
        if Throttle.calls <= Throttle.times:
            return _throttling_answer()
        return None

    events = client("ses", total_attempts=1).meta.events
    events.register("before-call.ses.SendEmail", on_call)
    yield Throttle
    events.unregister("before-call.ses.SendEmail", on_call)


def _throttling_answer():
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://email.example", 400, {}, None), {
        "Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."},
        "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}, "RetryAttempts": 0}}


def test_throttling_is_waited_out_inside_one_delivery(stack, throttled) -> None:
    throttled.times = 2
    assert SesEmailSender(stack.settings.sender_email).send("emp-1@example.com", "Hello", "Body")
    assert throttled.calls == 3


def test_throttling_that_does_not_end_is_an_ordinary_error_for_the_queue_to_retry(stack, throttled) -> None:
    from coachwire.adapters.messaging import THROTTLE_RETRIES

    throttled.times = 99
    with pytest.raises(ClientError) as refused:
        SesEmailSender(stack.settings.sender_email).send("emp-1@example.com", "Hello", "Body")
    assert refused.value.response["Error"]["Code"] == "Throttling" and throttled.calls == THROTTLE_RETRIES + 1


def test_html_and_headers_go_as_one_raw_mime_message_with_both_parts(stack) -> None:
    import email
    import email.policy

    sent: list[bytes] = []

    def on_call(params, **_):
        sent.append(params["RawMessage"]["Data"])

    before = int(client("ses").get_send_quota()["SentLast24Hours"])
    events = client("ses", total_attempts=1).meta.events
    events.register("provide-client-params.ses.SendRawEmail", on_call)
    try:
        message_id = SesEmailSender(stack.settings.sender_email).send(
            "emp-1@example.com", "Your next step", "Hi Ada", html="<p>Hi Ada</p>",
            headers={"List-Unsubscribe": "<https://coach.example.com/people/emp-1/preferences>"})
    finally:
        events.unregister("provide-client-params.ses.SendRawEmail", on_call)
    assert message_id
    (raw,) = sent
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert (parsed["To"], parsed["Subject"]) == ("emp-1@example.com", "Your next step")
    assert parsed["List-Unsubscribe"] == "<https://coach.example.com/people/emp-1/preferences>"
    parts = {part.get_content_type(): part.get_content().strip() for part in parsed.iter_parts()}
    assert parts == {"text/plain": "Hi Ada", "text/html": "<p>Hi Ada</p>"}
    # Addressed once: the To header alone, not Destinations as well (which would send it twice).
    assert int(client("ses").get_send_quota()["SentLast24Hours"]) == before + 1
