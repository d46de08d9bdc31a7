"""HRIS employee record → the employee's profile (created or updated), their parked events replayed."""

from __future__ import annotations

from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.profiles import (
    apply_upsert,
    new_profile,
)
from coachwire.models.coaching import (
    EmployeeProfile,
)
from coachwire.models.events import (
    CanonicalEvent,
    EmployeeUpserted,
)
from coachwire.ports import ProfileChange
from coachwire.services.coaching import (
    benchmarks_of,
)
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import framework_for_role
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee


def profile_sync(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    data = event.parsed_as(EmployeeUpserted)
    framework = framework_for_role(deps, data.role_id)

    def compute(profile: EmployeeProfile | None):
        if profile is None:
            created = new_profile(data, framework, event.timestamp)
            created.benchmark_snapshot.update(benchmarks_of(FrameworkIndex.of(framework), created))
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
