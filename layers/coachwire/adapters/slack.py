"""Slack as a delivery channel: direct messages from the app (chat.postMessage to a user id), found by e-mail
(users.lookupByEmail), updated in place after a decision (chat.update), private replies through a press's
response_url.

Never post twice: the posting client has no retry handler at all (slack_sdk's default one resends after a
dropped connection, when Slack may have posted) and a short timeout; a failure after the request was written is
SendOutcomeUnknown. Lookups are idempotent, so their client retries a dropped connection once and a short
rate-limit wait once. Tokens, e-mail addresses and response URLs are never logged, and slack_sdk's own logger is
kept at WARNING (its debug and info lines print request URLs and parameters). A ChannelBroken answer drops the
clients, so the next message reads the token again (it may have been rotated)."""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from coachwire.adapters.slack_blocks import SlackMessage, decided_blocks, render_message
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

SLACK_API_URL = "https://slack.com/api/"
POST_TIMEOUT_SECONDS = 5
LOOKUP_TIMEOUT_SECONDS = 5
# A lookup waits in-process for at most this long on a 429 (longer waits become RateLimited).
LOOKUP_MAX_RATE_LIMIT_WAIT_SECONDS = 2
DEFAULT_RETRY_AFTER_SECONDS = 60.0

# This person cannot be reached on Slack: nothing was sent; fall back to e-mail.
UNREACHABLE = frozenset({"users_not_found", "user_not_found", "channel_not_found", "is_archived", "cannot_dm_bot",
                         "user_disabled", "messages_tab_disabled"})
# Slack refuses the app itself (for everyone): nothing was sent; fall back and raise the alarm. account_inactive
# as an API error is about the token's own user or workspace; a deactivated recipient is `deleted` in lookups.
BROKEN = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                    "missing_scope", "team_access_not_granted", "no_permission", "ekm_access_denied",
                    "not_allowed_token_type"})

_sdk_logger = logging.getLogger("coachwire.slack_sdk")
# slack_sdk's debug and info lines print request URLs and bodies (a lookup's e-mail is in its query string, a
# response_url is a capability): only its warnings and errors, which carry neither, get through.
_sdk_logger.setLevel(logging.WARNING)


