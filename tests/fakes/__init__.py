"""In-memory implementations of every port `Dependencies` holds, for fast tests of the services' decisions.

    deps = fake_dependencies()            # empty tables, a FixedClock, Settings() defaults
    deps.catalog.publish(framework(), catalog())
    checkin_gap_nudge(event, deps)
    deps.outbox.items, deps.email.sent, deps.events.published, deps.audit.records ...

Each fake keeps the adapter's semantics (conditions, version checks, receipts committed with the effects,
claims and leases, the audit log's counting rules, the park's order) and raises the same exceptions; the suite in
tests/contracts runs one behavioural test set against both, so they cannot drift apart. See README.md for when
to use these and when the moto-backed local stack.
"""

from __future__ import annotations

from datetime import UTC, datetime

from coachwire.clock import Clock, FixedClock
from coachwire.services.deps import Dependencies
from coachwire.settings import Settings

from tests.fakes.audit import FakeAuditLog, FakeTriggerStats
from tests.fakes.catalog import FakeCatalogStore
from tests.fakes.counters import FakeDeliveryCounters
from tests.fakes.demographics import FakeDemographicsStore
from tests.fakes.governance import FakeAuditArchive, FakeAuditSource, FakeGovernanceStore
from tests.fakes.messaging import (
    ChatPost,
    FakeDeadLetters,
    FakeQueueDepths,
    PublishedEvent,
    RecordingChatSender,
    RecordingEmailSender,
    RecordingEventPublisher,
    SentEmail,
)
from tests.fakes.models import FakeModelRegistry
from tests.fakes.outbox import FakeOutboxStore, condition_failed
from tests.fakes.parking import FakeParkedEvents
from tests.fakes.pilots import FakePilotStore
from tests.fakes.profiles import FakeProfileStore
from tests.fakes.retention import FakeRetentionStore

# The fakes' default "now": a fixed instant, so a test's dates never depend on the day it runs.
FAKE_NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

__all__ = [
    "ChatPost", "FAKE_NOW", "FakeAuditArchive", "FakeAuditLog", "FakeAuditSource", "FakeCatalogStore",
    "FakeDeadLetters", "FakeDeliveryCounters", "FakeDemographicsStore", "FakeGovernanceStore", "FakeModelRegistry",
    "FakeOutboxStore",
    "FakeParkedEvents", "FakePilotStore", "FakeProfileStore", "FakeQueueDepths", "FakeRetentionStore",
    "FakeTriggerStats",
    "PublishedEvent", "RecordingChatSender", "RecordingEmailSender", "RecordingEventPublisher", "SentEmail",
    "condition_failed", "fake_dependencies", "retention_store",
]


def fake_dependencies(settings: Settings | None = None, clock: Clock | None = None, **overrides) -> Dependencies:
    """Every port in memory and wired together as the AWS set is (commits queue into this outbox, the park checks
    this profile store, the audit log counts into these stats). `overrides` replace single ports, e.g.
    `email=RecordingEmailSender([ConnectionError()])`; the other fakes keep pointing at the originals."""
    settings = settings or Settings()
    stats = FakeTriggerStats()
    outbox = FakeOutboxStore()
    profiles = FakeProfileStore(outbox, settings.retention)
    ports = {
        "settings": settings, "clock": clock or FixedClock(FAKE_NOW), "profiles": profiles,
        "catalog": FakeCatalogStore(), "outbox": outbox, "audit": FakeAuditLog(stats), "stats": stats,
        "events": RecordingEventPublisher(), "email": RecordingEmailSender(), "dead_letters": FakeDeadLetters(),
        "models": FakeModelRegistry(), "demographics": FakeDemographicsStore(),
        "governance": FakeGovernanceStore(outbox), "audit_archive": FakeAuditArchive(),
        "audit_source": FakeAuditSource(profiles), "parked": FakeParkedEvents(profiles), "queues": FakeQueueDepths(),
        "pilots": FakePilotStore(),
        "counters": FakeDeliveryCounters(),
    }
    unknown = set(overrides) - set(ports) - {"retention", "channels"}
    if unknown:
        raise TypeError(f"Dependencies has no port {', '.join(sorted(unknown))}")
    ports = {**ports, **overrides}
    if "retention" not in ports:  # deletion over these same fake tables
        demographics = ports["demographics"] if isinstance(ports["demographics"], FakeDemographicsStore) else None
        ports["retention"] = FakeRetentionStore(ports["profiles"], ports["outbox"], demographics)
    return Dependencies(**ports)


def retention_store(deps: Dependencies) -> FakeRetentionStore:
    """The sweep's store over these dependencies' fake tables (Dependencies.retention)."""
    assert isinstance(deps.retention, FakeRetentionStore)
    return deps.retention
