"""The one declaration of Coachwire's tables, event bus and triggers.

The CDK app (infrastructure/) and the local runtime (coachwire_tools.local) both read this module, so the
deployed wiring and the laptop wiring cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EVENT_SOURCE_HRIS = "coachwire.hris"
EVENT_SOURCE_INTERNAL = "coachwire.internal"
EVENT_SOURCE_SCHEDULER = "coachwire.scheduler"

# Detail types on the bus. HRIS ones equal the canonical webhook `type`.
EMPLOYEE_UPSERTED = "employee.upserted"
CHECKIN_SUBMITTED = "performance.checkin.submitted"
ROLE_CHANGED = "employee.role.changed"
EMPLOYEE_LEFT = "employee.left"
LEARNING_COMPLETED = "learning.activity.completed"
NOTIFICATION_QUEUED = "notification.queued"
STALL_DETECTION_DUE = "job.stall_detection.due"
MODEL_TRAINING_DUE = "job.model_training.due"
RETENTION_SWEEP_DUE = "job.retention_sweep.due"
FRAMEWORK_PUBLISHED = "framework.published"
FRAMEWORK_RECOMPUTE_BATCH = "framework.recompute.batch"
# Special-category data (gender, race/ethnicity, ...): its own event type, table, key and writer.
DEMOGRAPHICS_UPSERTED = "employee.demographics.upserted"
# The bias audit: quarterly schedule, on request (POST /audits), and what a flag announces.
BIAS_AUDIT_DUE = "job.bias_audit.due"
BIAS_AUDIT_REQUESTED = "audit.run.requested"
AUDIT_DISPARITY_FLAGGED = "audit.disparity.flagged"
MODEL_REVIEW_DUE = "job.model_review.due"
# A verified press of a button in Slack or Teams, put on the bus by chat_interactions for chat_action.
CHAT_ACTION_RECEIVED = "chat.action.received"
# A verified slash command (`/coachwire-brief <employee id>`), answered privately by chat_action.
CHAT_COMMAND_RECEIVED = "chat.command.received"
# Every 15 minutes: held messages whose hold is over are queued again; held stall alerts become a weekly digest.
HELD_RELEASE_DUE = "job.held_release.due"
# Every hour: every HRIS event ingest accepted is accounted for, per trigger it routes to (docs/reliability.md).
RELIABILITY_CHECK_DUE = "job.reliability_check.due"

# Where the bias audit keeps its outputs (one S3 bucket: KMS, versioned, TLS only, no public access).
# Reports (results JSON, HTML, manifest) are readable by the API; input snapshots hold row-level data,
# demographics included, so they are encrypted under the demographics table's key, which only the audit
# function may use, and expire after the retention below (aggregates and manifests are kept).
AUDIT_REPORTS_PREFIX = "audits/"
AUDIT_SNAPSHOTS_PREFIX = "snapshots/"
AUDIT_SNAPSHOT_RETENTION_DAYS = 730


# Logged by the retention sweep for each parked event whose employee never arrived; the CDK app alarms on it.
PARKED_EVENT_EXPIRED_LOG = "parked event expired"
# Logged by profile_sync for a parked event whose ids do not resolve once its employee is known (the HRIS got a
# 202 for it, so nobody else learns of it); the CDK app alarms on it.
PARKED_EVENT_REJECTED_LOG = "parked event rejected on replay"
# Logged by any trigger for an event whose ids no longer resolve when it is processed (accepted at ingest, then
# overtaken: a role change to another framework before its check-in, an erasure): recorded as `rejected`, alarmed.
TRIGGER_REJECTED_LOG = "trigger rejected event"
# Logged by notification_delivery when it cannot know whether SES sent a message (a lost reply, a sender that died
# mid-send): the message is never resent, so someone should check with the recipient. The CDK app alarms on it.
DELIVERY_UNKNOWN_LOG = "notification delivery outcome unknown"
# Logged when a chat channel refuses Coachwire for everyone (a revoked token, a missing scope): messages fall back
# to e-mail, and the CDK app alarms so someone fixes the channel.
CHANNEL_BROKEN_LOG = "chat channel refused coachwire"
# Logged by reliability_check for each accepted HRIS event that has no terminal outcome for a trigger it routes to
# after Settings.reliability_silent_after_minutes (ids only): silent must be 0, so the CDK app alarms on it.
SILENT_EVENT_LOG = "accepted event is silent"


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str | None = None
    projection: str = "ALL"  # or KEYS_ONLY, for indexes that only list ids


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table. `key` is the logical name used in grants and Settings (`<key>_table`)."""

    key: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    append_only: bool = False
    # Encrypted with a key of its own (customer managed, rotated): only roles granted use of that key,
    # through DynamoDB, can touch the data, and key use shows up in CloudTrail.
    customer_managed_key: bool = False


