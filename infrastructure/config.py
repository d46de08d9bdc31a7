"""Deploy-time configuration read from CDK context (`-c key=value` or cdk.json), validated up front.

Kept free of aws_cdk imports so it is cheap to unit-test and fails before any synthesis work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coachwire.identity import ClaimMapping
from coachwire.models.messages import CHANNELS
from coachwire.settings import DeliveryRules, RetentionRules, checked_claim_name, checked_group_roles, env_var
from pydantic import ValidationError

# CloudWatch Logs only accepts these retention periods.
ALLOWED_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
DEFAULT_RETENTION_DAYS = 30
# A trigger queue whose oldest message is older than this pages: its consumer is not keeping up or not running.
DEFAULT_QUEUE_AGE_ALARM_MINUTES = 10

# Stages allowed to synthesise with placeholder issuer/audience/sender (never usable for real traffic).
PLACEHOLDER_STAGES = frozenset({"dev"})
PLACEHOLDER_JWT_ISSUER = "https://issuer.invalid/"
PLACEHOLDER_JWT_AUDIENCE = ("coachwire-placeholder-audience",)
PLACEHOLDER_SENDER_EMAIL = "coachwire@example.com"
PLACEHOLDER_HR_ADMIN_EMAIL = "people-team@example.com"
# `-c acknowledge_placeholders=true`: a throw-away dev stack keeps its placeholders without the warning.
ACKNOWLEDGE_PLACEHOLDERS = "acknowledge_placeholders"
_PLACEHOLDER_EFFECTS = {
    "jwt_issuer": "the API rejects every JWT",
    "jwt_audience": "the API rejects every JWT",
    "sender_email": "no mail can be sent",
    "hr_admin_email": "overdue correction requests escalate to a placeholder mailbox",
    "hr_admins": "bias audit flags notify nobody",
}
_PLACEHOLDER_EXAMPLES = {
    "jwt_issuer": "https://idp.example.com/",
    "jwt_audience": "coachwire-api",
    "sender_email": "coaching@example.com",
    "hr_admin_email": "people@example.com",
    "hr_admins": "emp-0001=hr.lead@example.com",
}

_STAGE_RE = re.compile(r"^[a-z][a-z0-9-]{1,19}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SUBJECT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_QUIET_HOURS_RE = re.compile(r"^(\d{2}:\d{2})-(\d{2}:\d{2})$")
# E-mail is always offered; these are the chat channels a deployment may add.
CHAT_CHANNELS = tuple(c for c in CHANNELS if c != "email")
# The organisation's delivery rules (DeliveryRules) a context key sets: key -> the fields it fills.
DELIVERY_KEYS = {
    "delivery_timezone": ("timezone",),
    "delivery_quiet_hours": ("quiet_start", "quiet_end"),
    "delivery_daily_cap": ("daily_cap",),
    "delivery_weekly_cap": ("weekly_cap",),
}


class ConfigError(ValueError):
    """Bad or missing deploy-time context; the message says which key and how to set it."""


@dataclass(frozen=True)
class CoachwireConfig:
    stage: str
    jwt_issuer: str
    jwt_audience: tuple[str, ...]
    sender_email: str
    alarm_email: str | None = None
    log_retention_days: int = DEFAULT_RETENTION_DAYS
    queue_age_alarm_minutes: int = DEFAULT_QUEUE_AGE_ALARM_MINUTES
    # The employee's data rights: where overdue corrections escalate, the policy's effective date, and retention
    # periods overriding RetentionRules' defaults. Every function gets the same values (settings_environment), so
    # the policy the API publishes and the TTLs and sweep that enforce it read one configuration.
    hr_admin_email: str = PLACEHOLDER_HR_ADMIN_EMAIL
    policy_effective_date: str | None = None
    retention: tuple[tuple[str, int], ...] = ()
    # Who the bias audit and the yearly model review notify: (employee id, email) pairs.
    hr_admins: tuple[tuple[str, str], ...] = ()
    # Which token claims the API reads (Settings.employee_id_claim, ...; docs/identity.md).
    claims: ClaimMapping = field(default_factory=ClaimMapping)
    # Slack and Teams: the chat channels offered besides e-mail, the Teams bot's app id (the audience of the Bot
    # Framework tokens on /teams/messages), and where messages link to.
    chat_channels: tuple[str, ...] = ()
    teams_app_id: str | None = None
    teams_tenant_id: str | None = None  # a single-tenant bot's Entra tenant (its tokens come from there)
    app_base_url: str | None = None
    # The organisation's delivery rules overriding DeliveryRules' defaults: (field, value as the env carries it).
    delivery: tuple[tuple[str, str], ...] = ()
    # Context keys left at their placeholders (dev only), and what app.py prints about them unless acknowledged.
    placeholders: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def retain_data(self) -> bool:
        # Only throw-away dev stacks may delete tables on `cdk destroy`.
        return self.stage != "dev"

    def hr_admins_json(self) -> str:
        """COACHWIRE_HR_ADMINS (Settings.hr_admins)."""
        return json.dumps(dict(self.hr_admins), sort_keys=True)

    @property
    def uses_placeholders(self) -> bool:
        return bool(self.placeholders)

    @classmethod
    def from_context(cls, get: Callable[[str], Any] | Mapping[str, Any]) -> CoachwireConfig:
        """Build from `app.node.try_get_context` (or a plain dict). Raises ConfigError."""
        lookup = get.get if isinstance(get, Mapping) else get

        def text(key: str) -> str | None:
            value = lookup(key)
            if value is None:
                return None
            if not isinstance(value, str | int):
                raise ConfigError(f"context '{key}' must be a string, got {type(value).__name__}")
            value = str(value).strip()
            return value or None

        stage = text("stage") or "dev"
        if not _STAGE_RE.match(stage):
            raise ConfigError(f"context 'stage'={stage!r} must be 2-20 chars of a-z, 0-9, '-' starting with a letter")

        warnings: list[str] = []
        missing: list[str] = []

        issuer = text("jwt_issuer")
        if issuer is None:
            missing.append("jwt_issuer")
            issuer = PLACEHOLDER_JWT_ISSUER
        elif not issuer.startswith("https://"):
            raise ConfigError(f"context 'jwt_issuer'={issuer!r} must be an https:// URL (the OIDC issuer)")

        audience = _audience(lookup("jwt_audience"))
        if not audience:
            missing.append("jwt_audience")
            audience = PLACEHOLDER_JWT_AUDIENCE

        sender = text("sender_email")
        if sender is None:
            missing.append("sender_email")
            sender = PLACEHOLDER_SENDER_EMAIL
        elif not _EMAIL_RE.match(sender):
            raise ConfigError(f"context 'sender_email'={sender!r} is not an email address")

        alarm = text("alarm_email")
        if alarm is not None and not _EMAIL_RE.match(alarm):
            raise ConfigError(f"context 'alarm_email'={alarm!r} is not an email address")

        hr_admin = text("hr_admin_email")
        if hr_admin is None:
            missing.append("hr_admin_email")
            hr_admin = PLACEHOLDER_HR_ADMIN_EMAIL
        elif not _EMAIL_RE.match(hr_admin):
            raise ConfigError(f"context 'hr_admin_email'={hr_admin!r} is not an email address")

        effective = text("policy_effective_date")
        if effective is not None:
            try:
                date.fromisoformat(effective)
            except ValueError:
                raise ConfigError(f"context 'policy_effective_date'={effective!r} must be YYYY-MM-DD") from None
        # Bias audit flags and the yearly model review are worthless if nobody hears of them.
        hr_admins = _hr_admins(lookup("hr_admins"))
        if not hr_admins:
            missing.append("hr_admins")

        chat_channels = _chat_channels(lookup("chat_channels"))
        teams_app_id = text("teams_app_id")
        if teams_app_id is not None and not _GUID_RE.match(teams_app_id):
            raise ConfigError(f"context 'teams_app_id'={teams_app_id!r} must be the bot's Microsoft app id (a GUID, "
                              "e.g. 00000000-0000-0000-0000-000000000000)")
        teams_tenant_id = text("teams_tenant_id")
        if teams_tenant_id is not None and not _GUID_RE.match(teams_tenant_id):
            raise ConfigError(f"context 'teams_tenant_id'={teams_tenant_id!r} must be the Entra tenant id (a GUID) of "
                              "a single-tenant bot; leave it out for a multi-tenant one")
        if "teams" in chat_channels and teams_app_id is None:
            warnings.append("chat_channels offers teams without teams_app_id: Teams messages carry links only, and "
                            "POST /teams/messages refuses every press until -c teams_app_id=<the bot's app id> is set")
        app_base_url = text("app_base_url")
        if app_base_url is not None and (not app_base_url.startswith("https://") or any(c.isspace() for c in
                                                                                       app_base_url)):
            raise ConfigError(f"context 'app_base_url'={app_base_url!r} must be an https:// URL (where people "
                              "open the pages messages link to)")
        delivery = _delivery(text)
        if any(k == "quiet_start" for k, _ in delivery) and not any(k == "timezone" for k, _ in delivery):
            warnings.append("delivery_quiet_hours without delivery_timezone are read in UTC: pass "
                            "-c delivery_timezone=<IANA zone, e.g. Europe/Berlin>")

        acknowledged = _flag(lookup, ACKNOWLEDGE_PLACEHOLDERS)
        if missing:
            hint = " ".join(f"-c {k}=..." for k in missing)
            if stage not in PLACEHOLDER_STAGES:
                raise ConfigError(f"stage '{stage}' needs context {', '.join(missing)}: pass {hint}")
            if not acknowledged:
                warnings.append(_placeholder_warning(stage, missing))

        retention_raw = lookup("log_retention_days")
        try:
            retention = DEFAULT_RETENTION_DAYS if retention_raw in (None, "") else int(retention_raw)
        except (TypeError, ValueError):
            raise ConfigError(f"context 'log_retention_days'={retention_raw!r} must be an integer") from None
        if retention not in ALLOWED_RETENTION_DAYS:
            raise ConfigError(
                f"context 'log_retention_days'={retention} is not a CloudWatch retention; "
                f"choose one of {', '.join(map(str, ALLOWED_RETENTION_DAYS))}"
            )

        age_raw = lookup("queue_age_alarm_minutes")
        try:
            queue_age = DEFAULT_QUEUE_AGE_ALARM_MINUTES if age_raw in (None, "") else int(age_raw)
        except (TypeError, ValueError):
            raise ConfigError(f"context 'queue_age_alarm_minutes'={age_raw!r} must be an integer") from None
        if not 1 <= queue_age <= 24 * 60:
            raise ConfigError(f"context 'queue_age_alarm_minutes'={queue_age} must be between 1 and 1440")

        return cls(
            stage=stage,
            jwt_issuer=issuer,
            jwt_audience=audience,
            sender_email=sender,
            alarm_email=alarm,
            log_retention_days=retention,
            queue_age_alarm_minutes=queue_age,
            hr_admin_email=hr_admin,
            policy_effective_date=effective,
            retention=_data_retention(lookup("retention")),
            hr_admins=hr_admins,
            claims=_claims(lookup),
            chat_channels=chat_channels,
            teams_app_id=teams_app_id,
            teams_tenant_id=teams_tenant_id,
            app_base_url=app_base_url,
            delivery=delivery,
            placeholders=tuple(missing),
            warnings=tuple(warnings),
        )

    def claims_environment(self) -> dict[str, str]:
        """The API function's COACHWIRE_* claim settings (the only function that reads tokens)."""
        return {
            env_var("employee_id_claim"): self.claims.employee_id_claim,
            env_var("role_claim"): self.claims.role_claim,
            env_var("groups_claim"): self.claims.groups_claim,
            env_var("group_roles"): json.dumps(dict(self.claims.group_roles), sort_keys=True),
        }

    def people_environment(self) -> dict[str, str]:
        """What the functions that reach people or show how they are reached read (the senders, the chat
        interactions, the API's preferences and links): the chat channels offered, the link base and the
        organisation's delivery rules, one configuration for all of them."""
        env = {env_var("chat_channels"): json.dumps(list(self.chat_channels))}
        # The Teams bot: the audience of the tokens it verifies and who it is when it sends.
        if self.teams_app_id:
            env[env_var("teams_app_id")] = self.teams_app_id
        if self.teams_tenant_id:
            env[env_var("teams_tenant_id")] = self.teams_tenant_id
        if self.app_base_url:
            env[env_var("app_base_url")] = self.app_base_url
        env.update({env_var(name, DeliveryRules): value for name, value in self.delivery})
        return env

    def settings_environment(self) -> dict[str, str]:
        env = {env_var("hr_admin_email"): self.hr_admin_email}
        if self.policy_effective_date:
            env[env_var("policy_effective_date")] = self.policy_effective_date
        env.update({env_var(name, RetentionRules): str(days) for name, days in self.retention})
        return env


def _placeholder_warning(stage: str, missing: list[str]) -> str:
    consequences = ", ".join(dict.fromkeys(_PLACEHOLDER_EFFECTS[k] for k in missing))
    values = " ".join(f"{k}={_PLACEHOLDER_EXAMPLES[k]}" for k in missing)
    return (
        f"stage '{stage}' uses placeholders for {', '.join(missing)}: {consequences}.\n"
        f"  To deploy for real, pass your values (docs/identity.md, infrastructure/README.md), e.g.\n"
        f"    make synth {values}\n"
        f"    npx cdk synth {' '.join('-c ' + pair for pair in values.split(' '))}\n"
        f"  To keep the placeholders on a throw-away dev stack, acknowledge them: "
        f"make synth {ACKNOWLEDGE_PLACEHOLDERS}=true (or -c {ACKNOWLEDGE_PLACEHOLDERS}=true)"
    )


def _chat_channels(value: Any) -> tuple[str, ...]:
    """`slack,teams` (from -c) or a list (cdk.json)."""
    if value in (None, ""):
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ConfigError("context 'chat_channels' must be a comma-separated string or a list, e.g. slack,teams")
    channels = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    for channel in channels:
        if channel not in CHAT_CHANNELS:
            hint = " (e-mail is always offered)" if channel == "email" else ""
            raise ConfigError(f"context 'chat_channels': {channel!r} is not a chat channel{hint}; "
                              f"choose from {', '.join(CHAT_CHANNELS)}")
    return channels


