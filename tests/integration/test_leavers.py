"""Nothing is sent to, or about, someone past their leaving date: not by the triggers, not by stall detection,
and not by delivery for a message queued before they left."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from tests.integration.conftest import checkin, person


def left(employee_id: str, leaving: date) -> dict:
    return {"type": "employee.left", "timestamp": datetime.now(UTC).isoformat(),
            "data": {"employee_id": employee_id, "leaving_date": leaving.isoformat()}}


def today() -> date:
    return datetime.now(UTC).date()


def outcomes(deps, event_id: str, trigger: str) -> list:
    return [r for r in deps.audit.for_event(event_id) if r.trigger == trigger]


def eventually(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def gap(employee: str, manager: str) -> dict:
    return checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}],
                   at=(datetime.now(UTC) - timedelta(hours=1)).isoformat())


def test_a_leaver_past_their_leaving_date_gets_no_nudge(stack, hris, deps):
    employee, manager = person(stack, hris)
    assert hris.send(left(employee, today() - timedelta(days=3))).status == 202
    stack.wait_until_idle()
    sent = hris.send(gap(employee, manager))
    assert sent.status == 202, sent.body
    stack.wait_until_idle()
    [record] = outcomes(deps, sent.webhook_id, "checkin_gap_nudge")
    assert (record.outcome, record.decision) == ("no_action", {"reason": "employee_left"})
    assert deps.outbox.for_recipient(employee) == []
    assert deps.profiles.recommendations(employee) == []


def test_someone_leaving_later_is_still_coached_until_the_day(stack, hris, deps):
    employee, manager = person(stack, hris)
    assert hris.send(left(employee, today() + timedelta(days=20))).status == 202
    stack.wait_until_idle()
    sent = hris.send(gap(employee, manager))
    stack.wait_until_idle()
    assert [r.outcome for r in outcomes(deps, sent.webhook_id, "checkin_gap_nudge")] == ["succeeded"]
    assert [n.status for n in deps.outbox.for_recipient(employee) if n.kind == "nudge"] == ["sent"]


def test_a_nudge_queued_before_the_leaving_news_is_not_sent(stack, hris, deps):
    employee, manager = person(stack, hris)
    with stack.dispatcher.paused("notification_delivery"):
        sent = hris.send(gap(employee, manager))
        [queued] = eventually(lambda: deps.outbox.for_recipient(employee))
        assert queued.status == "pending"
        assert hris.send(left(employee, today() - timedelta(days=1))).status == 202
        eventually(lambda: (deps.profiles.get(employee) or None) and deps.profiles.get(employee).leaving_date)
    stack.wait_until_idle()
    assert deps.outbox.get(queued.notification_id).status == "suppressed"
    [delivery] = outcomes(deps, queued.notification_id, "notification_delivery")
    assert delivery.outcome == "no_action" and delivery.decision["reason"] == "recipient_left"
    assert [r.outcome for r in outcomes(deps, sent.webhook_id, "checkin_gap_nudge")] == ["succeeded"]


def test_stall_detection_alerts_no_one_about_a_leaver_and_no_manager_who_left(stack, hris, api, deps):
    leaver, manager = person(stack, hris)
    stays, gone_manager = person(stack, hris)
    for employee, boss in ((leaver, manager), (stays, gone_manager)):
        hris.send(checkin(employee, boss, [{"skill_id": "design", "level": 1, "gap_flagged": True}],
                          at="2026-10-01T10:00:00Z"))
    for who in (leaver, gone_manager):
        assert hris.send(left(who, date(2026, 11, 1))).status == 202
    stack.wait_until_idle()
    run = api.post("/jobs/stall-detection/run", "hr_admin", "hr-1", {"as_of": "2026-11-20"})
    assert run.status_code == 202, run.text
    stack.wait_until_idle()
    for boss in (manager, gone_manager):
        assert [n for n in deps.outbox.for_recipient(boss) if n.kind == "manager_alert"] == []
        assert deps.profiles.alerts_for_manager(boss) == []
    job = [r for r in deps.audit.for_subject("job:stall_detection") if r.decision.get("as_of") == "2026-11-20"]
    # A leaver is out of the job's index already; their manager, past leaving, is counted as such.
    assert job and job[-1].decision["manager_left"] >= 1


def test_an_alert_about_someone_who_left_after_it_was_queued_is_not_sent(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}],
                      at="2026-10-01T10:00:00Z"))
    stack.wait_until_idle()
    with stack.dispatcher.paused("notification_delivery"):
        assert api.post("/jobs/stall-detection/run", "hr_admin", "hr-1", {"as_of": "2026-11-21"}).status_code == 202
        [alert] = eventually(lambda: [n for n in deps.outbox.for_recipient(manager) if n.kind == "manager_alert"])
        assert alert.about_id == employee
        assert hris.send(left(employee, today() - timedelta(days=1))).status == 202
        eventually(lambda: (deps.profiles.get(employee) or None) and deps.profiles.get(employee).leaving_date)
    stack.wait_until_idle()
    assert deps.outbox.get(alert.notification_id).status == "suppressed"
    [delivery] = outcomes(deps, alert.notification_id, "notification_delivery")
    assert delivery.decision["reason"] == "subject_left"
