"""Coaching records held per employee: profile, recommendations, plans, alerts, notifications, audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from coachwire.models.base import Record
from coachwire.models.messages import Channel, MessageContent


class SkillAssessment(Record):
    level: int
    assessed_at: datetime
    source: Literal["checkin", "learning", "seed", "correction"]
    evidence_id: str
    previous_level: int | None = None


class PerformanceRecord(Record):
    """One review period's rating or quartile (4 = top), as the HRIS sent it: for outcome metrics only, never read
    by the recommendation engine."""

    period_start: date
    period_end: date
    rating: float | None = None
    quartile: int | None = None
    recorded_at: datetime


class RoleMove(Record):
    """A role change as the HRIS described it, for the internal mobility metric. `move_kind` None: not said."""

    effective_date: date
    role_id: str
    career_stage: str
    previous_role_id: str | None = None
    previous_career_stage: str | None = None
    move_kind: Literal["promotion", "lateral", "demotion", "correction"] | None = None
    requisition_id: str | None = None


class FilledRequisition(Record):
    """An open position filled, for the mobility metric's share of positions filled internally: organisation data
    with no personal data (who was hired stays on their own profile, as RoleMove.requisition_id)."""

    requisition_id: str
    role_id: str
    career_stage: str
    filled_at: date
    filled_internally: bool
    recorded_at: datetime


class EmployeeProfile(Record):
    employee_id: str
    manager_id: str | None = None
    role_id: str
    career_stage: str
    framework_id: str
    email: str
    display_name: str
    hire_date: date
    levels: dict[str, SkillAssessment] = Field(default_factory=dict)
    flagged_skills: list[str] = Field(default_factory=list)
    completed_items: list[str] = Field(default_factory=list)
    # Open assignments: catalog item id → recommendation id, so a completion can close the right record.
    open_items: dict[str, str] = Field(default_factory=dict)
    activity_dates: list[datetime] = Field(default_factory=list)
    # Benchmarks seen at the last gap analysis, to notice a raised benchmark later.
    benchmark_snapshot: dict[str, int] = Field(default_factory=dict)
    # Source-side timestamps that guard against out-of-order events rolling state back.
    hris_updated_at: datetime | None = None
    role_effective_date: date | None = None
    last_stall_alert_at: datetime | None = None
    # The manager said "not now" on a stall alert: no new one about this person before this date.
    stall_snoozed_until: date | None = None
    # Opt-out of AI personalisation: off → recommendations come from the role's core programme.
    personalisation_enabled: bool = True
    personalisation_changed_at: datetime | None = None
    # Co-created decisions that feed the recommender: item id → the date it was declined (not re-suggested
    # within the cooldown), and the skills employee and manager agreed to prioritise, most important first.
    declined_items: dict[str, date] = Field(default_factory=dict)
    # "Not now" on an item: left out of recommendations until the date. "Done": the employee says they finished it.
    snoozed_items: dict[str, date] = Field(default_factory=dict)
    done_items: list[str] = Field(default_factory=list)
    agreed_priorities: list[str] = Field(default_factory=list)
    # Leavers: everything held about them is erased on `erase_after` by the retention sweep.
    leaving_date: date | None = None
    erase_after: date | None = None
    left_recorded_at: datetime | None = None
    # Outcome metrics only (docs/metrics.md), never read by the recommender: the HRIS's leaving reason, the latest
    # and previous performance periods (oldest first), and recent role moves (oldest first).
    leaving_reason: Literal["voluntary", "involuntary", "other"] | None = None
    performance: list[PerformanceRecord] = Field(default_factory=list)
    role_moves: list[RoleMove] = Field(default_factory=list)
    version: int = 0

    def level_of(self, skill_id: str) -> int:
        assessed = self.levels.get(skill_id)
        return assessed.level if assessed else 0


class ScoreFactor(Record):
    name: str
    value: float
    weight: float
    contribution: float


class Recommendation(Record):
    recommendation_id: str
    employee_id: str
    item_id: str
    item_title: str
    item_kind: str
    skill_id: str
    skill_name: str
    current_level: int
    target_level: int
    score: float
    factors: list[ScoreFactor]
    explanation: str
    recommender_version: str
    framework_id: str
    framework_version: str
    trigger: str
    source_event_id: str
    created_at: datetime
    status: Literal["open", "done"] = "open"
    # "core_programme": personalisation was off, so the role's default curriculum chose it.
    basis: Literal["personalised", "core_programme"] = "personalised"


class Milestone(Record):
    order: int
    skill_id: str
    skill_name: str
    current_level: int
    target_level: int
    recommended_item_ids: list[str]
    target_date: date


PartyRole = Literal["employee", "manager"]


class Attribution(Record):
    """Who made a plan change: the caller's subject and the capacity they acted in, and when."""

    subject: str
    role: PartyRole
    at: datetime


class ItemDecision(Record):
    """The latest decision on one plan item. `reason` is free text: it lives here, never in audit or logs."""

    item_id: str
    status: Literal["proposed", "accepted", "declined", "done", "snoozed"]
    decided: Attribution
    reason: str | None = None
    until: date | None = None  # snoozed until


