"""Webhook dedupe with Powertools idempotency on DynamoDB: the key is the `webhook-id` (stable across
sender retries), and a reused id with a different body is refused rather than silently accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from coachwire.ports import DeliveryInFlight, ReusedDeliveryId


class WebhookDeduper:
    def __init__(self, table_name: str, ttl_seconds: int, publish: Callable[[dict], dict]) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="webhook_id",
            payload_validation_jmespath="body_sha256",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=ttl_seconds,
        )
        persistence = DynamoDBPersistenceLayer(table_name=table_name)

        @idempotent_function(data_keyword_argument="delivery", config=self.config, persistence_store=persistence)
        def publish_once(delivery: dict) -> dict:
            return publish(delivery)

        self._publish_once = publish_once

    def register(self, lambda_context: Any) -> None:
        # Without the context a timed-out call would keep its key locked until expiry.
        self.config.register_lambda_context(lambda_context)

    def __call__(self, delivery: dict) -> dict:
        try:
            return self._publish_once(delivery=delivery)
        except IdempotencyValidationError as err:
            raise ReusedDeliveryId() from err
        except IdempotencyAlreadyInProgressError as err:
            raise DeliveryInFlight() from err
