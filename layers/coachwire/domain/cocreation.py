"""Co-created plans and the personalisation switch. Pure: records in, records out.

What employee and manager decided feeds the next recommendation: declined items are left out for a
cooldown, agreed priorities reorder the candidates (the `agreed_priority` factor). With personalisation
off, none of it is used: recommendations come from the role's core programme (recommender.core_curriculum).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coachwire.errors import DomainError, UnknownReference
from coachwire.models.coaching import (
    AgreedAction,
    Attribution,
    DevelopmentPlan,
    EmployeeProfile,
    ItemDecision,
    PlanChange,
)
from coachwire.models.cocreation import (
    AcceptItem,
    AddAction,
    DeclineItem,
    MarkDone,
    PlanChangeRequest,
    ReorderPriorities,
    SnoozeItem,
)
from coachwire.models.framework import Catalog, Framework


@dataclass(frozen=True)
class DecisionInputs:
    """What the recommender takes from co-created decisions for one employee on one day."""

    declined: frozenset[str]
    priorities: tuple[str, ...]


def declined_in_cooldown(profile: EmployeeProfile, today: date, cooldown_days: int) -> frozenset[str]:
    """Items declined less than `cooldown_days` ago. On the day the cooldown ends the item may return."""
    return frozenset(item for item, declined_on in profile.declined_items.items()
                     if today < declined_on + timedelta(days=cooldown_days))


def decision_inputs(profile: EmployeeProfile, today: date, cooldown_days: int) -> DecisionInputs:
    if not profile.personalisation_enabled:
        return DecisionInputs(frozenset(), ())  # plan decisions are behavioural data: not used when opted out
    snoozed = {item for item, until in profile.snoozed_items.items() if today < until}
    left_out = declined_in_cooldown(profile, today, cooldown_days) | snoozed | set(profile.done_items)
    return DecisionInputs(frozenset(left_out), tuple(profile.agreed_priorities))


def set_personalisation(profile: EmployeeProfile, enabled: bool, now: datetime) -> EmployeeProfile | None:
    """The updated profile, or None when the switch is already in that position (idempotent)."""
    if profile.personalisation_enabled == enabled:
        return None
    return profile.model_copy(update={"personalisation_enabled": enabled, "personalisation_changed_at": now})


def empty_plan(profile: EmployeeProfile, framework: Framework, recommender_version: str, today: date,
               request_id: str, now: datetime) -> DevelopmentPlan:
    """A plan to hold decisions when none exists yet (no role change so far)."""
    digest = hashlib.sha256(f"{profile.employee_id}|{request_id}".encode()).hexdigest()[:20]
    return DevelopmentPlan(plan_id=f"plan_{digest}", employee_id=profile.employee_id, kind="agreed",
                           from_role_id=None, from_stage=None, to_role_id=profile.role_id,
                           to_stage=profile.career_stage, effective_date=today, milestones=[],
                           framework_id=framework.framework_id, framework_version=framework.version,
                           recommender_version=recommender_version, source_event_id=request_id, created_at=now)


@dataclass(frozen=True)
class Applied:
    profile: EmployeeProfile
    plan: DevelopmentPlan
    summary: dict  # ids and codes only, for the audit log


def apply_changes(profile: EmployeeProfile, plan: DevelopmentPlan, changes: list[PlanChangeRequest],
                  by: Attribution, framework: Framework, catalog: Catalog, request_id: str) -> Applied:
    """Apply the changes in order; every one is attributed. Raises UnknownReference / DomainError
    (field `changes.N.…`) for an id the framework or catalog does not know, or a due date in the past."""
    items = {i.item_id for i in catalog.items}
    declined = dict(profile.declined_items)
    snoozed = dict(profile.snoozed_items)
    done = list(profile.done_items)
    priorities = list(profile.agreed_priorities)
    decisions = dict(plan.item_decisions)
    actions = list(plan.agreed_actions)
    history = list(plan.changes)
    summary: dict[str, list[str]] = {"ops": [], "accepted": [], "declined": [], "done": [], "snoozed": [],
                                     "priorities": [], "actions": []}
    for n, change in enumerate(changes):
        where = f"changes.{n}"
        if isinstance(change, AcceptItem | DeclineItem | MarkDone | SnoozeItem):
            if change.item_id not in items:
                raise UnknownReference(f"{where}.item_id", f"unknown learning item '{change.item_id}'")
            item = change.item_id
            if isinstance(change, AcceptItem):
                decisions[item] = ItemDecision(item_id=item, status="accepted", decided=by)
                declined.pop(item, None)
                snoozed.pop(item, None)
                summary["accepted"].append(item)
            elif isinstance(change, DeclineItem):
                decisions[item] = ItemDecision(item_id=item, status="declined", decided=by, reason=change.reason)
                declined[item] = by.at.date()
                summary["declined"].append(item)
            elif isinstance(change, MarkDone):
                decisions[item] = ItemDecision(item_id=item, status="done", decided=by)
                done = [*done, item] if item not in done else done
                summary["done"].append(item)
            else:
                until = by.at.date() + timedelta(days=change.days)
                decisions[item] = ItemDecision(item_id=item, status="snoozed", decided=by, until=until)
                snoozed[item] = until
                summary["snoozed"].append(item)
            history.append(PlanChange(op=change.op, by=by, item_id=item))
        elif isinstance(change, ReorderPriorities):
            for i, skill_id in enumerate(change.skill_ids):
                if framework.skill(skill_id) is None:
                    raise UnknownReference(f"{where}.skill_ids.{i}", f"unknown skill '{skill_id}'")
            if len(set(change.skill_ids)) != len(change.skill_ids):
                raise DomainError(f"{where}.skill_ids", "each skill may appear once")
            priorities = list(change.skill_ids)
            summary["priorities"] = list(priorities)
            history.append(PlanChange(op="reorder", by=by, skill_ids=priorities))
        elif isinstance(change, AddAction):
            if framework.skill(change.skill_id) is None:
                raise UnknownReference(f"{where}.skill_id", f"unknown skill '{change.skill_id}'")
            if change.due_date < by.at.date():
                raise DomainError(f"{where}.due_date", "the due date is in the past")
            action_id = "act_" + hashlib.sha256(f"{request_id}|{n}".encode()).hexdigest()[:16]
            actions.append(AgreedAction(action_id=action_id, title=change.title, skill_id=change.skill_id,
                                        due_date=change.due_date, added_by=by))
            summary["actions"].append(action_id)
            history.append(PlanChange(op="add", by=by, action_id=action_id))
        summary["ops"].append(change.op)
    return Applied(
        profile=profile.model_copy(update={"declined_items": declined, "snoozed_items": snoozed, "done_items": done,
                                           "agreed_priorities": priorities}),
        plan=plan.model_copy(update={"item_decisions": decisions, "agreed_actions": actions,
                                     "agreed_priorities": priorities, "changes": history}),
        summary={k: v for k, v in summary.items() if v})


def carry_over(new: DevelopmentPlan, old: DevelopmentPlan | None) -> DevelopmentPlan:
    """A recomputed plan keeps what the two parties decided on the previous one."""
    if old is None:
        return new
    return new.model_copy(update={"item_decisions": old.item_decisions, "agreed_actions": old.agreed_actions,
                                  "agreed_priorities": old.agreed_priorities, "changes": old.changes})
