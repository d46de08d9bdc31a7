"""Secrets: webhook signing secrets and the chat channels' credentials, from Secrets Manager in AWS (cached), from the
environment locally. Never logged."""

from __future__ import annotations

import json

from coachwire.settings import Settings

CACHE_SECONDS = 300


def webhook_secrets(settings: Settings) -> list[str]:
    if settings.webhook_secrets_arn:
        from aws_lambda_powertools.utilities.parameters import get_secret

        value = get_secret(settings.webhook_secrets_arn, max_age=CACHE_SECONDS)
        return [s.strip() for s in str(value).split(",") if s.strip()]
    return settings.webhook_secret_list()


def _json_secret(inline: str, arn: str) -> dict:
    if arn:
        from aws_lambda_powertools.utilities.parameters import get_secret

        inline = str(get_secret(arn, max_age=CACHE_SECONDS))
    if not inline:
        return {}
    value = json.loads(inline)
    if not isinstance(value, dict):
        raise ValueError("a chat secret holds a JSON object")
    return value


def slack_bot_token(settings: Settings) -> str:
    token = str(_json_secret(settings.chat_send_secret, settings.chat_send_secret_arn).get("slack_bot_token") or "")
    if not token:
        raise LookupError("no slack_bot_token in the chat send secret")
    return token


def teams_webhook_url(settings: Settings, ref: str) -> str | None:
    hooks = _json_secret(settings.chat_send_secret, settings.chat_send_secret_arn).get("teams_webhooks") or {}
    url = hooks.get(ref) if isinstance(hooks, dict) else None
    return str(url) if url else None


def teams_bot_client_secret(settings: Settings) -> str:
    """The Coachwire bot's Entra client secret (its app id is Settings.teams_app_id), for client-credentials
    tokens to the Bot Connector API."""
    secret = _json_secret(settings.teams_bot_secret, settings.teams_bot_secret_arn).get("client_secret")
    if not secret:
        raise LookupError("no client_secret in the Teams bot secret")
    return str(secret)


def slack_signing_secret(settings: Settings) -> str:
    secret = _json_secret(settings.chat_verify_secret, settings.chat_verify_secret_arn).get("slack_signing_secret")
    if not secret:
        raise LookupError("no slack_signing_secret in the chat verify secret")
    return str(secret)
