"""Ports: what the application services need from the outside world. Adapters implement them with boto3;
tests/fakes implements them in memory. Nothing here imports boto3."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from coachwire.domain.reliability import AcceptedEvent
from coachwire.domain.retention import ScannedItem
from coachwire.models.bias_audits import AuditSummary, ReviewCase
from coachwire.models.chat import ChatConversationRef
from coachwire.models.coaching import (
    AuditRecord,
    DevelopmentPlan,
    EmployeeProfile,
    FilledRequisition,
    Hold,
    ManagerAlert,
    Notification,
    Recommendation,
)
from coachwire.models.demographics import DemographicRecord
from coachwire.models.framework import Catalog, Crosswalk, Framework
from coachwire.models.history import HistoryEntry
from coachwire.models.messages import Channel
from coachwire.models.pilots import Pilot
from coachwire.models.preferences import Preferences

if TYPE_CHECKING:  # the engine needs numpy; functions that never score (e.g. delivery) must not load it
    from coachwire.engine.model import ModelVersion
    from coachwire.engine.registry import ModelEntry, RegistryPointer
from coachwire.models.rights import Correction


class NotFound(LookupError):
    """A referenced record does not exist (maps to 404 / a clear trigger failure)."""


class ConcurrentUpdate(RuntimeError):
    """An optimistic write lost a race; the caller re-reads and retries."""


class AlreadyProcessed(RuntimeError):
    """The receipt for this (trigger, event) already exists: the effects were committed before."""


class VersionConflict(RuntimeError):
    """A framework version was published before with different content: versions are immutable."""


class RoleConflict(RuntimeError):
    """A role id already belongs to another framework."""


class ReusedDeliveryId(RuntimeError):
    """A webhook id arrived again with a different body."""


class DeliveryInFlight(RuntimeError):
    """The same webhook id is being processed right now; the sender should retry."""


@dataclass(frozen=True)
class Receipt:
    """Written in the same transaction as a firing's effects, so a redelivery finds it and repeats nothing."""

    trigger: str
    event_id: str
    result: dict
    recorded_at: datetime  # from the injected clock: the receipt's retention counts from here


