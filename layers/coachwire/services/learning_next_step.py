"""A completed learning activity → evidence recorded, the assignment closed, the next best action queued."""

from __future__ import annotations

from coachwire.domain import messages
from coachwire.domain.profiles import (
    apply_completion,
)
from coachwire.domain.recommender import pick, to_recommendation
from coachwire.domain.retention import has_left
from coachwire.errors import UnknownReference
from coachwire.models.coaching import (
    EmployeeProfile,
)
from coachwire.models.events import (
    CanonicalEvent,
    LearningCompleted,
)
from coachwire.models.history import CompletionFact
from coachwire.ports import ProfileChange
from coachwire.services.coaching import (
    RecommendationOrigin,
    acted,
    basis_of,
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


def learning_next_step(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    done = event.parsed_as(LearningCompleted)
    now = deps.clock.now()

    def compute(profile: EmployeeProfile | None):
        profile = require_profile(profile, done.employee_id)
        if has_left(profile, now.date()):
            return None, left_result(profile)
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
        history = history_entries(profile, event, done.completed_at, completions=[CompletionFact(
            item_id=item.item_id, skill_id=item.skill_id, level_at_completion=before.level if before else 0)])
        models = scorers(deps, framework, catalog)
        today, per_skill = now.date(), models.active.config.variety_cap
        chosen = pick(ranked(deps.settings, updated, framework, catalog, models.active, today), 1, per_skill)
        version = version_of(updated, models.active)
        decision = {"completed_item": item.item_id, "level_raised": raised,
                    "closed_recommendation": closed or "", "basis": basis_of(updated)}
        change = ProfileChange(profile=updated, expected_version=profile.version,
                               completed_recommendation_ids=(closed,) if closed else (), history=history)
        if not chosen:
            decision["next_item"] = ""
            return change, TriggerResult("succeeded", profile.employee_id, decision,
                                         framework_version=framework.version, recommender_version=version)
        meta: RecommendationOrigin = {"trigger": "learning_next_step", "source_event_id": event.event_id,
                                      "created_at": now}
        rec = to_recommendation(chosen[0], updated, framework, **meta)
        shadow = shadow_recommendations(deps, models, updated, framework, catalog, today, 1, per_skill, meta)
        updated = updated.model_copy(update={"open_items": {**open_items, rec.item_id: rec.recommendation_id}})
        note = messages.next_step(updated, [rec], item.title, **message_meta(event, "learning_next_step", now))
        decision["next_item"] = rec.item_id
        if shadow:
            decision["shadow_items"] = [r.item_id for r in shadow]
        return acted(profile, updated, note, decision, framework, version, recommendations=(rec,),
                      completed_recommendation_ids=change.completed_recommendation_ids,
                      shadow_recommendations=shadow, history=history)

    return commit_for_employee(deps, done.employee_id, "learning_next_step", event.event_id, compute)
