"""Stall detection: who needs a manager's attention, and what to talk about in the next 1:1."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coachwire.domain.gaps import SkillGap
from coachwire.domain.profiles import activities_between
from coachwire.domain.recommender import ScoredItem
from coachwire.models.coaching import EmployeeProfile, ManagerAlert, StallReason
from coachwire.models.framework import Framework
from coachwire.settings import StallRules


@dataclass(frozen=True)
class StallFinding:
    reasons: list[StallReason]
    in_cooldown: bool


def assess(profile: EmployeeProfile, gaps: list[SkillGap], benchmarks: dict[str, int], as_of: date,
           rules: StallRules) -> StallFinding:
    if not gaps or profile.manager_id is None:
        return StallFinding([], False)
    reasons: list[StallReason] = []
    window_start = as_of - timedelta(days=rules.window_days)
    done = activities_between(profile, window_start, as_of)
    if done < rules.min_activities:
        reasons.append(StallReason(code="low_activity", detail=(
            f"{done} development activities in the {rules.window_days} days to {as_of.isoformat()} "
            f"(expected at least {rules.min_activities})")))
    for skill_id, assessed in sorted(profile.levels.items()):
        # An approved correction fixes the record; it is not a drop in performance.
        dropped = (assessed.previous_level is not None and assessed.level < assessed.previous_level
                   and assessed.source != "correction")
        if dropped and window_start < assessed.assessed_at.date() <= as_of:
            reasons.append(StallReason(code="rating_dropped", skill_id=skill_id, level=assessed.level, detail=(
                f"rated {assessed.previous_level} before, {assessed.level} on {assessed.assessed_at.date()}")))
    for skill_id, level in sorted(benchmarks.items()):
        before = profile.benchmark_snapshot.get(skill_id)
        if before is not None and level > before:
            reasons.append(StallReason(code="benchmark_raised", skill_id=skill_id, level=level,
                                       detail=f"benchmark raised from {before} to {level}"))
    last = profile.last_stall_alert_at
    in_cooldown = (last is not None and (as_of - last.date()).days < rules.cooldown_days) \
        or (profile.stall_snoozed_until is not None and as_of < profile.stall_snoozed_until)
    return StallFinding(reasons, in_cooldown)


def talking_points(profile: EmployeeProfile, finding: StallFinding, gaps: list[SkillGap],
                   framework: Framework, next_steps: list[ScoredItem], as_of: date) -> list[str]:
    """Concrete, non-punitive prompts built from the data, in the order a 1:1 might take them."""
    first = profile.display_name.split()[0] if profile.display_name else "them"
    points: list[str] = []
    codes = {r.code for r in finding.reasons}
    if "low_activity" in codes:
        last = max((d.date() for d in profile.activity_dates if d.date() <= as_of), default=None)
        since = f"since {last.isoformat()}" if last else "since their development goals were set"
        points.append(f"No development activity is logged {since}. Ask {first} what has got in the way "
                      "(workload, time, relevance) before suggesting anything new.")
    for reason in finding.reasons:
        skill = framework.skill(reason.skill_id) if reason.skill_id else None
        name = skill.name if skill else reason.skill_id
        if reason.code == "rating_dropped":
            points.append(f"{name} was {reason.detail}. Explore what changed (scope, support, confidence) "
                          "and treat it as information, not a verdict.")
        elif reason.code == "benchmark_raised" and skill:
            anchor = next((a.anchors[0] for a in skill.levels if a.level == reason.level), None)
            example = f" At that level people typically: {anchor[0].lower() + anchor[1:]}" if anchor else ""
            points.append(f"The expectation for {name} has gone up ({reason.detail}). Walk through what good "
                          f"looks like now.{example}")
    for gap in gaps[:2]:
        step = smallest_next_step(next_steps, gap)
        suggestion = (f" A small next step: \u201c{step.item.title}\u201d ({effort(step.item.duration_minutes)})."
                      if step else "")
        where = f"level {gap.current_level}" if gap.current_level else "not yet rated"
        points.append(f"{gap.skill_name}: {where} against a {profile.career_stage}-stage benchmark "
                      f"of {gap.target_level}.{suggestion}")
    points.append("Ask what support would help most (time, a mentor, a stretch task) and agree a date to "
                  "check in together.")
    return points


def smallest_next_step(candidates: list[ScoredItem], gap: SkillGap) -> ScoredItem | None:
    """The quickest item that builds the very next level of this skill (else the quickest for it):
    a 1:1 should end with something doable this week."""
    for_skill = [c for c in candidates if c.gap.skill_id == gap.skill_id]
    next_level = [c for c in for_skill if c.item.builds_level == gap.current_level + 1] or for_skill
    return min(next_level, key=lambda c: (c.item.duration_minutes, c.item.item_id), default=None)


def alert_id(manager_id: str, employee_id: str, as_of: date) -> str:
    return "alert_" + hashlib.sha256(f"{manager_id}|{employee_id}|{as_of}".encode()).hexdigest()[:20]


def build_alert(profile: EmployeeProfile, finding: StallFinding, points: list[str], gaps: list[SkillGap],
                as_of: date, *, created_at: datetime, source_event_id: str) -> ManagerAlert:
    assert profile.manager_id is not None
    return ManagerAlert(
        alert_id=alert_id(profile.manager_id, profile.employee_id, as_of),
        manager_id=profile.manager_id,
        employee_id=profile.employee_id,
        employee_name=profile.display_name,
        as_of=as_of,
        reasons=finding.reasons,
        talking_points=points,
        open_gaps={g.skill_id: g.gap for g in gaps},
        created_at=created_at,
        source_event_id=source_event_id,
    )


def effort(minutes: int) -> str:
    """How long a step takes, as a manager reads it: "45 min", "2 h", "40 h" (a task spread over weeks)."""
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.0f} h" if hours >= 10 or hours.is_integer() else f"{hours:.1f} h"
