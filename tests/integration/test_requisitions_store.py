"""The filled-requisitions store (the mobility metric's "positions filled internally") on the real catalog table:
one record per requisition id, read back by fill date, and nothing else in the catalog disturbed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from coachwire.adapters.dynamo import DynamoCatalogStore
from coachwire.models.coaching import FilledRequisition

AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _req(rid: str, filled: date, internal: bool) -> FilledRequisition:
    return FilledRequisition(requisition_id=rid, role_id="swe", career_stage="senior", filled_at=filled,
                             filled_internally=internal, recorded_at=AT)


def test_requisitions_are_stored_once_per_id_and_read_by_fill_date(stack):
    store = DynamoCatalogStore(stack.settings.catalog_table)
    store.put_requisition(_req("req-b", date(2026, 3, 1), False))
    store.put_requisition(_req("req-a", date(2026, 1, 15), True))
    store.put_requisition(_req("req-b", date(2026, 4, 2), True))  # corrected fill date and source: replaces
    assert [(r.requisition_id, r.filled_at, r.filled_internally) for r in store.requisitions()] == [
        ("req-a", date(2026, 1, 15), True), ("req-b", date(2026, 4, 2), True)]
    assert [r.requisition_id for r in store.requisitions(filled_from=date(2026, 2, 1))] == ["req-b"]
    assert [r.requisition_id for r in store.requisitions(filled_to=date(2026, 4, 1))] == ["req-a"]
    assert [r.requisition_id for r in store.requisitions(date(2026, 4, 2), date(2026, 4, 2))] == ["req-b"]
    assert store.framework_for_role("swe") is not None  # the catalog's frameworks are untouched
