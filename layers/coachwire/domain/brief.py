"""The 1:1 brief, built from records already read: pure, so the API route and a chat command share it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.guides import GuideLibrary
from coachwire.domain.profiles import activities_between
from coachwire.models.brief import (
    BriefAlert,
    ItemDecisionView,
    OneOnOneBrief,
    PlanDecisions,
    PlanEvent,
    RatingChange,
    RecentActivity,
    SkillLevel,
)
from coachwire.models.coaching import DevelopmentPlan, EmployeeProfile, ItemDecision, ManagerAlert
from coachwire.models.framework import Framework
from coachwire.models.guides import PLAN_ACTION_LABELS, GuideRef

DEFAULT_ACTIVITY_DAYS = 30


def skill_levels(profile: EmployeeProfile, framework: Framework) -> list[SkillLevel]:
    """Every skill of the framework, in its order: the employee's level against their role and stage's benchmark."""
    benchmark = FrameworkIndex.of(framework).benchmark_vector(profile.role_id, profile.career_stage)
    levels = []
    for skill, target in zip(framework.skills, benchmark, strict=True):
        held = profile.levels.get(skill.skill_id)
        current = held.level if held else 0
        levels.append(SkillLevel(
            skill_id=skill.skill_id, skill_name=skill.name, level=current,
            assessed_at=held.assessed_at if held else None, source=held.source if held else None,
            benchmark=int(target), gap=max(0, int(target) - current), criticality=skill.criticality))
    return levels


def last_alert_about(alerts: Iterable[ManagerAlert], employee_id: str) -> ManagerAlert | None:
    about = [a for a in alerts if a.employee_id == employee_id]
    return max(about, key=lambda a: (a.as_of, a.created_at), default=None)


def guide_ref(reason_code: str, guides: GuideLibrary, as_of: date) -> GuideRef:
    guide = guides.current(reason_code, as_of)
    return GuideRef(reason_code=guide.reason_code, version=guide.version, path=f"/guides/{guide.reason_code}")


def build_brief(profile: EmployeeProfile, framework: Framework, plan: DevelopmentPlan | None,
                alert: ManagerAlert | None, guides: GuideLibrary, *, manager_id: str, as_of: date,
                days: int = DEFAULT_ACTIVITY_DAYS, item_titles: Mapping[str, str] | None = None) -> OneOnOneBrief:
    """The brief for `manager_id`'s 1:1 with the employee on `as_of`, looking back `days` days. `alert` is the last
    stall alert about the employee for this manager (last_alert_about), if any."""
    titles = dict(item_titles or {})
    order = {s.skill_id: i for i, s in enumerate(framework.skills)}
    gaps = sorted((s for s in skill_levels(profile, framework) if s.gap > 0),
                  key=lambda s: (-s.gap * s.criticality, order[s.skill_id]))
    role = framework.role(profile.role_id)
    return OneOnOneBrief(
        manager_id=manager_id, employee_id=profile.employee_id, employee_name=profile.display_name,
        role_id=profile.role_id, role_name=role.name if role else profile.role_id,
        career_stage=profile.career_stage, as_of=as_of, open_gaps=gaps,
        activity=_activity(profile, framework, plan, as_of, days, titles),
        plan=_decisions(profile, plan, titles),
        last_alert=_alert(alert, guides, as_of) if alert else None)


def _activity(profile: EmployeeProfile, framework: Framework, plan: DevelopmentPlan | None, as_of: date, days: int,
              titles: dict[str, str]) -> RecentActivity:
    since = as_of - timedelta(days=days)  # the window is (since, as_of], as stall detection counts it
    names = {s.skill_id: s.name for s in framework.skills}
    ratings = [RatingChange(skill_id=skill_id, skill_name=names.get(skill_id, skill_id), level=held.level,
                            previous_level=held.previous_level, assessed_at=held.assessed_at, source=held.source)
               for skill_id, held in sorted(profile.levels.items(), key=lambda kv: (kv[1].assessed_at, kv[0]))
               if since < held.assessed_at.date() <= as_of]
    changes = [PlanEvent.of(c, titles) for c in (plan.changes if plan else []) if since < c.by.at.date() <= as_of]
    past = [d for d in profile.activity_dates if d.date() <= as_of]
    return RecentActivity(days=days, since=since + timedelta(days=1),
                          learning_completions=activities_between(profile, since, as_of),
                          last_activity_at=max(past, default=None), rating_changes=ratings,
                          plan_changes=sorted(changes, key=lambda c: c.at))


def _decisions(profile: EmployeeProfile, plan: DevelopmentPlan | None, titles: dict[str, str]) -> PlanDecisions:
    by_status: dict[str, list[ItemDecisionView]] = {"accepted": [], "declined": [], "done": [], "snoozed": []}
    for decision in sorted((plan.item_decisions.values() if plan else []), key=lambda d: (d.decided.at, d.item_id)):
        if decision.status in by_status:
            by_status[decision.status].append(_decision_view(decision, titles))
    return PlanDecisions(
        plan_id=plan.plan_id if plan else None, accepted=by_status["accepted"], declined=by_status["declined"],
        done=by_status["done"], not_now=by_status["snoozed"],
        agreed_actions=list(plan.agreed_actions) if plan else [],
        agreed_priorities=list(plan.agreed_priorities if plan and plan.agreed_priorities
                               else profile.agreed_priorities))


def _decision_view(decision: ItemDecision, titles: dict[str, str]) -> ItemDecisionView:
    return ItemDecisionView(item_id=decision.item_id, title=titles.get(decision.item_id),
                            decided_by=decision.decided.role, decided_at=decision.decided.at,
                            reason=decision.reason if decision.status == "declined" else None,
                            until=decision.until if decision.status == "snoozed" else None)


def _alert(alert: ManagerAlert, guides: GuideLibrary, as_of: date) -> BriefAlert:
    codes = list(dict.fromkeys(r.code for r in alert.reasons))
    return BriefAlert(alert_id=alert.alert_id, as_of=alert.as_of, reasons=alert.reasons,
                      talking_points=alert.talking_points, decision=alert.decision,
                      guides=[guide_ref(code, guides, as_of) for code in codes])


# -- as chat text ----------------------------------------------------------------------------------------------------


def brief_as_text(brief: OneOnOneBrief) -> str:
    """The brief as short plain text for a chat reply (Slack slash command) or a terminal."""
    lines = [f"1:1 brief: {brief.employee_name}, {brief.role_name} ({brief.career_stage}), as of "
             f"{brief.as_of.isoformat()}", "", "Open gaps:"]
    lines += [f"- {g.skill_name}: level {g.level or 'not rated'} of {g.benchmark}" for g in brief.open_gaps] \
        or ["- none: at or above the benchmark everywhere"]
    act = brief.activity
    last = f"; last activity {act.last_activity_at.date().isoformat()}" if act.last_activity_at else ""
    lines += ["", f"Last {act.days} days: {act.learning_completions} learning activities{last}, "
              f"{len(act.rating_changes)} rating changes, {len(act.plan_changes)} plan changes."]
    for change in act.rating_changes:
        before = f"{change.previous_level} → " if change.previous_level is not None else ""
        lines.append(f"- {change.skill_name} rated {before}{change.level} on {change.assessed_at.date().isoformat()}")
    lines += ["", "Plan:", *_plan_lines(brief.plan)]
    alert = brief.last_alert
    if alert is None:
        lines += ["", "No stall alert about them for you."]
    else:
        decided = f" (you marked it {alert.decision.status.replace('_', ' ')})" if alert.decision else ""
        lines += ["", f"Last alert, {alert.as_of.isoformat()}{decided}. Talking points:",
                  *(f"- {p}" for p in alert.talking_points)]
        lines += [f"Guide: {g.path}" for g in alert.guides]
    return "\n".join(lines)


def _plan_lines(plan: PlanDecisions) -> list[str]:
    if plan.plan_id is None:
        return ["- no plan yet"]

    def named(views: list[ItemDecisionView]) -> str:
        return ", ".join(v.title or v.item_id for v in views) or "none"

    return [f"- Accepted: {named(plan.accepted)}",
            f"- Declined: {named(plan.declined)}",
            f"- Done: {named(plan.done)}",
            f"- {PLAN_ACTION_LABELS['snooze']}: {named(plan.not_now)}",
            "- Agreed actions: " + (", ".join(f"{a.title} (due {a.due_date.isoformat()})"
                                             for a in plan.agreed_actions) or "none")]
