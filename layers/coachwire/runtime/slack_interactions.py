"""Requests Slack sends to the interaction route (`POST /slack/interactions`): verified, then turned into what
Coachwire handles. A button press or a not-relevant choice on one of Coachwire's messages becomes a ChatAction;
a slash command (`/coachwire-brief <employee>`) a SlashCommand; opening a link button that is not a verb (the
conversation guide) a LinkOpened, which needs only an acknowledgement.

The signature is checked first, over the raw bytes exactly as they arrived (base64-decoded by the caller when API
Gateway says isBase64Encoded: `runtime.http.raw_body`), with slack_sdk's SignatureVerifier and the caller's clock
(a 5-minute window). Anything unsigned, stale or tampered is ChatRequestRejected(401); a signed body that is not
one of ours, or names an unknown verb, is ChatRequestRejected(400) naming the field. Messages name fields and
codes only, never the free text or the response URL."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier

from coachwire.adapters.slack_blocks import LINK_ACTION_PREFIX, NOTE_ACTION_ID, NOTE_BLOCK_ID, parse_action_value
from coachwire.clock import Clock
from coachwire.models.chat import ChatAction
from coachwire.models.messages import ActionVerb, NotRelevantReason
from coachwire.runtime.chat_requests import ChatRequestRejected

SIGNATURE_WINDOW_SECONDS = 300  # Slack's own: requests older (or newer) than 5 minutes are replays
_VERBS: frozenset[str] = frozenset(get_args(ActionVerb))
_REASONS: frozenset[str] = frozenset(get_args(NotRelevantReason))
# Verbs that act on one item of a message (the rest act on the whole message, an alert).
_NEEDS_ITEM: frozenset[str] = frozenset({"accept", "decline", "done"})
# Verbs that carry the optional free text typed into the message's note input.
_TAKES_NOTE: frozenset[str] = frozenset({"decline", "discussed"})


class SlashCommand(BaseModel):
    model_config = ConfigDict(frozen=True)

    command: str
    text: str = ""
    user_id: str
    team_id: str
    # A capability URL (answers the person privately): never logged.
    response_url: str


class LinkOpened(BaseModel):
    """A link button that is not a verb was opened (its URL opens in the browser; Slack still tells the app)."""

    model_config = ConfigDict(frozen=True)

    link: str
    notification_id: str
    actor_ref: str
    interaction_id: str


class EpochClock(SlackClock):
    """A Coachwire clock as slack_sdk's verifier wants it: `.now()` in seconds since the epoch."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


def parse_slack_request(raw_body: bytes, headers: Mapping[str, str], signing_secret: str,
                        now: Callable[[], float] | Clock) -> ChatAction | SlashCommand | LinkOpened:
    """Verify a request from Slack and read it. `now` is the caller's clock: a Coachwire Clock or a function
    returning epoch seconds."""
    epoch = _epoch(now)
    verify_slack_signature(raw_body, headers, signing_secret, epoch)
    form = _form(raw_body)
    if "payload" in form:
        return _block_actions(_payload(form["payload"]), datetime.fromtimestamp(epoch(), UTC))
    if "command" in form:
        return _slash_command(form)
    raise ChatRequestRejected(400, "body: neither an interaction payload nor a slash command")


