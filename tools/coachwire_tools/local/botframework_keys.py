"""A local Bot Framework token issuer: an RSA key of its own, its JWKS served over real HTTP (so PyJWKClient fetches
it as it fetches login.botframework.com's), and tokens shaped like the ones Teams sends a bot. For tests, the local
stack and the demo; never bundled.

    with LocalBotFramework() as bf:
        verifier = BotFrameworkVerifier(APP_ID, bf.jwks_url)
        headers = {"authorization": f"Bearer {bf.token(APP_ID, service_url)}"}
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from coachwire_tools.local.stand_in import HttpStandIn, StandInServer

BOTFRAMEWORK_ISSUER = "https://api.botframework.com"
KEYS_PATH = "/v1/.well-known/keys"


class LocalBotFramework(HttpStandIn):
    thread_name = "botframework-keys"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"local-{uuid.uuid4().hex[:12]}"
        self.fetches = 0
        self._lock = threading.Lock()

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        # The Bot Framework's keys name the channels they sign for.
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}]}

    def token(self, app_id: str, service_url: str | None, *, issuer: str = BOTFRAMEWORK_ISSUER,
              expires_in: int = 3600, key: rsa.RSAPrivateKey | None = None, kid: str | None = None,
              **claims: Any) -> str:
        """A token as the Bot Framework issues it for a bot: RS256, `serviceurl` naming the activity's service."""
        now = int(time.time())
        body: dict[str, Any] = {"iss": issuer, "aud": app_id, "nbf": now - 5, "iat": now - 5,
                                "exp": now + expires_in, **claims}
        if service_url is not None:
            body["serviceurl"] = service_url
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    # --- the JWKS over HTTP
    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    @property
    def jwks_url(self) -> str:
        return self.url + KEYS_PATH

    def _fetched(self) -> None:
        with self._lock:
            self.fetches += 1


def unsigned_token(app_id: str, service_url: str, *, issuer: str = BOTFRAMEWORK_ISSUER) -> str:
    """`alg: none`: what a forger without a key would send."""
    now = int(time.time())
    return jwt.encode({"iss": issuer, "aud": app_id, "exp": now + 3600, "serviceurl": service_url}, None,
                      algorithm="none")




class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandInServer

    def do_GET(self) -> None:
        if self.path != KEYS_PATH:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.server.stub._fetched()
        data = json.dumps(self.server.stub.jwks()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass
