"""Tiny stand-ins for the real Lambda handlers: they record what they receive, and fail on request."""

from __future__ import annotations

from pathlib import Path

from coachwire import spine

TRIGGER_HANDLER = """
import json

RECEIVED = []  # one entry per invocation


def lambda_handler(event, context):
    RECEIVED.append({
        "event": event,
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "memory": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
    })
    failures = []
    for record in event["Records"]:
        detail = json.loads(record["body"]).get("detail", {})
        if detail.get("raise"):
            raise RuntimeError("boom: jane.doe@example.com")  # must not reach the logs
        if detail.get("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

INGEST_HANDLER = """
import base64, hashlib, json

RECEIVED = []


def lambda_handler(event, context):
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event["isBase64Encoded"] else body.encode("utf-8")
    RECEIVED.append({"event": event, "raw": raw})
    return {
        "statusCode": 202,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"sha256": hashlib.sha256(raw).hexdigest()}),
    }
"""

API_HANDLER = """
import json

RECEIVED = []


def lambda_handler(event, context):
    RECEIVED.append(event)
    if event["rawPath"] == "/openapi.json":
        return {"openapi": "3.1.0"}  # no statusCode: the gateway's 200 + JSON shortcut
    if event["rawPath"] == "/boom":
        raise ValueError("secret")
    authorizer = event["requestContext"].get("authorizer", {})
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({
            "routeKey": event["routeKey"],
            "claims": authorizer.get("jwt", {}).get("claims"),
            "pathParameters": event.get("pathParameters"),
            "query": event.get("queryStringParameters"),
        }),
    }
"""


def write_fake_handlers(root: Path) -> Path:
    """functions/<name>/handler.py for every trigger and HTTP function in the spine."""
    sources = {t.name: TRIGGER_HANDLER for t in spine.TRIGGERS}
    sources[spine.INGEST_FUNCTION] = INGEST_HANDLER
    sources[spine.API_FUNCTION] = API_HANDLER
    for name, source in sources.items():
        directory = root / "functions" / name
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "handler.py").write_text(source)
    return root
