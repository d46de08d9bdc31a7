"""demographics_sync: the isolated table keeps the latest record; the result carries no category value."""

from __future__ import annotations

from coachwire.services.demographics import demographics_sync

from tests.services.events import GENDER, RACE, demographics


def test_a_record_is_stored_whole_and_the_result_names_no_value(deps):
    result = demographics_sync(demographics("emp-1"), deps)
    assert (result.outcome, result.decision, result.subject_id) == ("succeeded", {"stored": True}, "emp-1")
    (stored,) = deps.demographics.all_records()
    assert (stored.gender, stored.race_ethnicity, stored.birth_year_band) == (GENDER, RACE, "1980-1989")
    assert GENDER not in str(result.to_dict()) and RACE not in str(result.to_dict())
    assert deps.profiles.items == {} and deps.audit.records == []  # nothing leaves the isolated table


def test_an_older_update_never_overwrites_a_newer_one(deps):
    demographics_sync(demographics("emp-1", at="2026-10-05T09:00:00Z", gender="gcode-new"), deps)
    late = demographics_sync(demographics("emp-1", at="2026-10-01T09:00:00Z", gender="gcode-old"), deps)
    assert (late.outcome, late.decision) == ("stale_ignored", {"reason": "older_than_stored"})
    assert [r.gender for r in deps.demographics.all_records()] == ["gcode-new"]


def test_a_redelivery_writes_the_same_record_again(deps):
    payload = demographics("emp-1")
    assert [demographics_sync(payload, deps).outcome for _ in range(2)] == ["succeeded", "succeeded"]
    assert len(list(deps.demographics.all_records())) == 1
