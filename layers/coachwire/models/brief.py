"""The 1:1 brief: what a manager needs on one screen before a 1:1 with one of their people.

Built by domain/brief.py from records the manager may already read (the profile, the plan, their own alerts), served
by GET /managers/{manager_id}/brief/{employee_id} and reused by chat replies (brief_as_text)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from coachwire.models.coaching import AgreedAction, AlertDecision, PartyRole, PlanChange, StallReason
from coachwire.models.guides import GuideRef


class SkillLevel(BaseModel):
    """One skill of the employee's framework: their level against the benchmark of their role and stage."""

    skill_id: str
    skill_name: str
    level: int = Field(description="0 when not yet rated")
    assessed_at: datetime | None
    source: str | None
    benchmark: int
    gap: int = Field(description="max(0, benchmark - level)")
    criticality: int


class RatingChange(BaseModel):
    skill_id: str
    skill_name: str
    level: int
    previous_level: int | None
    assessed_at: datetime
    source: str


class PlanEvent(BaseModel):
    """One plan change in the window: what was done, by whom (in which capacity), when."""

    op: str
    at: datetime
    by_role: PartyRole
    item_id: str | None = None
    item_title: str | None = None
    action_id: str | None = None
    skill_ids: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, change: PlanChange, titles: dict[str, str]) -> PlanEvent:
        return cls(op=change.op, at=change.by.at, by_role=change.by.role, item_id=change.item_id,
                   item_title=titles.get(change.item_id) if change.item_id else None, action_id=change.action_id,
                   skill_ids=change.skill_ids)


class RecentActivity(BaseModel):
    days: int = Field(description="The window: this many days up to as_of")
    since: date = Field(description="The window's first day")
    learning_completions: int = Field(description="Learning activities completed in the window")
    last_activity_at: datetime | None = Field(description="The latest learning activity on record, if any")
    rating_changes: list[RatingChange] = Field(description="Skill ratings set in the window")
    plan_changes: list[PlanEvent] = Field(description="Plan changes in the window, oldest first")


class ItemDecisionView(BaseModel):
    item_id: str
    title: str | None
    decided_by: PartyRole
    decided_at: datetime
    reason: str | None = Field(None, description="Declined: the employee's own words on their plan, if given")
    until: date | None = Field(None, description="Not now: until this date")


class PlanDecisions(BaseModel):
    plan_id: str | None = Field(description="None when there is no plan yet")
    accepted: list[ItemDecisionView]
    declined: list[ItemDecisionView]
    done: list[ItemDecisionView]
    not_now: list[ItemDecisionView]
    agreed_actions: list[AgreedAction]
    agreed_priorities: list[str]


class BriefAlert(BaseModel):
    """The last stall alert about the employee for this manager, with its talking points and guides."""

    alert_id: str
    as_of: date
    reasons: list[StallReason]
    talking_points: list[str]
    decision: AlertDecision | None = Field(description="What the manager did with it, if anything yet")
    guides: list[GuideRef] = Field(description="The conversation guide for each of its reasons, first reason first")


class OneOnOneBrief(BaseModel):
    manager_id: str
    employee_id: str
    employee_name: str
    role_id: str
    role_name: str
    career_stage: str
    as_of: date
    open_gaps: list[SkillLevel] = Field(description="Skills below the benchmark, largest weighted gap first")
    activity: RecentActivity
    plan: PlanDecisions
    last_alert: BriefAlert | None