TABLES: tuple[TableSpec, ...] = (
    TableSpec("profiles", "pk", "sk", ttl_attribute="expires_at", indexes=(
        Index("by_manager", "manager_pk", "sk"),
        # Only profile items carry framework_pk, so this index holds profiles alone: stall detection and
        # the framework recompute read it instead of scanning receipts, recommendations and alerts.
        Index("by_framework", "framework_pk", "sk"),
        # Only training history (HIST#<month>) and shadow recommendations (SHADOW#<model>) carry collection_pk:
        # the weekly training and the model review read these across employees without a scan.
        Index("by_collection", "collection_pk", "sk"),
        # Sparse: only open correction requests carry open_correction, so HR's queue and escalation read it alone.
        Index("by_open_correction", "open_correction", "opened_at"),
        # Sparse: the chat users people are (learnt when a message to them was posted): a slash command acts as
        # the person who typed it.
        Index("by_chat_user", "chat_user", projection="KEYS_ONLY"),
        # Sparse: only profile items carry email_key (the work e-mail in lower case): the Teams bot learns whom
        # an installation belongs to from the member's e-mail address.
        Index("by_email", "email_key", projection="KEYS_ONLY"),
    )),
    TableSpec("catalog", "pk", "sk"),
    TableSpec("outbox", "notification_id", indexes=(Index("by_recipient", "recipient_id", "created_at"),
                                                     # sparse: only held messages carry held_bucket
                                                     Index("by_hold", "held_bucket", "not_before")),
              ttl_attribute="expires_at"),
    TableSpec(
        "audit",
        "event_id",
        "recorded_key",
        indexes=(Index("by_subject", "subject_id", "recorded_key"),
                 # Sparse: only ingest's acceptance markers (no `doc`, never listed as entries) carry accepted_day
                 # (the UTC day they were accepted): what ingest accepted in a time window, for reliability_check.
                 Index("by_acceptance", "accepted_day", "recorded_key")),
        append_only=True,
        ttl_attribute="expires_at",  # append-only: retention is DynamoDB TTL alone, no function may delete
    ),
    TableSpec("stats", "trigger"),
    TableSpec("idempotency", "id", ttl_attribute="expiration"),
    # One item per employee. Written by demographics_sync (PutItem only), read by the bias audit alone.
    TableSpec("demographics", "employee_id", customer_managed_key=True, ttl_attribute="expires_at"),
    # Audit summaries (pk "AUDITS") and the framework review cases their flags open (pk "REVIEWS").
    TableSpec("governance", "pk", "sk"),
    # Events for an employee the HRIS has not sent yet, held until profile_sync creates them (then replayed) or
    # until Settings.retention.parked_events_days pass (then the sweep records them expired). Sort key: event
    # timestamp, arrival, id, so a query replays in order. The by_expiry index (one constant partition) lets the
    # sweep read what is due.
    # Demographic payloads never land here (only a payload-free marker; the record stays in its own table).
    TableSpec("parked", "employee_id", "parked_key", indexes=(Index("by_expiry", "park_bucket", "expires_at"),),
              ttl_attribute="ttl_backstop"),
)


@dataclass(frozen=True)
class TableGrant:
    """Least-privilege DynamoDB actions one function needs on one table (and its indexes)."""

    table: str
    actions: tuple[str, ...]
    # Writes that must never hand back what was stored (IAM denies ReturnValues other than NONE): for a role that
    # may put or delete in a table it must not read.
    returns_nothing: bool = False


READ = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem")
# Audit summaries and review cases are read by key or query and replaced whole (conditional puts), nothing else.
GOVERNANCE = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem")
WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem")
# A firing that decides on a profile without changing it still commits its receipt (and any correction) on condition
# that the profile's version is unchanged: a ConditionCheck in the transaction, which IAM authorises as this action.
# Every function that commits through services.unit_of_work.commit_for_employee needs it on the profiles table.
DECIDE = ("dynamodb:ConditionCheckItem",)
IDEMPOTENCY = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")

