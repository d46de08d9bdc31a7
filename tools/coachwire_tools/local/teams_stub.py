"""A local stand-in for Microsoft Teams Workflows webhooks, over real HTTP.

Each webhook is `POST /webhook/<ref>` (a real one is a signed Logic Apps URL; the sender only sees a URL). Posts are
recorded and answered as Workflows does (202 Accepted, an `x-ms-workflow-run-id` header), or with a fault set per
ref: rate limited (429 + Retry-After), gone (404), unauthorised (401), read-then-drop (the post is read and recorded,
then the connection closes with no answer: the sender cannot know whether it was posted) and slow (answers after a
delay). Test and demo tooling only: `local/` is not bundled.

    with TeamsWebhookStub() as stub:
        url = stub.webhook_url("team-a")
        stub.fail("team-b", Fault.rate_limited(retry_after=7))
        ...
        stub.calls  # what was posted, in order
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from coachwire_tools.local.stand_in import HttpStandIn, StandInServer

WEBHOOK_PREFIX = "/webhook/"
RUN_ID_HEADER = "x-ms-workflow-run-id"


@dataclass(frozen=True)
class Fault:
    kind: str  # "status" | "drop" | "slow"
    status: int = 0
    retry_after: int | None = None
    delay_seconds: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after: int = 30) -> Fault:
        return cls("status", 429, retry_after=retry_after)

    @classmethod
    def answer(cls, status: int) -> Fault:
        return cls("status", status)

    @classmethod
    def drop_after_read(cls) -> Fault:
        return cls("drop")

    @classmethod
    def slow(cls, delay_seconds: float) -> Fault:
        return cls("slow", 202, delay_seconds=delay_seconds)


NOT_FOUND = Fault.answer(404)
UNAUTHORIZED = Fault.answer(401)


@dataclass(frozen=True)
class WebhookCall:
    ref: str
    headers: dict[str, str]
    body: Any  # the JSON posted (None when it was not JSON)
    raw: bytes = field(repr=False)


class TeamsWebhookStub(HttpStandIn):
    thread_name = "teams-webhook-stub"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, run_ids: bool = True) -> None:
        super().__init__(host, port)
        self.run_ids = run_ids
        self._lock = threading.Lock()
        self._calls: list[WebhookCall] = []
        self._faults: dict[str, Fault] = {}

    # --- lifecycle
    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def webhook_url(self, ref: str) -> str:
        return f"{self.url}{WEBHOOK_PREFIX}{ref}"

    # --- faults and records
    def fail(self, ref: str, fault: Fault | None) -> None:
        """Answer every post to `ref` with the fault from now on (None: answer normally again)."""
        with self._lock:
            if fault is None:
                self._faults.pop(ref, None)
            else:
                self._faults[ref] = fault

    def fault_for(self, ref: str) -> Fault | None:
        with self._lock:
            return self._faults.get(ref)

    def record(self, call: WebhookCall) -> int:
        with self._lock:
            self._calls.append(call)
            return len(self._calls)

    @property
    def calls(self) -> list[WebhookCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, ref: str) -> list[WebhookCall]:
        return [c for c in self.calls if c.ref == ref]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()




class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandInServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.startswith(WEBHOOK_PREFIX) or len(self.path) == len(WEBHOOK_PREFIX):
            self._answer(404, {"error": {"code": "NotFound"}})
            return
        ref = self.path[len(WEBHOOK_PREFIX):].split("?", 1)[0]
        stub = self.server.stub
        fault = stub.fault_for(ref)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        number = stub.record(WebhookCall(ref, {k.lower(): v for k, v in self.headers.items()}, body, raw))
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            self._answer(fault.status, {"error": {"code": str(fault.status)}}, headers)
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay_seconds)
        if body is None:
            self._answer(400, {"error": {"code": "InvalidRequestContent"}})
            return
        self._answer(202, None, {RUN_ID_HEADER: f"run-{number:06d}"} if stub.run_ids else {})

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a read timeout): what it sees is its own business

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the path is the webhook's ref
