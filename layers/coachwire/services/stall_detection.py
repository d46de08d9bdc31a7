"""Scheduled: employees whose development has stalled → their manager alerted with 1:1 talking points."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time

from coachwire.domain import messages, stall
from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.retention import has_left
from coachwire.models.coaching import (
    EmployeeProfile,
)
from coachwire.models.events import (
    ScheduledJob,
)
from coachwire.models.framework import Framework
from coachwire.services.coaching import (
    acted,
    benchmarks_of,
    left_result,
    levels_of,
    require_profile,
)
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import published_framework
from coachwire.services.model_versions import scorers
from coachwire.services.ranking import ranked, version_of
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee

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
            finding = stall.assess(candidate, index.gaps(levels_of(candidate), candidate.role_id,
                                                          candidate.career_stage),
                                   benchmarks_of(index, candidate), as_of, rules)
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
        profile = require_profile(profile, employee_id)
        if has_left(profile, as_of):
            return None, left_result(profile)
        gaps = index.gaps(levels_of(profile), profile.role_id, profile.career_stage)
        finding = stall.assess(profile, gaps, benchmarks_of(index, profile), as_of, deps.settings.stall)
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
        return acted(profile, updated, note, decision, framework, version_of(profile, active), alert=alert)

    return commit_for_employee(deps, employee_id, "stall_detection", event_id, compute)