# Every queue-fed trigger records its firing and keeps its counters.
TRIGGER_BASE_GRANTS: tuple[TableGrant, ...] = (
    TableGrant("audit", ("dynamodb:PutItem",)),
    TableGrant("stats", ("dynamodb:UpdateItem",)),
    TableGrant("idempotency", IDEMPOTENCY),
)


@dataclass(frozen=True)
class Trigger:
    """One trigger: an EventBridge rule → its own SQS queue (+DLQ) → its own small Lambda function."""

    name: str
    summary: str
    detail_types: tuple[str, ...]
    sources: tuple[str, ...]
    grants: tuple[TableGrant, ...]
    publishes_events: bool = False
    sends_email: bool = False
    timeout_seconds: int = 30
    memory_mb: int = 512
    batch_size: int = 10
    # Receives before the DLQ. A crash, a throttle or a lost race each cost one; AWS advises at least 5 for a
    # Lambda SQS source, and fewer dead-lettered sound events under faults (tests/local/test_faults.py).
    max_receive_count: int = 5
    # EventBridge Scheduler expression; the schedule puts a `STALL_DETECTION_DUE`-style event on the bus.
    schedule: str | None = None
    schedule_detail_type: str | None = None
    # Writes the bias audit's reports and input snapshots (S3); reads the demographics table's key for them.
    writes_audit_reports: bool = False
    # Gets COACHWIRE_HR_ADMINS, to notify them.
    notifies_hr_admins: bool = False
    # Reads the chat channels' sending credentials (Slack bot token, Teams webhook URLs).
    reads_chat_send_secret: bool = False
    # Reads the Teams bot's client secret (it sends and updates cards as the bot).
    reads_teams_bot_secret: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def function_dir(self) -> str:
        return f"functions/{self.name}"

    @property
    def handler_module(self) -> str:
        return f"functions.{self.name}.handler"

    @property
    def all_grants(self) -> tuple[TableGrant, ...]:
        return TRIGGER_BASE_GRANTS + self.grants

    def event_pattern(self) -> dict[str, list[str]]:
        return {"source": list(self.sources), "detail-type": list(self.detail_types)}


