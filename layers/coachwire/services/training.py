"""Weekly training: fit a candidate model version from the last year of history and run it in shadow."""

from __future__ import annotations

from datetime import date, timedelta

from coachwire.engine.registry import ModelEntry, with_shadow
from coachwire.engine.training import PersonNow, fit_candidate
from coachwire.errors import DomainError
from coachwire.models.events import ScheduledJob
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import published_framework
from coachwire.services.model_versions import model_version
from coachwire.services.unit_of_work import TriggerResult


def months_between(start: date, end: date) -> list[str]:
    months, cursor = [], date(start.year, start.month, 1)
    while cursor < end:
        months.append(cursor.strftime("%Y-%m"))
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return months


def model_training(detail: dict, deps: Dependencies) -> TriggerResult:
    job = ScheduledJob.model_validate(detail)
    now = deps.clock.now()
    end = job.as_of or now.date()
    start = end - timedelta(days=deps.settings.training_window_days)
    people, opted_out, frameworks, catalogs = [], set(), {}, {}
    for published in deps.catalog.frameworks():
        framework = published_framework(deps, published["framework_id"])
        frameworks[framework.framework_id] = framework
        catalogs[framework.framework_id] = deps.catalog.catalog(framework.framework_id)
        for profile in deps.profiles.profiles_in_framework(framework.framework_id):
            if not profile.personalisation_enabled:
                opted_out.add(profile.employee_id)
                continue
            people.append(PersonNow(profile.employee_id, profile.framework_id, profile.role_id,
                                    profile.career_stage, tuple(profile.agreed_priorities)))
    pointer = deps.models.pointer()
    active = model_version(deps, pointer.active)
    if active is None:
        raise DomainError("active", f"the active model version '{pointer.active}' is not in the registry")
    entries = list(deps.profiles.history(months_between(start, end)))
    outcome = fit_candidate(entries, config=active.config, start=start, end=end, opted_out=frozenset(opted_out),
                            people=people, frameworks=frameworks, catalogs=catalogs)
    decision: dict = {"training_start": start.isoformat(), "training_end": end.isoformat(),
                      "history_entries": outcome.entries_used, "opted_out_excluded": outcome.employees_excluded}
    if outcome.version is None:
        return TriggerResult("no_action", "job:model_training", {**decision, "reason": outcome.reason},
                             recommender_version=pointer.active)
    candidate = outcome.version
    counts = candidate.data_counts
    stored = deps.models.put(candidate, ModelEntry(
        version=candidate.version, created_at=now, origin="training", training_window_start=start.isoformat(),
        training_window_end=end.isoformat(), completions_used=counts.completions_used, employees=counts.employees))
    moved = with_shadow(pointer, candidate.version, now)
    if moved is not None:
        deps.models.swap_pointer(moved, pointer.revision)
    decision.update({"candidate": candidate.version, "stored": stored, "shadow": moved is not None,
                     "completions_used": counts.completions_used, "employees": counts.employees,
                     "evaluated": bool(candidate.evaluation)})
    return TriggerResult("succeeded" if moved is not None else "no_action", "job:model_training", decision,
                         recommender_version=candidate.version)
