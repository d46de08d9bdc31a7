"""Microsoft Teams out: a card posted to a Workflows webhook (Power Automate's "when a Teams webhook request is
received"), one URL per team or person, kept as a secret and named on the address by its ref.

A webhook URL is a bearer capability (its `sig` parameter): it is never logged, and no error raised here carries
it. One attempt per send, retries off (urllib3 would resend after a dropped connection, when Teams may already
have posted), short timeouts. What the answer means:

| answer | raised / returned | the outbox then |
|---|---|---|
| 2xx | Delivered (the run id header, else a stable hash) | sent |
| 429 | RateLimited(Retry-After) | waits; not a failed attempt |
| 404, 410, no webhook for the ref | RecipientUnreachable | falls back to e-mail |
| 401, 403 | ChannelBroken | falls back and alarms |
| read timeout, connection dropped once the post was sent, 504 | SendOutcomeUnknown | delivery_unknown, never resent |
| connect failure, other 4xx/5xx | WebhookNotSent | retried as not sent |
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from coachwire.adapters.teams_cards import message_payload, webhook_card
from coachwire.models.coaching import Notification
from coachwire.models.messages import Channel
from coachwire.ports import (
    Address,
    ChannelBroken,
    Delivered,
    RateLimited,
    RecipientUnreachable,
    SendOutcomeUnknown,
)

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 5.0
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# Headers a Workflows answer identifies its run by, first found wins.
RUN_ID_HEADERS = ("x-ms-workflow-run-id", "x-ms-request-id")

WebhookResolver = Callable[[str], str | None]


class _QueryHidden(logging.Filter):
    """urllib3 logs each request's path and query at DEBUG; a webhook's query holds its signature."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(a.split("?", 1)[0] + "?…" if isinstance(a, str) and "?" in a else a
                                for a in record.args)
        return True


_URLLIB3_LOG = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, _QueryHidden) for f in _URLLIB3_LOG.filters):
    _URLLIB3_LOG.addFilter(_QueryHidden())


class WebhookNotSent(RuntimeError):
    """The webhook was not reached, or refused the post: nothing was posted, sending again is safe."""


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER_SECONDS
    except ValueError:  # an HTTP date: rare from Workflows; wait the default
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(seconds, 0.0)


def _stable_id(note: Notification, ref: str) -> str:
    return "teams-" + hashlib.sha256(f"{note.notification_id}|{ref}".encode()).hexdigest()[:24]


class TeamsWorkflowSender:
    """`webhook_url(ref)` returns the webhook's URL (from Secrets Manager, say), or None when the ref names none.
    `base_url` is where the card's links point (the public API)."""

    channel: Channel = "teams"

    def __init__(self, webhook_url: WebhookResolver, base_url: str, *,
                 connect_timeout: float = CONNECT_TIMEOUT_SECONDS, read_timeout: float = READ_TIMEOUT_SECONDS,
                 pool: urllib3.PoolManager | None = None) -> None:
        self._webhook_url = webhook_url
        self.base_url = base_url
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._pool = pool or urllib3.PoolManager(retries=False)

    def send(self, note: Notification, to: Address) -> Delivered:
        ref = to.teams_webhook_ref
        if not ref:
            raise RecipientUnreachable("no_teams_webhook")
        url = self._webhook_url(ref)
        if not url:
            raise RecipientUnreachable("teams_webhook_not_configured")
        body = json.dumps(message_payload(webhook_card(note, self.base_url))).encode("utf-8")
        try:
            response = self._pool.request("POST", url, body=body, headers={"Content-Type": "application/json"},
                                          timeout=self._timeout, retries=False, redirect=False)
        except Exception as err:  # classified, then raised again without the URL (from None)
            raise _classified(err) from None
        return self._outcome(note, ref, response)

    def _outcome(self, note: Notification, ref: str, response: urllib3.BaseHTTPResponse) -> Delivered:
        status = response.status
        if 200 <= status < 300:
            run_id = next((response.headers[h] for h in RUN_ID_HEADERS if response.headers.get(h)), None)
            return Delivered(message_id=run_id or _stable_id(note, ref), ref={"webhook_ref": ref})
        if status == 429:
            raise RateLimited(_retry_after(response.headers.get("Retry-After")))
        if status in (404, 410):
            raise RecipientUnreachable(f"teams_webhook_{status}")
        if status in (401, 403):
            raise ChannelBroken(f"teams_webhook_{status}")
        if status == 504:  # a gateway gave up waiting for the flow, which may have posted
            raise SendOutcomeUnknown("teams_webhook_504")
        raise WebhookNotSent(f"teams webhook answered {status}")

    def update(self, note: Notification, decided: str) -> None:
        """Nothing to do: a webhook card cannot be changed, and a bot card is replaced by the invoke's answer."""

    def reply_privately(self, reply: dict[str, str], text: str) -> None:
        """Nothing to do: the invoke response already told the person who pressed."""


def _classified(err: Exception) -> Exception:
    """What a failed request means for the message, as an exception that names the failure's type only."""
    reason = err.reason if isinstance(err, MaxRetryError) and err.reason is not None else err
    name = type(reason).__name__
    # NewConnectionError (refused, DNS) is a ConnectTimeoutError too: the request never left.
    if isinstance(reason, NewConnectionError | ConnectTimeoutError):
        return WebhookNotSent(f"teams webhook not reached ({name})")
    if isinstance(reason, ReadTimeoutError | ProtocolError | TimeoutError | ConnectionError):
        return SendOutcomeUnknown(f"teams webhook sent, no answer ({name})")
    if isinstance(reason, HTTPError):  # TLS failures and the like, before the request was written
        return WebhookNotSent(f"teams webhook not reached ({name})")
    return SendOutcomeUnknown(f"teams webhook failed after sending may have started ({name})")
