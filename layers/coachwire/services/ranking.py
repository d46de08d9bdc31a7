"""One place that turns a profile into ranked items, for every trigger: the model when personalisation is on, the
role's core programme when it is off (then nothing about the person is read beyond what was already done)."""

from __future__ import annotations

from datetime import date

from coachwire.domain import cocreation
from coachwire.domain.recommender import CORE_PROGRAMME_VERSION, ScoredItem, core_curriculum, rank
from coachwire.engine.features import state_from_profile
from coachwire.engine.model import EngineIndex
from coachwire.models.coaching import EmployeeProfile
from coachwire.models.framework import Catalog, Framework
from coachwire.settings import Settings


def ranked(settings: Settings, profile: EmployeeProfile, framework: Framework, catalog: Catalog,
           index: EngineIndex, today: date, *, only_skills: set[str] | None = None,
           flagged: list[str] | None = None, skip_open: bool = True) -> list[ScoredItem]:
    """Candidates, best first. `flagged` overrides the profile's flags (a check-in's own flags); declines still
    in their cooldown are never offered; agreed priorities and the decline history feed the model's factors."""
    skip = {*profile.completed_items, *(profile.open_items if skip_open else ())}
    if not profile.personalisation_enabled:
        return core_curriculum(framework, catalog, profile.role_id, profile.career_stage, skip_items=skip)
    decided = cocreation.decision_inputs(profile, today, settings.decline_cooldown_days)
    state = state_from_profile(profile, priorities=decided.priorities, declined=dict(profile.declined_items))
    update: dict[str, frozenset[str]] = {} if skip_open else {"open_items": frozenset()}
    if flagged is not None:
        update["flagged_skills"] = frozenset(flagged)
    if update:
        state = state.model_copy(update=update)
    return rank(state, framework, catalog, index, today, exclude=decided.declined, only_skills=only_skills)


def version_of(profile: EmployeeProfile, index: EngineIndex) -> str:
    return index.version_id if profile.personalisation_enabled else CORE_PROGRAMME_VERSION