def _delivery(text: Callable[[str], str | None]) -> tuple[tuple[str, str], ...]:
    """The delivery_* keys, checked as DeliveryRules checks them: a zone the zone database knows, quiet hours as
    HH:MM-HH:MM (or none), caps between 0 and 1000."""
    given: dict[str, str] = {}
    quiet = text("delivery_quiet_hours")
    if quiet is not None and quiet.lower() not in ("none", "off"):
        match = _QUIET_HOURS_RE.match(quiet)
        if not match:
            raise ConfigError(f"context 'delivery_quiet_hours'={quiet!r} must look like 20:00-08:00 (local times "
                              "in delivery_timezone), or none")
        given["quiet_start"], given["quiet_end"] = match.groups()
    for key in ("delivery_timezone", "delivery_daily_cap", "delivery_weekly_cap"):
        value = text(key)
        if value is not None:
            given[DELIVERY_KEYS[key][0]] = value
    try:
        rules = DeliveryRules(**given)  # type: ignore[arg-type]  # strings, parsed as the environment's are
    except ValidationError as err:
        problem = err.errors()[0]
        where = str(problem["loc"][0]) if problem["loc"] else "quiet_start"
        key = next((k for k, fields in DELIVERY_KEYS.items() if where in fields), "delivery_quiet_hours")
        raise ConfigError(f"context '{key}': {problem['msg'].removeprefix('Value error, ')}") from None
    # As the environment carries them (what was given, normalised by DeliveryRules).
    out = {name: str(getattr(rules, name)) for name in given}
    for name in ("quiet_start", "quiet_end"):
        if name in out:
            out[name] = getattr(rules, name).strftime("%H:%M")
    return tuple(sorted(out.items()))


