"""DemographicsStore: the latest update wins; an equal timestamp rewrites (a redelivery)."""

from __future__ import annotations

from datetime import timedelta

from coachwire.models.demographics import DemographicRecord

from tests.contracts.records import AT


def held(deps, uid):
    return [r for r in deps.demographics.all_records() if r.employee_id == f"emp-{uid}"]


def test_an_older_record_never_replaces_a_newer_one(deps, uid):
    newer = DemographicRecord(employee_id=f"emp-{uid}", gender="woman", updated_at=AT)
    older = DemographicRecord(employee_id=f"emp-{uid}", gender="man", updated_at=AT - timedelta(seconds=1))
    assert deps.demographics.put(newer) is True
    assert deps.demographics.put(older) is False
    assert held(deps, uid) == [newer]
    same_time = DemographicRecord(employee_id=f"emp-{uid}", geography="EU", updated_at=AT)
    assert deps.demographics.put(same_time) is True
    assert held(deps, uid) == [same_time]
    later = DemographicRecord(employee_id=f"emp-{uid}", gender="declined", updated_at=AT + timedelta(days=1))
    assert deps.demographics.put(later) is True and held(deps, uid) == [later]
