"""A performance check-in that flags a gap → the most relevant learning assigned and the employee nudged."""

from __future__ import annotations

from coachwire.domain import messages
from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.profiles import (
    apply_checkin,
)
from coachwire.domain.recommender import pick, to_recommendation
from coachwire.domain.retention import has_left
from coachwire.models.coaching import (
    EmployeeProfile,
)
from coachwire.models.events import (
    CanonicalEvent,
    CheckinSubmitted,
)
from coachwire.models.history import AssessmentFact
from coachwire.ports import ProfileChange
from coachwire.services.coaching import (
    CandidateFilters,
    RecommendationOrigin,
    acted,
    basis_of,
    benchmarks_of,
    history_entries,
    left_result,
    message_meta,
    require_profile,
    shadow_recommendations,
)
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import published_framework
from coachwire.services.model_versions import scorers
from coachwire.services.ranking import ranked, version_of
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee


def checkin_gap_nudge(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    checkin = event.parsed_as(CheckinSubmitted)
    now = deps.clock.now()

    def compute(profile: EmployeeProfile | None):
        profile = require_profile(profile, checkin.employee_id)
        if has_left(profile, now.date()):
            return None, left_result(profile)
        framework = published_framework(deps, profile.framework_id)
        updated, applied = apply_checkin(profile, checkin, framework)
        if not applied:
            return None, TriggerResult("stale_ignored", profile.employee_id, {"reason": "ratings_not_newer"})
        index = FrameworkIndex.of(framework)
        flagged = [r.skill_id for r in checkin.skill_ratings if r.gap_flagged and r.skill_id in applied]
        updated = updated.model_copy(update={"benchmark_snapshot": benchmarks_of(index, updated)})
        catalog = deps.catalog.catalog(framework.framework_id)
        models = scorers(deps, framework, catalog)
        history = history_entries(profile, event, checkin.submitted_at, assessments=[
            AssessmentFact(skill_id=r.skill_id, level=r.level)
            for r in checkin.skill_ratings if r.skill_id in applied])
        today, count = now.date(), deps.settings.nudge_items
        per_skill = models.active.config.variety_cap
        if updated.personalisation_enabled:
            # Only the flagged skills: the manager asked for these, now.
            filters: CandidateFilters = {"only_skills": set(flagged), "flagged": flagged}
            chosen = pick(ranked(deps.settings, updated, framework, catalog, models.active, today, **filters), count,
                          per_skill)
        else:
            filters = {}
            chosen = ranked(deps.settings, updated, framework, catalog, models.active, today)[:count]
        version = version_of(updated, models.active)
        decision = {"applied_ratings": len(applied), "flagged_skills": flagged, "basis": basis_of(updated)}
        if not chosen:
            return (ProfileChange(profile=updated, expected_version=profile.version, history=history),
                    TriggerResult("no_action", profile.employee_id, decision,
                                  framework_version=framework.version, recommender_version=version))
        meta: RecommendationOrigin = {"trigger": "checkin_gap_nudge", "source_event_id": event.event_id,
                                      "created_at": now}
        recs = [to_recommendation(s, updated, framework, **meta) for s in chosen]
        shadow = shadow_recommendations(deps, models, updated, framework, catalog, today, count, per_skill, meta,
                                        filters)
        updated = updated.model_copy(update={
            "open_items": {**updated.open_items, **{r.item_id: r.recommendation_id for r in recs}}})
        note = messages.nudge(updated, recs, **message_meta(event, "checkin_gap_nudge", now))
        decision["recommended_items"] = [r.item_id for r in recs]
        if shadow:
            decision["shadow_items"] = [r.item_id for r in shadow]
        return acted(profile, updated, note, decision, framework, version, recommendations=tuple(recs),
                      shadow_recommendations=shadow, history=history)

    return commit_for_employee(deps, checkin.employee_id, "checkin_gap_nudge", event.event_id, compute)