@dataclass(frozen=True)
class ProfileChange:
    """Everything one trigger firing writes for one employee, committed atomically or not at all."""

    profile: EmployeeProfile
    expected_version: int | None
    recommendations: tuple[Recommendation, ...] = ()
    completed_recommendation_ids: tuple[str, ...] = ()
    plan: DevelopmentPlan | None = None
    alert: ManagerAlert | None = None
    # An alert already stored, rewritten with the manager's decision (its pointer and messages stay as they are).
    alert_update: ManagerAlert | None = None
    notifications: tuple[Notification, ...] = ()
    receipt: Receipt | None = None
    write_profile: bool = True
    # Scored by the shadow candidate model: stored for comparison and review, never delivered.
    shadow_recommendations: tuple[Recommendation, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    # Correction requests written with the change, each on condition its stored revision is the one before.
    corrections: tuple[Correction, ...] = ()


class ProfileStore(Protocol):
    def get(self, employee_id: str) -> EmployeeProfile | None: ...
    def commit(self, change: ProfileChange) -> None:
        """Write the change in one transaction, or nothing. AlreadyProcessed when its receipt exists (whatever else
        failed); ConcurrentUpdate when the profile's version moved, a correction's revision moved, or one of its
        notification ids is already in the outbox."""
        ...
    def receipt(self, employee_id: str, trigger: str, event_id: str) -> dict | None: ...
    def recommendations(self, employee_id: str) -> list[Recommendation]: ...
    def plan(self, employee_id: str) -> DevelopmentPlan | None: ...
    def recommendation(self, employee_id: str, recommendation_id: str) -> Recommendation | None: ...
    def alerts_for_manager(self, manager_id: str) -> list[ManagerAlert]: ...
    def direct_reports(self, manager_id: str) -> list[str]: ...
    def employees_in_framework(self, framework_id: str) -> Iterator[str]: ...
    def profiles_in_framework(self, framework_id: str) -> Iterator[EmployeeProfile]: ...
    def history(self, months: list[str]) -> Iterator[HistoryEntry]:
        """Every employee's history entries in the given "YYYY-MM" months (training reads these)."""
        ...
    def shadow_recommendations(self, model_version: str) -> Iterator[Recommendation]: ...
    def correction(self, employee_id: str, correction_id: str) -> Correction | None: ...
    def corrections(self, employee_id: str) -> list[Correction]: ...
    def open_corrections(self, opened_before: datetime | None = None) -> Iterator[Correction]: ...
    def held_about(self, employee_id: str) -> dict[str, list[dict]]:
        """Everything stored in the employee's own partition, by kind, with the manager alerts about them."""
        ...
    def preferences(self, person_id: str) -> Preferences | None:
        """What the person chose (consistent read: PUT reads it, then writes on its version)."""
        ...
    def note_message_about(self, employee_id: str, notification_id: str, expires_at: int) -> None:
        """A message to someone else that names the person (a manager's weekly digest): their export lists it and
        their erasure deletes it, as for the alerts that carried it."""
        ...
    def link_chat_user(self, employee_id: str, chat: str, user_ref: str) -> None:
        """Remember which chat user a person is (learnt when a message to them was posted): their slash commands
        then act as them. Kept in the person's partition, so export and erasure include it."""
        ...
    def employee_for_chat_user(self, chat: str, user_ref: str) -> str | None: ...
    def employee_for_email(self, email: str) -> str | None:
        """Whose work e-mail this is (any case), from the profiles' sparse by_email index; None when no one's."""
        ...
    def put_chat_reference(self, ref: ChatConversationRef) -> None:
        """Store where the chat's bot can post to the person (overwrites: the newest installation wins)."""
        ...
    def chat_reference(self, employee_id: str, chat: str) -> ChatConversationRef | None:
        """The stored reference, removed or not (the caller decides what a removed one means)."""
        ...
    def put_preferences(self, prefs: Preferences, expected_version: int | None) -> None:
        """Store `prefs` as version `expected_version + 1` (1 when `expected_version` is None: nothing stored yet);
        ConcurrentUpdate when the stored version is not `expected_version`."""
        ...


class CatalogStore(Protocol):
    def framework_for_role(self, role_id: str) -> Framework | None: ...
    def forget_cached(self) -> None:
        """Drop what this process cached, so the next read sees the table as it is now."""
        ...
    def framework(self, framework_id: str) -> Framework | None: ...
    def catalog(self, framework_id: str) -> Catalog: ...
    def publish(self, framework: Framework, catalog: Catalog | None) -> bool:
        """Store a new immutable version and make it current. False when this exact version was already
        published; VersionConflict when it was published with other content; RoleConflict when one of
        its roles belongs to another framework."""
        ...
    def put_framework(self, framework: Framework, catalog: Catalog) -> None: ...
    def framework_version(self, framework_id: str, version: str) -> Framework | None: ...
    def versions(self, framework_id: str) -> list[str]: ...
    def frameworks(self) -> list[dict]: ...
    def put_crosswalk(self, crosswalk: Crosswalk) -> None: ...
    def crosswalks(self, framework_id: str) -> list[Crosswalk]: ...
    def put_requisition(self, requisition: FilledRequisition) -> None:
        """Store (or replace, by requisition id) a filled requisition, for the mobility metric."""
        ...
    def requisitions(self, filled_from: date | None = None, filled_to: date | None = None
                     ) -> list[FilledRequisition]:
        """Filled requisitions with `filled_from <= filled_at <= filled_to` (either bound optional), by date."""
        ...


class OutboxStore(Protocol):
    """Every move after `claim` starts from "sending": from any other state the store refuses it (the DynamoDB
    adapter lets the conditional-check failure through)."""

    def get(self, notification_id: str) -> Notification | None: ...
    def queue(self, note: Notification) -> bool:
        """Store a new message unless its id is taken (idempotent: a re-run queues nothing twice). False: taken."""
        ...
    def claim(self, notification_id: str, now: datetime, lease_seconds: int,
              claimed_by: str = "") -> Notification | None:
        """pending (or held, once its hold is over) → sending with a lease held by `claimed_by`; None otherwise."""
        ...
    def mark_sent(self, notification_id: str, provider_message_id: str, sent_at: datetime, *,
                  channel: Channel = "email", ref: dict[str, str] | None = None,
                  fell_back_from: Channel | None = None, fallback_reason: str | None = None) -> None: ...
    def release(self, notification_id: str, final: bool, *, channel_failures: int | None = None,
                fell_back_from: Channel | None = None, fallback_reason: str | None = None) -> None:
        """sending → pending (failed when `final`); `channel_failures` records the chat channel's failures so far,
        `fell_back_from` that it gave way to e-mail already (the retry goes by e-mail)."""
        ...
    def mark_unknown(self, notification_id: str) -> None: ...
    def mark_suppressed(self, notification_id: str, reason: str = "", *, held_only: bool = False) -> None:
        """sending or held (only held, with `held_only`) → suppressed: never sent, for `reason` (a leaver, a muted
        kind, merged into a digest)."""
        ...
    def hold(self, notification_id: str, holds: list[Hold]) -> None:
        """sending → held until the last hold ends; `holds` is the message's whole hold history."""
        ...
    def due_held(self, now: datetime, limit: int = 500) -> list[Notification]:
        """Held messages whose hold is over, oldest first: the release job queues them again."""
        ...
    def record_decision(self, notification_id: str, decided: str) -> None:
        """On a sent message: what its recipient decided from it."""
        ...
    def for_recipient(self, recipient_id: str) -> list[Notification]: ...


class AuditLog(Protocol):
    def append(self, record: AuditRecord, counted: bool = False, once_per_event: bool = False) -> None:
        """Append one record; `counted` also counts it in the trigger stats, atomically. `once_per_event`: a
        trigger firing, whose event counts once, under its first terminal outcome; later ones are attempts."""
        ...
    def for_subject(self, subject_id: str) -> list[AuditRecord]: ...
    def for_event(self, event_id: str) -> list[AuditRecord]: ...
    def for_subject_between(self, subject_id: str, start: datetime, end: datetime) -> list[AuditRecord]:
        """The subject's entries recorded in [start, end] (a job's runs: subject `job:<name>`), in time order."""
        ...
    def mark_accepted(self, accepted: AcceptedEvent) -> None:
        """Ingest accepted this event: a marker beside its entries (never listed by for_event or for_subject)."""
        ...
    def accepted_between(self, start: datetime, end: datetime) -> Iterator[AcceptedEvent]:
        """Acceptance markers recorded in [start, end], in time order (an event marked twice appears twice)."""
        ...


class RetentionStore(Protocol):
    """Deletion, for the retention sweep alone (the only function granted DeleteItem on personal data)."""

    def scan(self, table: str) -> Iterator[ScannedItem]: ...
    def delete(self, item: ScannedItem) -> None: ...
    def profile_exists(self, employee_id: str) -> bool: ...
    def erase_person(self, employee_id: str) -> dict[str, int]:
        """Delete everything held about the person (profile last, so an interrupted erasure is resumed by the
        next sweep); returns counts per data class."""
        ...


class TriggerStats(Protocol):
    def count(self, trigger: str, outcome: str) -> None: ...
    def all(self) -> dict[str, dict[str, int]]: ...


class EventPublisher(Protocol):
    def publish(self, source: str, detail_type: str, detail: dict) -> str: ...
    def publish_many(self, source: str, detail_type: str, details: list[dict]) -> int: ...


class SendOutcomeUnknown(RuntimeError):
    """The send request may have reached the provider (the reply was lost): resending could deliver twice."""


class EmailOutcomeUnknown(SendOutcomeUnknown):
    """SES may have accepted the e-mail."""


class RateLimited(RuntimeError):
    """The channel asked us to wait (Slack 429 Retry-After): nothing was sent; not a failure of the message."""

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after_seconds:g} s")
        self.retry_after_seconds = retry_after_seconds


