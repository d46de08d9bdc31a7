"""Typed configuration. Handlers build one Settings from the environment; logic receives it as an argument."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coachwire.identity import ROLES, ClaimMapping
from coachwire.models.messages import Channel
from coachwire.models.preferences import QuietHours, checked_timezone

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CLAIM = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_:./\-]{0,127}$")
_SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")


class StallRules(BaseSettings):
    """Stall detection thresholds (thresholds are configuration)."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_STALL_", frozen=True)

    window_days: int = Field(30, ge=1, le=365)
    min_activities: int = Field(1, ge=1, le=100)
    cooldown_days: int = Field(14, ge=0, le=365)


class RetentionRules(BaseSettings):
    """How long each class of personal data is kept (days). The data-use policy (coachwire.policy), the TTL each
    store writes and the daily retention sweep all read these same fields."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_RETENTION_", frozen=True)

    recommendations_days: int = Field(730, ge=1, le=3650, description="after the recommendation was made")
    plans_days: int = Field(730, ge=1, le=3650, description="after the plan's last change")
    alerts_days: int = Field(365, ge=1, le=3650, description="after the manager alert was raised")
    notifications_days: int = Field(180, ge=1, le=3650, description="after the message was queued")
    receipts_days: int = Field(30, ge=1, le=365, description="after the processing receipt was written")
    corrections_days: int = Field(730, ge=1, le=3650, description="after the correction request was decided")
    audit_days: int = Field(2190, ge=30, le=3650, description="after the audit entry was recorded")
    # Completions and check-in ratings the weekly training fits on (it reads the last training_window_days).
    training_history_days: int = Field(730, ge=30, le=3650, description="after the completion or rating")
    shadow_recommendations_days: int = Field(180, ge=1, le=3650, description="after the shadow model scored it")
    leaver_grace_days: int = Field(30, ge=0, le=365, description="after the leaving date, then everything is erased")
    # Used by the isolated demographics table (bias audits): re-collected at least this often, erased on leaving.
    demographics_days: int = Field(1095, ge=30, le=3650, description="after the demographic record was updated")
    # An event that arrived before its employee is held this long, then recorded as expired (never silently dropped).
    parked_events_days: int = Field(7, ge=1, le=90, description="after the event arrived, if its employee never did")


class AuditRules(BaseSettings):
    """Bias audit statistics that an organisation may tune (recorded in every audit's manifest)."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_AUDIT_", frozen=True)

    alpha: float = Field(0.05, gt=0, lt=1)
    min_n: int = Field(10, ge=1, le=10_000)
    small_category_share: float = Field(0.02, ge=0, lt=1)
    suppress_below: int = Field(10, ge=1, le=10_000)


class EventDateWindow(BaseSettings):
    """Which dates an inbound event may carry; anything outside is refused at ingest, naming the field. Facts
    (the envelope timestamp, check-in and completion times) happened already; effective dates (hire, role change,
    leaving) may be planned, but not indefinitely; nothing predates `earliest`."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_EVENT_DATES_", frozen=True)

    fact_future_skew_hours: int = Field(24, ge=0, le=168, description="how far past now a fact's time may be")
    effective_horizon_days: int = Field(366, ge=1, le=3650, description="how far ahead an effective date may be")
    earliest: date = Field(date(1900, 1, 1), description="the earliest date or time any event may carry")


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DeliveryRules(BaseSettings):
    """The organisation's delivery rules: what applies to everyone who has not chosen otherwise (docs/preferences.md),
    and the caps per trigger across the organisation. `COACHWIRE_DELIVERY_QUIET_START=none` (and `_END`) turns the
    default quiet hours off."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_DELIVERY_", frozen=True, env_parse_none_str="none")

    channel: Channel = "email"
    timezone: str = "UTC"
    # No organisation-wide quiet hours unless set (with the organisation's time zone): a default window in UTC would
    # hold messages through the working day of most of the world. People set their own.
    quiet_start: time | None = None
    quiet_end: time | None = None
    daily_cap: int = Field(3, ge=0, le=1000)
    weekly_cap: int = Field(10, ge=0, le=1000)
    # {"<trigger>": n} as JSON: at most n messages of that trigger reach anyone per UTC day, across the organisation.
    trigger_daily_caps: dict[str, int] = Field(default_factory=dict)
    # When a manager's weekly digest goes out, in the manager's own time zone.
    digest_weekday: Weekday = "monday"
    digest_time: time = time(8, 0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return checked_timezone(name)

    @field_validator("quiet_start", "quiet_end", "digest_time")
    @classmethod
    def _local(cls, value: time | None) -> time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("a local time of day, without an offset")
        return value

    @field_validator("trigger_daily_caps")
    @classmethod
    def _caps(cls, caps: dict[str, int]) -> dict[str, int]:
        for trigger, cap in caps.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", trigger) or cap < 0:
                raise ValueError(f"trigger_daily_caps maps a trigger name to a count >= 0; {trigger!r} does not fit")
        return caps

    @model_validator(mode="after")
    def _quiet_window(self) -> DeliveryRules:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet_start and quiet_end are set together (or both 'none')")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValueError("quiet_start and quiet_end must differ")
        return self

    @property
    def quiet_hours(self) -> QuietHours | None:
        if self.quiet_start is None or self.quiet_end is None:
            return None
        return QuietHours(start=self.quiet_start, end=self.quiet_end)

    @property
    def digest_weekday_number(self) -> int:
        """Monday is 0, as datetime.weekday() counts."""
        return WEEKDAYS.index(self.digest_weekday)


class Settings(BaseSettings):
    """Everything a function may need, read once from COACHWIRE_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_", frozen=True, extra="ignore")

    stage: str = "local"
    profiles_table: str = "coachwire-local-profiles"
    catalog_table: str = "coachwire-local-catalog"
    outbox_table: str = "coachwire-local-outbox"
    audit_table: str = "coachwire-local-audit-log"
    stats_table: str = "coachwire-local-trigger-stats"
    idempotency_table: str = "coachwire-local-idempotency"
    demographics_table: str = "coachwire-local-demographics"
    governance_table: str = "coachwire-local-governance"
    parked_table: str = "coachwire-local-parked"
    audit_bucket: str = "coachwire-local-audit-reports"
    # Encrypts the audit's input snapshots (they hold demographics); set for the audit function only.
    demographics_key_arn: str = ""
    # Who is told about audit flags and the yearly model review: {"<employee id>": "<email>"}, as JSON; the ids are
    # callers' ids as the API reads them (employee_id_claim).
    hr_admins: dict[str, str] = Field(default_factory=dict)
    audit: AuditRules = Field(default_factory=AuditRules)
    event_bus_name: str = "coachwire-local-bus"
    # Comma-separated "trigger=queue_url" pairs, so the stats endpoint can read dead-letter depth and what is
    # still in flight on each trigger's own queue.
    dead_letter_queues: str = ""
    trigger_queues: str = ""
    sender_email: str = "coachwire@example.com"
    # Locally: comma-separated whsec_ secrets. In AWS: a Secrets Manager secret holding the same string.
    webhook_secrets: str = Field("", repr=False)
    webhook_secrets_arn: str = ""
    # Chat channels this deployment offers ("slack", "teams"): people choose among these and e-mail.
    chat_channels: list[Channel] = Field(default_factory=list)
    # What sending needs, as JSON {"slack_bot_token": "xoxb-...", "teams_webhooks": {"<ref>": "https://..."}}; and
    # what verifying a press needs, {"slack_signing_secret": "..."}. In AWS: Secrets Manager secrets (the *_arn
    # settings), each readable only by the functions that use it; locally: the JSON itself.
    chat_send_secret: str = Field("", repr=False)
    chat_send_secret_arn: str = ""
    chat_verify_secret: str = Field("", repr=False)
    chat_verify_secret_arn: str = ""
    # The Teams bot's Entra client secret, as JSON {"client_secret": "..."}: its own secret, readable by the functions
    # that act as the bot (sending, updating, asking who installed the app) and nothing else.
    teams_bot_secret: str = Field("", repr=False)
    teams_bot_secret_arn: str = ""
    slack_api_url: str = "https://slack.com/api/"
    # The Microsoft app id of Coachwire's Teams bot: the audience of the Bot Framework tokens on /teams/messages.
    teams_app_id: str = ""
    botframework_jwks_url: str = "https://login.botframework.com/v1/.well-known/keys"
    # Sending as the bot: an Entra client-credentials token (the client secret is `teams_bot_client_secret` in the
    # chat send secret). A single-tenant bot names its tenant; a multi-tenant one gets its token from the
    # botframework.com tenant. `teams_token_url` overrides both (the local stand-in).
    teams_tenant_id: str = ""
    teams_token_url: str = ""
    webhook_max_body_bytes: int = 256 * 1024
    webhook_tolerance_seconds: int = 300
    webhook_dedupe_days: int = 7
    event_dates: EventDateWindow = Field(default_factory=EventDateWindow)
    # Which token claims the API reads (docs/identity.md). The caller's id is the HRIS employee id: most identity
    # providers issue opaque `sub`s, so it may come from another claim (e.g. Cognito's `custom:employee_id`).
    employee_id_claim: str = "sub"
    role_claim: str = "coachwire_role"
    # {"<group>": "<role>"} as JSON: when set, the role comes from the groups claim and role_claim is not read.
    group_roles: dict[str, str] = Field(default_factory=dict)
    groups_claim: str = "groups"
    trigger_idempotency_days: int = 3
    # How long a claimed notification is the claimant's: a redelivery after that finds the sender dead and
    # marks it delivery_unknown rather than resending. Longer than the delivery function can run.
    delivery_lease_seconds: int = Field(120, ge=1, le=900)
    # A chat channel that fails this many times for one message (without saying the person is unreachable) gives
    # way to e-mail for it.
    channel_failures_before_fallback: int = Field(3, ge=1, le=10)
    # Where people open the pages messages link to (the plan, the 1:1 brief, their preferences): a portal in front
    # of this API, or the API itself. Empty: messages carry no links.
    app_base_url: str = ""
    plan_days_per_level: int = 45
    nudge_items: int = Field(3, ge=1, le=10)
    # A declined plan item is not suggested again for this many days (co-created plans).
    decline_cooldown_days: int = Field(90, ge=0, le=3650)
    # Weekly model training fits on this many days of history before the run.
    training_window_days: int = Field(365, ge=30, le=3650)
    # Trigger reliability: an event ingest accepted with no terminal outcome for a trigger it routes to this long
    # after it was accepted is *silent* (logged and alarmed by the hourly reliability_check; docs/reliability.md).
    reliability_silent_after_minutes: int = Field(60, ge=0, le=7 * 24 * 60)
    stall: StallRules = Field(default_factory=StallRules)
    # The employee's data rights: retention, corrections and the published data-use policy.
    retention: RetentionRules = Field(default_factory=RetentionRules)
    correction_escalation_days: int = Field(30, ge=1, le=365)
    hr_admin_email: str = "people-team@example.com"  # escalations go here (a shared HR mailbox)
    policy_effective_date: date = date(2026, 12, 1)  # set when a configuration change takes effect
    # What reaches people and when, unless they chose otherwise (GET/PUT /people/{id}/preferences).
    delivery: DeliveryRules = Field(default_factory=DeliveryRules)

    @field_validator("hr_admins")
    @classmethod
    def _hr_admins_are_subjects_with_emails(cls, admins: dict[str, str]) -> dict[str, str]:
        for subject, email in admins.items():
            if not _SUBJECT.match(subject) or not _EMAIL.match(email):
                raise ValueError(f"hr_admins maps an employee id to an email; {subject!r} does not fit")
        return admins

    @field_validator("employee_id_claim", "role_claim", "groups_claim")
    @classmethod
    def _claim_names(cls, name: str, info: ValidationInfo) -> str:
        setting = info.field_name or "claim"
        return checked_claim_name(name, f"{setting} (COACHWIRE_{setting.upper()})")

    @field_validator("group_roles")
    @classmethod
    def _groups_map_to_known_roles(cls, group_roles: dict[str, str]) -> dict[str, str]:
        return checked_group_roles(group_roles, "group_roles (COACHWIRE_GROUP_ROLES)")

    def claim_mapping(self) -> ClaimMapping:
        return ClaimMapping(self.employee_id_claim, self.role_claim, self.groups_claim, dict(self.group_roles))

    def dead_letter_queue_urls(self) -> dict[str, str]:
        return _pairs(self.dead_letter_queues)

    def trigger_queue_urls(self) -> dict[str, str]:
        return _pairs(self.trigger_queues)

    def webhook_secret_list(self) -> list[str]:
        return [s.strip() for s in self.webhook_secrets.split(",") if s.strip()]


def checked_claim_name(name: str, setting: str) -> str:
    if not _CLAIM.match(name):
        raise ValueError(f"{setting} must name a token claim, got {name!r}")
    return name


def checked_group_roles(group_roles: dict[str, str], setting: str) -> dict[str, str]:
    """Every group maps to a known role; group names have no whitespace, because the API Gateway JWT authorizer
    hands a list claim over as one space-separated string and such a name could not be told apart."""
    for group, role in group_roles.items():
        if not group or any(c.isspace() for c in group):
            raise ValueError(f"{setting}: group {group!r} must be a non-empty name without spaces "
                             "(use the group's id or another name)")
        if role not in ROLES:
            raise ValueError(f"{setting} maps group {group!r} to unknown role {role!r}; roles are {', '.join(ROLES)}")
    return group_roles


def _pairs(setting: str) -> dict[str, str]:
    pairs = [p for p in setting.split(",") if "=" in p]
    return {name.strip(): url.strip() for name, url in (p.split("=", 1) for p in pairs)}


def env_var(field: str, model: type[BaseSettings] = Settings) -> str:
    """The environment variable a settings field is read from, e.g. env_var("stage") == "COACHWIRE_STAGE": the CDK
    app names the variables it sets through this, so a renamed field fails the synth instead of being ignored."""
    if field not in model.model_fields:
        raise KeyError(f"{model.__name__} has no field {field!r}")
    return f"{model.model_config.get('env_prefix', '')}{field}".upper()
