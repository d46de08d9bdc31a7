"""POST /teams/messages: a press of an `Action.Execute` button on a Coachwire card, as a ChatAction.

Teams sends the bot an `invoke` activity named `adaptiveCard/action` whose `value.action` carries the button's
`verb` and `data` (the card's input values merged into it). The request is Teams' only if its Bot Framework token
verifies (adapters/botframework_auth.py) for this bot and the activity's serviceUrl: 401 otherwise. An activity that
is not such a press, or names no verb or notification Coachwire knows, is 400 naming the field. The activity's id
is the interaction's id: Teams redelivers a press with the same id, so the bus consumer sees one interaction.

The activity is read with our own small models (only the fields used; the rest is ignored), not the Agents SDK's."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coachwire.adapters.botframework_auth import TokenRejected
from coachwire.adapters.teams_cards import NOTE_INPUT, REASON_CODE_INPUT, REASON_INPUT
from coachwire.clock import Clock
from coachwire.models.chat import ChatAction, ChatConversationRef
from coachwire.models.messages import ActionVerb, NotRelevantReason
from coachwire.ports import ProfileStore
from coachwire.runtime.chat_requests import ChatRequestRejected

INVOKE_NAME = "adaptiveCard/action"
EXECUTE = "Action.Execute"
VERBS: frozenset[str] = frozenset(get_args(ActionVerb))
REASON_CODES: frozenset[str] = frozenset(get_args(NotRelevantReason))


class TokenVerifier(Protocol):
    """adapters.botframework_auth.BotFrameworkVerifier, or a stand-in in tests."""

    def verify(self, authorization: str | None, service_url: str | None) -> dict[str, Any]: ...


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Account(_Wire):
    id: str | None = None
    aad_object_id: str | None = Field(default=None, alias="aadObjectId")


class _Action(_Wire):
    type: str | None = None
    verb: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class _InvokeValue(_Wire):
    action: _Action | None = None
    trigger: str | None = None


class _Conversation(_Wire):
    id: str | None = None
    conversation_type: str | None = Field(default=None, alias="conversationType")
    tenant_id: str | None = Field(default=None, alias="tenantId")


class _Tenant(_Wire):
    id: str | None = None


class _ChannelData(_Wire):
    tenant: _Tenant | None = None


class _Activity(_Wire):
    type: str | None = None
    name: str | None = None
    id: str | None = None
    service_url: str | None = Field(default=None, alias="serviceUrl")
    from_: _Account | None = Field(default=None, alias="from")
    value: _InvokeValue | None = None
    # installationUpdate / conversationUpdate
    action: str | None = None
    recipient: _Account | None = None
    conversation: _Conversation | None = None
    channel_data: _ChannelData | None = Field(default=None, alias="channelData")
    members_added: list[_Account] = Field(default_factory=list, alias="membersAdded")
    members_removed: list[_Account] = Field(default_factory=list, alias="membersRemoved")


@dataclass(frozen=True)
class TeamsInstallation:
    """The Coachwire app installed (`add`) or uninstalled (`remove`) in a person's personal scope: where the bot
    can post to them. Ids only."""

    action: Literal["add", "remove"]
    activity_id: str | None
    service_url: str
    conversation_id: str
    tenant_id: str | None
    user_id: str  # the person's Teams id in this bot's conversations ("29:...")
    user_aad_id: str  # their Entra object id
    bot_id: str  # the bot's id ("28:<app id>")


LIFECYCLE_TYPES = frozenset({"installationUpdate", "conversationUpdate"})


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _bad(field: str, message: str) -> ChatRequestRejected:
    return ChatRequestRejected(400, message, field)


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"value.action.data.{key}", f"{key} must be text")
    return value.strip() or None


def _document(raw_body: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _activity(document: dict[str, Any]) -> _Activity:
    try:
        return _Activity.model_validate(document)
    except ValidationError as err:
        where = ".".join(str(p) for p in err.errors()[0]["loc"]) or "body"
        raise _bad(where, "the activity is not shaped as Teams sends it") from None


def _press(activity: _Activity) -> tuple[str, str, _Action, str]:
    """(activity id, actor, the action, its verb): the parts every press has, or 400 naming the first missing."""
    if activity.type != "invoke":
        raise _bad("type", "only invoke activities are handled")
    if activity.name != INVOKE_NAME:
        raise _bad("name", f"only {INVOKE_NAME} invokes are handled")
    action = activity.value.action if activity.value is not None else None
    if action is None:
        raise _bad("value.action", "the invoke carries no action")
    if action.type != EXECUTE:
        raise _bad("value.action.type", f"only {EXECUTE} presses are handled")
    if not action.verb or action.verb not in VERBS:
        raise _bad("value.action.verb", "unknown action")
    if not activity.id:
        raise _bad("id", "the activity has no id")
    actor = activity.from_.aad_object_id if activity.from_ is not None else None
    if not actor:
        raise _bad("from.aadObjectId", "the press names no Entra user")
    return activity.id, actor, action, action.verb


def _verified_document(raw_body: bytes, headers: Mapping[str, str], verifier: TokenVerifier) -> dict[str, Any]:
    authorization = _header(headers, "authorization")
    if not authorization:
        raise ChatRequestRejected(401, "missing Bot Framework token", "authorization")
    # The token first: an unauthenticated caller learns nothing about what we accept. A body that is not a JSON
    # object names no serviceUrl, so no token can be bound to it: 401 as well.
    document = _document(raw_body)
    service_url = document.get("serviceUrl") if document is not None else None
    try:
        verifier.verify(authorization, service_url if isinstance(service_url, str) else None)
    except TokenRejected as err:
        raise ChatRequestRejected(401, f"Bot Framework token refused: {err.reason}", "authorization") from None
    if document is None:  # only a verifier that ignores the serviceUrl gets here
        raise _bad("body", "the body is not a JSON object")
    return document


def parse_teams_invoke(raw_body: bytes, headers: Mapping[str, str], verifier: TokenVerifier,
                       clock: Clock) -> ChatAction:
    """The press in a POST /teams/messages request. ChatRequestRejected: 401 when the Bot Framework token is
    missing or does not verify, 400 (with the field) when the activity is not a press of a Coachwire button.
    botframework_auth.KeysUnavailable passes through (the keys could not be fetched: answer 503)."""
    return _action(_activity(_verified_document(raw_body, headers, verifier)), clock)


def parse_teams_activity(raw_body: bytes, headers: Mapping[str, str], verifier: TokenVerifier,
                         clock: Clock) -> ChatAction | TeamsInstallation | None:
    """What a POST /teams/messages request is, its token verified exactly as for a press: a press (ChatAction);
    the app installed or removed for a person (TeamsInstallation); or a lifecycle activity Coachwire needs nothing
    from (None: answer 200). Any other activity is 400, as parse_teams_invoke refuses it."""
    activity = _activity(_verified_document(raw_body, headers, verifier))
    if activity.type in LIFECYCLE_TYPES:
        return _installation(activity)
    return _action(activity, clock)


def _installation(activity: _Activity) -> TeamsInstallation | None:
    """Only a personal-scope installation by a person (from.aadObjectId) of this bot (recipient.id) counts."""
    bot_id = activity.recipient.id if activity.recipient is not None else None
    if activity.type == "installationUpdate":
        action = activity.action if activity.action in ("add", "remove") else None
    elif any(m.id == bot_id for m in activity.members_added):
        action = "add"
    elif any(m.id == bot_id for m in activity.members_removed):
        action = "remove"
    else:
        action = None  # someone else joined or left a conversation the bot is in
    conversation = activity.conversation
    person = activity.from_
    if (action is None or not bot_id or conversation is None or not conversation.id or person is None
            or not person.id or not person.aad_object_id or not activity.service_url):
        return None
    if conversation.conversation_type not in (None, "personal"):
        return None  # installed in a team or a group chat: Coachwire writes to people, one to one
    tenant = activity.channel_data.tenant.id if activity.channel_data and activity.channel_data.tenant else None
    return TeamsInstallation(action=cast(Literal["add", "remove"], action), activity_id=activity.id,
                             service_url=activity.service_url, conversation_id=conversation.id,
                             tenant_id=tenant or conversation.tenant_id, user_id=person.id,
                             user_aad_id=person.aad_object_id, bot_id=bot_id)


def _action(activity: _Activity, clock: Clock) -> ChatAction:
    interaction_id, actor, action, verb = _press(activity)
    data = action.data
    notification_id = data.get("notification_id")
    if not isinstance(notification_id, str) or not notification_id:
        raise _bad("value.action.data.notification_id", "the press names no notification")
    item_id = _text(data, "item_id")
    # Every input on the card comes with every press: keep only what the verb asks for.
    reason, reason_code = None, None
    if verb == "decline":
        reason = _text(data, REASON_INPUT)
    elif verb == "discussed":
        reason = _text(data, NOTE_INPUT)
    elif verb == "not_relevant":
        reason_code = _text(data, REASON_CODE_INPUT)
        if reason_code is not None and reason_code not in REASON_CODES:
            raise _bad(f"value.action.data.{REASON_CODE_INPUT}", "unknown reason code")
    try:
        return ChatAction(chat="teams", interaction_id=interaction_id, notification_id=notification_id,
                          verb=cast(ActionVerb, verb), item_id=item_id, actor_ref=actor, reason=reason,
                          reason_code=cast(NotRelevantReason | None, reason_code), received_at=clock.now())
    except ValidationError as err:
        field = REASON_INPUT if verb == "decline" else NOTE_INPUT
        raise _bad(f"value.action.data.{field}" if err.errors()[0]["loc"][0] == "reason" else "value.action.data",
                   "a value is out of range") from None


MemberLookup = Callable[[str, str, str], "dict[str, Any] | None"]


def record_installation(installation: TeamsInstallation, profiles: ProfileStore, member: MemberLookup,
                        clock: Clock) -> str:
    """Store (or mark removed) the person's conversation reference; the outcome, for the log:
    `stored` (and the chat user linked), `removed`, `unknown_person` (nothing stored), `not_stored` (a removal
    for someone Coachwire holds no reference for).

    Who the person is comes from the Bot Connector (`member(service_url, conversation_id, user_id)`: their
    e-mail address or user principal name), matched to a profile's work e-mail. An uninstall needs no lookup: the
    chat user was linked at installation. Raises what `member` raises (the caller answers 503)."""
    now = clock.now()
    if installation.action == "remove":
        employee = profiles.employee_for_chat_user("teams", installation.user_aad_id)
        stored = profiles.chat_reference(employee, "teams") if employee else None
        if stored is None:
            return "not_stored"
        # The chat_interactions function may not delete: the reference is overwritten, marked removed.
        profiles.put_chat_reference(stored.model_copy(update={"removed": True, "changed_at": now}))
        return "removed"
    found = member(installation.service_url, installation.conversation_id, installation.user_id)
    employee = _employee_for_member(found, installation, profiles)
    if employee is None:
        return "unknown_person"
    profiles.put_chat_reference(ChatConversationRef(
        chat="teams", employee_id=employee, service_url=installation.service_url,
        conversation_id=installation.conversation_id, tenant_id=installation.tenant_id,
        user_ref=installation.user_aad_id, user_id=installation.user_id, bot_id=installation.bot_id,
        installed_at=now, changed_at=now))
    profiles.link_chat_user(employee, "teams", installation.user_aad_id)
    return "stored"


def _employee_for_member(found: dict[str, Any] | None, installation: TeamsInstallation,
                         profiles: ProfileStore) -> str | None:
    if not found:
        return None
    # The member must be the person the activity came from (the same Entra object), whatever else it says.
    if found.get("aadObjectId") not in (None, installation.user_aad_id):
        return None
    for key in ("email", "userPrincipalName"):
        address = found.get(key)
        if isinstance(address, str) and "@" in address:
            employee = profiles.employee_for_email(address)
            if employee is not None:
                return employee
    return None
