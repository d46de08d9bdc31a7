"""Webhook signing secrets: from Secrets Manager in AWS (cached), from the environment locally."""

from __future__ import annotations

from coachwire.settings import Settings

CACHE_SECONDS = 300


def webhook_secrets(settings: Settings) -> list[str]:
    if settings.webhook_secrets_arn:
        from aws_lambda_powertools.utilities.parameters import get_secret

        value = get_secret(settings.webhook_secrets_arn, max_age=CACHE_SECONDS)
        return [s.strip() for s in str(value).split(",") if s.strip()]
    return settings.webhook_secret_list()