class RecipientUnreachable(RuntimeError):
    """The channel cannot reach this person (no such Slack user, no Teams address): nothing was sent; fall back."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ChannelBroken(RuntimeError):
    """The channel refuses us for everyone (revoked token, missing scope): nothing was sent; fall back and page."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Delivered:
    message_id: str
    # What the channel needs to find the message again (Slack: channel and ts, for chat.update).
    ref: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Address:
    """Where a person can be reached on each channel they have; a channel sender uses its own part."""

    email: str
    slack_user_id: str | None = None
    teams_webhook_ref: str | None = None


@dataclass(frozen=True)
class CapSlot:
    """One cap a message counts against: `key` names the window ("emp-1#2026-12-07"), `cap` how many it holds."""

    name: str  # daily_cap, weekly_cap or org_cap (the hold reason when it is full)
    key: str
    cap: int
    expires_at: int  # epoch seconds: the counter is dropped after its window


class DeliveryCounters(Protocol):
    def reserve(self, notification_id: str, slots: list[CapSlot]) -> str | None:
        """Count the message in every slot, atomically, unless one is full; counting the same message again is a
        no-op (a retried delivery is not counted twice). Returns the first full slot's name, or None."""
        ...

    def give_back(self, notification_id: str, slots: list[CapSlot]) -> None:
        """The message was not sent after all: it no longer counts."""
        ...


