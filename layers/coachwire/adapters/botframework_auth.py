"""The Bot Framework token on a Teams request (POST /teams/messages), verified with PyJWT.

The one module of the deployed package that imports `jwt` (import-linter enforces it; docs/teams.md says why not
the Microsoft 365 Agents SDK). A request is Teams' only when its `Authorization: Bearer <jwt>`:
- is signed RS256 by a key the Bot Framework publishes (its JWKS, fetched and cached by PyJWKClient);
- was issued by https://api.botframework.com, for this bot (audience = the bot's app id), and is in date, with
  five minutes' leeway for clocks;
- names the activity's own serviceUrl in its `serviceurl` claim, so a token cannot be replayed for another tenant's
  service.
What is refused says why in a short code; the token itself is never logged or returned."""

from __future__ import annotations

from typing import Any

import jwt
from jwt import PyJWKClient
from jwt.algorithms import has_crypto

BOTFRAMEWORK_ISSUER = "https://api.botframework.com"
BOTFRAMEWORK_JWKS_URL = "https://login.botframework.com/v1/.well-known/keys"
CLOCK_SKEW_SECONDS = 300
ALGORITHMS = ["RS256"]
# Microsoft rotates the keys rarely and announces new ones ahead: kept a day; an unknown key id refetches at once.
KEYS_LIFESPAN_SECONDS = 86400
KEYS_TIMEOUT_SECONDS = 3.0
# The claim is named in lower case on the wire; the camel-case spelling is accepted too.
SERVICE_URL_CLAIMS = ("serviceurl", "serviceUrl")


class TokenRejected(Exception):
    """The request is not provably from the Bot Framework for this bot: answer 401. `reason` is a short code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(RuntimeError):
    """The Bot Framework's keys could not be fetched: nothing is wrong with the request; answer 503 so Teams
    retries."""


def bearer_token(authorization: str | None) -> str:
    """The token in an `Authorization: Bearer <jwt>` header; TokenRejected when there is none."""
    if not authorization:
        raise TokenRejected("missing_authorization")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("not_a_bearer_token")
    return token.strip()


class BotFrameworkVerifier:
    """Verifies Bot Framework tokens for one bot. Build it once per container: it caches the signing keys."""

    def __init__(self, app_id: str, jwks_url: str = BOTFRAMEWORK_JWKS_URL, *,
                 issuer: str = BOTFRAMEWORK_ISSUER, jwk_client: PyJWKClient | None = None) -> None:
        if not app_id:
            raise ValueError("the bot's app id is required: it is the audience every token must name")
        if not has_crypto:
            raise RuntimeError("PyJWT needs the cryptography package to verify RS256 tokens")
        self.app_id = app_id
        self.issuer = issuer
        self._keys = jwk_client or PyJWKClient(jwks_url, cache_keys=True, lifespan=KEYS_LIFESPAN_SECONDS,
                                               timeout=KEYS_TIMEOUT_SECONDS)

    def verify(self, authorization: str | None, service_url: str | None) -> dict[str, Any]:
        """The token's claims when the header carries a valid token for this bot and this serviceUrl; otherwise
        TokenRejected (KeysUnavailable when the keys could not be fetched)."""
        token = bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("malformed_token") from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenRejected("wrong_algorithm")
        try:
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise KeysUnavailable("the Bot Framework signing keys could not be fetched") from None
        except jwt.PyJWTError:
            raise TokenRejected("unknown_signing_key") from None
        try:
            claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=self.app_id, issuer=self.issuer,
                                leeway=CLOCK_SKEW_SECONDS, options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise TokenRejected("expired") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected("wrong_audience") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected("wrong_issuer") from None
        except jwt.PyJWTError:
            raise TokenRejected("invalid_token") from None
        claimed = next((claims[name] for name in SERVICE_URL_CLAIMS if name in claims), None)
        if not service_url or claimed != service_url:
            raise TokenRejected("service_url_mismatch")
        return claims