TRIGGERS: tuple[Trigger, ...] = (
    Trigger(
        name="profile_sync",
        summary="Employee created, changed or left in the HRIS → coaching profile kept current (leavers: marked "
                "for erasure)",
        detail_types=(EMPLOYEE_UPSERTED, EMPLOYEE_LEFT),
        sources=(EVENT_SOURCE_HRIS,),
        # Parked events for a new employee are queried, republished in order, then deleted.
        grants=(TableGrant("profiles", READ + WRITE + DECIDE), TableGrant("catalog", READ),
                TableGrant("parked", ("dynamodb:Query", "dynamodb:DeleteItem"))),
        publishes_events=True,
    ),
    Trigger(
        name="checkin_gap_nudge",
        summary="Performance check-in flags a gap → learning assigned and employee nudged",
        detail_types=(CHECKIN_SUBMITTED,),
        sources=(EVENT_SOURCE_HRIS,),
        grants=(
            TableGrant("profiles", READ + WRITE + DECIDE),
            TableGrant("catalog", READ),
            TableGrant("outbox", ("dynamodb:PutItem",)),
        ),
        publishes_events=True,
    ),
    Trigger(
        name="role_change_plan",
        summary="Role or level change → gap analysis against the new role → transition plan",
        detail_types=(ROLE_CHANGED,),
        sources=(EVENT_SOURCE_HRIS,),
        grants=(
            TableGrant("profiles", READ + WRITE + DECIDE),
            TableGrant("catalog", READ),
            TableGrant("outbox", ("dynamodb:PutItem",)),
        ),
        publishes_events=True,
    ),
    Trigger(
        name="learning_next_step",
        summary="Learning completed → evidence recorded, item done, next recommendation queued",
        detail_types=(LEARNING_COMPLETED,),
        sources=(EVENT_SOURCE_HRIS,),
        grants=(
            TableGrant("profiles", READ + WRITE + DECIDE),
            TableGrant("catalog", READ),
            TableGrant("outbox", ("dynamodb:PutItem",)),
        ),
        publishes_events=True,
    ),
    Trigger(
        name="stall_detection",
        summary="Daily: stalled development → manager alert with 1:1 talking points",
        detail_types=(STALL_DETECTION_DUE,),
        sources=(EVENT_SOURCE_SCHEDULER,),
        grants=(
            TableGrant("profiles", READ + WRITE + DECIDE),
            TableGrant("catalog", READ),
            TableGrant("outbox", ("dynamodb:PutItem",)),
        ),
        publishes_events=True,
        timeout_seconds=300,
        memory_mb=1024,
        batch_size=1,
        schedule="cron(0 6 * * ? *)",
        schedule_detail_type=STALL_DETECTION_DUE,
    ),
    Trigger(
        name="model_training",
        summary="Weekly: fit a candidate model version from history; it runs in shadow until an hr_admin promotes it",
        detail_types=(MODEL_TRAINING_DUE,),
        sources=(EVENT_SOURCE_SCHEDULER,),
        # Reads history and profiles through indexes only; writes model versions and the registry pointer.
        grants=(TableGrant("profiles", ("dynamodb:Query",)), TableGrant("catalog", READ + ("dynamodb:PutItem",))),
        timeout_seconds=900,
        memory_mb=2048,
        batch_size=1,
        schedule="cron(0 3 ? * MON *)",
        schedule_detail_type=MODEL_TRAINING_DUE,
    ),
    Trigger(
        name="retention_sweep",
        summary="Daily: expired records deleted, leavers erased after the grace period, overdue corrections "
                "escalated to HR",
        detail_types=(RETENTION_SWEEP_DUE,),
        sources=(EVENT_SOURCE_SCHEDULER,),
        # The only function that may delete personal data; the audit log stays append-only (TTL expires it).
        grants=(
            TableGrant("profiles", ("dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem",
                                    "dynamodb:DeleteItem") + DECIDE),
            TableGrant("outbox", ("dynamodb:Scan", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem")),
            TableGrant("idempotency", ("dynamodb:Scan",)),
            # A leaver's demographic record is deleted by key, never read.
            TableGrant("demographics", ("dynamodb:DeleteItem",), returns_nothing=True),
            # Parked events past their expiry (by_expiry index) are audited as expired, then deleted.
            TableGrant("parked", ("dynamodb:Query", "dynamodb:DeleteItem")),
        ),
        publishes_events=True,
        timeout_seconds=900,
        memory_mb=1024,
        batch_size=1,
        schedule="cron(30 3 * * ? *)",
        schedule_detail_type=RETENTION_SWEEP_DUE,
    ),
    Trigger(
        name="framework_recompute",
        summary="Framework version published → plans recomputed for its employees, fanned out in batches",
        detail_types=(FRAMEWORK_PUBLISHED, FRAMEWORK_RECOMPUTE_BATCH),
        sources=(EVENT_SOURCE_INTERNAL,),
        grants=(TableGrant("profiles", READ + WRITE + DECIDE), TableGrant("catalog", READ)),
        publishes_events=True,
        timeout_seconds=300,
        memory_mb=1024,
        batch_size=1,
    ),
    Trigger(
        name="demographics_sync",
        summary="Demographics from the HRIS → the isolated demographics table (write only, never read back)",
        detail_types=(DEMOGRAPHICS_UPSERTED,),
        sources=(EVENT_SOURCE_HRIS,),
        grants=(TableGrant("demographics", ("dynamodb:PutItem",), returns_nothing=True),),
    ),
    Trigger(
        name="bias_audit",
        summary="Quarterly (and on request): bias audit of recommendations → report in S3, review cases, "
                "HR admins notified of every flag",
        detail_types=(BIAS_AUDIT_DUE, BIAS_AUDIT_REQUESTED),
        sources=(EVENT_SOURCE_SCHEDULER, EVENT_SOURCE_INTERNAL),
        grants=(
            # One parallel scan reads profiles and recommendations together (no per-employee queries); a model
            # review queries a candidate's shadow recommendations through the by_collection index.
            TableGrant("profiles", ("dynamodb:Scan", "dynamodb:Query")),
            # The only read grant on demographics anywhere in the spine (tests/infra asserts it).
            TableGrant("demographics", ("dynamodb:Scan",)),
            TableGrant("governance", GOVERNANCE),
            TableGrant("outbox", ("dynamodb:PutItem",)),
        ),
        publishes_events=True,
        writes_audit_reports=True,
        notifies_hr_admins=True,
        timeout_seconds=900,
        memory_mb=3008,
        batch_size=1,
        max_receive_count=2,
        # 05:00 UTC on the first day of each quarter; the job audits the quarter that just ended.
        schedule="cron(0 5 1 1,4,7,10 ? *)",
        schedule_detail_type=BIAS_AUDIT_DUE,
    ),
    Trigger(
        name="model_review_reminder",
        summary="Yearly: remind HR admins to review the active recommendation model and its audits",
        detail_types=(MODEL_REVIEW_DUE,),
        sources=(EVENT_SOURCE_SCHEDULER,),
        grants=(TableGrant("outbox", ("dynamodb:PutItem",)), TableGrant("governance", ("dynamodb:Query",)),
                TableGrant("catalog", ("dynamodb:GetItem",))),  # the model registry's pointer
        publishes_events=True,  # its reminders are announced for delivery like every queued notification
        notifies_hr_admins=True,
        batch_size=1,
        schedule="cron(0 9 15 1 ? *)",
        schedule_detail_type=MODEL_REVIEW_DUE,
    ),
    Trigger(
        name="held_release",
        summary="Every 15 minutes: held messages whose hold is over queued for delivery again; a manager's held "
                "stall alerts merged into one weekly team digest",
        detail_types=(HELD_RELEASE_DUE,),
        sources=(EVENT_SOURCE_SCHEDULER,),
        # Query: the sparse by_hold index (what is due); PutItem: the digest (on attribute_not_exists);
        # UpdateItem: merged alerts suppressed; GetItem: a digest a crashed run already queued. Profiles are read
        # so no digest names someone who has left.
        grants=(TableGrant("outbox", ("dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem",
                                      "dynamodb:UpdateItem")),
                # PutItem: a pointer in each named person's partition to the digest (their export and erasure).
                TableGrant("profiles", ("dynamodb:GetItem", "dynamodb:PutItem"))),
        publishes_events=True,
        timeout_seconds=120,
        batch_size=1,
        schedule="rate(15 minutes)",
        schedule_detail_type=HELD_RELEASE_DUE,
    ),
    Trigger(
        name="reliability_check",
        summary="Hourly: every HRIS event accepted accounted for per trigger it routes to (succeeded, no action, "
                "stale, rejected, expired, dead-lettered or silent); silent events logged and alarmed",
        detail_types=(RELIABILITY_CHECK_DUE,),
        sources=(EVENT_SOURCE_SCHEDULER,),
        # Query alone: the by_acceptance index (what was accepted when), then each event's own records by key.
        grants=(TableGrant("audit", ("dynamodb:Query",)),),
        timeout_seconds=300,
        batch_size=1,
        max_receive_count=2,
        schedule="rate(1 hour)",
        schedule_detail_type=RELIABILITY_CHECK_DUE,
    ),
    Trigger(
        name="notification_delivery",
        summary="Queued notification → delivered once on the person's channel (Slack, Teams or e-mail), within "
                "their quiet hours and caps",
        detail_types=(NOTIFICATION_QUEUED,),
        sources=(EVENT_SOURCE_INTERNAL,),
        # Profiles are read at send time: nothing goes to, or about, someone who has left; preferences beside them.
        # The cap counters live in the idempotency table (TRIGGER_BASE_GRANTS).
        grants=(TableGrant("outbox", ("dynamodb:GetItem", "dynamodb:UpdateItem")),
                # PutItem: which chat user the person is, learnt from a post (profiles.link_chat_user).
                TableGrant("profiles", ("dynamodb:GetItem", "dynamodb:PutItem"))),
        sends_email=True,
        reads_chat_send_secret=True,
        reads_teams_bot_secret=True,
        max_receive_count=5,
    ),
    Trigger(
        name="chat_action",
        summary="A press in Slack or Teams (accept, decline, done, not now; discussed, not relevant) → the plan or "
                "alert changed through the API's services, the message updated in place",
        detail_types=(CHAT_ACTION_RECEIVED, CHAT_COMMAND_RECEIVED),
        sources=(EVENT_SOURCE_INTERNAL,),
        grants=(TableGrant("profiles", READ + WRITE + DECIDE), TableGrant("catalog", READ),
                TableGrant("outbox", ("dynamodb:GetItem", "dynamodb:UpdateItem"))),
        reads_chat_send_secret=True,
        reads_teams_bot_secret=True,
    ),
)

TRIGGERS_BY_NAME: dict[str, Trigger] = {t.name: t for t in TRIGGERS}

# Functions behind the HTTP API (not queue-fed).
INGEST_FUNCTION = "ingest_webhook"
API_FUNCTION = "api"
CHAT_FUNCTION = "chat_interactions"


def trigger_for_detail_type(detail_type: str) -> Trigger | None:
    return next((t for t in TRIGGERS if detail_type in t.detail_types), None)


def triggers_for_event(source: str, detail_type: str) -> tuple[Trigger, ...]:
    """Every trigger whose rule matches an event from `source` of `detail_type` (an event may feed several)."""
    return tuple(t for t in TRIGGERS if source in t.sources and detail_type in t.detail_types)


@dataclass(frozen=True)
class HttpFunction:
    """A function behind the HTTP API. `authorised` routes sit behind the JWT authorizer."""

    name: str
    summary: str
    routes: tuple[tuple[str, str, bool], ...]  # (method, path, needs JWT)
    grants: tuple[TableGrant, ...]
    publishes_events: bool = False
    reads_webhook_secret: bool = False
    # Reads what verifying a chat press needs (the Slack signing secret).
    reads_chat_verify_secret: bool = False
    # Reads the Teams bot's client secret (it asks the Bot Connector who installed the app, as the bot).
    reads_teams_bot_secret: bool = False
    reads_dead_letter_depth: bool = False
    # Reads the bias audit's reports (never its input snapshots).
    reads_audit_reports: bool = False
    timeout_seconds: int = 10
    memory_mb: int = 512

    @property
    def function_dir(self) -> str:
        return f"functions/{self.name}"


HTTP_FUNCTIONS: tuple[HttpFunction, ...] = (
    HttpFunction(
        name=INGEST_FUNCTION,
        summary="POST /webhooks/hris: verify, validate, dedupe, publish to the bus",
        routes=(("POST", "/webhooks/hris", False),),
        grants=(
            TableGrant("idempotency", IDEMPOTENCY),
            # Parks only while the profile is absent: a ConditionCheck in the park's transaction.
            TableGrant("profiles", ("dynamodb:GetItem",) + DECIDE),
            TableGrant("catalog", ("dynamodb:GetItem", "dynamodb:Query")),
            TableGrant("audit", ("dynamodb:PutItem",)),
            TableGrant("stats", ("dynamodb:UpdateItem",)),
            # Parks events whose employee is not known yet; never reads them back.
            TableGrant("parked", ("dynamodb:PutItem",), returns_nothing=True),
        ),
        publishes_events=True,
        reads_webhook_secret=True,
    ),
    HttpFunction(
        name=CHAT_FUNCTION,
        summary="POST /slack/interactions, POST /teams/messages: a press in a chat, verified on the raw body, "
                "acknowledged at once and published for chat_action",
        routes=(("POST", "/slack/interactions", False), ("POST", "/teams/messages", False)),
        # The Teams answer shows at once whether the press may act: the message is read here. Installing the
        # Coachwire Teams app stores where the bot posts to the person: Query (by_email: whose address the member
        # has; by_chat_user: whose uninstall it is), GetItem and PutItem (the reference, overwritten with `removed`
        # on an uninstall: no DeleteItem) and the chat user link.
        grants=(TableGrant("outbox", ("dynamodb:GetItem",)),
                TableGrant("profiles", ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"))),
        publishes_events=True,
        reads_chat_verify_secret=True,
        # The bot's client secret alone (never the Slack token or webhook URLs): who installed the app is asked of
        # the Bot Connector, as the bot.
        reads_teams_bot_secret=True,
    ),
    HttpFunction(
        name=API_FUNCTION,
        summary="Read API, co-created plans, personalisation switch and admin jobs (JWT; hr_admin / manager / "
                "employee)",
        routes=(
            ("GET", "/openapi.json", False),
            ("GET", "/policy", False),  # the data-use policy is public
            ("ANY", "/{proxy+}", True),
        ),
        grants=(
            # PutItem: plan changes and the personalisation switch commit profile, plan and receipt together.
            TableGrant("profiles", READ + ("dynamodb:PutItem",) + DECIDE),
            TableGrant("catalog", READ + ("dynamodb:PutItem",)),
            # Query: a person's messages; GetItem: the messages about them (alerts, escalations), for their export.
            TableGrant("outbox", ("dynamodb:Query", "dynamodb:GetItem")),
            TableGrant("stats", ("dynamodb:Scan",)),
            TableGrant("audit", ("dynamodb:PutItem",)),
            TableGrant("audit", ("dynamodb:Query",)),  # a person's entries, for their data export
            # Audit requests and summaries, review cases and their status changes.
            TableGrant("governance", GOVERNANCE),
        ),
        publishes_events=True,
        reads_dead_letter_depth=True,
        reads_audit_reports=True,
    ),
)
