"""The whole local runtime in one object, for the CLI, the demo and the end-to-end tests.

with LocalStack(seed="sample") as stack:
    requests.post(f"{stack.base_url}/webhooks/hris", ...)
    stack.wait_until_idle()
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from coachwire.clock import Clock, SystemClock
from coachwire.settings import Settings, env_var

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
from coachwire_tools.local.slack_stub import STUB_SIGNING_SECRET, STUB_TOKEN, SlackStub
from coachwire_tools.local.teams_stub import TeamsWebhookStub

log = logging.getLogger(__name__)

SEEDS = ("sample",)
WEBHOOK_SECRETS_ENV = "COACHWIRE_WEBHOOK_SECRETS"
HR_ADMINS_ENV = "COACHWIRE_HR_ADMINS"
APP_BASE_URL_ENV = env_var("app_base_url")
# The Teams Workflows webhook the local stand-in serves (a person's preferences name it as teams_webhook_ref).
LOCAL_TEAMS_WEBHOOK = "local-team"
LOCAL_DELIVERY_RULES = {"COACHWIRE_DELIVERY_DAILY_CAP": "1000", "COACHWIRE_DELIVERY_WEEKLY_CAP": "1000"}


def sample_hr_admins() -> str:
    """The sample organisation's HR admins as COACHWIRE_HR_ADMINS (JSON: subject → email)."""
    from coachwire_tools.sample_org.people import SAMPLE_PEOPLE

    return json.dumps({p.employee_id: p.email for p in SAMPLE_PEOPLE if p.access == "hr_admin"})


class SeedError(RuntimeError):
    pass


@dataclass(frozen=True)
class SeedReport:
    """What `--seed sample` put into the stack."""

    organisation: Any  # coachwire_tools.sample_org.seed.SeedSummary
    synthetic_demographics: int
    population: Any  # coachwire_tools.local.seeding.PopulationSummary | None
    rejected: int

    def lines(self) -> list[str]:
        org = self.organisation
        kept = f" ({org.profiles_skipped} already there, left as they were)" if org.profiles_skipped else ""
        lines = [f"Seeded the sample organisation: {org.frameworks} frameworks with {org.catalog_items} catalog "
                 f"items, {org.profiles_written} employee profiles{kept}, and SYNTHETIC demographics for "
                 f"{self.synthetic_demographics} of them (invented, sent as employee.demographics.upserted)."]
        if self.population is not None:
            pop = self.population
            lines.append(f"Seeded a SYNTHETIC population of {pop.people} employees (ids emp-1001...): a 60-day pilot "
                         f"of {pop.webhooks} HRIS webhooks, demographics included. Planted for the bias audit to "
                         f"find: {pop.planted}.")
        if self.rejected:
            lines.append(f"{self.rejected} seed webhooks were rejected: see the log above.")
        return lines


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
        *,
        host: str = "127.0.0.1",
        population: int = 0,
        clock: Clock | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        if seed is not None and seed not in SEEDS:
            raise SeedError(f"unknown seed {seed!r}; available: {', '.join(SEEDS)}")
        if population and seed != "sample":
            raise SeedError("a synthetic population needs --seed sample (its frameworks and catalogs)")
        if population < 0:
            raise SeedError("the population is a number of people, 0 or more")
        self.port = port
        self.host = host
        self.seed = seed
        self.population = population
        self.clock = clock or SystemClock()
        self.progress = progress or (lambda _: None)
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
        self.slack: SlackStub | None = None
        self.teams: TeamsWebhookStub | None = None
        self.seed_summary: SeedReport | None = None

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
        # The local stack replays weeks of history in minutes on the real clock, so per-day caps would hold most of
        # it until tomorrow: off unless the caller's environment sets them (tests of caps use their own clock).
        for name, value in LOCAL_DELIVERY_RULES.items():
            if name not in os.environ:
                env[name] = value
        env.update(self._start_chat_stand_ins())
        self._saved_env = apply_env(env)
        _forget_cached_clients()
        self.provisioned = provision(Settings())
        # Built after provisioning so it carries the dead-letter queue urls, as the handlers' will.
        self.settings = Settings()
        self._signing_key = tokens.signing_key()
        self.dispatcher = Dispatcher(self.settings, self.provisioned, self.handlers).start()
        api = HttpApi(self.settings, self.handlers, lambda token: tokens.verify(token, key=self._signing_key))
        self._http = LocalHttpServer(api, self.port, self.host).start()
        # Messages link to pages behind this API (the brief, preferences): known once the server has its port.
        self._saved_env.update(apply_env({APP_BASE_URL_ENV: self._http.base_url}))
        if self.seed == "sample":
            self.seed_summary = self._seed_sample()

    def _seed_sample(self) -> SeedReport:
        """The sample organisation (written to its tables), then synthetic demographics and population (sent as
        webhooks, so they go where real ones go)."""
        from coachwire_tools.local import seeding

        organisation = _seed_sample_org(self.settings)
        sender = seeding.Sender(self.base_url, self.webhook_secrets[0])
        sender.send(seeding.sample_demographics())
        self.wait_until_idle(timeout=60)
        demographics = sender.sent.total
        population = None
        if self.population:
            self.progress(f"seeding a synthetic population of {self.population}: starting")
            population = seeding.replay_population(
                sender, self.population, self.clock.now().date(), lambda: self.wait_until_idle(timeout=120),
                lambda status: self.progress(f"seeding a synthetic population of {self.population}: {status}"))
        return SeedReport(organisation, demographics, population, sender.sent.rejected)

    def stop(self) -> None:
        """Stop HTTP, then the pollers, then moto (they call it), then restore the environment."""
        if self._http is not None:
            self._http.stop()
            self._http = None
        if self.dispatcher is not None:
            self.dispatcher.stop()
        self.moto.stop()
        for stand_in in (self.slack, self.teams):
            if stand_in is not None:
                stand_in.stop()
        self.slack = self.teams = None
        apply_env(self._saved_env)
        self._saved_env = {}
        _forget_cached_clients()

    def __enter__(self) -> LocalStack:
        return self.start()

    def _start_chat_stand_ins(self) -> dict[str, str | None]:
        """Slack's Web API and a Teams Workflows webhook, locally over real HTTP (recording every call), and the
        credentials that reach them. People get Slack or Teams when their preferences say so (e-mail otherwise)."""
        self.slack = SlackStub().start()
        self.teams = TeamsWebhookStub().start()
        return {
            env_var("chat_channels"): json.dumps(["slack", "teams"]),
            env_var("slack_api_url"): self.slack.api_url,
            env_var("chat_send_secret"): json.dumps({
                "slack_bot_token": STUB_TOKEN,
                "teams_webhooks": {LOCAL_TEAMS_WEBHOOK: self.teams.webhook_url(LOCAL_TEAMS_WEBHOOK)}}),
            env_var("chat_verify_secret"): json.dumps({"slack_signing_secret": STUB_SIGNING_SECRET}),
            APP_BASE_URL_ENV: None,
        }

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
