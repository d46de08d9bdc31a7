"""Microsoft Teams out as Coachwire's bot: interactive cards (Action.Execute) posted proactively to the personal chat
the person opened by installing the Coachwire app, through the Bot Connector API.

- **Token.** An Entra client-credentials token (`grant_type=client_credentials`, the bot's app id and client secret,
  `scope=https://api.botframework.com/.default`) from the botframework.com tenant (multi-tenant bot) or the bot's own
  tenant (single-tenant), cached until five minutes before it expires. The secret and the token are never logged.
- **Post.** `POST {serviceUrl}/v3/conversations/{conversationId}/activities` with a message activity whose one
  attachment is the interactive card; the answer's `id` is the activity's id (for the in-place update).
- **Where.** The conversation reference stored when the person installed the app (runtime/teams_invoke.py): its
  serviceUrl, conversation id and the person's Entra object id.

One attempt per post, urllib3 retries off (a retry after a dropped connection could post twice), short timeouts:

| answer | raised / returned | the outbox then |
|---|---|---|
| 2xx | Delivered(activity id, {user, conversation, service_url}) | sent |
| 429 (token or post) | RateLimited(Retry-After) | waits; not a failed attempt |
| 403, 404 on the post (uninstalled, blocked, gone); no reference | RecipientUnreachable | falls back to e-mail |
| 400/401 on the token, 401 on the post, no client secret | ChannelBroken | falls back and alarms |
| read timeout, connection dropped once the post was sent, 504 | SendOutcomeUnknown | delivery_unknown, never resent |
| connect failure, token endpoint unreachable, other 4xx/5xx | BotNotSent | retried as not sent |
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from coachwire.adapters.teams import TeamsWorkflowSender
from coachwire.adapters.teams_cards import decided_card, interactive_card, message_payload
from coachwire.models.chat import ChatConversationRef
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

BOTFRAMEWORK_SCOPE = "https://api.botframework.com/.default"
LOGIN_AUTHORITY = "https://login.microsoftonline.com"
MULTI_TENANT = "botframework.com"
CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 5.0
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# A token is used until this long before it expires (Entra issues them for about an hour).
TOKEN_REFRESH_MARGIN_SECONDS = 300.0

ReferenceLookup = Callable[[str], ChatConversationRef | None]


def token_url(tenant_id: str = "", override: str = "") -> str:
    """Where the bot's token comes from: `override` (the local stand-in) if set, else the bot's tenant (a
    single-tenant bot), else the botframework.com tenant (a multi-tenant bot)."""
    if override:
        return override
    return f"{LOGIN_AUTHORITY}/{tenant_id or MULTI_TENANT}/oauth2/v2.0/token"


class BotNotSent(RuntimeError):
    """The Bot Connector (or the token endpoint) was not reached, or refused for a reason that is neither the
    person's nor the credentials': nothing was posted; sending again is safe."""


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER_SECONDS
    except ValueError:  # an HTTP date: wait the default
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(seconds, 0.0)


def _not_reached(err: Exception, what: str) -> Exception | None:
    """BotNotSent when the request never left (refused, DNS, TLS, connect timeout); None otherwise."""
    reason = err.reason if isinstance(err, MaxRetryError) and err.reason is not None else err
    name = type(reason).__name__
    if isinstance(reason, NewConnectionError | ConnectTimeoutError):
        return BotNotSent(f"{what} not reached ({name})")
    if isinstance(reason, ReadTimeoutError | ProtocolError | TimeoutError | ConnectionError):
        return None
    if isinstance(reason, HTTPError):
        return BotNotSent(f"{what} not reached ({name})")
    return None


def _after_sending(err: Exception, what: str) -> Exception:
    """What a failed request that may have been written means: nothing sent if it never left, unknown otherwise."""
    not_sent = _not_reached(err, what)
    reason = err.reason if isinstance(err, MaxRetryError) and err.reason is not None else err
    return not_sent or SendOutcomeUnknown(f"{what} sent, no answer ({type(reason).__name__})")


def _json(response: urllib3.BaseHTTPResponse) -> dict[str, Any]:
    try:
        value = json.loads(response.data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class BotTokens:
    """Client-credentials tokens for the bot, cached per container until shortly before they expire.
    `client_secret()` is called when a token is needed (read from the chat send secret)."""

    def __init__(self, app_id: str, client_secret: Callable[[], str], url: str, *,
                 pool: urllib3.PoolManager | None = None, monotonic: Callable[[], float] = time.monotonic,
                 connect_timeout: float = CONNECT_TIMEOUT_SECONDS, read_timeout: float = READ_TIMEOUT_SECONDS) -> None:
        self.app_id = app_id
        self.url = url
        self._client_secret = client_secret
        self._pool = pool or urllib3.PoolManager(retries=False)
        self._monotonic = monotonic
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._good_until = 0.0
        self.fetched = 0  # how many tokens were fetched (tests read it)

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._monotonic() >= self._good_until:
                self._token, lifetime = self._fetch()
                self._good_until = self._monotonic() + max(lifetime - TOKEN_REFRESH_MARGIN_SECONDS, 0.0)
            return self._token

    def forget(self) -> None:
        """The token was refused (401): fetch a new one next time."""
        with self._lock:
            self._token, self._good_until = None, 0.0

    def _fetch(self) -> tuple[str, float]:
        if not self.app_id:
            raise ChannelBroken("teams_bot_not_configured")
        try:
            secret = self._client_secret()
        except LookupError:
            raise ChannelBroken("teams_bot_not_configured") from None
        form = {"grant_type": "client_credentials", "client_id": self.app_id, "client_secret": secret,
                "scope": BOTFRAMEWORK_SCOPE}
        try:
            response = self._pool.request("POST", self.url, body=urlencode(form).encode("ascii"),
                                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                                          timeout=self._timeout, retries=False, redirect=False)
        except Exception as err:  # noqa: BLE001 - no post was made: whatever happened, nothing was sent
            raise BotNotSent(f"bot token not fetched ({type(err).__name__})") from None
        status = response.status
        if status == 429:
            raise RateLimited(_retry_after(response.headers.get("Retry-After")))
        if status in (400, 401):  # invalid_client, unauthorized_client: the app id or the secret is wrong
            raise ChannelBroken(f"teams_bot_token_{status}")
        if not 200 <= status < 300:
            raise BotNotSent(f"bot token endpoint answered {status}")
        body = _json(response)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise BotNotSent("bot token endpoint answered without a token")
        try:
            lifetime = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        self.fetched += 1
        return token, lifetime


def conversation_url(service_url: str, conversation_id: str, *rest: str) -> str:
    parts = [quote(conversation_id, safe=""), *(quote(p, safe="") for p in rest)]
    return f"{service_url.rstrip('/')}/v3/conversations/" + "/".join(parts)


class BotConnector:
    """The few Bot Connector calls Coachwire makes, each once, with the bot's token."""

    def __init__(self, tokens: BotTokens, *, pool: urllib3.PoolManager | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT_SECONDS, read_timeout: float = READ_TIMEOUT_SECONDS) -> None:
        self.tokens = tokens
        self._pool = pool or urllib3.PoolManager(retries=False)
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)

    def _request(self, method: str, url: str, body: dict[str, Any] | None = None) -> urllib3.BaseHTTPResponse:
        headers = {"Authorization": f"Bearer {self.tokens.token()}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        response = self._pool.request(method, url, body=data, headers=headers, timeout=self._timeout,
                                      retries=False, redirect=False)
        if response.status == 401:
            self.tokens.forget()
        return response

    def post_activity(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str | None:
        """The posted activity's id (None when the answer named none). Raises as the module's table says."""
        url = conversation_url(service_url, conversation_id, "activities")
        try:
            response = self._request("POST", url, activity)
        except (ChannelBroken, RateLimited, BotNotSent):
            raise  # the token: nothing was posted
        except Exception as err:  # classified, then raised again without the URL
            raise _after_sending(err, "teams bot post") from None
        status = response.status
        if 200 <= status < 300:
            found = _json(response).get("id")
            return str(found) if found else None
        raise _refused(status, response, "post")

    def update_activity(self, service_url: str, conversation_id: str, activity_id: str,
                        activity: dict[str, Any]) -> None:
        url = conversation_url(service_url, conversation_id, "activities", activity_id)
        try:
            response = self._request("PUT", url, activity)
        except (ChannelBroken, RateLimited, BotNotSent):
            raise
        except Exception as err:  # an update sent twice is harmless: no unknown outcome to track
            raise BotNotSent(f"teams bot update failed ({type(err).__name__})") from None
        if not 200 <= response.status < 300:
            raise _refused(response.status, response, "update")

    def member(self, service_url: str, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        """The conversation member (a TeamsChannelAccount: id, aadObjectId, email, userPrincipalName, ...), or None
        when the conversation has no such member."""
        url = conversation_url(service_url, conversation_id, "members", user_id)
        try:
            response = self._request("GET", url)
        except (ChannelBroken, RateLimited, BotNotSent):
            raise
        except Exception as err:  # noqa: BLE001 - a read: safe to try again
            raise BotNotSent(f"teams bot member lookup failed ({type(err).__name__})") from None
        if 200 <= response.status < 300:
            return _json(response)
        if response.status == 404:
            return None
        raise _refused(response.status, response, "member lookup")


def _refused(status: int, response: urllib3.BaseHTTPResponse, what: str) -> Exception:
    if status == 429:
        return RateLimited(_retry_after(response.headers.get("Retry-After")))
    if status in (403, 404, 410):  # the app was uninstalled or blocked, or the conversation is gone
        return RecipientUnreachable(f"teams_bot_{status}")
    if status == 401:
        return ChannelBroken("teams_bot_401")
    if status == 504 and what == "post":  # a gateway gave up waiting: the post may have been made
        return SendOutcomeUnknown("teams_bot_504")
    return BotNotSent(f"teams bot {what} answered {status}")


def _stable_id(note: Notification, conversation_id: str) -> str:
    return "teams-bot-" + hashlib.sha256(f"{note.notification_id}|{conversation_id}".encode()).hexdigest()[:24]


def usable(ref: ChatConversationRef | None) -> ChatConversationRef | None:
    return ref if ref is not None and not ref.removed else None


class TeamsBotSender:
    """The ChannelSender for `channel="teams"` as the bot: `reference_for(employee_id)` returns the person's
    conversation reference (profiles.chat_reference(..., "teams")), `base_url` is where the card's links point."""

    channel: Channel = "teams"

    def __init__(self, connector: BotConnector, reference_for: ReferenceLookup, base_url: str) -> None:
        self.connector = connector
        self._reference_for = reference_for
        self.base_url = base_url

    def send(self, note: Notification, to: Address) -> Delivered:
        ref = usable(self._reference_for(note.recipient_id))
        if ref is None:
            raise RecipientUnreachable("no_teams_conversation")
        return self.send_to(note, ref)

    def send_to(self, note: Notification, ref: ChatConversationRef) -> Delivered:
        activity = message_payload(interactive_card(note, self.base_url))
        activity_id = self.connector.post_activity(ref.service_url, ref.conversation_id, activity)
        return Delivered(message_id=activity_id or _stable_id(note, ref.conversation_id),
                         ref={"user": ref.user_ref, "conversation": ref.conversation_id,
                              "service_url": ref.service_url})

    def update(self, note: Notification, decided: str) -> None:
        """Replace the card sent with the decided card (`PUT .../activities/{id}`). The invoke answer already
        replaced it for the presser (in a personal chat, the only reader); this makes the final words (with the
        item's title) stick, and shows the decision if the invoke answer was lost. Best effort: the caller logs."""
        conversation = note.provider_ref.get("conversation")
        activity_id = note.provider_message_id
        if not conversation or not activity_id or activity_id.startswith("teams-bot-"):
            return  # not a bot message, or one whose activity id Teams did not tell us
        ref = usable(self._reference_for(note.recipient_id))
        service_url = ref.service_url if ref is not None else note.provider_ref.get("service_url")
        if not service_url:
            return
        card = message_payload(decided_card(note, decided))
        self.connector.update_activity(service_url, conversation, activity_id, {**card, "id": activity_id})

    def reply_privately(self, reply: dict[str, str], text: str) -> None:
        """Nothing to do: the invoke response already told the person who pressed."""


class TeamsSender:
    """`channel="teams"`: as the bot for people who installed the Coachwire app (a conversation reference is
    stored), through their Workflows webhook otherwise (`teams_webhook_ref`)."""

    channel: Channel = "teams"

    def __init__(self, bot: TeamsBotSender | None, webhook: TeamsWorkflowSender,
                 reference_for: ReferenceLookup) -> None:
        self.bot, self.webhook = bot, webhook
        self._reference_for = reference_for

    def send(self, note: Notification, to: Address) -> Delivered:
        ref = usable(self._reference_for(note.recipient_id)) if self.bot is not None else None
        if self.bot is not None and ref is not None:
            return self.bot.send_to(note, ref)
        return self.webhook.send(note, to)

    def update(self, note: Notification, decided: str) -> None:
        if self.bot is not None and note.provider_ref.get("conversation"):
            self.bot.update(note, decided)
        else:
            self.webhook.update(note, decided)

    def reply_privately(self, reply: dict[str, str], text: str) -> None:
        """Nothing to do: the invoke response already told the person who pressed."""