class SlackRejected(RuntimeError):
    """Slack answered with an error that is neither a rate limit nor one of the known unreachable / broken codes
    (e.g. invalid_blocks, msg_too_long): nothing was sent."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _ShortRateLimitRetry(RateLimitErrorRetryHandler):
    """One in-process rate-limit retry, only when Slack asks for a short wait (a delivery Lambda has 30 s)."""

    def __init__(self, max_wait_seconds: float) -> None:
        super().__init__(max_retry_count=1)
        self.max_wait_seconds = max_wait_seconds

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        assert response is not None
        values = {k.lower(): v for k, v in response.headers.items()}.get("retry-after") or ["x"]
        try:
            return float(values[0]) <= self.max_wait_seconds
        except ValueError:
            return False


class SlackSender:
    """The Slack ChannelSender. `token` is called for the bot token when a client is first needed (Secrets
    Manager in AWS, a constant locally); `base_url` is the Web API root (a stub in tests and the local stack);
    `link_base_url` is where the app's links in a message point."""

    channel: Channel = "slack"

    def __init__(self, token: Callable[[], str], *, base_url: str = SLACK_API_URL, link_base_url: str = "",
                 post_timeout: int = POST_TIMEOUT_SECONDS, lookup_timeout: int = LOOKUP_TIMEOUT_SECONDS,
                 lookup_max_rate_limit_wait: float = LOOKUP_MAX_RATE_LIMIT_WAIT_SECONDS) -> None:
        self._token = token
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._link_base_url = link_base_url
        self._post_timeout, self._lookup_timeout = post_timeout, lookup_timeout
        self._lookup_wait = lookup_max_rate_limit_wait
        self._post: WebClient | None = None
        self._lookup: WebClient | None = None
        self._user_ids: dict[str, str] = {}

    # --- ChannelSender -----------------------------------------------------------------------------------------

    def send(self, note: Notification, to: Address) -> Delivered:
        user_id = to.slack_user_id or self.user_id_for(to.email)
        message = render_message(note, self._link_base_url)
        reply = self._post_call(lambda c: c.chat_postMessage(
            channel=user_id, text=message.text, blocks=message.blocks_json(), unfurl_links=False,
            unfurl_media=False))
        channel, ts = str(reply.get("channel") or user_id), str(reply["ts"])
        # The user it went to: a press on it counts only from them (services/chat_actions.py).
        return Delivered(message_id=ts, ref={"channel": channel, "ts": ts, "user": user_id})

    def update(self, note: Notification, decided: str, at: datetime | None = None) -> None:
        """Re-render the sent message with what was decided (no-op if it was never posted to Slack). chat.update
        is idempotent (same ts, same content), so a repeat is harmless; it still has no retry handler."""
        channel, ts = note.provider_ref.get("channel"), note.provider_ref.get("ts")
        if not channel or not ts:
            return
        message: SlackMessage = decided_blocks(note, decided, at=at, base_url=self._link_base_url)
        self._post_call(lambda c: c.chat_update(channel=channel, ts=ts, text=message.text,
                                                blocks=message.blocks_json()))

    # --- the rest ----------------------------------------------------------------------------------------------

    def user_id_for(self, email: str) -> str:
        """The Slack user id of this e-mail address (cached per instance). RecipientUnreachable if there is none
        or the account is deactivated."""
        cached = self._user_ids.get(email.lower())
        if cached:
            return cached
        try:
            reply = self._lookup_client().users_lookupByEmail(email=email)
        except SlackApiError as err:
            raise self._forget_if_broken(_mapped(err)) from err
        user = reply.get("user") or {}
        if user.get("deleted"):
            raise RecipientUnreachable("account_inactive")
        if not user.get("id"):
            raise RecipientUnreachable("users_not_found")
        self._user_ids[email.lower()] = str(user["id"])
        return str(user["id"])

    def reply_privately(self, reply: dict[str, str], text: str) -> None:
        """An ephemeral answer to the person who pressed (e.g. "this item isn't yours"); never replaces the
        message. One attempt; raises SlackRejected if Slack refuses it. The URL is a capability: never logged."""
        response_url = reply.get("response_url")
        if not response_url:
            return
        response = WebhookClient(response_url, timeout=self._post_timeout, logger=_sdk_logger,
                                 retry_handlers=[]).send(text=text, response_type="ephemeral",
                                                         replace_original=False)
        if response.status_code != 200:
            raise SlackRejected(f"response_url answered {response.status_code}")

    def _post_call(self, call: Callable[[WebClient], Any]) -> Any:
        try:
            return call(self._post_client())
        except SlackApiError as err:
            status = err.response.status_code
            if status >= 500:  # Slack failed while handling it: it may have posted
                raise SendOutcomeUnknown(f"slack answered {status}") from err
            raise self._forget_if_broken(_mapped(err)) from err
        except URLError:
            raise  # never connected, or the request never went out whole (refused, DNS, connect timeout)
        except (OSError, http.client.HTTPException) as err:
            # Read timeout, reset or close after the request was written, a cut-off reply: it may have posted.
            raise SendOutcomeUnknown(type(err).__name__) from err

    def _forget_if_broken(self, err: Exception) -> Exception:
        if isinstance(err, ChannelBroken):
            self._post = self._lookup = None
        return err

    def _post_client(self) -> WebClient:
        if self._post is None:
            self._post = WebClient(token=self._token(), base_url=self._base_url, timeout=self._post_timeout,
                                   retry_handlers=[], logger=_sdk_logger)
        return self._post

    def _lookup_client(self) -> WebClient:
        if self._lookup is None:
            self._lookup = WebClient(
                token=self._token(), base_url=self._base_url, timeout=self._lookup_timeout, logger=_sdk_logger,
                retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1),
                                _ShortRateLimitRetry(self._lookup_wait)])
        return self._lookup


def _mapped(err: SlackApiError) -> Exception:
    """A Slack error answer as what it means for delivery (nothing was sent in every case here)."""
    response = err.response
    code = str(response.get("error") or f"http_{response.status_code}") if isinstance(response.data, dict) \
        else f"http_{response.status_code}"
    if response.status_code == 429 or code == "ratelimited":
        return RateLimited(_retry_after(response.headers))
    if code in UNREACHABLE:
        return RecipientUnreachable(code)
    if code in BROKEN:
        return ChannelBroken(code)
    return SlackRejected(code)


def _retry_after(headers: Any) -> float:
    values = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    raw = values.get("retry-after")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    try:
        return max(0.0, float(raw)) if raw is not None else DEFAULT_RETRY_AFTER_SECONDS
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