class ChannelSender(Protocol):
    """One chat or mail channel. `send` raises SendOutcomeUnknown when the message may have gone out (never
    resend), RateLimited / RecipientUnreachable / ChannelBroken when it certainly did not; any other exception
    means it was not sent."""

    channel: Channel

    def send(self, note: Notification, to: Address) -> Delivered: ...

    def update(self, note: Notification, decided: str) -> None:
        """Show on the message already sent what was decided from it (Slack chat.update); a no-op where the
        channel cannot (e-mail) or answers in its own reply (Teams invoke)."""
        ...

    def reply_privately(self, reply: dict[str, str], text: str) -> None:
        """Tell only the person who pressed a button something (Slack: an ephemeral message on the response URL);
        a no-op where the chat's own answer does it (Teams invoke)."""
        ...


class EmailSender(Protocol):
    def send(self, to: str, subject: str, body: str, *, html: str | None = None,
             headers: dict[str, str] | None = None) -> str:
        """Send one email; return the provider's message id. Raise EmailOutcomeUnknown when the provider may
        have accepted it; any other exception means it was not sent."""
        ...


class DeadLetterDepth(Protocol):
    def depth(self) -> dict[str, int]: ...


class QueueDepths(Protocol):
    def in_flight(self) -> dict[str, dict[str, int]]:
        """Per trigger: events waiting on its queue, and being processed now (received, not yet deleted)."""
        ...


class DemographicsStore(Protocol):
    """The isolated demographics table. Only the audit function is granted read; its writer may only put."""

    def put(self, record: DemographicRecord) -> bool:
        """Store the record unless a newer one (by `updated_at`) is held; False when it was older. Decided by a
        conditional write, so the writer never reads what is stored."""
        ...
    def all_records(self) -> Iterator[DemographicRecord]: ...


