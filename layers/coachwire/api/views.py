"""Response shapes of the read API (they also make the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from coachwire.models.coaching import DevelopmentPlan, ManagerAlert, Recommendation, ScoreFactor


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


class NotificationList(BaseModel):
    recipient_id: str
    notifications: list[NotificationView]


class TriggerStatsView(BaseModel):
    trigger: str
    received: int
    succeeded: int
    failed: int
    duplicate: int
    no_action: int
    stale_ignored: int
    rejected: int
    dead_lettered: int


class StatsList(BaseModel):
    triggers: list[TriggerStatsView]


class StallRunRequest(BaseModel):
    model_config = {"extra": "forbid"}
    as_of: date | None = None


class JobAccepted(BaseModel):
    job: str
    run_id: str
    as_of: date | None
