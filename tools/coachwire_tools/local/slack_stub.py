"""A local stand-in for the Slack Web API, over real HTTP, for the tests and the local stack.

It serves the methods Coachwire calls (users.lookupByEmail, chat.postMessage, chat.update) under /api/, and
response_url sinks under /response/<id>, answering with the shapes Slack documents (`{"ok": true, ...}`,
`{"ok": false, "error": "..."}`, 429 with Retry-After). It records every call and can be told to misbehave:

    with SlackStub() as slack:
        sender = SlackSender(lambda: slack.token, base_url=slack.api_url)
        slack.faults.rate_limit(1, retry_after=7)       # the next call answers 429, Retry-After: 7
        slack.faults.unknown_email("gone@example.com")  # users_not_found for that address
        slack.faults.error("invalid_auth")              # the next call answers invalid_auth
        slack.faults.drop_after_read(1)                 # read the next post, post it, hang up without a reply
        slack.calls_to("chat.postMessage")

`signed_block_actions` and `signed_slash_command` build the requests Slack sends to the interaction route,
signed as Slack signs them (v0 HMAC-SHA256 of "v0:<timestamp>:<raw body>", through slack_sdk's own
SignatureVerifier). Test and local tooling only: `local/` is not bundled."""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from coachwire.adapters.slack_blocks import NOTE_ACTION_ID, NOTE_BLOCK_ID, action_value
from slack_sdk.signature import SignatureVerifier

STUB_TOKEN = "xoxb-local-stub-token"  # noqa: S105 (not a credential: what the stub accepts)
STUB_SIGNING_SECRET = "local-stub-signing-secret"  # noqa: S105 (not a credential: what the stub signs with)
STUB_TEAM_ID = "T0LOCAL01"


@dataclass(frozen=True)
class Call:
    """One request the stub received. `authorized` says whether it carried the stub's token (never recorded)."""

    method: str  # "chat.postMessage", or "response_url" for a sink
    path: str
    params: dict[str, Any]
    authorized: bool
    answered: int  # the HTTP status sent; 0 when the connection was dropped instead


@dataclass
class _Fault:
    kind: str  # "rate_limit", "error", "drop"
    remaining: int | None  # None: every matching call
    methods: frozenset[str] | None  # None: every method
    retry_after: int = 1
    code: str = ""


