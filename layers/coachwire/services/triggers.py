"""The coaching triggers. Each takes the EventBridge `detail` it was routed and returns a TriggerResult."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from typing import TypedDict

from coachwire.domain import cocreation, messages, plans, stall
from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.profiles import (
    apply_checkin,
    apply_completion,
    apply_role_change,
    apply_upsert,
    new_profile,
)
from coachwire.domain.recommender import core_gaps, pick, to_recommendation
from coachwire.domain.retention import has_left
from coachwire.errors import UnknownReference
from coachwire.models.coaching import (
    EmployeeProfile,
    Notification,
    Recommendation,
)
from coachwire.models.events import (
    CanonicalEvent,
    CheckinSubmitted,
    EmployeeUpserted,
    LearningCompleted,
    RoleChanged,
    ScheduledJob,
)
from coachwire.models.framework import Catalog, Framework
from coachwire.models.history import AssessmentFact, CompletionFact, HistoryEntry
from coachwire.ports import ProfileChange
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import framework_for_role, published_framework
from coachwire.services.models import Scorers, scorers
from coachwire.services.ranking import ranked, version_of
from coachwire.services.results import TriggerResult, commit_for_employee


def _require(profile: EmployeeProfile | None, employee_id: str) -> EmployeeProfile:
    if profile is None:
        raise UnknownReference("data.employee_id", f"unknown employee '{employee_id}'")
    return profile


def _benchmarks(index: FrameworkIndex, profile: EmployeeProfile) -> dict[str, int]:
    vector = index.benchmark_vector(profile.role_id, profile.career_stage)
    return {s: int(v) for s, v in zip(index.skill_ids, vector, strict=True) if v > 0}


def _levels(profile: EmployeeProfile) -> dict[str, int]:
    return {skill: assessed.level for skill, assessed in profile.levels.items()}


def _meta(event: CanonicalEvent, trigger: str, at: datetime) -> dict:
    return {"source_event_id": event.event_id, "trigger": trigger, "created_at": at}


def _acted(before: EmployeeProfile, after: EmployeeProfile, note: Notification, decision: dict,
           framework: Framework, model_version: str, **effects) -> tuple[ProfileChange, TriggerResult]:
    """A firing that changed the profile, wrote its effects and queued one message."""
    return (ProfileChange(profile=after, expected_version=before.version, notifications=(note,), **effects),
            TriggerResult("succeeded", before.employee_id, decision, (note.notification_id,), framework.version,
                          model_version))


class _Origin(TypedDict):
    """Where a recommendation came from (to_recommendation's keyword arguments)."""

    trigger: str
    source_event_id: str
    created_at: datetime


class _Filters(TypedDict, total=False):
    """ranked()'s candidate filters."""

    only_skills: set[str]
    flagged: list[str]


def _shadow(deps: Dependencies, models: Scorers, profile: EmployeeProfile, framework: Framework, catalog: Catalog,
            today: date, count: int, per_skill: int, meta: _Origin, filters: _Filters | None = None,
            ) -> tuple[Recommendation, ...]:
    """What the shadow candidate would have recommended in the same firing: stored beside the real ones for
    comparison and the review audit, never delivered (no open item, no message). Opted-out employees have none."""
    if models.shadow is None or not profile.personalisation_enabled:
        return ()
    chosen = pick(ranked(deps.settings, profile, framework, catalog, models.shadow, today, **(filters or {})), count,
                  per_skill)
    return tuple(to_recommendation(s, profile, framework, shadow=True, **meta) for s in chosen)


def _history(profile: EmployeeProfile, event: CanonicalEvent, at: datetime, **facts) -> tuple[HistoryEntry, ...]:
    """Behavioural history for training the efficacy model. Nothing is kept while the employee has opted out of
    personalisation: their data must not feed the model."""
    if not profile.personalisation_enabled:
        return ()
    return (HistoryEntry(employee_id=profile.employee_id, entry_id=event.event_id, at=at, **facts),)


def profile_sync(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    data: EmployeeUpserted = event.parsed()  # type: ignore[assignment]
    framework = framework_for_role(deps, data.role_id)

    def compute(profile: EmployeeProfile | None):
        if profile is None:
            created = new_profile(data, framework, event.timestamp)
            created.benchmark_snapshot.update(_benchmarks(FrameworkIndex.of(framework), created))
            return (ProfileChange(profile=created, expected_version=None),
                    TriggerResult("succeeded", data.employee_id, {"created": True},
                                  framework_version=framework.version))
        updated = apply_upsert(profile, data, framework, event.timestamp)
        if updated is None:
            return None, TriggerResult("stale_ignored", data.employee_id, {"reason": "older_than_profile"})
        return (ProfileChange(profile=updated, expected_version=profile.version),
                TriggerResult("succeeded", data.employee_id, {"created": False},
                              framework_version=framework.version))

    return commit_for_employee(deps, data.employee_id, "profile_sync", event.event_id, compute)


def _left(profile: EmployeeProfile) -> TriggerResult:
    """Someone past their leaving date gets no coaching: their record waits for erasure, nothing is sent."""
    return TriggerResult("no_action", profile.employee_id, {"reason": "employee_left"})


def _basis(profile: EmployeeProfile) -> str:
    return "personalised" if profile.personalisation_enabled else "core_programme"


def checkin_gap_nudge(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    checkin: CheckinSubmitted = event.parsed()  # type: ignore[assignment]
    now = deps.clock.now()

    def compute(profile: EmployeeProfile | None):
        profile = _require(profile, checkin.employee_id)
        if has_left(profile, now.date()):
            return None, _left(profile)
        framework = published_framework(deps, profile.framework_id)
        updated, applied = apply_checkin(profile, checkin, framework)
        if not applied:
            return None, TriggerResult("stale_ignored", profile.employee_id, {"reason": "ratings_not_newer"})
        index = FrameworkIndex.of(framework)
        flagged = [r.skill_id for r in checkin.skill_ratings if r.gap_flagged and r.skill_id in applied]
        updated = updated.model_copy(update={"benchmark_snapshot": _benchmarks(index, updated)})
        catalog = deps.catalog.catalog(framework.framework_id)
        models = scorers(deps, framework, catalog)
        history = _history(profile, event, checkin.submitted_at, assessments=[
            AssessmentFact(skill_id=r.skill_id, level=r.level)
            for r in checkin.skill_ratings if r.skill_id in applied])
        today, count = now.date(), deps.settings.nudge_items
        per_skill = models.active.config.variety_cap
        if updated.personalisation_enabled:
            # Only the flagged skills: the manager asked for these, now.
            filters: _Filters = {"only_skills": set(flagged), "flagged": flagged}
            chosen = pick(ranked(deps.settings, updated, framework, catalog, models.active, today, **filters), count,
                          per_skill)
        else:
            filters = {}
            chosen = ranked(deps.settings, updated, framework, catalog, models.active, today)[:count]
        version = version_of(updated, models.active)
        decision = {"applied_ratings": len(applied), "flagged_skills": flagged, "basis": _basis(updated)}
        if not chosen:
            return (ProfileChange(profile=updated, expected_version=profile.version, history=history),
                    TriggerResult("no_action", profile.employee_id, decision,
                                  framework_version=framework.version, recommender_version=version))
        meta: _Origin = {"trigger": "checkin_gap_nudge", "source_event_id": event.event_id, "created_at": now}
        recs = [to_recommendation(s, updated, framework, **meta) for s in chosen]
        shadow = _shadow(deps, models, updated, framework, catalog, today, count, per_skill, meta, filters)
        updated = updated.model_copy(update={
            "open_items": {**updated.open_items, **{r.item_id: r.recommendation_id for r in recs}}})
        note = messages.nudge(updated, recs, **_meta(event, "checkin_gap_nudge", now))
        decision["recommended_items"] = [r.item_id for r in recs]
        if shadow:
            decision["shadow_items"] = [r.item_id for r in shadow]
        return _acted(profile, updated, note, decision, framework, version, recommendations=tuple(recs),
                      shadow_recommendations=shadow, history=history)

    return commit_for_employee(deps, checkin.employee_id, "checkin_gap_nudge", event.event_id, compute)


def role_change_plan(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    change: RoleChanged = event.parsed()  # type: ignore[assignment]
    framework = framework_for_role(deps, change.role_id)
    now = deps.clock.now()

    def compute(profile: EmployeeProfile | None):
        profile = _require(profile, change.employee_id)
        if has_left(profile, now.date()):
            return None, _left(profile)
        updated = apply_role_change(profile, change, framework)
        if updated is None:
            return None, TriggerResult("stale_ignored", profile.employee_id,
                                       {"reason": "effective_date_not_newer"})
        index = FrameworkIndex.of(framework)
        gaps = index.gaps(_levels(updated), updated.role_id, updated.career_stage)
        if not updated.personalisation_enabled:
            gaps = core_gaps(framework, updated.role_id, updated.career_stage)
        catalog = deps.catalog.catalog(framework.framework_id)
        active = scorers(deps, framework, catalog).active
        scored = ranked(deps.settings, updated, framework, catalog, active, now.date(),
                        only_skills={g.skill_id for g in gaps}, skip_open=False)
        version = version_of(updated, active)
        plan = plans.transition_plan(
            updated,
            (change.previous_role_id or profile.role_id, change.previous_career_stage or profile.career_stage),
            gaps, framework, scored, recommender_version=version,
            effective_date=change.effective_date, days_per_level=deps.settings.plan_days_per_level,
            source_event_id=event.event_id, created_at=now)
        plan = cocreation.carry_over(plan, deps.profiles.plan(profile.employee_id))
        updated = updated.model_copy(update={"benchmark_snapshot": _benchmarks(index, updated)})
        role = framework.role(change.role_id)
        note = messages.plan_ready(updated, plan, role.name if role else change.role_id,
                                   **_meta(event, "role_change_plan", now))
        decision = {"plan_id": plan.plan_id, "milestones": len(plan.milestones),
                    "gap_skills": [g.skill_id for g in gaps], "role_id": change.role_id,
                    "career_stage": change.career_stage, "basis": _basis(updated)}
        return _acted(profile, updated, note, decision, framework, version, plan=plan)

    return commit_for_employee(deps, change.employee_id, "role_change_plan", event.event_id, compute)


def learning_next_step(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    done: LearningCompleted = event.parsed()  # type: ignore[assignment]
    now = deps.clock.now()

    def compute(profile: EmployeeProfile | None):
        profile = _require(profile, done.employee_id)
        if has_left(profile, now.date()):
            return None, _left(profile)
        framework = published_framework(deps, profile.framework_id)
        catalog = deps.catalog.catalog(framework.framework_id)
        item = next((i for i in catalog.items if i.item_id == done.activity_id), None)
        if item is None:
            raise UnknownReference("data.activity_id", f"unknown learning activity '{done.activity_id}'")
        if done.activity_id in profile.completed_items:
            return None, TriggerResult("no_action", profile.employee_id, {"reason": "already_completed",
                                                                          "item_id": item.item_id})
        updated, raised = apply_completion(profile, done, item)
        closed = updated.open_items.get(item.item_id)
        open_items = {k: v for k, v in updated.open_items.items() if k != item.item_id}
        updated = updated.model_copy(update={"open_items": open_items})
        before = profile.levels.get(item.skill_id)
        history = _history(profile, event, done.completed_at, completions=[CompletionFact(
            item_id=item.item_id, skill_id=item.skill_id, level_at_completion=before.level if before else 0)])
        models = scorers(deps, framework, catalog)
        today, per_skill = now.date(), models.active.config.variety_cap
        chosen = pick(ranked(deps.settings, updated, framework, catalog, models.active, today), 1, per_skill)
        version = version_of(updated, models.active)
        decision = {"completed_item": item.item_id, "level_raised": raised,
                    "closed_recommendation": closed or "", "basis": _basis(updated)}
        change = ProfileChange(profile=updated, expected_version=profile.version,
                               completed_recommendation_ids=(closed,) if closed else (), history=history)
        if not chosen:
            decision["next_item"] = ""
            return change, TriggerResult("succeeded", profile.employee_id, decision,
                                         framework_version=framework.version, recommender_version=version)
        meta: _Origin = {"trigger": "learning_next_step", "source_event_id": event.event_id, "created_at": now}
        rec = to_recommendation(chosen[0], updated, framework, **meta)
        shadow = _shadow(deps, models, updated, framework, catalog, today, 1, per_skill, meta)
        updated = updated.model_copy(update={"open_items": {**open_items, rec.item_id: rec.recommendation_id}})
        note = messages.next_step(updated, [rec], item.title, **_meta(event, "learning_next_step", now))
        decision["next_item"] = rec.item_id
        if shadow:
            decision["shadow_items"] = [r.item_id for r in shadow]
        return _acted(profile, updated, note, decision, framework, version, recommendations=(rec,),
                      completed_recommendation_ids=change.completed_recommendation_ids,
                      shadow_recommendations=shadow, history=history)

    return commit_for_employee(deps, done.employee_id, "learning_next_step", event.event_id, compute)


STALL_JOB_SUBJECT = "job:stall_detection"


class JobIncomplete(RuntimeError):
    """Some subjects of a scheduled job failed; the rest were done. Raised so the job is retried."""


def stall_detection(detail: dict, deps: Dependencies, event_id: str,
                    on_alert: Callable[[TriggerResult], None]) -> TriggerResult:
    """Scan every profile once. Each alert is committed, then handed to `on_alert` (audit + publish)
    straight away, so a crash half-way loses nothing: the retry finds the receipts."""
    job = ScheduledJob.model_validate(detail)
    now = deps.clock.now()
    as_of = job.as_of or now.date()
    rules = deps.settings.stall
    frameworks: dict[str, tuple[Framework, FrameworkIndex]] = {}
    counts = {"scanned": 0, "stalled": 0, "in_cooldown": 0, "alerted": 0, "no_manager": 0, "left": 0,
              "manager_left": 0}
    managers: dict[str, EmployeeProfile | None] = {}
    failed: list[str] = []
    for candidate in _all_profiles(deps):
        try:
            counts["scanned"] += 1
            if has_left(candidate, as_of):
                counts["left"] += 1
                continue
            if candidate.framework_id not in frameworks:
                framework = published_framework(deps, candidate.framework_id)
                frameworks[candidate.framework_id] = (framework, FrameworkIndex.of(framework))
            framework, index = frameworks[candidate.framework_id]
            finding = stall.assess(candidate, index.gaps(_levels(candidate), candidate.role_id,
                                                          candidate.career_stage),
                                   _benchmarks(index, candidate), as_of, rules)
            if not finding.reasons:
                continue
            counts["stalled"] += 1
            # An alert for this same day may be ours from an interrupted run: let the receipt decide.
            if finding.in_cooldown and candidate.last_stall_alert_at != _alerted_at(as_of):
                counts["in_cooldown"] += 1
                continue
            manager_id = candidate.manager_id or ""
            if manager_id not in managers:
                managers[manager_id] = deps.profiles.get(manager_id)
            manager = managers[manager_id]
            if manager is None:
                counts["no_manager"] += 1
                continue
            if has_left(manager, as_of):
                counts["manager_left"] += 1
                continue
            result = _alert_one(deps, candidate.employee_id, manager, framework, index, as_of, now, event_id)
            if result.outcome in ("succeeded", "duplicate"):
                counts["alerted"] += 1
                on_alert(result)
            else:
                counts["in_cooldown"] += 1
        except Exception as err:  # one employee's transient error must not cost everyone else their alert
            failed.append(type(err).__name__)
    if failed:
        # The retry finds the receipts of what this run committed: nothing is alerted twice.
        raise JobIncomplete(f"{len(failed)} employees failed: {', '.join(sorted(set(failed)))}")
    return TriggerResult("succeeded" if counts["alerted"] else "no_action", STALL_JOB_SUBJECT,
                         {**counts, "as_of": as_of.isoformat(), "started_at": now.isoformat()})


def _all_profiles(deps: Dependencies) -> Iterator[EmployeeProfile]:
    for published in deps.catalog.frameworks():
        yield from deps.profiles.profiles_in_framework(published["framework_id"])


def _alerted_at(as_of: date) -> datetime:
    return datetime.combine(as_of, time(12, 0), tzinfo=UTC)


def _alert_one(deps: Dependencies, employee_id: str, manager: EmployeeProfile, framework: Framework,
               index: FrameworkIndex, as_of: date, now: datetime, event_id: str) -> TriggerResult:
    def compute(profile: EmployeeProfile | None):
        profile = _require(profile, employee_id)
        if has_left(profile, as_of):
            return None, _left(profile)
        gaps = index.gaps(_levels(profile), profile.role_id, profile.career_stage)
        finding = stall.assess(profile, gaps, _benchmarks(index, profile), as_of, deps.settings.stall)
        if not finding.reasons or finding.in_cooldown:
            return None, TriggerResult("no_action", employee_id, {"reason": "no_longer_stalled_or_cooling_down"})
        catalog = deps.catalog.catalog(framework.framework_id)
        active = scorers(deps, framework, catalog).active
        scored = ranked(deps.settings, profile, framework, catalog, active, as_of, skip_open=False)
        points = stall.talking_points(profile, finding, gaps, framework, scored, as_of)
        alert = stall.build_alert(profile, finding, points, gaps, as_of, created_at=now, source_event_id=event_id)
        note = messages.manager_alert(manager, alert, source_event_id=f"{event_id}:{employee_id}",
                                      trigger="stall_detection", created_at=now)
        updated = profile.model_copy(update={"last_stall_alert_at": _alerted_at(as_of)})
        decision = {"alert_id": alert.alert_id, "manager_id": manager.employee_id,
                    "reasons": [r.code for r in finding.reasons]}
        return _acted(profile, updated, note, decision, framework, version_of(profile, active), alert=alert)

    return commit_for_employee(deps, employee_id, "stall_detection", event_id, compute)
