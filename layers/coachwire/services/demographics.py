"""`employee.demographics.upserted` → the isolated demographics table.

The firing is audited with the employee id and an outcome code only: no category value ever reaches the
audit log, a log line or a notification.
"""

from __future__ import annotations

from coachwire.models.demographics import DemographicRecord, DemographicsUpserted
from coachwire.models.events import CanonicalEvent
from coachwire.services.deps import Dependencies
from coachwire.services.unit_of_work import TriggerResult


def demographics_sync(detail: dict, deps: Dependencies) -> TriggerResult:
    event = CanonicalEvent.model_validate(detail)
    data = event.parsed_as(DemographicsUpserted)
    if deps.demographics is None:
        raise RuntimeError("this function was built without the demographics store")
    record = DemographicRecord(**data.model_dump(), updated_at=event.timestamp)
    if deps.demographics.put(record):
        return TriggerResult("succeeded", data.employee_id, {"stored": True})
    return TriggerResult("stale_ignored", data.employee_id, {"reason": "older_than_stored"})
