"""Send Standard Webhooks-signed events to a Coachwire endpoint: what an HRIS (or the demo) does."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from standardwebhooks import Webhook


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    status: int
    body: dict


def sign(secret: str, body: bytes, webhook_id: str, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(webhook_id, at, body.decode())
    return {"webhook-id": webhook_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature, "content-type": "application/json"}


class WebhookClient:
    def __init__(self, base_url: str, secret: str, session: requests.Session | None = None) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/hris"
        self.secret = secret
        self.session = session or requests.Session()

    def send(self, payload: dict, webhook_id: str | None = None, *, body: bytes | None = None,
             headers: dict[str, str] | None = None, signed_at: datetime | None = None) -> Delivery:
        webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
        raw = body if body is not None else json.dumps(payload, separators=(",", ":")).encode()
        sent = {**sign(self.secret, raw, webhook_id, signed_at), **(headers or {})}
        response = self.session.post(self.url, data=raw, headers=sent, timeout=30)
        try:
            parsed = response.json()
        except ValueError:
            parsed = {"raw": response.text}
        return Delivery(webhook_id, response.status_code, parsed)
