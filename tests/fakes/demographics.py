"""The isolated demographics table in memory: latest `updated_at` wins, an equal one overwrites (a redelivery)."""

from __future__ import annotations

from collections.abc import Iterator

from coachwire.models.demographics import DemographicRecord


class FakeDemographicsStore:
    def __init__(self) -> None:
        self.records: dict[str, str] = {}  # employee_id → record JSON

    def put(self, record: DemographicRecord) -> bool:
        held = self.records.get(record.employee_id)
        if held is not None and DemographicRecord.model_validate_json(held).updated_at > record.updated_at:
            return False
        self.records[record.employee_id] = record.model_dump_json()
        return True

    def all_records(self) -> Iterator[DemographicRecord]:
        for doc in list(self.records.values()):
            yield DemographicRecord.model_validate_json(doc)