class AgreedAction(Record):
    """An action employee and manager agreed on, kept as a plan item with a due date."""

    action_id: str
    title: str = Field(max_length=200)
    skill_id: str
    due_date: date
    added_by: Attribution
    status: Literal["accepted"] = "accepted"


class PlanChange(Record):
    """One entry of the plan's change history (ids and codes; reasons stay on the item decision)."""

    op: Literal["accept", "decline", "done", "snooze", "reorder", "add"]
    by: Attribution
    item_id: str | None = None
    skill_ids: list[str] = Field(default_factory=list)
    action_id: str | None = None


class DevelopmentPlan(Record):
    plan_id: str
    employee_id: str
    # "agreed": started by a co-creation change before any transition plan existed.
    kind: Literal["transition", "agreed"] = "transition"
    from_role_id: str | None
    from_stage: str | None
    to_role_id: str
    to_stage: str
    effective_date: date
    milestones: list[Milestone]
    framework_id: str
    framework_version: str
    recommender_version: str
    source_event_id: str
    created_at: datetime
    item_decisions: dict[str, ItemDecision] = Field(default_factory=dict)
    agreed_actions: list[AgreedAction] = Field(default_factory=list)
    agreed_priorities: list[str] = Field(default_factory=list)
    changes: list[PlanChange] = Field(default_factory=list)

    def item_status(self, item_id: str) -> str:
        decision = self.item_decisions.get(item_id)
        return decision.status if decision else "proposed"


# Why stall detection alerts a manager; each code has a conversation guide (content/guides/, models/guides.py).
StallReasonCode = Literal["low_activity", "rating_dropped", "benchmark_raised"]


class StallReason(Record):
    code: StallReasonCode
    skill_id: str | None = None
    level: int | None = None  # the new rating or benchmark the reason refers to
    detail: str


class AlertDecision(Record):
    """What the manager did with a stall alert, from the message or the API. `note` is free text: it stays on the
    alert, never in the audit log or the logs."""

    status: Literal["discussed", "snoozed", "not_relevant"]
    by: str
    at: datetime
    note: str | None = None
    reason_code: str | None = None  # not_relevant: why (models.messages.NotRelevantReason)
    until: date | None = None  # snoozed: no new alert about this person before this date


class ManagerAlert(Record):
    alert_id: str
    manager_id: str
    employee_id: str
    employee_name: str
    as_of: date
    reasons: list[StallReason]
    talking_points: list[str]
    open_gaps: dict[str, int]
    created_at: datetime
    source_event_id: str
    decision: AlertDecision | None = None


# team_digest: a manager's weekly digest of the stall alerts held for it (each merged alert is suppressed).
NotificationKind = Literal["nudge", "transition_plan", "next_step", "manager_alert", "correction_escalated",
                           "audit_flag", "model_review", "team_digest"]
# suppressed: never sent (its recipient or the person it is about has left, or the recipient switched the kind off,
# or it was merged into a digest). held: waiting for quiet hours to end, a cap to reset or the weekly digest.
DeliveryStatus = Literal["pending", "held", "sending", "sent", "failed", "delivery_unknown", "suppressed"]
HoldReason = Literal["quiet_hours", "daily_cap", "weekly_cap", "org_cap", "digest", "rate_limited"]


class Hold(Record):
    """Why a message waited, and until when: shown on the notification, so nothing is silently delayed."""

    reason: HoldReason
    at: datetime
    until: datetime


class Notification(Record):
    notification_id: str
    recipient_id: str
    recipient_email: str
    # The channel it goes (or went) out on: chosen at delivery from the person's preference, the organisation's
    # default otherwise; fell_back_from says which channel gave up first, and why.
    channel: Channel = "email"
    kind: NotificationKind
    subject: str
    body: str
    content: MessageContent | None = None
    fell_back_from: Channel | None = None
    fallback_reason: str | None = None
    channel_failures: int = 0
    # What the channel needs to find the sent message again (Slack: channel and ts). Never a capability URL.
    provider_ref: dict[str, str] = Field(default_factory=dict)
    holds: list[Hold] = Field(default_factory=list)
    not_before: datetime | None = None
    # What its recipient decided from the message itself (accepted, discussed ...), shown in place afterwards.
    decided: str | None = None
    suppressed_reason: str | None = None
    status: DeliveryStatus = "pending"
    attempts: int = 0
    created_at: datetime
    sent_at: datetime | None = None
    lease_until: datetime | None = None
    # Which delivery of the queued event holds the lease (its EventBridge event id, the same on every redelivery).
    claimed_by: str | None = None
    provider_message_id: str | None = None
    source_event_id: str
    trigger: str
    # The employee a message to someone else is about (a manager's alert): nothing goes out about a leaver.
    about_id: str | None = None
    # The stall alert a manager's message carries: a press on it decides that alert, not a later one.
    alert_id: str | None = None


Outcome = Literal["succeeded", "failed", "duplicate", "rejected", "stale_ignored", "no_action", "parked",
                  "expired"]


class AuditRecord(Record):
    """One trigger firing. `decision` holds ids, counts and codes only: never names or free text."""

    event_id: str
    trigger: str
    subject_id: str
    outcome: Outcome
    recorded_at: datetime
    recommender_version: str | None = None
    framework_version: str | None = None
    decision: dict[str, str | int | float | bool | list[str]] = Field(default_factory=dict)
    error_type: str | None = None