def _flag(lookup: Callable[[str], Any], key: str) -> bool:
    value = lookup(key)
    if value in (None, "", False, "false"):
        return False
    if value in (True, "true"):
        return True
    raise ConfigError(f"context '{key}'={value!r} must be true or false")


def _claims(lookup: Callable[[str], Any]) -> ClaimMapping:
    defaults = ClaimMapping()
    names = {}
    for key in ("employee_id_claim", "role_claim", "groups_claim"):
        value = lookup(key)
        if value in (None, ""):
            names[key] = getattr(defaults, key)
            continue
        if not isinstance(value, str):
            raise ConfigError(f"context '{key}' must be a string (a token claim name)")
        try:
            names[key] = checked_claim_name(value.strip(), f"context '{key}'")
        except ValueError as err:
            raise ConfigError(str(err)) from None
    return ClaimMapping(**names, group_roles=_group_roles(lookup("group_roles")))


def _group_roles(value: Any) -> dict[str, str]:
    """`group=role,group=role` (from -c) or a {group: role} object (cdk.json)."""
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ConfigError("context 'group_roles' must look like group=role,group=role")
        mapping = {group.strip(): role.strip() for group, role in pairs}
    elif isinstance(value, Mapping):
        mapping = {str(group).strip(): str(role).strip() for group, role in value.items()}
    else:
        raise ConfigError("context 'group_roles' must be a string group=role,... or an object {group: role}")
    try:
        return checked_group_roles(mapping, "context 'group_roles'")
    except ValueError as err:
        raise ConfigError(str(err)) from None


