"""HRIS employee record → the employee's profile (created or updated), their parked events replayed."""

from __future__ import annotations

from datetime import datetime

from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.profiles import (
    apply_upsert,
    new_profile,
)
from coachwire.models.coaching import (
    EmployeeProfile,
    FilledRequisition,
    PerformanceRecord,
)
from coachwire.models.events import (
    CanonicalEvent,
    EmployeeUpserted,
    PerformanceRating,
    RequisitionFilled,
)
from coachwire.ports import ProfileChange
from coachwire.services.coaching import (
    benchmarks_of,
)
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import framework_for_role
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee

# Performance periods kept per person: the latest and the one before ("top quartile at period start").
PERFORMANCE_PERIODS_KEPT = 2


def with_performance(profile: EmployeeProfile, rating: PerformanceRating | None,
                     recorded_at: datetime) -> EmployeeProfile:
    """The profile with the upsert's performance record in its dated history: a record for a period already held
    replaces it (a recalibration), the history stays ordered by period and only the latest periods are kept. An
    upsert without one leaves the history as it was. For outcome metrics only: the recommender never reads it."""
    if rating is None:
        return profile
    record = PerformanceRecord(period_start=rating.period_start, period_end=rating.period_end, rating=rating.rating,
                               quartile=rating.quartile, recorded_at=recorded_at)
    kept = [r for r in profile.performance
            if (r.period_start, r.period_end) != (record.period_start, record.period_end)]
    history = sorted([*kept, record], key=lambda r: (r.period_end, r.period_start))
    return profile.model_copy(update={"performance": history[-PERFORMANCE_PERIODS_KEPT:]})


def profile_sync(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    data = event.parsed_as(EmployeeUpserted)
    framework = framework_for_role(deps, data.role_id)

    def compute(profile: EmployeeProfile | None):
        if profile is None:
            created = with_performance(new_profile(data, framework, event.timestamp), data.performance,
                                       event.timestamp)
            created.benchmark_snapshot.update(benchmarks_of(FrameworkIndex.of(framework), created))
            return (ProfileChange(profile=created, expected_version=None),
                    TriggerResult("succeeded", data.employee_id, {"created": True},
                                  framework_version=framework.version))
        updated = apply_upsert(profile, data, framework, event.timestamp)
        if updated is None:
            return None, TriggerResult("stale_ignored", data.employee_id, {"reason": "older_than_profile"})
        updated = with_performance(updated, data.performance, event.timestamp)
        return (ProfileChange(profile=updated, expected_version=profile.version),
                TriggerResult("succeeded", data.employee_id, {"created": False},
                              framework_version=framework.version))

    return commit_for_employee(deps, data.employee_id, "profile_sync", event.event_id, compute)


def record_requisition(deps: Dependencies, data: RequisitionFilled, recorded_at: datetime) -> FilledRequisition:
    """A filled requisition stored for the mobility metric (the storage step a `requisition.filled` trigger will
    call; the webhook does not accept that type yet). Its role and stage must exist (UnknownReference, a 422,
    naming the field); who was hired is not kept here: it stays on their profile (RoleMove.requisition_id)."""
    framework_for_role(deps, data.role_id, data.career_stage)
    stored = FilledRequisition(requisition_id=data.requisition_id, role_id=data.role_id,
                               career_stage=data.career_stage, filled_at=data.filled_at,
                               filled_internally=data.filled_internally, recorded_at=recorded_at)
    deps.catalog.put_requisition(stored)
    return stored
