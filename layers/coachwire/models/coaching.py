"""Coaching records held per employee: profile, recommendations, plans, alerts, notifications, audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from coachwire.models.base import Record


class SkillAssessment(Record):
    level: int
    assessed_at: datetime
    source: Literal["checkin", "learning", "seed"]
    evidence_id: str
    previous_level: int | None = None


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


class Milestone(Record):
    order: int
    skill_id: str
    skill_name: str
    current_level: int
    target_level: int
    recommended_item_ids: list[str]
    target_date: date


class DevelopmentPlan(Record):
    plan_id: str
    employee_id: str
    kind: Literal["transition"] = "transition"
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


class StallReason(Record):
    code: Literal["low_activity", "rating_dropped", "benchmark_raised"]
    skill_id: str | None = None
    level: int | None = None  # the new rating or benchmark the reason refers to
    detail: str


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


NotificationKind = Literal["nudge", "transition_plan", "next_step", "manager_alert"]
DeliveryStatus = Literal["pending", "sending", "sent", "failed", "delivery_unknown"]


class Notification(Record):
    notification_id: str
    recipient_id: str
    recipient_email: str
    channel: Literal["email"] = "email"
    kind: NotificationKind
    subject: str
    body: str
    status: DeliveryStatus = "pending"
    attempts: int = 0
    created_at: datetime
    sent_at: datetime | None = None
    lease_until: datetime | None = None
    provider_message_id: str | None = None
    source_event_id: str
    trigger: str


Outcome = Literal["succeeded", "failed", "duplicate", "rejected", "stale_ignored", "no_action"]


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
