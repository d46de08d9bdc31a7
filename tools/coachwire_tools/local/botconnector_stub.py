"""A local stand-in for the Bot Connector API and Entra's token endpoint, over real HTTP, for Coachwire's Teams bot.

- `POST /oauth2/v2.0/token` (form: grant_type=client_credentials, client_id, client_secret, scope): a token for the
  known app id and secret, `{"token_type": "Bearer", "expires_in": ..., "access_token": ...}`; 401
  `invalid_client` otherwise. Every request is counted.
- `POST /v3/conversations/{id}/activities`: the activity recorded and answered `{"id": "<activity id>"}` (201).
- `PUT /v3/conversations/{id}/activities/{activityId}`: the update recorded, `{"id": ...}` (200).
- `GET /v3/conversations/{id}/members/{userId}`: the member registered with `add_member` (a TeamsChannelAccount:
  id, aadObjectId, name, email, userPrincipalName, tenantId, userRole), 404 otherwise.
A connector call without a token this stand-in issued is 401. Faults per conversation (and for the token
endpoint): rate limited (429 + Retry-After), 403/404/401, read-then-drop (recorded, then the connection closes),
slow. `installation_activity` builds the installationUpdate Teams sends when a person installs the app, whose
serviceUrl is this stand-in. Test and demo tooling only: `local/` is not bundled.

    with BotConnectorStub(app_id=APP_ID, client_secret="s3cret") as bc:
        bc.add_member("a:conv-1", "29:user-1", aad_object_id="aad-1", email="grace@example.com")
        activity = bc.installation_activity("a:conv-1", "29:user-1", "aad-1")
        ...
        bc.activities  # what was posted, in order
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote

from coachwire_tools.local.stand_in import HttpStandIn, StandInServer
from coachwire_tools.local.teams_stub import Fault

TOKEN_PATH = "/oauth2/v2.0/token"  # noqa: S105 - a path, not a credential
CONVERSATIONS_PREFIX = "/v3/conversations/"
TOKEN_FAULT = "<token>"  # noqa: S105 - the name `fail` takes for the token endpoint


@dataclass(frozen=True)
class ConnectorCall:
    method: str
    conversation_id: str
    what: str  # "activities", "activity" (an update) or "member"
    target: str  # the activity or member id, when the path names one
    headers: dict[str, str]
    body: Any
    raw: bytes = field(repr=False)


class BotConnectorStub(HttpStandIn):
    thread_name = "botconnector-stub"

    def __init__(self, app_id: str, client_secret: str, host: str = "127.0.0.1", port: int = 0, *,
                 expires_in: int = 3599) -> None:
        self.app_id, self.client_secret, self.expires_in = app_id, client_secret, expires_in
        super().__init__(host, port)
        self._lock = threading.Lock()
        self._calls: list[ConnectorCall] = []
        self._token_requests: list[dict[str, str]] = []
        self._tokens: set[str] = set()
        self._members: dict[tuple[str, str], dict[str, Any]] = {}
        self._faults: dict[str, Fault] = {}

    # --- lifecycle
    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    @property
    def service_url(self) -> str:
        """What an activity's serviceUrl is when it comes from this stand-in (Teams' end with a slash)."""
        return self.url + "/teams/"

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH

    # --- set-up
    def add_member(self, conversation_id: str, user_id: str, *, aad_object_id: str, email: str | None,
                   name: str = "Local Person", tenant_id: str = "local-tenant") -> None:
        member = {"id": user_id, "name": name, "aadObjectId": aad_object_id, "givenName": name.split()[0],
                  "surname": name.split()[-1], "email": email, "userPrincipalName": email, "tenantId": tenant_id,
                  "userRole": "user"}
        with self._lock:
            self._members[(conversation_id, user_id)] = {k: v for k, v in member.items() if v is not None}

    def installation_activity(self, conversation_id: str, user_id: str, aad_object_id: str, *,
                              action: str = "add", tenant_id: str = "local-tenant") -> dict[str, Any]:
        """The installationUpdate Teams sends the bot when a person installs (or removes) the app for themselves."""
        return {
            "type": "installationUpdate", "action": action, "id": f"f:{uuid.uuid4().hex}",
            "timestamp": "2026-10-01T09:00:00.000Z", "channelId": "msteams", "serviceUrl": self.service_url,
            "from": {"id": user_id, "aadObjectId": aad_object_id},
            "recipient": {"id": f"28:{self.app_id}", "name": "Coachwire"},
            "conversation": {"conversationType": "personal", "tenantId": tenant_id, "id": conversation_id},
            "channelData": {"tenant": {"id": tenant_id}, "source": {"name": "message"}},
            "locale": "en-GB",
        }

    def fail(self, conversation_id: str, fault: Fault | None) -> None:
        """Answer every call on that conversation (TOKEN_FAULT: the token endpoint) with the fault (None: stop)."""
        with self._lock:
            if fault is None:
                self._faults.pop(conversation_id, None)
            else:
                self._faults[conversation_id] = fault

    def fault_for(self, name: str) -> Fault | None:
        with self._lock:
            return self._faults.get(name)

    # --- records
    def record(self, call: ConnectorCall) -> int:
        with self._lock:
            self._calls.append(call)
            return len(self._calls)

    @property
    def calls(self) -> list[ConnectorCall]:
        with self._lock:
            return list(self._calls)

    @property
    def activities(self) -> list[ConnectorCall]:
        """The posts, in order (not updates or member lookups)."""
        return [c for c in self.calls if c.what == "activities"]

    @property
    def token_requests(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self._token_requests)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._token_requests.clear()

    def _issue(self, form: dict[str, str]) -> str | None:
        with self._lock:
            self._token_requests.append(form)
            if (form.get("grant_type") != "client_credentials" or form.get("client_id") != self.app_id
                    or form.get("client_secret") != self.client_secret
                    or form.get("scope") != "https://api.botframework.com/.default"):
                return None
            token = "local-bot-" + secrets.token_urlsafe(16)
            self._tokens.add(token)
            return token

    def revoke_tokens(self) -> None:
        """Every token issued so far is refused from now on (a rotated secret)."""
        with self._lock:
            self._tokens.clear()

    def _token_ok(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            return scheme.lower() == "bearer" and token in self._tokens

    def _member(self, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._members.get((conversation_id, user_id))




class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandInServer

    def _read(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self) -> None:
        raw = self._read()
        if self.path == TOKEN_PATH:
            self._token(raw)
            return
        self._conversation("POST", raw)

    def do_PUT(self) -> None:
        self._conversation("PUT", self._read())

    def do_GET(self) -> None:
        self._conversation("GET", b"")

    def _token(self, raw: bytes) -> None:
        stub = self.server.stub
        form = {k: v[0] for k, v in parse_qs(raw.decode("ascii", "replace")).items()}
        if self._faulted(stub.fault_for(TOKEN_FAULT)):
            stub._issue({**form, "client_secret": "<faulted>"})
            return
        token = stub._issue(form)
        if token is None:
            self._answer(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client."})
            return
        self._answer(200, {"token_type": "Bearer", "expires_in": stub.expires_in, "ext_expires_in": stub.expires_in,
                           "access_token": token})

    def _conversation(self, method: str, raw: bytes) -> None:
        stub = self.server.stub
        path = self.path.split("?", 1)[0]
        prefix = next((p for p in (CONVERSATIONS_PREFIX, "/teams" + CONVERSATIONS_PREFIX) if path.startswith(p)), None)
        parts = [unquote(p) for p in path[len(prefix):].split("/")] if prefix else []
        if len(parts) < 2:
            self._answer(404, {"error": {"code": "NotFound"}})
            return
        conversation, kind, target = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
        what = {("POST", "activities"): "activities", ("PUT", "activities"): "activity",
                ("GET", "members"): "member"}.get((method, kind))
        if what is None:
            self._answer(404, {"error": {"code": "NotFound"}})
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        number = stub.record(ConnectorCall(method, conversation, what, target,
                                           {k.lower(): v for k, v in self.headers.items()}, body, raw))
        if not stub._token_ok(self.headers.get("Authorization")):
            self._answer(401, {"message": "Authorization has been denied for this request."})
            return
        if self._faulted(stub.fault_for(conversation)):
            return
        if what == "member":
            member = stub._member(conversation, target)
            self._answer(*((200, member) if member else (404, {"error": {"code": "MemberNotFoundInConversation"}})))
        elif what == "activity":
            self._answer(200, {"id": target})
        elif not isinstance(body, dict) or body.get("type") != "message":
            self._answer(400, {"error": {"code": "BadSyntax"}})
        else:
            self._answer(201, {"id": f"1:{number:06d}"})

    def _faulted(self, fault: Fault | None) -> bool:
        """Answer with the fault, if any (True: answered or dropped)."""
        if fault is None:
            return False
        if fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if fault.kind == "status":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            self._answer(fault.status, {"error": {"code": str(fault.status)}}, headers)
            return True
        time.sleep(fault.delay_seconds)  # slow: then answer normally
        return False

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
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass
