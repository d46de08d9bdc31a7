"""The scorecard's criteria on constructed records with known answers: each met, not met and not measurable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from coachwire.domain import scorecard as rules
from coachwire.metrics.proportions import proportion
from coachwire.models.coaching import AlertDecision, AuditRecord, ManagerAlert, SkillAssessment
from coachwire.models.pilots import SuccessCriterion

START = date(2026, 11, 2)
DAY30 = rules.day_of(START, 30)
DAY60 = rules.day_of(START, 60)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def rec(subject: str, trigger: str, when: datetime, outcome: str = "succeeded", **decision) -> AuditRecord:
    return AuditRecord(event_id=f"e-{subject}-{trigger}-{when.isoformat()}", trigger=trigger, subject_id=subject,
                       outcome=outcome, recorded_at=when, decision=decision)


def criterion(key: str, threshold: float, comparator: str = ">=", unit: str = "percent") -> SuccessCriterion:
    return SuccessCriterion(key=key, comparator=comparator, threshold=threshold, unit=unit)


def members(n: int, **facts) -> list[rules.MemberFacts]:
    return [rules.MemberFacts(employee_id=f"emp-{i:03d}", **facts) for i in range(n)]


# -- adoption -------------------------------------------------------------------------------------------------------


def test_what_counts_as_a_meaningful_action():
    when = at(START)
    assert rules.meaningful(rec("a", "chat_action", when, action="engagement.accept"), "a")
    assert rules.meaningful(rec("a", "api", when, action="plan.changed", requested_by="a"), "a")
    assert rules.meaningful(rec("a", "learning_next_step", when, completed_item="i1"), "a")
    # someone else's change, a refused press, another person's record, a repeated completion, other actions
    assert not rules.meaningful(rec("a", "api", when, action="plan.changed", requested_by="mgr"), "a")
    assert not rules.meaningful(rec("a", "chat_action", when, "no_action", action="engagement.accept"), "a")
    assert not rules.meaningful(rec("b", "chat_action", when, action="engagement.accept"), "a")
    assert not rules.meaningful(rec("a", "learning_next_step", when, "no_action", reason="already_completed"), "a")
    assert not rules.meaningful(rec("a", "api", when, action="preferences.changed", requested_by="a"), "a")
    assert not rules.meaningful(rec("a", "checkin_gap_nudge", when, flagged_skills=["s"]), "a")


def _active(i: int, day: date) -> rules.MemberFacts:
    return rules.MemberFacts(employee_id=f"emp-{i:03d}",
                             records=(rec(f"emp-{i:03d}", "chat_action", at(day), action="engagement.done"),))


def test_adoption_met_with_a_wilson_interval():
    people = [_active(i, DAY30) for i in range(40)] + members(10)  # 40 of 50 = 80 %
    result = rules.evaluate(criterion("adoption", 70), rules.Inputs(start=START, members=people), DAY30)
    expected = proportion(40, 50)
    assert (result.status, result.value, result.n, result.successes) == ("met", 80.0, 50, 40)
    assert result.interval is not None
    assert result.interval.low == pytest.approx(100 * expected.low)
    assert result.interval.high == pytest.approx(100 * expected.high)
    assert result.definition == "adoption@1"


def test_adoption_counts_only_the_30_days_up_to_the_day_and_leaves_out_leavers():
    old = [_active(i, START - timedelta(days=1)) for i in range(30)]  # before the window: not active
    inside = [_active(i + 30, START) for i in range(30)]  # day 1: inside day 30's window
    left = [rules.MemberFacts(employee_id="gone", present=False),
            rules.MemberFacts(employee_id="left", leaving_date=START - timedelta(days=3))]
    measured = rules.adoption([*old, *inside, *left], DAY30)
    assert (measured.successes, measured.n, measured.details["left"]) == (30, 60, 2)
    result = rules.judge(criterion("adoption", 70), measured)
    assert (result.status, result.value) == ("not_met", 50.0)
    # by day 60 the day-1 actions have left the window
    assert rules.adoption(inside, DAY60).successes == 0


def test_adoption_below_the_minimum_n_or_with_nobody_is_not_measurable():
    small = rules.judge(criterion("adoption", 70), rules.adoption([_active(i, DAY30) for i in range(10)], DAY30))
    assert (small.status, small.value) == ("not_measurable", 100.0)
    assert "insufficient data" in (small.reason or "")
    nobody = rules.judge(criterion("adoption", 70), rules.adoption([], DAY30))
    assert (nobody.status, nobody.value, nobody.n) == ("not_measurable", None, 0)


def test_a_comparator_at_most_is_honoured():
    people = [_active(i, DAY30) for i in range(40)] + members(10)
    assert rules.judge(criterion("adoption", 85, "<="), rules.adoption(people, DAY30)).status == "met"
    assert rules.judge(criterion("adoption", 75, "<="), rules.adoption(people, DAY30)).status == "not_met"


# -- manager utilisation --------------------------------------------------------------------------------------------


def alert(manager: str, employee: str, created: datetime, decided: datetime | None = None) -> ManagerAlert:
    decision = AlertDecision(status="discussed", by=manager, at=decided) if decided else None
    return ManagerAlert(alert_id=f"al-{manager}-{employee}-{created.isoformat()}", manager_id=manager,
                        employee_id=employee, employee_name="x", as_of=created.date(), reasons=[], talking_points=[],
                        open_gaps={}, created_at=created, source_event_id="ev", decision=decision)


def _team(n_managers: int) -> list[rules.MemberFacts]:
    return [rules.MemberFacts(employee_id=f"emp-{i:03d}", manager_id=f"mgr-{i % n_managers}") for i in range(50)]


def test_manager_utilisation_is_the_share_of_alerted_managers_who_acted():
    people = _team(10)
    alerts = [alert(f"mgr-{m}", f"emp-{m:03d}", at(START + timedelta(days=3)),
                    at(START + timedelta(days=4)) if m < 6 else None) for m in range(8)]
    alerts.append(alert("mgr-9", "emp-009", at(START - timedelta(days=5)), at(START)))  # before the start
    alerts.append(alert("stranger", "emp-001", at(START + timedelta(days=3)), at(START + timedelta(days=3))))
    result = rules.evaluate(criterion("manager_utilisation", 70),
                            rules.Inputs(start=START, members=people, alerts=alerts), DAY30)
    assert (result.successes, result.n) == (6, 8)
    assert result.value == 75.0 and result.status == "met"
    assert "no manager survey yet" in (result.reason or "")
    assert result.definition == "manager_utilisation@1"
    assert rules.judge(criterion("manager_utilisation", 80),
                       rules.manager_utilisation(people, alerts, START, DAY30)).status == "not_met"


def test_a_decision_after_the_day_does_not_count_then():
    people = _team(5)
    alerts = [alert(f"mgr-{m}", f"emp-{m:03d}", at(START), at(DAY30 + timedelta(days=1))) for m in range(5)]
    assert rules.manager_utilisation(people, alerts, START, DAY30).successes == 0
    assert rules.manager_utilisation(people, alerts, START, DAY60).successes == 5


def test_no_alert_yet_is_not_measurable_and_says_the_survey_is_missing():
    result = rules.judge(criterion("manager_utilisation", 70), rules.manager_utilisation(_team(5), [], START, DAY30))
    assert result.status == "not_measurable"
    assert "no manager of a member received a stall alert" in (result.reason or "")
    assert "no manager survey yet" in (result.reason or "")


# -- skill progression ----------------------------------------------------------------------------------------------


def _flagged(i: int, flagged: datetime, rose_at: datetime | None, **facts) -> rules.MemberFacts:
    employee = f"emp-{i:03d}"
    flag = rec(employee, "checkin_gap_nudge", flagged, flagged_skills=["sk"], applied_ratings=1)
    if rose_at is None:
        level = SkillAssessment(level=2, assessed_at=flagged - timedelta(minutes=1), source="checkin",
                                evidence_id="c1", previous_level=3)
    else:
        level = SkillAssessment(level=3, assessed_at=rose_at, source="learning", evidence_id="l1", previous_level=2)
    return rules.MemberFacts(employee_id=employee, levels={"sk": level}, records=(flag,), **facts)


def test_skill_progression_counts_gaps_risen_within_60_days_of_a_ripe_flag():
    flagged = at(START, 0)  # 00:00 on the start: 60 days old at the end of day 60
    people = ([_flagged(i, flagged, flagged + timedelta(days=20)) for i in range(24)]
              + [_flagged(i + 24, flagged, None) for i in range(6)]
              + [_flagged(99, flagged, flagged + timedelta(days=61))])  # risen too late
    measured = rules.skill_progression(people, START, DAY60)
    assert (measured.successes, measured.n) == (24, 31)
    result = rules.judge(criterion("skill_progression", 70), measured)
    assert result.status == "met" and result.value == pytest.approx(100 * 24 / 31)
    assert "lower bound" in (result.reason or "")
    assert rules.judge(criterion("skill_progression", 80), measured).status == "not_met"


def test_flags_before_the_start_leavers_and_role_changes_are_left_out():
    flagged = at(START, 0)
    before = _flagged(1, flagged - timedelta(days=1), flagged)
    leaver = _flagged(2, flagged, flagged + timedelta(days=2), leaving_date=START + timedelta(days=30))
    mover = _flagged(3, flagged, flagged + timedelta(days=2), role_effective_date=START + timedelta(days=10))
    measured = rules.skill_progression([before, leaver, mover], START, DAY60)
    assert (measured.n, measured.details["excluded"]) == (0, 2)


def test_at_day_30_no_flag_is_60_days_old_so_it_is_not_measurable():
    people = [_flagged(i, at(START), at(START + timedelta(days=5))) for i in range(40)]
    result = rules.evaluate(criterion("skill_progression", 50), rules.Inputs(start=START, members=people), DAY30)
    assert (result.status, result.n) == ("not_measurable", 0)
    assert "40 members have a gap still within" in (result.reason or "")


# -- trigger reliability and sentiment ------------------------------------------------------------------------------


def _reliability(**totals: int) -> rules.ReliabilityFacts:
    return rules.ReliabilityFacts(accepted=sum(totals.values()), totals=totals)


def test_trigger_reliability_met_when_nothing_is_silent_and_in_flight_is_not_counted():
    inputs = rules.Inputs(start=START, members=[], reliability=_reliability(succeeded=90, no_action=9, in_flight=3,
                                                                            dead_lettered=1))
    result = rules.evaluate(criterion("trigger_reliability", 100), inputs, DAY30)
    assert (result.status, result.value, result.n, result.interval) == ("met", 100.0, 100, None)
    assert (result.details["silent"], result.details["in_flight"]) == (0, 3)
    assert result.definition == "trigger_reliability@1"


def test_one_silent_event_fails_trigger_reliability_and_none_accepted_is_not_measurable():
    silent = rules.judge(criterion("trigger_reliability", 100), rules.trigger_reliability(
        _reliability(succeeded=99, silent=1)))
    assert (silent.status, silent.value, silent.details["silent"]) == ("not_met", 99.0, 1)
    none = rules.judge(criterion("trigger_reliability", 100), rules.trigger_reliability(_reliability()))
    assert none.status == "not_measurable" and "no HRIS event" in (none.reason or "")


def test_employee_sentiment_is_not_measurable_without_a_pulse_survey():
    result = rules.evaluate(criterion("employee_sentiment", 10, unit="enps"),
                            rules.Inputs(start=START, members=[]), DAY60)
    assert (result.status, result.reason, result.definition) == ("not_measurable", "no pulse survey yet",
                                                                 "employee_sentiment@1")


def test_checkpoints_are_day_30_and_day_60_or_the_day_asked_capped_at_the_end():
    end = START + timedelta(days=60)
    assert rules.checkpoints(START, end, None) == [("day_30", date(2026, 12, 1)), ("day_60", date(2026, 12, 31))]
    assert rules.checkpoints(START, end, date(2027, 6, 1)) == [("as_of", end)]