def verify_slack_signature(raw_body: bytes, headers: Mapping[str, str], signing_secret: str,
                           now: Callable[[], float]) -> None:
    """Raise ChatRequestRejected(401) unless the raw body carries a valid, fresh Slack v0 signature."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp, signature = lowered.get("x-slack-request-timestamp"), lowered.get("x-slack-signature")
    if not timestamp or not signature:
        raise ChatRequestRejected(401, "missing X-Slack-Request-Timestamp or X-Slack-Signature")
    if not signing_secret:
        raise ChatRequestRejected(401, "no signing secret configured")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise ChatRequestRejected(401, "X-Slack-Request-Timestamp is not a number") from None
    if abs(now() - sent_at) > SIGNATURE_WINDOW_SECONDS:
        raise ChatRequestRejected(401, "stale request: outside the 5-minute signature window")
    verifier = SignatureVerifier(signing_secret, clock=_FloatClock(now))
    try:
        valid = verifier.is_valid(body=raw_body, timestamp=timestamp, signature=signature)
    except UnicodeDecodeError:
        valid = False
    if not valid:
        raise ChatRequestRejected(401, "signature mismatch")


class _FloatClock(SlackClock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def _epoch(now: Callable[[], float] | Clock) -> Callable[[], float]:
    if callable(now):
        return now
    return EpochClock(now).now


def _form(raw_body: bytes) -> dict[str, str]:
    try:
        fields = parse_qs(raw_body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ChatRequestRejected(400, "body: not UTF-8") from None
    return {k: v[0] for k, v in fields.items()}


def _payload(text: str) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except ValueError:
        raise ChatRequestRejected(400, "payload: not JSON") from None
    if not isinstance(payload, dict):
        raise ChatRequestRejected(400, "payload: not an object")
    if payload.get("type") != "block_actions":
        raise ChatRequestRejected(400, f"payload.type: {_code(payload.get('type'))} is not handled")
    return payload


def _field(data: Any, path: str) -> Any:
    """data at a dotted path ("container.message_ts"); a missing or empty field is a 400 naming it."""
    value = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or value == "":
        raise ChatRequestRejected(400, f"{path}: missing")
    return value


def _block_actions(payload: dict[str, Any], received_at: datetime) -> ChatAction | LinkOpened:
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise ChatRequestRejected(400, "actions: missing")
    action = actions[0]
    action_id = str(_field(action, "action_id"))
    if _field(payload, "container.type") != "message":
        raise ChatRequestRejected(400, "container.type: only message actions are handled")
    user_id = str(_field(payload, "user.id"))
    team = payload.get("team") if isinstance(payload.get("team"), dict) else None
    team_id = str((team or {}).get("id") or _field(payload, "user.team_id"))
    message_ts = str(_field(payload, "container.message_ts"))
    action_ts = str(_field(action, "action_ts"))
    # The same press, redelivered by Slack, carries the same team, message, action time and user.
    interaction_id = f"slack:{team_id}:{message_ts}:{action_ts}:{user_id}"
    is_select = action.get("type") == "static_select"
    value_path = "actions[0].selected_option.value" if is_select else "actions[0].value"
    raw_value = (action.get("selected_option") or {}).get("value") if is_select else action.get("value")
    try:
        ref = parse_action_value(raw_value)
    except ValueError as err:
        raise ChatRequestRejected(400, f"{value_path}: {err}") from None
    if action_id.startswith(LINK_ACTION_PREFIX):
        return LinkOpened(link=action_id.removeprefix(LINK_ACTION_PREFIX), notification_id=ref["notification_id"],
                          actor_ref=user_id, interaction_id=interaction_id)
    if action_id not in _VERBS:
        raise ChatRequestRejected(400, f"actions[0].action_id: unknown action {_code(action_id)}")
    if action_id in _NEEDS_ITEM and not ref["item_id"]:
        raise ChatRequestRejected(400, f"{value_path}: {action_id} needs an item id")
    reason_code = ref["reason_code"] if action_id == "not_relevant" else None
    if action_id == "not_relevant" and reason_code not in _REASONS:
        raise ChatRequestRejected(400, f"{value_path}: unknown not-relevant reason")
    reply = {"response_url": str(_field(payload, "response_url")),
             "channel": str((payload.get("container") or {}).get("channel_id") or ""), "ts": message_ts}
    try:
        return ChatAction(
            chat="slack", interaction_id=interaction_id, notification_id=ref["notification_id"], verb=action_id,
            item_id=ref["item_id"], actor_ref=user_id, reason=_note(payload) if action_id in _TAKES_NOTE else None,
            reason_code=reason_code, reply={k: v for k, v in reply.items() if v}, received_at=received_at)
    except ValidationError as err:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in err.errors())
        where = f"state.values.{NOTE_BLOCK_ID}.{NOTE_ACTION_ID}.value" if "reason" in fields else fields
        raise ChatRequestRejected(400, f"{where}: invalid") from None


def _note(payload: dict[str, Any]) -> str | None:
    values = (payload.get("state") or {}).get("values") or {}
    entry = (values.get(NOTE_BLOCK_ID) or {}).get(NOTE_ACTION_ID) or {}
    text = entry.get("value") if isinstance(entry, dict) else None
    if text is not None and not isinstance(text, str):
        raise ChatRequestRejected(400, f"state.values.{NOTE_BLOCK_ID}.{NOTE_ACTION_ID}.value: not text")
    return text.strip() or None if text else None


def _slash_command(form: dict[str, str]) -> SlashCommand:
    command = form["command"]
    if not command.startswith("/"):
        raise ChatRequestRejected(400, "command: not a slash command")
    for name in ("user_id", "team_id", "response_url"):
        if not form.get(name):
            raise ChatRequestRejected(400, f"{name}: missing")
    return SlashCommand(command=command, text=form.get("text", "").strip(), user_id=form["user_id"],
                        team_id=form["team_id"], response_url=form["response_url"])


def _code(value: object) -> str:
    """A value from the request, safe to put in an error message: short, printable, quoted."""
    text = str(value)[:40]
    return repr("".join(c for c in text if c.isprintable()))
