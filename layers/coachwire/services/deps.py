"""The ports a service may use, bundled. coachwire.runtime.wiring builds the AWS set; tests build their own."""

from __future__ import annotations

from dataclasses import dataclass, field

from coachwire.clock import Clock
from coachwire.ports import (
    AuditArchive,
    AuditLog,
    AuditSource,
    CatalogStore,
    ChannelSender,
    DeadLetterDepth,
    DeliveryCounters,
    DemographicsStore,
    EmailSender,
    EventPublisher,
    GovernanceStore,
    ModelRegistry,
    OutboxStore,
    ParkedEventStore,
    PilotStore,
    ProfileStore,
    QueueDepths,
    RetentionStore,
    TriggerStats,
)
from coachwire.settings import Settings


@dataclass
class Dependencies:
    settings: Settings
    clock: Clock
    profiles: ProfileStore
    catalog: CatalogStore
    outbox: OutboxStore
    audit: AuditLog
    stats: TriggerStats
    events: EventPublisher
    email: EmailSender
    dead_letters: DeadLetterDepth
    models: ModelRegistry
    # Only the demographics writer and the bias audit use it; IAM lets the one put and the other read.
    demographics: DemographicsStore | None = None
    governance: GovernanceStore | None = None
    audit_archive: AuditArchive | None = None
    audit_source: AuditSource | None = None
    parked: ParkedEventStore | None = None
    pilots: PilotStore | None = None  # the pilot registry (the API's)
    queues: QueueDepths | None = None
    retention: RetentionStore | None = None  # deletion: the retention sweep's alone
    # Delivery caps (per person per day and week, per trigger across the organisation); None: not enforced.
    counters: DeliveryCounters | None = None
    # The chat channels this deployment has configured ("slack", "teams"); e-mail is `email`, always there.
    channels: dict[str, ChannelSender] = field(default_factory=dict)
