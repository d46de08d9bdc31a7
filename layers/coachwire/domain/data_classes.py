"""Every class of data Coachwire holds: where it lives, what it holds, how long it is kept and how that is enforced.

One registry read by three consumers, so they cannot disagree: the stores (the TTL they write on each item),
the retention sweep (what it deletes, and how it counts it) and the data-use policy (what it promises).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from coachwire import spine
from coachwire.settings import Settings

# How retention is enforced:
#   ttl_and_sweep: a TTL attribute written with the item, and the daily sweep deletes whatever has expired
#   ttl_only:      DynamoDB TTL alone (the audit log: append-only, no function holds a delete permission)
#   ttl_isolated:  DynamoDB TTL, in a table the sweep may not read (demographics): a leaver's record is deleted
#                  by key, without reading it
#   with_person:   kept while employed, erased with everything else the leaver grace period after leaving
#   kept:          holds no personal data (aggregates, reference data), kept until an administrator removes it
#   lifecycle:     an S3 lifecycle rule expires the objects (the bias audit's input snapshots)
#   parked:        held until the employee arrives (then replayed and deleted); past expiry the sweep audits each
#                  as expired and deletes it; DynamoDB TTL only backs that up
Enforcement = Literal["ttl_and_sweep", "ttl_only", "ttl_isolated", "with_person", "lifecycle", "kept", "parked"]


@dataclass(frozen=True)
class DataClass:
    key: str
    name: str
    table: str | None  # spine table key (None: not a DynamoDB table)
    holds: str
    enforcement: Enforcement
    # Settings path of the retention period in days, e.g. "retention.alerts_days" (None: no period).
    setting: str | None = None
    counted_from: str = ""
    erased_on_leaving: bool = False
    # Items of a shared table that belong to this class: sort keys starting with one of these prefixes
    # (or partition keys, for items outside the employee's partition). Empty: the whole table.
    sort_prefixes: tuple[str, ...] = ()
    partition_prefixes: tuple[str, ...] = ()
    fixed_days: int | None = None  # a period fixed at deploy time rather than a setting (S3 lifecycle rules)

    def days(self, settings: Settings) -> int | None:
        if self.fixed_days is not None:
            return self.fixed_days
        if self.setting is None:
            return None
        value: object = settings
        for part in self.setting.split("."):
            value = getattr(value, part)
        if not isinstance(value, int):  # every retention setting is an int field of Settings
            raise TypeError(f"setting {self.setting} is not a number of days: {value!r}")
        return value


DATA_CLASSES: tuple[DataClass, ...] = (
    DataClass(
        "profile", "Coaching profile", "profiles",
        "Name, work e-mail, manager, role and career stage, hire date (from the HRIS); skill levels with their "
        "source, date and the level each replaced; skills flagged in check-ins; learning completed and assigned; "
        "activity dates; plan decisions (declined items, agreed priorities); the personalisation switch. For the "
        "outcome metrics only, never for recommendations: the latest two performance ratings or quartiles with "
        "their periods, recent role moves (kind of move, requisition filled) and the leaving reason.",
        "with_person", "retention.leaver_grace_days", "the leaving date", erased_on_leaving=True,
        sort_prefixes=("PROFILE",)),
    DataClass(
        "preferences", "Delivery preferences", "profiles",
        "What the person chose about the messages that reach them: channel, time zone, quiet hours, daily and weekly "
        "caps, the weekly digest, the kinds switched off and the name of a Teams webhook HR set up; who changed them "
        "last, and when.",
        "with_person", "retention.leaver_grace_days", "the leaving date", erased_on_leaving=True,
        sort_prefixes=("PREFS",)),
    DataClass(
        "recommendations", "Recommendations", "profiles",
        "Each suggested learning item or action with its score, the factor table behind the score, the "
        "plain-language explanation, and the model and framework versions that produced it.",
        "ttl_and_sweep", "retention.recommendations_days", "the day it was made", erased_on_leaving=True,
        sort_prefixes=("REC#",)),
    DataClass(
        "plans", "Development plan", "profiles",
        "Milestones with target dates, and every decision on the plan (accepted, declined with the optional "
        "reason, agreed actions, priorities), each attributed to the employee or the manager.",
        "ttl_and_sweep", "retention.plans_days", "its last change", erased_on_leaving=True,
        sort_prefixes=("PLAN",)),
    DataClass(
        "alerts", "Manager alerts", "profiles",
        "Stall alerts sent to the line manager: the employee's name, the reasons, open gaps and 1:1 talking "
        "points, and the manager's decision on each (discussed with an optional note, not now, not relevant with a "
        "reason code); a pointer from the employee's record to each alert and to each weekly digest naming them.",
        "ttl_and_sweep", "retention.alerts_days", "the day it was raised", erased_on_leaving=True,
        sort_prefixes=("ALERTREF#", "MSGREF#"), partition_prefixes=("MGR#",)),
    DataClass(
        "chat_links", "Chat identities", "profiles",
        "Which Slack or Microsoft Teams user the person is (learnt when a message to them was posted, or when they "
        "installed the Coachwire app in Teams, with the conversation the bot writes to): so only they can act on "
        "their messages, and the bot can reach them.",
        "with_person", "retention.leaver_grace_days", "the leaving date", erased_on_leaving=True,
        sort_prefixes=("CHATUSER#", "CHATREF#")),
    DataClass(
        "corrections", "Correction requests", "profiles",
        "What the employee asked to correct, the value on record then, the proposed value and evidence; HR's "
        "decision with its reason. Open requests are kept until decided.",
        "ttl_and_sweep", "retention.corrections_days", "the decision", erased_on_leaving=True,
        sort_prefixes=("CORR#",)),
    DataClass(
        "training_history", "Learning history for model training", "profiles",
        "For each completed item: the item, its skill and the level held just before; for each check-in: the "
        "skills rated and their levels. Recorded only while personalisation is on, and left out of training once "
        "the employee opts out.",
        "ttl_and_sweep", "retention.training_history_days", "the completion or check-in", erased_on_leaving=True,
        sort_prefixes=("HIST#",)),
    DataClass(
        "shadow_recommendations", "Shadow recommendations", "profiles",
        "What a candidate model version would have recommended, with its factor table, stored beside the real "
        "recommendations for comparison and the model review; never shown or sent to anyone.",
        "ttl_and_sweep", "retention.shadow_recommendations_days", "the day it was scored", erased_on_leaving=True,
        sort_prefixes=("SHADOW#",)),
    DataClass(
        "receipts", "Processing receipts", "profiles",
        "Which event was processed for the employee and what it decided (ids and counts), so a redelivered event "
        "is never applied twice.",
        "ttl_and_sweep", "retention.receipts_days", "processing", erased_on_leaving=True,
        sort_prefixes=("RECEIPT#",)),
    DataClass(
        "notifications", "Notifications (outbox)", "outbox",
        "Every e-mail queued for the employee (address, subject, body) and its delivery status; escalations "
        "about their correction requests sent to HR.",
        "ttl_and_sweep", "retention.notifications_days", "the day it was queued", erased_on_leaving=True),
    DataClass(
        "webhook_records", "Webhook idempotency records", "idempotency",
        "The HRIS delivery id, a hash of the body and where it was published, so a re-sent webhook is recognised; "
        "never the payload.",
        "ttl_and_sweep", "webhook_dedupe_days", "receipt of the webhook"),
    DataClass(
        "audit_log", "Audit log", "audit",
        "One entry per automated decision or API change: event id, trigger, the subject's id, outcome, model and "
        "framework versions, and a summary of ids, codes and counts. Never names, e-mail addresses or free text.",
        "ttl_only", "retention.audit_days", "the day it was recorded"),
    DataClass(
        "trigger_stats", "Trigger statistics", "stats",
        "Counts of trigger firings by outcome: aggregates with no personal data.", "kept"),
    DataClass(
        "model_versions", "Recommendation model versions", "catalog",
        "Each model version's configuration, fitted efficacy (per item and level: how many completions, how many "
        "rose a level) and evaluation results, and which version is active: aggregates with no personal data.",
        "kept", partition_prefixes=("MODEL",)),
    DataClass(
        "frameworks", "Competency frameworks and catalog", "catalog",
        "Published framework versions, the learning catalog and crosswalks, and filled requisitions (role, stage, "
        "date, filled internally or not; never who filled them): reference data with no personal data.",
        "kept"),
    DataClass(
        "demographics", "Demographic data (bias audits only)", "demographics",
        "Gender, race/ethnicity, birth-year band and geography as sent by the HRIS ('declined to state' kept as "
        "an answer). Read by the bias audit alone; never by recommendations, the API or logs.",
        "ttl_isolated", "retention.demographics_days", "its last update", erased_on_leaving=True),
    DataClass(
        "governance", "Audit summaries and review cases", "governance",
        "Each bias audit's window, status, counts and flags (group-level rates and ratios, never a person), and the "
        "review cases flags open, with HR's status changes and notes: aggregates, kept for accountability.",
        "kept"),
    DataClass(
        "parked_events", "Events waiting for their employee", "parked",
        "HRIS events (check-ins, role changes, learning completed, leaving) that arrived before the employee's own "
        "record, as sent. Demographic events leave only their ids here: the values go to the demographic table.",
        "parked", "retention.parked_events_days", "their arrival"),
    DataClass(
        "audit_snapshots", "Bias audit input snapshots", None,
        "The rows one audit read (employee ids, role, tenure, opt-out state, recommendations in the window and the "
        "demographic record), so the audit can be re-run and checked byte for byte. Encrypted under the "
        "demographics key; only the audit function can read them.",
        "lifecycle", counted_from="the audit", fixed_days=spine.AUDIT_SNAPSHOT_RETENTION_DAYS),
    DataClass(
        "audit_reports", "Bias audit reports and manifests", None,
        "Published audit results (counts below 10 suppressed) and the manifests that reproduce them: aggregates, "
        "kept so every audit stays verifiable.",
        "kept"),
)

BY_KEY: dict[str, DataClass] = {c.key: c for c in DATA_CLASSES}


def of_item(table: str, partition: str, sort: str) -> DataClass | None:
    """The class an item belongs to, from its table and keys (None: an item no class claims)."""
    candidates = [c for c in DATA_CLASSES if c.table == table]
    for c in candidates:
        if any(partition.startswith(p) for p in c.partition_prefixes) or any(sort.startswith(p)
                                                                               for p in c.sort_prefixes):
            return c
    whole = [c for c in candidates if not c.sort_prefixes and not c.partition_prefixes]
    return whole[0] if whole else None


def retention_days(settings: Settings, key: str) -> int:
    days = BY_KEY[key].days(settings)
    if days is None:
        raise ValueError(f"data class {key!r} has no retention period")
    return days