@dataclass(frozen=True)
class ParkedEvent:
    """An accepted event waiting for its employee. `event` is the canonical event to republish; a demographics
    marker has none (its record is already in the isolated demographics table)."""

    employee_id: str
    event_id: str
    event_type: str
    timestamp: datetime
    received_at: datetime
    expires_at: datetime
    event: dict | None = None


class ParkedEventStore(Protocol):
    def park(self, parked: ParkedEvent) -> bool:
        """Idempotent: the same event parked twice is one item. False, parking nothing, when the employee's
        profile exists by now (it arrived after ingest looked)."""
        ...
    def for_employee(self, employee_id: str) -> list[ParkedEvent]:
        """In replay order: event timestamp, then arrival, then id."""
        ...
    def expired(self, now: datetime) -> Iterator[ParkedEvent]: ...
    def remove(self, parked: ParkedEvent) -> None: ...


class ModelRegistry(Protocol):
    """Immutable model versions plus one pointer (active, shadow, history) changed only by compare-and-swap."""

    def get(self, version: str) -> ModelVersion | None: ...
    def put(self, model: ModelVersion, entry: ModelEntry) -> bool:
        """Store a version once; False when it was stored before (same id = same content)."""
        ...
    def entries(self) -> list[ModelEntry]: ...
    def pointer(self) -> RegistryPointer: ...
    def swap_pointer(self, new: RegistryPointer, expected_revision: int) -> None:
        """Raises ConcurrentUpdate when the stored pointer's revision is not ``expected_revision``."""
        ...


class GovernanceStore(Protocol):
    """Bias audit summaries and the review cases their flags open (the governance table)."""

    def add_audit(self, summary: AuditSummary) -> AuditSummary | None:
        """Store a new audit; None when its id is taken (the caller reads the existing one)."""
        ...
    def put_audit(self, summary: AuditSummary) -> None: ...
    def claim_audit(self, running: AuditSummary, stale_before: datetime) -> bool:
        """Mark it running unless a live run holds it or it completed; False when someone else has it."""
        ...
    def audit(self, audit_id: str) -> AuditSummary | None: ...
    def audits(self) -> list[AuditSummary]: ...
    def open_review(self, case: ReviewCase) -> bool:
        """Store a new case; False when a case with its id exists (a redelivered audit)."""
        ...
    def review(self, review_id: str) -> ReviewCase | None: ...
    def reviews(self) -> list[ReviewCase]: ...
    def update_review(self, case: ReviewCase, expected_version: int) -> None:
        """Replace the case if its version is still `expected_version`; ConcurrentUpdate otherwise."""
        ...
    def queue_notifications(self, notes: list[Notification]) -> None:
        """Put each notification in the outbox unless it is already there (deterministic ids)."""
        ...


class PilotStore(Protocol):
    """Pilots (the governance table, pk PILOTS): version-conditioned, so two writers never both win."""

    def add(self, pilot: Pilot) -> bool:
        """Store a new pilot; False when its id is taken."""
        ...
    def get(self, pilot_id: str) -> Pilot | None: ...
    def all(self) -> list[Pilot]:
        """Every pilot, newest first."""
        ...
    def replace(self, pilot: Pilot, expected_version: int) -> None:
        """Replace the pilot if its stored version is still `expected_version`; ConcurrentUpdate otherwise."""
        ...


class AuditArchive(Protocol):
    """Where audit outputs are kept: an encrypted, versioned object store."""

    def put(self, key: str, body: bytes, content_type: str, *, kms_key_id: str = "") -> str:
        """Store one object; returns its version id. `kms_key_id` encrypts it under that key."""
        ...
    def get(self, key: str) -> bytes:
        """The latest version's bytes; NotFound when there is none."""
        ...


class AuditSource(Protocol):
    """Profiles and recommendations as the audit reads them: one pass over the profiles table."""

    def profile_docs(self, recommendations: bool = True) -> Iterator[tuple[str, dict]]:
        """("profile" | "recommendation", stored JSON document) for every profile (and recommendation)."""
        ...