@dataclass
class Faults:
    """What the stub should get wrong next. Each fault fires on the next `n` matching calls (None: all)."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _queue: list[_Fault] = field(default_factory=list)
    unknown_emails: set[str] = field(default_factory=set)

    def rate_limit(self, n: int | None = 1, *, retry_after: int = 1, methods: tuple[str, ...] | None = None) -> None:
        self._add(_Fault("rate_limit", n, _methods(methods), retry_after=retry_after))

    def error(self, code: str, n: int | None = 1, *, methods: tuple[str, ...] | None = None) -> None:
        """Answer `{"ok": false, "error": code}` (HTTP 200, as Slack does), e.g. invalid_auth, channel_not_found."""
        self._add(_Fault("error", n, _methods(methods), code=code))

    def drop_after_read(self, n: int | None = 1, *, methods: tuple[str, ...] = ("chat.postMessage",)) -> None:
        """Read the request, act on it (the post happens), then close the connection without answering."""
        self._add(_Fault("drop", n, _methods(methods)))

    def unknown_email(self, email: str) -> None:
        with self._lock:
            self.unknown_emails.add(email.lower())

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.unknown_emails.clear()

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._queue.append(fault)

    def take(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._queue:
                if fault.methods is None or method in fault.methods:
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._queue.remove(fault)
                    return fault
        return None


def _methods(methods: tuple[str, ...] | None) -> frozenset[str] | None:
    return frozenset(methods) if methods is not None else None


class SlackStub:
    """The stand-in itself. Start it (`with SlackStub() as slack`, or start()/stop()) on 127.0.0.1, port 0 by
    default; `api_url` is what WebClient(base_url=...) takes."""

    def __init__(self, *, port: int = 0, token: str = STUB_TOKEN, signing_secret: str = STUB_SIGNING_SECRET,
                 team_id: str = STUB_TEAM_ID, users: dict[str, str] | None = None, auto_users: bool = True) -> None:
        self.token, self.signing_secret, self.team_id = token, signing_secret, team_id
        self.faults = Faults()
        # e-mail → user id; with auto_users any other address is a user too (a stable id from the address).
        self.users: dict[str, str] = {e.lower(): u for e, u in (users or {}).items()}
        self.deactivated: set[str] = set()
        self.auto_users = auto_users
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) → the message as last posted
        self.responses: dict[str, list[dict[str, Any]]] = {}  # response_url id → what was sent to it
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._ts = 0
        self._response_ids = 0
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.stub = self
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def start(self) -> SlackStub:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="slack-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SlackStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what happened ----------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def response_url(self) -> str:
        """A fresh response_url, as Slack puts in each interaction payload."""
        with self._lock:
            self._response_ids += 1
            rid = f"R{self._response_ids:04d}"
            self.responses.setdefault(rid, [])
        return f"{self.url}/response/{rid}"

    def add_user(self, email: str, user_id: str | None = None, *, deactivated: bool = False) -> str:
        uid = user_id or _user_id(email)
        with self._lock:
            self.users[email.lower()] = uid
            if deactivated:
                self.deactivated.add(uid)
        return uid

    def signed_block_actions(self, *, timestamp: int, **kwargs: Any) -> tuple[bytes, dict[str, str]]:
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("response_url", self.response_url())
        return signed_block_actions(self.signing_secret, timestamp=timestamp, **kwargs)

    def signed_slash_command(self, *, timestamp: int, **kwargs: Any) -> tuple[bytes, dict[str, str]]:
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("response_url", self.response_url())
        return signed_slash_command(self.signing_secret, timestamp=timestamp, **kwargs)

    # --- answering (on the server's threads) -------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"1700000000.{self._ts:06d}"

    def answer(self, method: str, params: dict[str, Any], authorized: bool,
               fault: _Fault | None) -> tuple[int, dict[str, str], dict]:
        if fault is not None and fault.kind == "rate_limit":
            return 429, {"Retry-After": str(fault.retry_after)}, {"ok": False, "error": "ratelimited"}
        if fault is not None and fault.kind == "error":
            return 200, {}, {"ok": False, "error": fault.code}
        if not authorized:
            return 200, {}, {"ok": False, "error": "not_authed" if params.get("_no_token") else "invalid_auth"}
        handler = {"users.lookupByEmail": self._lookup, "chat.postMessage": self._post,
                   "chat.update": self._update}.get(method)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, handler(params)

    def _lookup(self, params: dict[str, Any]) -> dict:
        email = str(params.get("email") or "").lower()
        if not email:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            uid = self.users.get(email)
            if uid is None and self.auto_users and email not in self.faults.unknown_emails:
                uid = self.users[email] = _user_id(email)
            deleted = uid in self.deactivated
        if uid is None or email in self.faults.unknown_emails:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": uid, "team_id": self.team_id, "deleted": deleted, "is_bot": False,
                                     "tz": "Europe/London", "profile": {"email": email}}}

    def _post(self, params: dict[str, Any]) -> dict:
        target = str(params.get("channel") or "")
        if not target:
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks")):
            return {"ok": False, "error": "no_text"}
        with self._lock:
            known = set(self.users.values())
        if target.startswith(("U", "W")) and target not in known:
            return {"ok": False, "error": "channel_not_found"}
        channel = "D" + target[1:] if target.startswith(("U", "W")) else target
        ts = self._next_ts()
        message = {"type": "message", "text": params.get("text", ""), "blocks": params.get("blocks", []),
                   "ts": ts, "bot_id": "B0LOCAL01"}
        with self._lock:
            self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update(self, params: dict[str, Any]) -> dict:
        key = (str(params.get("channel") or ""), str(params.get("ts") or ""))
        with self._lock:
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            message = dict(self.messages[key], text=params.get("text", ""), blocks=params.get("blocks", []))
            self.messages[key] = message
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"], "message": message}

    def sink(self, rid: str, body: dict[str, Any]) -> int:
        with self._lock:
            if rid not in self.responses:
                return 404
            self.responses[rid].append(body)
        return 200


def _user_id(email: str) -> str:
    return "U" + hashlib.sha256(email.lower().encode()).hexdigest()[:10].upper()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    stub: SlackStub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        stub = self.server.stub
        split = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        params = _params(split.query, raw, self.headers.get("content-type", ""))
        if split.path.startswith("/response/"):
            status = stub.sink(split.path.rsplit("/", 1)[-1], params)
            stub._record(Call("response_url", split.path, params, True, status))
            self._send(status, {}, b"ok" if status == 200 else b"no_active_hooks", "text/plain")
            return
        method = split.path.removeprefix("/api/")
        auth = self.headers.get("authorization", "")
        if not auth:
            params["_no_token"] = True
        authorized = auth == f"Bearer {stub.token}"
        if not split.path.startswith("/api/"):
            self._send(404, {}, b"not found", "text/plain")
            return
        fault = stub.faults.take(method)
        if fault is not None and fault.kind == "drop":
            stub.answer(method, params, authorized, None)  # it happened on Slack's side...
            stub._record(Call(method, split.path, _public(params), authorized, 0))
            self.close_connection = True  # ...but the reply never comes
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, headers, body = stub.answer(method, params, authorized, fault)
        stub._record(Call(method, split.path, _public(params), authorized, status))
        self._send(status, headers, json.dumps(body).encode(), "application/json; charset=utf-8")

    do_GET = do_POST

    def _send(self, status: int, headers: dict[str, str], payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # request lines carry e-mail addresses (lookups) and capability paths


def _params(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    if not raw:
        return params
    if "json" in content_type:
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        if isinstance(body, dict):
            params.update(body)
        return params
    for key, values in parse_qs(raw.decode("utf-8", "replace")).items():
        value: Any = values[0]
        if key == "blocks":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        params[key] = value
    return params


def _public(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in ("_no_token", "token")}


# --- signed requests, as Slack sends them to the interaction route ------------------------------------------------

def slack_signature_headers(signing_secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The two headers Slack adds: X-Slack-Request-Timestamp and X-Slack-Signature (v0, HMAC-SHA256)."""
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=str(timestamp), body=body)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"}


