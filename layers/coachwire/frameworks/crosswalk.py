"""Translating external ids through crosswalks. Pure: ids the framework knows pass through unchanged,
mapped ids are replaced (and the replacement is recorded), unknown ids are left for the caller to
reject by name: nothing is dropped silently. A check-in naming one skill under two ids is refused by name."""

from __future__ import annotations

from coachwire.errors import DomainError
from coachwire.models.events import CheckinSubmitted, LearningCompleted
from coachwire.models.framework import Catalog, Crosswalk, Framework


def check(crosswalk: Crosswalk, framework: Framework, catalog: Catalog) -> list[str]:
    """Problems with a crosswalk's targets, as `field: reason` strings (empty when it is usable)."""
    skills = {s.skill_id for s in framework.skills}
    items = {i.item_id for i in catalog.items}
    problems = [f"framework_id: crosswalk is for '{crosswalk.framework_id}', not '{framework.framework_id}'"] \
        if crosswalk.framework_id != framework.framework_id else []
    problems += [f"skills.{ext}: unknown skill '{target}'" for ext, target in crosswalk.skills.items()
                 if target not in skills]
    problems += [f"items.{ext}: unknown catalog item '{target}'" for ext, target in crosswalk.items.items()
                 if target not in items]
    return problems


def _merged(crosswalks: list[Crosswalk], kind: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for crosswalk in sorted(crosswalks, key=lambda c: c.crosswalk_id):
        merged.update(getattr(crosswalk, kind))
    return merged


def translate_checkin(checkin: CheckinSubmitted, framework: Framework, crosswalks: list[Crosswalk]
                      ) -> tuple[CheckinSubmitted, dict[str, str]]:
    known = {s.skill_id for s in framework.skills}
    mapping = _merged(crosswalks, "skills")
    translated: dict[str, str] = {}
    ratings = []
    sent_as: dict[str, str] = {}  # skill → the id the check-in rated it under
    for i, rating in enumerate(checkin.skill_ratings):
        sent = rating.skill_id
        if sent not in known and sent in mapping:
            translated[sent] = mapping[sent]
            rating = rating.model_copy(update={"skill_id": mapping[sent]})
        if rating.skill_id in sent_as:
            # A check-in rates each skill once: two ids for one skill would leave it unparseable downstream.
            raise DomainError(f"data.skill_ratings.{i}.skill_id",
                              f"'{sent}' and '{sent_as[rating.skill_id]}' both name skill '{rating.skill_id}' "
                              "(through the crosswalks): rate it once")
        sent_as[rating.skill_id] = sent
        ratings.append(rating)
    return checkin.model_copy(update={"skill_ratings": ratings}), translated


def translate_completion(done: LearningCompleted, catalog: Catalog, crosswalks: list[Crosswalk]
                         ) -> tuple[LearningCompleted, dict[str, str]]:
    known = {i.item_id for i in catalog.items}
    mapping = _merged(crosswalks, "items")
    if done.activity_id in known or done.activity_id not in mapping:
        return done, {}
    target = mapping[done.activity_id]
    return done.model_copy(update={"activity_id": target}), {done.activity_id: target}


def translate_catalog_document(catalog: dict, skill_ids: set[str], crosswalks: list[Crosswalk]
                               ) -> tuple[dict, dict[str, str]]:
    """A catalog as sent (before validation) whose items may name skills by external ids."""
    mapping = _merged(crosswalks, "skills")
    translated: dict[str, str] = {}
    items = []
    for item in catalog.get("items") or []:
        skill = item.get("skill_id") if isinstance(item, dict) else None
        if isinstance(skill, str) and skill not in skill_ids and skill in mapping:
            translated[skill] = mapping[skill]
            item = {**item, "skill_id": mapping[skill]}
        items.append(item)
    return {**catalog, "items": items}, translated
