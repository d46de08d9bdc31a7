"""The whole local runtime in one object, for the CLI, the demo and the end-to-end tests.

with LocalStack(seed="sample") as stack:
    requests.post(f"{stack.base_url}/webhooks/hris", ...)
    stack.wait_until_idle()
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from coachwire.settings import Settings

from coachwire_tools.local import tokens
from coachwire_tools.local.dispatcher import Dispatcher
from coachwire_tools.local.http import HttpApi, LocalHttpServer
from coachwire_tools.local.lambdas import HandlerLoader
from coachwire_tools.local.moto_server import MotoServer, apply_env
from coachwire_tools.local.provision import (
    DEAD_LETTER_ENV,
    DEMOGRAPHICS_KEY_ENV,
    TRIGGER_QUEUES_ENV,
    Provisioned,
    provision,
)

log = logging.getLogger(__name__)

SEEDS = ("sample",)
WEBHOOK_SECRETS_ENV = "COACHWIRE_WEBHOOK_SECRETS"
HR_ADMINS_ENV = "COACHWIRE_HR_ADMINS"


def sample_hr_admins() -> str:
    """The sample organisation's HR admins as COACHWIRE_HR_ADMINS (JSON: subject → email)."""
    from coachwire_tools.sample_org.people import SAMPLE_PEOPLE

    return json.dumps({p.employee_id: p.email for p in SAMPLE_PEOPLE if p.access == "hr_admin"})


class SeedError(RuntimeError):
    pass


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class LocalStack:
    def __init__(
        self,
        port: int = 0,
        seed: str | None = None,
        webhook_secrets: list[str] | None = None,
        handler_root: Path | str | None = None,
        hr_admins: dict[str, str] | None = None,
    ) -> None:
        if seed is not None and seed not in SEEDS:
            raise SeedError(f"unknown seed {seed!r}; available: {', '.join(SEEDS)}")
        self.port = port
        self.seed = seed
        self.webhook_secrets = list(webhook_secrets or [])
        self.hr_admins = hr_admins
        self.handlers = HandlerLoader(handler_root)
        self.moto = MotoServer()
        self.settings: Settings | None = None
        self.provisioned: Provisioned | None = None
        self.dispatcher: Dispatcher | None = None
        self._http: LocalHttpServer | None = None
        self._saved_env: dict[str, str | None] = {}
        self._signing_key = b""
        self.seed_summary: Any = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.moto.start()
        env = self.moto.environment()
        # Explicit secrets win, then the caller's environment, else a fresh dev secret.
        if not self.webhook_secrets:
            self.webhook_secrets = Settings().webhook_secret_list() or [new_webhook_secret()]
        env[WEBHOOK_SECRETS_ENV] = ",".join(self.webhook_secrets)
        env[DEAD_LETTER_ENV] = None  # provision() sets these three
        env[TRIGGER_QUEUES_ENV] = None
        env[DEMOGRAPHICS_KEY_ENV] = None
        # Who hears about audit flags: explicit admins win, then the caller's environment, then the sample org's.
        if self.hr_admins is not None:
            env[HR_ADMINS_ENV] = json.dumps(self.hr_admins)
        elif self.seed == "sample" and not Settings().hr_admins:
            env[HR_ADMINS_ENV] = sample_hr_admins()
        self._saved_env = apply_env(env)
        _forget_cached_clients()
        self.provisioned = provision(Settings())
        # Built after provisioning so it carries the dead-letter queue urls, as the handlers' will.
        self.settings = Settings()
        self._signing_key = tokens.signing_key()
        self.dispatcher = Dispatcher(self.settings, self.provisioned, self.handlers).start()
        api = HttpApi(self.settings, self.handlers, lambda token: tokens.verify(token, key=self._signing_key))
        self._http = LocalHttpServer(api, self.port).start()
        if self.seed == "sample":
            self.seed_summary = _seed_sample_org(self.settings)

    def stop(self) -> None:
        """Stop HTTP, then the pollers, then moto (they call it), then restore the environment."""
        if self._http is not None:
            self._http.stop()
            self._http = None
        if self.dispatcher is not None:
            self.dispatcher.stop()
        self.moto.stop()
        apply_env(self._saved_env)
        self._saved_env = {}
        _forget_cached_clients()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- conveniences ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._http is None:
            raise RuntimeError("LocalStack is not started")
        return self._http.base_url

    @property
    def moto_url(self) -> str:
        return self.moto.url

    def mint_token(self, role: str, sub: str, ttl: timedelta = timedelta(hours=12), *,
                   employee_id: str | None = None) -> str:
        return tokens.mint(role, sub, ttl, key=self._signing_key or tokens.signing_key(), settings=self.settings,
                           employee_id=employee_id)

    def sign_token(self, claims: dict[str, Any]) -> str:
        """A token carrying exactly these claims (and issuer, audience, lifetime) that the local API accepts."""
        return tokens.sign(claims, key=self._signing_key or tokens.signing_key())

    def fire_schedule(self, trigger_name: str, as_of: date | None = None) -> str:
        return self._running_dispatcher().fire_schedule(trigger_name, as_of)

    def wait_until_idle(self, timeout: float = 30.0) -> None:
        self._running_dispatcher().wait_until_idle(timeout)

    def _running_dispatcher(self) -> Dispatcher:
        if self.dispatcher is None:
            raise RuntimeError("LocalStack is not started")
        return self.dispatcher

    def describe(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "moto_url": self.moto_url,
            "queues": dict(self.provisioned.queue_urls) if self.provisioned else {},
            "dead_letter_queues": dict(self.provisioned.dlq_urls) if self.provisioned else {},
        }


def _forget_cached_clients() -> None:
    """The handlers' shared boto3 clients remember their endpoint: drop them when it changes."""
    from coachwire_tools.local.moto_server import reset_clients

    reset_clients()
    try:
        from coachwire.adapters.aws import reset_clients as reset_adapter_clients
    except ImportError:  # adapters not written yet: nothing cached
        return
    reset_adapter_clients()


def _seed_sample_org(settings: Settings) -> Any:
    try:
        from coachwire_tools.sample_org.seed import seed_sample_org
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("coachwire_tools.sample_org"):
            raise SeedError("--seed sample needs coachwire_tools.sample_org.seed, which is not available") from e
        raise
    return seed_sample_org(settings)
