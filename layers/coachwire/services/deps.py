"""The ports a service may use, bundled. Handlers build the AWS set; tests build their own."""

from __future__ import annotations

from dataclasses import dataclass

from coachwire.clock import Clock, SystemClock
from coachwire.ports import (
    AuditArchive,
    AuditLog,
    AuditSource,
    CatalogStore,
    DeadLetterDepth,
    DemographicsStore,
    EmailSender,
    EventPublisher,
    GovernanceStore,
    ModelRegistry,
    OutboxStore,
    ParkedEventStore,
    ProfileStore,
    QueueDepths,
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
    queues: QueueDepths | None = None


def aws_dependencies(settings: Settings, clock: Clock | None = None) -> Dependencies:
    # Imported here so that domain-only users (CLI validation, tests) never load boto3.
    from coachwire.adapters.audits import DynamoAuditSource, DynamoGovernanceStore, S3AuditArchive
    from coachwire.adapters.demographics import DynamoDemographicsStore
    from coachwire.adapters.dynamo import (
        DynamoAuditLog,
        DynamoCatalogStore,
        DynamoOutboxStore,
        DynamoProfileStore,
        DynamoTriggerStats,
    )
    from coachwire.adapters.messaging import EventBridgePublisher, SesEmailSender, SqsDeadLetterDepth, SqsQueueDepths
    from coachwire.adapters.model_registry import DynamoModelRegistry
    from coachwire.adapters.parking import DynamoParkedEvents

    return Dependencies(
        settings=settings,
        clock=clock or SystemClock(),
        profiles=DynamoProfileStore(settings.profiles_table, settings.outbox_table, settings.retention),
        catalog=DynamoCatalogStore(settings.catalog_table),
        outbox=DynamoOutboxStore(settings.outbox_table),
        audit=DynamoAuditLog(settings.audit_table, settings.stats_table, settings.retention.audit_days),
        stats=DynamoTriggerStats(settings.stats_table),
        events=EventBridgePublisher(settings.event_bus_name),
        email=SesEmailSender(settings.sender_email),
        dead_letters=SqsDeadLetterDepth(settings.dead_letter_queue_urls()),
        models=DynamoModelRegistry(settings.catalog_table),
        demographics=DynamoDemographicsStore(settings.demographics_table, settings.retention.demographics_days),
        governance=DynamoGovernanceStore(settings.governance_table, settings.outbox_table,
                                         settings.retention.notifications_days),
        audit_archive=S3AuditArchive(settings.audit_bucket),
        audit_source=DynamoAuditSource(settings.profiles_table),
        parked=DynamoParkedEvents(settings.parked_table, settings.profiles_table),
        queues=SqsQueueDepths(settings.trigger_queue_urls()),
    )
