"""Whether an HRIS event's ids exist in the organisation's data: at ingest (a typo is a clear 422 now, not a dead
letter later) and again when a parked event is replayed."""

from __future__ import annotations

from coachwire import spine
from coachwire.domain.profiles import check_ratings
from coachwire.errors import DomainError, UnknownReference
from coachwire.frameworks import crosswalk
from coachwire.models.events import CheckinSubmitted
from coachwire.services.deps import Dependencies
from coachwire.services.lookups import framework_for_role, published_framework


class EmployeeNotYetKnown(Exception):
    """The employee's upsert has not arrived (senders post in parallel): the event is parked, not rejected."""


def resolve_references(deps: Dependencies, event_type: str, data):
    """Ids must exist in the organisation's data, so a typo is a clear 422 now, not a dead letter later.
    External ids with a crosswalk entry are translated first. Returns (data, translated ids)."""
    if event_type == spine.EMPLOYEE_UPSERTED:
        framework_for_role(deps, data.role_id, data.career_stage)
        return data, {}
    profile = deps.profiles.get(data.employee_id)
    if profile is None:
        # Role ids do not depend on the employee: still a 422 now. Skills and activities do: checked on replay.
        if event_type == spine.ROLE_CHANGED:
            framework_for_role(deps, data.role_id, data.career_stage)
        raise EmployeeNotYetKnown(data.employee_id)
    if event_type == spine.DEMOGRAPHICS_UPSERTED:
        return data, {}  # categories are free codes: nothing else to resolve
    if event_type == spine.ROLE_CHANGED:
        framework_for_role(deps, data.role_id, data.career_stage)
        return data, {}
    if event_type == spine.EMPLOYEE_LEFT:
        if data.leaving_date < profile.hire_date:
            raise DomainError("data.leaving_date", f"{data.leaving_date.isoformat()} is before the hire date")
        return data, {}  # the employee exists: that is all a leaver event refers to
    framework = published_framework(deps, profile.framework_id, field="data.employee_id")
    crosswalks = deps.catalog.crosswalks(framework.framework_id)
    if isinstance(data, CheckinSubmitted):
        data, translated = crosswalk.translate_checkin(data, framework, crosswalks)
        check_ratings(framework, data)
        return data, translated
    catalog = deps.catalog.catalog(framework.framework_id)
    data, translated = crosswalk.translate_completion(data, catalog, crosswalks)
    if data.activity_id not in {i.item_id for i in catalog.items}:
        raise UnknownReference("data.activity_id", f"unknown learning activity '{data.activity_id}' (not in the "
                                                   f"{framework.framework_id} catalog nor its crosswalks)")
    return data, translated
