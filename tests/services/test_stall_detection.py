"""stall_detection: a stalled employee's manager gets one alert with talking points, then a cooldown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge
from coachwire.services.stall_detection import JobIncomplete, stall_detection

from tests.fakes import FAKE_NOW
from tests.services.events import change_profile, checkin, gap, hire


def stalled(deps, employee="emp-1", manager="mgr-1"):
    """Rated below the benchmark on 1 October, then nothing: stalled by 20 November (30-day window)."""
    hire(deps, employee, manager)
    checkin_gap_nudge(checkin(employee, manager, [gap("design", 1)], at="2026-10-01T10:00:00Z"), deps)


def run(deps, as_of: str, event_id: str = "job-1"):
    handed: list = []
    result = stall_detection({"job": "stall_detection", "as_of": as_of}, deps, event_id, handed.append)
    return result, handed


def alerts(deps, kind="manager_alert", recipient="mgr-1"):
    return [n for n in deps.outbox.for_recipient(recipient) if n.kind == kind]


def test_the_manager_of_a_stalled_employee_gets_an_alert_with_talking_points(deps):
    stalled(deps)
    result, handed = run(deps, "2026-11-20")

    assert result.outcome == "succeeded" and result.subject_id == "job:stall_detection"
    assert result.decision == {"scanned": 2, "stalled": 1, "in_cooldown": 0, "alerted": 1, "no_manager": 0,
                               "left": 0, "manager_left": 0, "as_of": "2026-11-20",
                               "started_at": FAKE_NOW.isoformat()}  # when the run began: its status shows it
    (alert,) = deps.profiles.alerts_for_manager("mgr-1")
    assert alert.employee_id == "emp-1" and {r.code for r in alert.reasons} == {"low_activity"}
    assert any("System design" in point for point in alert.talking_points)
    (note,) = alerts(deps)
    assert (note.about_id, note.subject) == ("emp-1", "1:1 prompt: Test Emp-1")
    assert all(point in note.body for point in alert.talking_points)
    assert [h.notification_ids for h in handed] == [(note.notification_id,)]
    assert handed[0].decision["manager_id"] == "mgr-1" and handed[0].decision["reasons"] == ["low_activity"]
    assert deps.profiles.get("emp-1").last_stall_alert_at == datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_inside_the_cooldown_no_second_alert_and_after_it_a_new_one(deps):
    stalled(deps)
    run(deps, "2026-11-20")
    result, handed = run(deps, "2026-11-25", "job-2")  # 5 days later; cooldown is 14
    assert result.outcome == "no_action" and result.decision["in_cooldown"] == 1 and handed == []
    assert len(deps.profiles.alerts_for_manager("mgr-1")) == 1 and len(alerts(deps)) == 1
    later, handed = run(deps, "2026-12-05", "job-3")
    assert later.decision["alerted"] == 1 and len(handed) == 1
    assert [a.as_of for a in deps.profiles.alerts_for_manager("mgr-1")] == [date(2026, 12, 5), date(2026, 11, 20)]


def test_a_redelivered_run_hands_on_the_same_alert_and_commits_nothing_twice(deps):
    stalled(deps)
    _, first = run(deps, "2026-11-20")
    again, handed = run(deps, "2026-11-20")  # the same event: its receipts answer
    assert again.decision["alerted"] == 1
    assert [h.outcome for h in handed] == ["duplicate"] and handed[0].notification_ids == first[0].notification_ids
    other, handed = run(deps, "2026-11-20", "job-other")  # a second run that same day: cooling down
    assert other.decision["in_cooldown"] == 1 and handed == []
    assert len(deps.profiles.alerts_for_manager("mgr-1")) == 1 and len(alerts(deps)) == 1


def test_an_employee_meeting_every_benchmark_is_not_stalled(deps):
    hire(deps)
    checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap(s, 2, flagged=False) for s in ("design", "review", "comms")]),
                      deps)
    result, handed = run(deps, "2026-11-20")
    assert result.outcome == "no_action" and result.decision["stalled"] == 0 and handed == []
    assert deps.outbox.items == {}


def test_no_one_is_alerted_about_a_leaver_nor_a_manager_who_left(deps):
    stalled(deps, "emp-1", "mgr-1")
    stalled(deps, "emp-2", "mgr-2")
    change_profile(deps, "emp-1", leaving_date=date(2026, 11, 1))
    change_profile(deps, "mgr-2", leaving_date=date(2026, 11, 1))
    result, handed = run(deps, "2026-11-20")
    assert (result.decision["left"], result.decision["manager_left"], result.decision["alerted"]) == (2, 1, 0)
    assert handed == [] and alerts(deps, recipient="mgr-1") == [] and alerts(deps, recipient="mgr-2") == []


def test_an_employee_whose_manager_is_unknown_is_counted_not_alerted(deps):
    stalled(deps, "emp-1", "mgr-1")
    deps.profiles.items.pop(("EMP#mgr-1", "PROFILE"))
    result, handed = run(deps, "2026-11-20")
    assert result.decision["no_manager"] == 1 and handed == [] and deps.profiles.alerts_for_manager("mgr-1") == []


def test_one_employees_failure_costs_no_one_else_their_alert_and_the_retry_finishes(deps, monkeypatch):
    stalled(deps, "emp-1", "mgr-1")
    stalled(deps, "emp-2", "mgr-2")
    commit = deps.profiles.commit

    def flaky(change):
        if change.profile.employee_id == "emp-1":
            raise ConnectionError("throttled")
        commit(change)

    monkeypatch.setattr(deps.profiles, "commit", flaky)
    handed: list = []
    with pytest.raises(JobIncomplete):
        stall_detection({"job": "stall_detection", "as_of": "2026-11-20"}, deps, "job-1", handed.append)
    assert [h.subject_id for h in handed] == ["emp-2"] and len(alerts(deps, recipient="mgr-2")) == 1

    monkeypatch.setattr(deps.profiles, "commit", commit)
    retry, handed = run(deps, "2026-11-20", "job-1")
    assert sorted((h.subject_id, h.outcome) for h in handed) == [("emp-1", "succeeded"), ("emp-2", "duplicate")]
    assert len(alerts(deps, recipient="mgr-1")) == 1 and len(alerts(deps, recipient="mgr-2")) == 1
