"""Typed configuration. Handlers build one Settings from the environment; logic receives it as an argument."""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$")


class StallRules(BaseSettings):
    """Stall detection thresholds (issue: thresholds are configuration)."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_STALL_", frozen=True)

    window_days: int = Field(30, ge=1, le=365)
    min_activities: int = Field(1, ge=1, le=100)
    cooldown_days: int = Field(14, ge=0, le=365)


class AuditRules(BaseSettings):
    """Bias audit statistics that an organisation may tune (recorded in every audit's manifest)."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_AUDIT_", frozen=True)

    alpha: float = Field(0.05, gt=0, lt=1)
    min_n: int = Field(10, ge=1, le=10_000)
    small_category_share: float = Field(0.02, ge=0, lt=1)
    suppress_below: int = Field(10, ge=1, le=10_000)


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
    audit_bucket: str = "coachwire-local-audit-reports"
    # Encrypts the audit's input snapshots (they hold demographics); set for the audit function only.
    demographics_key_arn: str = ""
    # Who is told about audit flags and the yearly model review: {"<JWT subject>": "<email>"}, as JSON.
    hr_admins: dict[str, str] = Field(default_factory=dict)
    audit: AuditRules = Field(default_factory=AuditRules)
    event_bus_name: str = "coachwire-local-bus"
    # Comma-separated "trigger=queue_url" pairs, so the stats endpoint can read dead-letter depth.
    dead_letter_queues: str = ""
    sender_email: str = "coachwire@example.com"
    # Locally: comma-separated whsec_ secrets. In AWS: a Secrets Manager secret holding the same string.
    webhook_secrets: str = Field("", repr=False)
    webhook_secrets_arn: str = ""
    webhook_max_body_bytes: int = 256 * 1024
    webhook_tolerance_seconds: int = 300
    webhook_dedupe_days: int = 7
    role_claim: str = "coachwire_role"
    trigger_idempotency_days: int = 3
    plan_days_per_level: int = 45
    nudge_items: int = Field(3, ge=1, le=10)
    # A declined plan item is not suggested again for this many days (issue #4: co-created plans).
    decline_cooldown_days: int = Field(90, ge=0, le=3650)
    stall: StallRules = Field(default_factory=StallRules)

    @field_validator("hr_admins")
    @classmethod
    def _hr_admins_are_subjects_with_emails(cls, admins: dict[str, str]) -> dict[str, str]:
        for subject, email in admins.items():
            if not _SUBJECT.match(subject) or not _EMAIL.match(email):
                raise ValueError(f"hr_admins maps a JWT subject to an email; {subject!r} does not fit")
        return admins

    def dead_letter_queue_urls(self) -> dict[str, str]:
        pairs = [p for p in self.dead_letter_queues.split(",") if "=" in p]
        return {name.strip(): url.strip() for name, url in (p.split("=", 1) for p in pairs)}

    def webhook_secret_list(self) -> list[str]:
        return [s.strip() for s in self.webhook_secrets.split(",") if s.strip()]
