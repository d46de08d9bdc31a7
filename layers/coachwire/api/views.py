"""Response shapes of the read API (they also make the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from coachwire.models.coaching import DevelopmentPlan, Hold, ManagerAlert, Recommendation, ScoreFactor
from coachwire.models.framework import Catalog, Framework


class LevelView(BaseModel):
    skill_id: str
    skill_name: str
    level: int
    assessed_at: datetime | None
    source: str | None
    benchmark: int
    gap: int
    criticality: int


class EmployeeView(BaseModel):
    employee_id: str
    display_name: str
    role_id: str
    role_name: str
    career_stage: str
    manager_id: str | None
    framework_id: str
    framework_version: str
    levels: list[LevelView]
    open_gaps: int
    completed_items: list[str]


class RecommendationView(BaseModel):
    recommendation_id: str
    item_id: str
    title: str
    kind: str
    skill_id: str
    skill_name: str
    current_level: int
    target_level: int
    score: float
    factors: list[ScoreFactor]
    explanation: str
    status: str
    recommender_version: str
    framework_version: str
    trigger: str
    created_at: datetime

    @classmethod
    def of(cls, rec: Recommendation) -> RecommendationView:
        return cls(recommendation_id=rec.recommendation_id, item_id=rec.item_id, title=rec.item_title,
                   kind=rec.item_kind, skill_id=rec.skill_id, skill_name=rec.skill_name,
                   current_level=rec.current_level, target_level=rec.target_level, score=rec.score,
                   factors=rec.factors, explanation=rec.explanation, status=rec.status,
                   recommender_version=rec.recommender_version, framework_version=rec.framework_version,
                   trigger=rec.trigger, created_at=rec.created_at)


class ItemRef(BaseModel):
    item_id: str
    title: str
    kind: str


class SkillRef(BaseModel):
    skill_id: str
    skill_name: str
    current_level: int
    target_level: int


class RecommendationDetail(BaseModel):
    """One recommendation with its explanation and the factor table behind its score (the manager sees the
    same as the employee). `factors` maps each factor to its contribution; they sum to `score`."""

    recommendation_id: str
    employee_id: str
    item: ItemRef
    skill: SkillRef
    score: float
    factors: dict[str, float]
    factor_table: list[ScoreFactor]
    explanation: str
    basis: str
    status: str
    recommender_version: str
    framework_id: str
    framework_version: str
    trigger: str
    created_at: datetime

    @classmethod
    def of(cls, rec: Recommendation) -> RecommendationDetail:
        return cls(recommendation_id=rec.recommendation_id, employee_id=rec.employee_id,
                   item=ItemRef(item_id=rec.item_id, title=rec.item_title, kind=rec.item_kind),
                   skill=SkillRef(skill_id=rec.skill_id, skill_name=rec.skill_name,
                                  current_level=rec.current_level, target_level=rec.target_level),
                   score=rec.score, factors={f.name: f.contribution for f in rec.factors},
                   factor_table=rec.factors, explanation=rec.explanation, basis=rec.basis, status=rec.status,
                   recommender_version=rec.recommender_version, framework_id=rec.framework_id,
                   framework_version=rec.framework_version, trigger=rec.trigger, created_at=rec.created_at)


class PersonalisationView(BaseModel):
    employee_id: str
    enabled: bool
    changed: bool
    changed_at: datetime | None
    request_id: str


class PlanChangeResult(BaseModel):
    employee_id: str
    request_id: str
    plan: DevelopmentPlan
    declined_items: dict[str, date]
    agreed_priorities: list[str]


class RecommendationList(BaseModel):
    employee_id: str
    recommendations: list[RecommendationView]


class PlanView(BaseModel):
    employee_id: str
    plan: DevelopmentPlan | None


class AlertList(BaseModel):
    manager_id: str
    alerts: list[ManagerAlert]


class NotificationView(BaseModel):
    notification_id: str
    recipient_id: str
    channel: str
    kind: str
    subject: str
    body: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    # Where it went and why there: the channel it gave way from (and why), each hold (quiet hours, a cap, the
    # digest, a rate limit) with its end, why it was never sent, and what its recipient decided from it.
    fell_back_from: str | None = None
    fallback_reason: str | None = None
    holds: list[Hold] = Field(default_factory=list)
    not_before: datetime | None = None
    suppressed_reason: str | None = None
    decided: str | None = None

    @classmethod
    def of(cls, notification: BaseModel) -> NotificationView:
        return cls(**notification.model_dump(include=set(cls.model_fields)))


class NotificationList(BaseModel):
    recipient_id: str
    notifications: list[NotificationView]


# Outcomes an event ends at; each event counts once, under its first one (a redelivery is an attempt only).
TERMINAL_OUTCOMES = ("succeeded", "no_action", "stale_ignored", "duplicate", "rejected", "parked", "expired")


class TriggerStatsView(BaseModel):
    """Events by the outcome they ended at, attempts apart, and what has not ended yet: for a trigger,
    events reached here = `events` + `waiting` + `in_process` + `dead_lettered` (SQS's counts are approximate)."""

    trigger: str
    events: int = Field(description="events at a terminal outcome: the sum of the outcome counts")
    succeeded: int
    no_action: int
    stale_ignored: int
    duplicate: int
    rejected: int
    parked: int
    expired: int
    attempts: int = Field(description="every firing attempt, retries and redeliveries included")
    failed_attempts: int = Field(description="attempts that failed and were retried or dead-lettered")
    waiting: int = Field(description="events on the trigger's queue, not yet picked up")
    in_process: int = Field(description="events picked up and not finished (a crashed attempt stays here until "
                                        "its visibility timeout)")
    dead_lettered: int
    # Delivery only: messages a chat channel gave way to e-mail for, and holds (quiet hours, caps, digest, a
    # channel's rate limit); a held message's delivery ends no_action and comes back as a new event.
    fell_back: int = Field(0, description="messages sent by e-mail after their chat channel could not deliver them")
    held: int = Field(0, description="times a message was held for later (quiet hours, a cap, the digest, a rate "
                                     "limit)")


class StatsList(BaseModel):
    triggers: list[TriggerStatsView]


class StallRunRequest(BaseModel):
    model_config = {"extra": "forbid"}
    as_of: date | None = None


class TrainingRunRequest(BaseModel):
    model_config = {"extra": "forbid"}
    as_of: date | None = None


class JobAccepted(BaseModel):
    job: str
    run_id: str
    as_of: date | None


class StallRunAccepted(JobAccepted):
    status: Literal["queued"] = "queued"
    status_url: str = Field(description="Where the run's status is (also the Location header)")


class StallRunView(BaseModel):
    """One stall-detection run asked for through the API, from its audit log entries: counts, never people."""

    job: Literal["stall_detection"] = "stall_detection"
    run_id: str
    status: Literal["queued", "running", "finished"] = Field(
        description="queued: not picked up yet; running: picked up (or being retried after a failed attempt); "
                    "finished: every employee checked")
    requested_at: datetime
    as_of: date | None = Field(description="The day it checks (the request's, or the run's own when finished)")
    started_at: datetime | None = Field(
        description="When finished: when the run that finished began; while running: its first recorded step")
    finished_at: datetime | None
    outcome: Literal["succeeded", "no_action"] | None = Field(
        description="When finished: succeeded if it queued alerts, no_action if nobody was alerted")
    employees_checked: int | None = Field(description="When finished: every profile it looked at")
    stalled: int | None = Field(description="When finished: how many of them had stalled")
    alerts_queued: int = Field(description="Manager alerts queued (so far, while running)")
    skipped: dict[str, int] = Field(
        description="When finished: stalled or checked people not alerted, by reason: in_cooldown (alerted "
                    "recently), no_manager, manager_left, left (the employee has left)")
    failed_attempts: int = Field(description="Attempts that failed and were retried (or dead-lettered)")
    error_types: list[str] = Field(description="Exception types of the failed attempts (no messages)")


class PublishRequest(BaseModel):
    model_config = {"extra": "forbid"}
    framework: Framework
    catalog: Catalog | None = None

    @field_validator("catalog")
    @classmethod
    def _catalog_fits(cls, catalog: Catalog | None, info: ValidationInfo) -> Catalog | None:
        framework: Framework | None = info.data.get("framework")
        if catalog is None or framework is None:
            return catalog
        if catalog.framework_id != framework.framework_id:
            raise ValueError("framework_id must equal framework.framework_id")
        skills = {s.skill_id for s in framework.skills}
        for i, item in enumerate(catalog.items):
            if item.skill_id not in skills:
                raise ValueError(f"items.{i}.skill_id: unknown skill '{item.skill_id}'")
            if item.builds_level > framework.top_level:
                raise ValueError(f"items.{i}.builds_level: outside the scale 1..{framework.top_level}")
        return catalog


class FrameworkSummary(BaseModel):
    framework_id: str
    name: str
    owner: str
    current_version: str
    effective_date: date
    versions: list[str]


class FrameworkList(BaseModel):
    frameworks: list[FrameworkSummary]


class FrameworkPublished(BaseModel):
    framework_id: str
    version: str
    event_id: str
    status: str = Field(description="published, or already_published for the same content again")
    translated_ids: dict[str, str]


class CrosswalkStored(BaseModel):
    crosswalk_id: str
    framework_id: str
    skills: int
    items: int
