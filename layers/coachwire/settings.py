"""Typed configuration. Handlers build one Settings from the environment; logic receives it as an argument."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StallRules(BaseSettings):
    """Stall detection thresholds (issue: thresholds are configuration)."""

    model_config = SettingsConfigDict(env_prefix="COACHWIRE_STALL_", frozen=True)

    window_days: int = Field(30, ge=1, le=365)
    min_activities: int = Field(1, ge=1, le=100)
    cooldown_days: int = Field(14, ge=0, le=365)


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
    # Weekly model training fits on this many days of history before the run (issue #4).
    training_window_days: int = Field(365, ge=30, le=3650)
    stall: StallRules = Field(default_factory=StallRules)

    def dead_letter_queue_urls(self) -> dict[str, str]:
        pairs = [p for p in self.dead_letter_queues.split(",") if "=" in p]
        return {name.strip(): url.strip() for name, url in (p.split("=", 1) for p in pairs)}

    def webhook_secret_list(self) -> list[str]:
        return [s.strip() for s in self.webhook_secrets.split(",") if s.strip()]
