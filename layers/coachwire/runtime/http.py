"""API Gateway (HTTP API, payload 2.0) glue for the ingest function."""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from coachwire.logs import logger
from coachwire.runtime.wiring import aws_dependencies
from coachwire.services.deps import Dependencies
from coachwire.services.ingest import ingest, publish_delivery
from coachwire.settings import Settings


def json_response(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"content-type": "application/json"},
            "body": json.dumps(body), "isBase64Encoded": False}


def raw_body(event: dict) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")


class IngestHandler:
    def __init__(self, deps: Dependencies | None = None, deduper: Any = None, secrets: list[str] | None = None):
        self._deps, self._deduper, self._secrets = deps, deduper, secrets

    def _wire(self) -> None:
        if self._deps is None:
            self._deps = aws_dependencies(Settings())
        if self._deduper is None:
            from coachwire.adapters.idempotency import WebhookDeduper

            deps = self._deps
            self._deduper = WebhookDeduper(deps.settings.idempotency_table, deps.settings.webhook_dedupe_days * 86400,
                                           publish=functools.partial(publish_delivery, deps))

    def __call__(self, event: dict, context: Any) -> dict:
        self._wire()
        assert self._deps is not None
        if hasattr(self._deduper, "register"):
            self._deduper.register(context)
        secrets = self._secrets
        if secrets is None:
            from coachwire.adapters.secrets import webhook_secrets

            secrets = webhook_secrets(self._deps.settings)
        response = ingest(raw_body(event), event.get("headers") or {}, self._deps, secrets, self._deduper)
        logger.info("webhook", extra={"status": response.status, "event_id": response.body.get("event_id"),
                                      "field": response.logged_field})
        return json_response(response.status, response.body)
