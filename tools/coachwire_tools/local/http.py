"""API Gateway HTTP API, locally: routes from `spine.HTTP_FUNCTIONS`, a JWT check, payload format 2.0.

Listens on 127.0.0.1 only. Mirrors the gateway where handlers can tell the difference: 401 without
calling the function when the token is missing or bad, 413 above 10 MB, claims passed as strings,
the raw body handed over byte for byte (base64 when it is not UTF-8), and the 2.0 response rules.
Any request method reaches the routes (an ANY route takes them all); the API function answers the
methods a path does not have with 405 and an Allow header.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from coachwire import spine
from coachwire.settings import Settings

from coachwire_tools.local.lambdas import ACCOUNT_ID, HandlerLoader, describe_error, invoke

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024  # HTTP API payload limit
API_ID = "local"

Response = tuple[int, list[tuple[str, str]], bytes]


@dataclass(frozen=True)
class Route:
    method: str  # or ANY
    path: str  # API Gateway syntax: /a/{id}, /{proxy+}
    needs_jwt: bool
    function: spine.HttpFunction
    pattern: re.Pattern[str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        found = self.pattern.fullmatch(path)
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}


def _compile(path: str) -> re.Pattern[str]:
    regex = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("+}"):
            regex += f"(?P<{part[1:-2]}>.+)"  # greedy: one or more segments
        elif part.startswith("{"):
            regex += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += re.escape(part)
    return re.compile(regex)


def build_routes(functions: tuple[spine.HttpFunction, ...] = spine.HTTP_FUNCTIONS) -> list[Route]:
    """All routes, most specific first (literal paths before parameters before greedy, exact method before ANY)."""
    routes = [
        Route(method, path, needs_jwt, fn, _compile(path)) for fn in functions for method, path, needs_jwt in fn.routes
    ]
    return sorted(routes, key=lambda r: ("+}" in r.path, r.path.count("{"), r.method == "ANY", -len(r.path)))


def _json(status: int, payload: dict[str, Any], *extra: tuple[str, str]) -> Response:
    return status, [("content-type", "application/json"), *extra], json.dumps(payload).encode()


def _claims_as_strings(claims: dict[str, Any]) -> dict[str, str]:
    # The JWT authorizer hands claims to the integration as strings; arrays as "[a b]".
    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "[" + " ".join(text(v) for v in value) + "]"
        if isinstance(value, dict):
            return json.dumps(value)
        return str(value)

    return {name: text(value) for name, value in claims.items()}


class HttpApi:
    """Routes requests to the HTTP functions; `handle` is independent of the socket server."""

    def __init__(
        self,
        settings: Settings,
        loader: HandlerLoader,
        verify: Callable[[str], dict[str, Any]],
        routes: list[Route] | None = None,
    ) -> None:
        self.settings = settings
        self.loader = loader
        self.verify = verify
        self.routes = routes or build_routes()

    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str) -> Response:
        raw_path, _, raw_query = target.partition("?")  # not urlsplit: "//x" is a path here, not a host
        raw_path = raw_path or "/"
        route, params = next(
            ((r, p) for r in self.routes if (p := r.match(method, raw_path)) is not None), (None, None)
        )
        if route is None:
            return _json(404, {"message": "Not Found"})
        lowered = _lower_headers(headers)
        claims = None
        if route.needs_jwt:
            claims = self._authorise(lowered.get("authorization", ""))
            if claims is None:
                return _json(401, {"message": "Unauthorized"}, ("www-authenticate", "Bearer"))
        event = self._event(route, params or {}, method, raw_path, raw_query, lowered, body, source_ip, claims)
        started = time.monotonic()
        try:
            result = invoke(
                self.loader,
                route.function.name,
                event,
                stage=self.settings.stage,
                timeout=route.function.timeout_seconds,
                memory=route.function.memory_mb,
            )
        except Exception as exc:
            log.error("%s failed on %s: %s", route.function.name, route.route_key, describe_error(exc))
            response = _json(500, {"message": "Internal Server Error"})
        else:
            try:
                response = _to_response(result)
            except (TypeError, ValueError) as exc:  # messages describe the shape, not the data
                log.error("%s returned a malformed response: %s", route.function.name, exc)
                response = _json(500, {"message": "Internal Server Error"})
        # Route key, not path: paths can carry employee ids.
        log.info(
            "%s → %s %d in %.0f ms",
            route.route_key,
            route.function.name,
            response[0],
            (time.monotonic() - started) * 1000,
        )
        return response

    def _authorise(self, header: str) -> dict[str, Any] | None:
        token = header[7:].strip() if header[:7].lower() == "bearer " else header.strip()
        if not token:
            return None
        try:
            return self.verify(token)
        except Exception:
            return None

    def _event(
        self,
        route: Route,
        params: dict[str, str],
        method: str,
        raw_path: str,
        raw_query: str,
        headers: dict[str, str],
        body: bytes,
        source_ip: str,
        claims: dict[str, Any] | None,
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        request_id = str(uuid.uuid4())
        cookies = headers.pop("cookie", None)
        domain = headers.get("host", "127.0.0.1")
        context: dict[str, Any] = {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        }
        if claims is not None:
            scope = claims.get("scope") or claims.get("scp")
            scopes = scope.split() if isinstance(scope, str) else scope
            context["authorizer"] = {"jwt": {"claims": _claims_as_strings(claims), "scopes": scopes or None}}
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": raw_path,
            "rawQueryString": raw_query,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": False,
        }
        if cookies:
            event["cookies"] = [c.strip() for c in cookies.split(";") if c.strip()]
        if raw_query:
            query: dict[str, str] = {}
            for key, value in parse_qsl(raw_query, keep_blank_values=True):
                query[key] = f"{query[key]},{value}" if key in query else value
            event["queryStringParameters"] = query
        if params:
            event["pathParameters"] = params
        if body:
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                event["isBase64Encoded"] = True
        return event


def _lower_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    return lowered


def _to_response(result: Any) -> Response:
    """Payload format 2.0 response rules, including the shortcut for results without statusCode."""
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return 200, [("content-type", "application/json")], body.encode()
    body = result.get("body")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise TypeError("a 2.0 response body must be a string (serialise it first)")
    headers = [(str(k).lower(), str(v)) for k, v in (result.get("headers") or {}).items()]
    headers += [("set-cookie", str(c)) for c in result.get("cookies") or []]
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return int(result["statusCode"]), headers, raw


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            status, headers, payload = _json(413, {"message": "Request Entity Too Large"})
            self.close_connection = True  # the unread body is still on the socket
        else:
            status, headers, payload = self.server.api.handle(
                self.command, self.path, list(self.headers.items()), body, self.client_address[0]
            )
        self.send_response(status)
        names = {name for name, _ in headers}
        for name, value in headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("content-length", str(len(payload)))
        self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def __getattr__(self, name: str) -> Any:
        # Every method, TRACE and CONNECT included, goes through the routes like GET does (ANY matches it), so the
        # function answers 405 with an Allow header rather than http.server's 501 page.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _read_body(self) -> bytes | None:
        """The raw request body, or None when it exceeds the gateway's limit."""
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = MAX_BODY_BYTES + 1  # unreadable: refuse rather than guess where the body ends
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes | None:
        chunks, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # CRLF after each chunk

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the default line carries the path (may hold ids); HttpApi logs the route key instead


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog (socketserver's default is 5): a burst of concurrent senders on a loaded machine would
    # otherwise see connections reset before a thread accepts them, which API Gateway never does.
    request_queue_size = 128
    api: HttpApi


class LocalHttpServer:
    """HttpApi behind a threading HTTP server (on 127.0.0.1 unless told otherwise)."""

    def __init__(self, api: HttpApi, port: int = 0, host: str = "127.0.0.1") -> None:
        self._server = _Server((host, port), _RequestHandler)
        self._server.api = api
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        # Listening on every interface: this machine reaches it on the loopback address.
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"

    def start(self) -> LocalHttpServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="coachwire-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()