def _data_retention(value: Any) -> tuple[tuple[str, int], ...]:
    """`retention` context: {"alerts_days": 90, ...} in cdk.json, or the same as a JSON string with -c."""
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ConfigError("context 'retention' must be a JSON object such as {\"alerts_days\": 90}") from None
    if not isinstance(value, Mapping):
        raise ConfigError("context 'retention' must be an object of <field>: days")
    unknown = sorted(set(value) - set(RetentionRules.model_fields))
    if unknown:
        raise ConfigError(f"context 'retention.{unknown[0]}' is not a retention setting; known: "
                          f"{', '.join(RetentionRules.model_fields)}")
    try:
        checked = RetentionRules(**value)
    except ValidationError as err:
        where = ".".join(str(p) for p in err.errors()[0]["loc"])
        raise ConfigError(f"context 'retention.{where}': {err.errors()[0]['msg']}") from None
    return tuple((name, int(getattr(checked, name))) for name in sorted(value))


def _hr_admins(value: Any) -> tuple[tuple[str, str], ...]:
    """`sub=email,sub=email` (from -c) or a {sub: email} object (cdk.json)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ConfigError("context 'hr_admins' must look like sub=email,sub=email")
        items = [(sub.strip(), email.strip()) for sub, email in pairs]
    elif isinstance(value, Mapping):
        items = [(str(sub).strip(), str(email).strip()) for sub, email in value.items()]
    else:
        raise ConfigError("context 'hr_admins' must be a string sub=email,... or an object {sub: email}")
    for sub, email in items:
        if not _SUBJECT_RE.match(sub) or not _EMAIL_RE.match(email):
            raise ConfigError(f"context 'hr_admins': {sub!r}={email!r} is not an employee id and an email address")
    return tuple(sorted(items))


def _audience(value: Any) -> tuple[str, ...]:
    """Accept a list (cdk.json) or a comma-separated string (`-c jwt_audience=a,b`)."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ConfigError("context 'jwt_audience' must be a string or a list of strings")
    return tuple(i.strip() for i in items if i.strip())
