"""The demo's audit scenario in the pilot: demographics for everyone on day 1, and a planted disparity (no gap
ever flagged, no learning) for a share of one group, leaving everything else as without the scenario."""

from __future__ import annotations

from datetime import date

import pytest
from coachwire import spine
from coachwire.models.demographics import DemographicsUpserted
from coachwire_tools.sample_org.pilot import AuditScenario, build_pilot

START = date(2026, 9, 29)
SCENARIO = AuditScenario()


@pytest.fixture(scope="module")
def pilots():
    return build_pilot(START), build_pilot(START, audit_scenario=SCENARIO)


def _of(pilot, employee_id: str, event_type: str) -> list:
    return [s for s in pilot.steps if s.type == event_type and s.payload["data"]["employee_id"] == employee_id]


def test_without_a_scenario_the_pilot_sends_no_demographics(pilots):
    plain, _ = pilots
    assert not [s for s in plain.steps if s.type == spine.DEMOGRAPHICS_UPSERTED]
    assert plain.demographics == {} and plain.planted_employee_ids == frozenset()


def test_everyone_gets_one_valid_demographics_record_on_day_one(pilots):
    _, audited = pilots
    sent = [s for s in audited.steps if s.type == spine.DEMOGRAPHICS_UPSERTED]
    assert sorted(s.payload["data"]["employee_id"] for s in sent) == sorted(p.employee_id for p in audited.people)
    assert {s.day for s in sent} == {1}
    for step in sent:
        DemographicsUpserted.model_validate(step.payload["data"])
        assert step.payload["data"] == audited.demographics[step.payload["data"]["employee_id"]]
    genders = [d.get("gender") for d in audited.demographics.values()]
    assert "declined_to_state" in genders and None in genders, "explicit declines and missing answers both occur"


def test_the_planted_disparity_touches_only_the_group_and_removes_every_flag_and_course(pilots):
    _, audited = pilots
    planted = audited.planted_employee_ids
    in_group = {e for e, d in audited.demographics.items() if d.get(SCENARIO.attribute) == SCENARIO.group}
    assert planted <= in_group
    with_manager = {p.employee_id for p in audited.people if p.manager_id} & in_group
    assert 0.4 < len(planted) / len(with_manager) < 0.8  # about affected_share (0.6)
    for employee_id in planted:
        checkins = _of(audited, employee_id, spine.CHECKIN_SUBMITTED)
        assert checkins and not [r for c in checkins for r in c.payload["data"]["skill_ratings"] if r["gap_flagged"]]
        assert not _of(audited, employee_id, spine.LEARNING_COMPLETED)
    others = [p.employee_id for p in audited.people if p.employee_id not in in_group]
    assert any(r["gap_flagged"] for e in others for c in _of(audited, e, spine.CHECKIN_SUBMITTED)
               for r in c.payload["data"]["skill_ratings"])


def test_the_scenario_keeps_the_people_and_the_initial_sync(pilots):
    plain, audited = pilots
    assert plain.people == audited.people
    day0 = [s.payload for s in plain.steps if s.day == 0]
    assert [s.payload for s in audited.steps if s.day == 0] == day0
    assert build_pilot(START, audit_scenario=SCENARIO).steps == audited.steps


@pytest.mark.parametrize("seed", [1, 2, 3, 7])
def test_a_cross_family_mover_never_completes_a_new_course_on_the_day_of_the_move(seed):
    pilot = build_pilot(START, seed=seed, audit_scenario=SCENARIO)
    for employee_id in pilot.cross_family_employee_ids:
        moves = {s.day for s in _of(pilot, employee_id, spine.ROLE_CHANGED)}
        assert not moves & {s.day for s in _of(pilot, employee_id, spine.LEARNING_COMPLETED)}
