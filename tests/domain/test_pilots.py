"""Pilots, pure: what a request may say, the canonical criteria and their hash, freezing at the start (idempotent),
and the criteria of record, which no amendment changes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from coachwire.api.bodies import InvalidBody, parse_model
from coachwire.domain.pilots import (
    advance,
    canonical_json,
    criteria_hash,
    criteria_of_record,
    freeze_if_started,
    size_problem,
    start_problem,
    status_on,
)
from coachwire.models.pilots import Amendment, AmendmentRequest, CriteriaUpdate, Pilot, PilotRequest, SuccessCriterion

START = date(2026, 11, 1)
END = START + timedelta(days=60)


def criteria() -> list[dict]:
    return [{"key": "adoption", "comparator": ">=", "threshold": 70, "unit": "percent", "note": "metrics.md target"},
            {"key": "trigger_reliability", "comparator": ">=", "threshold": 100, "unit": "percent"},
            {"key": "employee_sentiment", "comparator": ">=", "threshold": 10, "unit": "enps"}]


def body(**changes) -> dict:
    data = {"name": "Engineering pilot", "cohort": {"role_families": ["Engineering"]},
            "start": START.isoformat(), "end": END.isoformat(), "criteria": criteria()}
    data.update(changes)
    return data


def field_of(data: dict, model=PilotRequest) -> str:
    with pytest.raises(InvalidBody) as bad:
        parse_model(model, data)
    return bad.value.field


def pilot(**changes) -> Pilot:
    return Pilot(pilot_id="pil-1", request=parse_model(PilotRequest, body(**changes)), members=["emp-1"],
                 created_by="hr-1", created_at=datetime(2026, 10, 1, tzinfo=UTC))


def test_a_valid_request_parses_with_its_thresholds_as_numbers():
    parsed = parse_model(PilotRequest, body())
    assert [c.threshold for c in parsed.criteria] == [70.0, 100.0, 10.0]
    assert parsed.comparison_cohort is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"),
    ({"name": "a\u202eb"}, "name"),
    ({"cohort": {}}, "cohort"),
    ({"cohort": {"role_families": ["Engineering"], "employee_ids": ["emp-1"]}}, "cohort"),
    ({"cohort": {"employee_ids": ["emp-1", "emp-1"]}}, "cohort"),
    ({"cohort": {"employee_ids": ["not an id"]}}, "cohort.employee_ids.0"),
    ({"cohort": {"employee_ids": [f"e{i}" for i in range(201)]}}, "cohort.employee_ids"),
    ({"comparison_cohort": {"role_families": []}}, "comparison_cohort.role_families"),
    ({"end": (START + timedelta(days=59)).isoformat()}, "end"),
    ({"start": "2026-13-01"}, "start"),
    ({"criteria": []}, "criteria"),
    ({"criteria": [{**criteria()[0], "threshold": "70"}]}, "criteria.0.threshold"),
    ({"criteria": [{**criteria()[0], "threshold": True}]}, "criteria.0.threshold"),
    ({"criteria": [{**criteria()[0], "threshold": 100.5}]}, "criteria.0"),
    ({"criteria": [{**criteria()[0], "threshold": -1}]}, "criteria.0"),
    ({"criteria": [{**criteria()[0], "unit": "enps"}]}, "criteria.0"),
    ({"criteria": [{**criteria()[2], "threshold": -101}]}, "criteria.0"),
    ({"criteria": [{**criteria()[2], "unit": "score", "threshold": 0.5}]}, "criteria.0"),
    ({"criteria": [{**criteria()[0], "key": "revenue"}]}, "criteria.0.key"),
    ({"criteria": [{**criteria()[0], "comparator": ">"}]}, "criteria.0.comparator"),
    ({"criteria": [{**criteria()[0], "note": "x" * 501}]}, "criteria.0.note"),
    ({"criteria": [criteria()[0], criteria()[0]]}, "criteria"),
    ({"owner": "me"}, "owner"),
])
def test_a_bad_request_is_refused_naming_the_field(changes, field):
    assert field_of(body(**changes)) == field


def test_the_edges_of_each_unit_and_of_the_duration_are_accepted():
    edges = [{"key": "adoption", "comparator": ">=", "threshold": 0, "unit": "percent"},
             {"key": "skill_progression", "comparator": "<=", "threshold": 100, "unit": "percent"},
             {"key": "employee_sentiment", "comparator": ">=", "threshold": -100, "unit": "enps"},
             {"key": "employee_sentiment", "comparator": ">=", "threshold": 5, "unit": "score"}]
    parsed = parse_model(PilotRequest, body(criteria=edges, end=(START + timedelta(days=60)).isoformat()))
    assert len(parsed.criteria) == 4


def test_amendments_need_a_reason_of_at_most_500_characters():
    assert field_of({"criteria": criteria()}, AmendmentRequest) == "reason"
    assert field_of({"reason": "x" * 501, "criteria": criteria()}, AmendmentRequest) == "reason"
    assert field_of({"criteria": []}, CriteriaUpdate) == "criteria"


def test_the_start_may_be_yesterday_but_no_earlier():
    request = parse_model(PilotRequest, body())
    assert start_problem(request, START + timedelta(days=1)) is None
    assert "in the past" in (start_problem(request, START + timedelta(days=2)) or "")


def test_cohort_sizes_outside_50_to_200_are_problems():
    assert [size_problem(n) is None for n in (49, 50, 200, 201)] == [False, True, True, False]


def test_the_canonical_json_sorts_keys_has_no_whitespace_and_keeps_order():
    parsed = [SuccessCriterion.model_validate(c) for c in criteria()]
    text = canonical_json(parsed)
    assert text.startswith('[{"comparator":">=","key":"adoption","note":"metrics.md target","threshold":70.0,')
    assert " " not in text.replace("metrics.md target", "")
    assert json.loads(text)[1] == {"comparator": ">=", "key": "trigger_reliability", "note": None,
                                   "threshold": 100.0, "unit": "percent"}
    assert criteria_hash(parsed) == hashlib.sha256(text.encode()).hexdigest()


def test_the_hash_is_stable_whatever_the_input_looked_like():
    as_ints = [SuccessCriterion.model_validate(c) for c in criteria()]
    shuffled_keys = [SuccessCriterion.model_validate(dict(reversed(list(c.items())))) for c in criteria()]
    as_floats = [SuccessCriterion.model_validate({**c, "threshold": float(c["threshold"])}) for c in criteria()]
    assert criteria_hash(as_ints) == criteria_hash(shuffled_keys) == criteria_hash(as_floats)
    # A known value: the canonical form is part of the contract (docs/pilots.md).
    assert criteria_hash(as_ints) == hashlib.sha256(canonical_json(as_ints).encode()).hexdigest()
    changed = [as_ints[0].model_copy(update={"threshold": 71.0}), *as_ints[1:]]
    assert criteria_hash(changed) != criteria_hash(as_ints)
    assert criteria_hash(list(reversed(as_ints))) != criteria_hash(as_ints)  # order is part of what was registered


def test_nothing_freezes_before_the_start():
    before = pilot()
    assert freeze_if_started(before, START - timedelta(days=1)) is before
    assert criteria_of_record(before) is None
    assert status_on(before, START - timedelta(days=1)) == "registered"


def test_freezing_at_the_start_records_the_criteria_the_moment_and_the_hash():
    frozen = freeze_if_started(pilot(), START)
    record = criteria_of_record(frozen)
    assert record is not None
    assert record.criteria == tuple(frozen.request.criteria)
    assert record.frozen_at == datetime(2026, 11, 1, tzinfo=UTC)
    assert record.sha256 == criteria_hash(frozen.request.criteria)
    assert frozen.status == "running"


def test_freezing_is_idempotent_and_the_same_whoever_does_it_and_when():
    once = freeze_if_started(pilot(), START)
    assert freeze_if_started(once, START + timedelta(days=5)) is once
    later = freeze_if_started(pilot(), START + timedelta(days=3))
    assert later.registered == once.registered


def test_a_frozen_record_cannot_be_changed_in_place():
    record = freeze_if_started(pilot(), START).registered
    with pytest.raises(ValueError):
        record.sha256 = "0" * 64  # type: ignore[misc]


def test_amendments_never_change_the_criteria_of_record():
    frozen = freeze_if_started(pilot(), START)
    proposed = tuple(SuccessCriterion.model_validate({**c, "threshold": 1}) for c in criteria()[:2])
    amended = frozen.model_copy(update={"amendments": [
        Amendment(at=datetime(2026, 11, 10, tzinfo=UTC), by="hr-2", reason="lower the bar", criteria=proposed)]})
    assert criteria_of_record(amended) == criteria_of_record(frozen)
    assert criteria_of_record(amended).sha256 == criteria_hash(criteria_of_record(frozen).criteria)
    assert advance(amended, START + timedelta(days=20)).registered == frozen.registered


def test_a_pilot_ends_after_its_last_day_frozen_all_the_same():
    assert advance(pilot(), END).status == "running"
    ended = advance(pilot(), END + timedelta(days=1))
    assert ended.status == "ended"
    assert ended.registered == freeze_if_started(pilot(), START).registered
    assert advance(ended, END + timedelta(days=9)) == ended
