"""POST /slack/interactions and POST /teams/messages: a press in a chat, verified on the raw body, acknowledged at
once and put on the bus for chat_action (Slack wants an answer within 3 s; the work happens after).

No JWT on these routes: Slack signs with the app's signing secret (5-minute window), Teams with a Bot Framework
token. Unsigned, stale or tampered requests are 401, an unknown action 400; nothing is published for either."""

from __future__ import annotations

from typing import Any

from coachwire import spine
from coachwire.domain import chat_actions
from coachwire.logs import logger
from coachwire.models.chat import ChatAction, ChatCommand
from coachwire.runtime.chat_requests import ChatRequestRejected
from coachwire.runtime.http import json_response, raw_body
from coachwire.runtime.wiring import aws_dependencies
from coachwire.services.deps import Dependencies
from coachwire.settings import Settings

SLACK_PATH = "/slack/interactions"
TEAMS_PATH = "/teams/messages"


class ChatInteractionsHandler:
    def __init__(self, deps: Dependencies | None = None, *, slack_signing_secret: str | None = None,
                 teams_verifier: Any = None, teams_connector: Any = None) -> None:
        self._deps, self._slack_secret, self._teams_verifier = deps, slack_signing_secret, teams_verifier
        self._teams_connector = teams_connector

    @property
    def deps(self) -> Dependencies:
        if self._deps is None:
            self._deps = aws_dependencies(Settings())
        return self._deps

    def __call__(self, event: dict, context: Any) -> dict:
        path = str(event.get("rawPath") or "")
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        try:
            if path.endswith(SLACK_PATH):
                return self.slack(raw_body(event), headers)
            if path.endswith(TEAMS_PATH):
                return self.teams(raw_body(event), headers)
        except ChatRequestRejected as err:
            logger.info("chat request rejected", extra={"status": err.status, "path": path,
                                                        "field": getattr(err, "field", None)})
            return json_response(err.status, {"message": err.message, **({"field": err.field}
                                                                          if getattr(err, "field", None) else {})})
        return json_response(404, {"message": "Not Found"})

    # -- Slack ---------------------------------------------------------------------------------------------------

    def _slack_signing_secret(self) -> str:
        if self._slack_secret is None:
            from coachwire.adapters.secrets import slack_signing_secret

            return slack_signing_secret(self.deps.settings)
        return self._slack_secret

    def slack(self, body: bytes, headers: dict[str, str]) -> dict:
        from coachwire.runtime.slack_interactions import SlashCommand, parse_slack_request

        parsed = parse_slack_request(body, headers, self._slack_signing_secret(), self.deps.clock)
        if isinstance(parsed, ChatAction):
            self._publish(parsed)
        elif isinstance(parsed, SlashCommand):
            command = ChatCommand(
                chat="slack", interaction_id=f"{parsed.team_id}:{parsed.user_id}:{parsed.command}:{parsed.text}:"
                                             f"{int(self.deps.clock.now().timestamp())}",
                command=parsed.command, text=parsed.text, actor_ref=parsed.user_id,
                reply={"response_url": parsed.response_url}, received_at=self.deps.clock.now())
            self.deps.events.publish(spine.EVENT_SOURCE_INTERNAL, spine.CHAT_COMMAND_RECEIVED, {
                "command": command.model_dump(mode="json"), "event_id": chat_event_id(command)})
            # Slack shows a command's immediate answer to the person who typed it alone; the brief follows.
            return json_response(200, {"response_type": "ephemeral", "text": "Preparing the 1:1 brief…"})
        # A link button (LinkOpened) needs nothing: Slack opened the page already.
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": ""}

    # -- Teams ---------------------------------------------------------------------------------------------------

    def _verifier(self) -> Any:
        if self._teams_verifier is None:
            from coachwire.adapters.botframework_auth import BotFrameworkVerifier

            settings = self.deps.settings
            self._teams_verifier = BotFrameworkVerifier(settings.teams_app_id, settings.botframework_jwks_url)
        return self._teams_verifier

    def _connector(self) -> Any:
        """The Bot Connector client (adapters/teams_bot.BotConnector): who installed the app."""
        if self._teams_connector is None:
            from coachwire.runtime.wiring import teams_bot_connector

            self._teams_connector = teams_bot_connector(self.deps.settings)
        return self._teams_connector

    def teams(self, body: bytes, headers: dict[str, str]) -> dict:
        from coachwire.adapters.botframework_auth import KeysUnavailable
        from coachwire.adapters.teams_cards import decided_card, invoke_refused, invoke_response
        from coachwire.runtime.teams_invoke import TeamsInstallation, parse_teams_activity

        try:
            parsed = parse_teams_activity(body, headers, self._verifier(), self.deps.clock)
        except KeysUnavailable:
            return json_response(503, {"message": "the Bot Framework keys could not be fetched; retry"})
        if parsed is None:  # a lifecycle activity Coachwire needs nothing from
            return _empty_ok()
        if isinstance(parsed, TeamsInstallation):
            return self._installation(parsed)
        action = parsed
        # Teams shows the answer to the person who pressed, now: refusals are decided here, before the bus.
        note = self.deps.outbox.get(action.notification_id)
        refused = chat_actions.refusal(note, action)
        if refused is None and note is not None and note.kind == "manager_alert" and \
                not chat_actions.still_their_report(note, self.deps.profiles.get(note.about_id or "")):
            refused = "no_longer_your_report"
        if refused is not None or note is None:
            answer = invoke_refused(chat_actions.REFUSALS[refused or "unknown_message"])
        else:
            self._publish(action)
            answer = invoke_response(decided_card(note, chat_actions.decided_text(action)))
        return json_response(200, answer)

    def _installation(self, installation: Any) -> dict:
        """The Coachwire app installed or removed for a person: their conversation reference stored (or marked
        removed), answered 200 with an empty body. Logged with ids only."""
        from coachwire.ports import ChannelBroken
        from coachwire.runtime.teams_invoke import record_installation

        ids = {"activity_id": installation.activity_id, "tenant_id": installation.tenant_id,
               "action": installation.action}
        try:
            outcome = record_installation(installation, self.deps.profiles, self._connector().member,
                                          self.deps.clock)
        except ChannelBroken as err:
            logger.error(spine.CHANNEL_BROKEN_LOG, extra={"channel": "teams", "code": err.code, **ids})
            return json_response(503, {"message": "the installation could not be recorded; retry"})
        except Exception as err:  # noqa: BLE001 - a lookup or a write failed: nothing half-done to undo
            logger.warning("teams installation not recorded", extra={"error_type": type(err).__name__, **ids})
            return json_response(503, {"message": "the installation could not be recorded; retry"})
        logger.info("teams installation", extra={"outcome": outcome, **ids})
        return _empty_ok()

    def _publish(self, action: ChatAction) -> None:
        self.deps.events.publish(spine.EVENT_SOURCE_INTERNAL, spine.CHAT_ACTION_RECEIVED, {
            "action": action.model_dump(mode="json"), "event_id": chat_event_id(action)})


def _empty_ok() -> dict:
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": ""}


def chat_event_id(action: ChatAction | ChatCommand) -> str:
    """The firing's id (and receipt): the same for every delivery of one press."""
    import hashlib

    return "chat_" + hashlib.sha256(f"{action.chat}|{action.interaction_id}".encode()).hexdigest()[:24]