def block_actions_payload(*, notification_id: str, verb: str, user_id: str, team_id: str = STUB_TEAM_ID,
                          message_ts: str = "1700000000.000001", channel_id: str = "D0LOCAL01",
                          action_ts: str = "1700000100.000001", item_id: str | None = None,
                          note: str | None = None, reason_code: str | None = None,
                          response_url: str = "https://hooks.slack.com/actions/T0LOCAL01/1/local") -> dict[str, Any]:
    """A block_actions payload for a press of one of Coachwire's buttons (or its not-relevant select), laid out
    as Slack lays it out (see examples/reference/slack/)."""
    if verb == "not_relevant":
        value = action_value(notification_id, reason_code=reason_code or "other")
        action: dict[str, Any] = {"type": "static_select", "action_id": verb, "block_id": "cw_actions",
                                  "selected_option": {"text": {"type": "plain_text", "text": reason_code or "other"},
                                                      "value": value},
                                  "action_ts": action_ts}
    else:
        action = {"type": "button", "action_id": verb, "block_id": "cw_actions" if item_id is None else "cw_item_0",
                  "text": {"type": "plain_text", "text": verb}, "value": action_value(notification_id, item_id),
                  "action_ts": action_ts}
    values: dict[str, Any] = {}
    if note is not None:
        values[NOTE_BLOCK_ID] = {NOTE_ACTION_ID: {"type": "plain_text_input", "value": note}}
    return {
        "type": "block_actions", "user": {"id": user_id, "team_id": team_id}, "api_app_id": "A0LOCAL01",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id, "is_ephemeral": False},
        "trigger_id": f"{action_ts}.local", "team": {"id": team_id}, "enterprise": None,
        "is_enterprise_install": False, "channel": {"id": channel_id},
        "message": {"type": "message", "ts": message_ts, "bot_id": "B0LOCAL01"},
        "state": {"values": values}, "response_url": response_url, "actions": [action]}


def signed_block_actions(signing_secret: str, *, timestamp: int, **payload: Any) -> tuple[bytes, dict[str, str]]:
    """The raw body (`payload=<url-encoded JSON>`) and headers of a signed block_actions request."""
    body = urlencode({"payload": json.dumps(block_actions_payload(**payload))}).encode()
    return body, slack_signature_headers(signing_secret, body, timestamp)


def signed_slash_command(signing_secret: str, *, timestamp: int, command: str = "/coachwire-brief",
                         text: str = "", user_id: str = "U0LOCAL01", team_id: str = STUB_TEAM_ID,
                         response_url: str = "https://hooks.slack.com/commands/T0LOCAL01/1/local"
                         ) -> tuple[bytes, dict[str, str]]:
    """The raw form body and headers of a signed slash command, fields as in Slack's own example."""
    body = urlencode({"token": "unused-verification-token", "team_id": team_id, "team_domain": "local",
                      "channel_id": "D0LOCAL01", "channel_name": "directmessage", "user_id": user_id,
                      "user_name": "local", "command": command, "text": text, "response_url": response_url,
                      "trigger_id": f"{timestamp}.local"}).encode()
    return body, slack_signature_headers(signing_secret, body, timestamp)
