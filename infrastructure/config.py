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
from coachwire.settings import RetentionRules, checked_claim_name, checked_group_roles, env_var
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
