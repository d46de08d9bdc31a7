"""HRIS facts kept for the outcome metrics only (docs/metrics.md): leaving reasons, a short dated performance
history, role moves and filled requisitions. Stored as sent (absent = unknown, nothing derived), never read by the
recommendation engine."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from coachwire.engine.features import FEATURES, EmployeeState, state_from_profile
from coachwire.errors import UnknownReference
from coachwire.models.events import RequisitionFilled
from coachwire.policy.document import FEATURE_INPUTS
from coachwire.services.profile_sync import PERFORMANCE_PERIODS_KEPT, record_requisition
from coachwire.services.rights import profile_lifecycle
from coachwire.services.role_change_plan import role_change_plan

from tests.services.events import hire, left, role_change, upsert

H1 = {"period_start": "2025-07-01", "period_end": "2025-12-31", "quartile": 4}
H2 = {"period_start": "2026-01-01", "period_end": "2026-06-30", "rating": 3.5, "quartile": 3}


def test_a_leaving_reason_is_kept_with_the_leaver_mark_and_in_the_decision(deps):
    hire(deps)
    payload = left("emp-1", date(2026, 9, 30))
    payload["data"]["leaving_reason"] = "voluntary"
    result = profile_lifecycle(payload, deps)
    assert (result.outcome, result.decision["leaving_reason"]) == ("succeeded", "voluntary")
    assert deps.profiles.get("emp-1").leaving_reason == "voluntary"


def test_a_leaver_event_without_a_reason_is_unknown_and_does_not_forget_a_known_one(deps):
    hire(deps)
    profile_lifecycle(left("emp-1", date(2026, 9, 30)), deps)
    assert deps.profiles.get("emp-1").leaving_reason is None
    with_reason = left("emp-1", date(2026, 9, 30), at="2026-09-16T08:00:00Z")
    with_reason["data"]["leaving_reason"] = "involuntary"
    profile_lifecycle(with_reason, deps)
    profile_lifecycle(left("emp-1", date(2026, 10, 1), at="2026-09-17T08:00:00Z"), deps)
    held = deps.profiles.get("emp-1")
    assert (held.leaving_date, held.leaving_reason) == (date(2026, 10, 1), "involuntary")


def test_a_rehire_clears_the_leaving_reason(deps):
    hire(deps)
    payload = left("emp-1", date(2026, 9, 30))
    payload["data"]["leaving_reason"] = "other"
    profile_lifecycle(payload, deps)
    profile_lifecycle(upsert("emp-1", "mgr-1", at="2026-12-01T08:00:00Z", hire_date="2026-11-01"), deps)
    held = deps.profiles.get("emp-1")
    assert (held.leaving_date, held.leaving_reason) == (None, None)


def test_performance_is_a_dated_history_of_the_latest_periods(deps):
    profile_lifecycle(upsert("emp-1", None, performance=H1), deps)
    assert [(r.period_end, r.quartile, r.rating) for r in deps.profiles.get("emp-1").performance] == [
        (date(2025, 12, 31), 4, None)]
    profile_lifecycle(upsert("emp-1", None, at="2026-09-02T08:00:00Z", performance=H2), deps)
    profile_lifecycle(upsert("emp-1", None, at="2026-09-03T08:00:00Z"), deps)  # no record: history kept
    history = deps.profiles.get("emp-1").performance
    assert [(r.period_start, r.quartile) for r in history] == [(date(2025, 7, 1), 4), (date(2026, 1, 1), 3)]
    assert history[-1].recorded_at == datetime.fromisoformat("2026-09-02T08:00:00+00:00")
    later = {"period_start": "2026-07-01", "period_end": "2026-12-31", "quartile": 1}
    profile_lifecycle(upsert("emp-1", None, at="2026-09-04T08:00:00Z", performance=later), deps)
    history = deps.profiles.get("emp-1").performance
    assert len(history) == PERFORMANCE_PERIODS_KEPT
    assert [r.quartile for r in history] == [3, 1]


def test_a_recalibrated_period_replaces_the_one_held_and_an_older_upsert_changes_nothing(deps):
    profile_lifecycle(upsert("emp-1", None, performance=H2), deps)
    profile_lifecycle(upsert("emp-1", None, at="2026-09-05T08:00:00Z", performance={**H2, "quartile": 4}), deps)
    stale = profile_lifecycle(upsert("emp-1", None, at="2026-09-04T08:00:00Z", performance={**H2, "quartile": 1}),
                              deps)
    assert stale.outcome == "stale_ignored"
    assert [r.quartile for r in deps.profiles.get("emp-1").performance] == [4]


def test_role_moves_keep_the_kind_and_requisition_as_sent_and_derive_nothing(deps):
    hire(deps)
    payload = role_change("emp-1", "senior", "2026-10-01")
    payload["data"].update(move_kind="promotion", requisition_id="req-42")
    role_change_plan(payload, deps)
    role_change_plan(role_change("emp-1", "junior", "2026-11-01", previous="senior"), deps)
    moves = deps.profiles.get("emp-1").role_moves
    assert [(m.previous_career_stage, m.career_stage, m.move_kind, m.requisition_id) for m in moves] == [
        ("mid", "senior", "promotion", "req-42"), ("senior", "junior", None, None)]


def test_a_filled_requisition_is_stored_without_who_filled_it(deps):
    data = RequisitionFilled.from_json_data({
        "requisition_id": "req-42", "role_id": "swe", "career_stage": "senior", "filled_at": "2026-10-01",
        "filled_internally": True, "hired_employee_id": "emp-1"})
    record_requisition(deps, data, datetime.fromisoformat("2026-10-01T09:00:00+00:00"))
    stored = deps.catalog.requisitions(filled_from=date(2026, 1, 1))
    assert [(r.requisition_id, r.filled_internally) for r in stored] == [("req-42", True)]
    assert "emp-1" not in stored[0].model_dump_json()
    assert deps.catalog.requisitions(filled_to=date(2026, 9, 30)) == []


def test_a_requisition_for_an_unknown_stage_is_a_field_named_error_and_nothing_is_stored(deps):
    data = RequisitionFilled.from_json_data({
        "requisition_id": "req-43", "role_id": "swe", "career_stage": "astronaut", "filled_at": "2026-10-01",
        "filled_internally": False})
    with pytest.raises(UnknownReference) as err:
        record_requisition(deps, data, datetime.fromisoformat("2026-10-01T09:00:00+00:00"))
    assert err.value.field == "data.career_stage" and deps.catalog.requisitions() == []


OUTCOME_ONLY = ("performance", "leaving_reason", "role_moves", "quartile", "rating", "move_kind", "requisition")


def test_the_recommender_never_reads_the_outcome_facts(deps):
    profile_lifecycle(upsert("emp-1", None, performance=H1), deps)
    state = state_from_profile(deps.profiles.get("emp-1"))
    assert not {f for f in EmployeeState.model_fields if any(word in f for word in OUTCOME_ONLY)}
    inputs = {i for feature in FEATURES for i in feature.inputs} | set(FEATURE_INPUTS)
    assert not {i for i in inputs if any(word in i for word in OUTCOME_ONLY)}
    assert "performance" not in state.model_dump_json() and "quartile" not in state.model_dump_json()
