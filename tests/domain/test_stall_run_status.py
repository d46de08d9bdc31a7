"""A stall-detection run's status is read from its audit entries alone: queued, running (retries included), finished."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from coachwire.models.coaching import AuditRecord
from coachwire.services.jobs import stall_run

RUN = "run_0123456789abcdef0123"
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def entry(trigger: str, subject: str, outcome: str, minutes: int, decision: dict | None = None,
          error_type: str | None = None) -> AuditRecord:
    return AuditRecord(event_id=RUN, trigger=trigger, subject_id=subject, outcome=outcome,
                       recorded_at=AT + timedelta(minutes=minutes), decision=decision or {}, error_type=error_type)


REQUESTED = entry("api", "job:stall_detection", "succeeded", 0,
                  {"action": "stall_detection.requested", "requested_by": "emp-0012", "as_of": "2026-11-19"})


def test_an_id_no_request_recorded_is_no_run():
    assert stall_run(RUN, []) is None
    assert stall_run(RUN, [entry("stall_detection", "job:stall_detection", "no_action", 1)]) is None


def test_a_request_the_job_has_not_reached_is_queued():
    run = stall_run(RUN, [REQUESTED])
    assert run.status == "queued" and run.requested_at == AT and run.as_of == date(2026, 11, 19)
    assert run.started_at is None and run.finished_at is None and run.employees_checked is None


def test_alerts_and_a_failed_attempt_before_the_end_are_a_running_job():
    run = stall_run(RUN, [
        REQUESTED,
        entry("stall_detection", "emp-0003", "succeeded", 2),
        entry("stall_detection", "", "failed", 3, {"receive_count": 1}, error_type="JobIncomplete"),
        entry("stall_detection", "emp-0003", "duplicate", 5),  # the retry finds the receipt: still one alert
        entry("stall_detection", "emp-0005", "succeeded", 6),
    ])
    assert run.status == "running" and run.started_at == AT + timedelta(minutes=2)
    assert run.alerts_queued == 2 and run.failed_attempts == 1 and run.error_types == ("JobIncomplete",)


def test_the_closing_entry_says_what_the_run_found_in_counts():
    closing = {"scanned": 12, "stalled": 4, "in_cooldown": 1, "alerted": 2, "no_manager": 1, "left": 0,
               "manager_left": 0, "as_of": "2026-11-19", "started_at": (AT + timedelta(minutes=1)).isoformat()}
    run = stall_run(RUN, [REQUESTED, entry("stall_detection", "emp-0003", "succeeded", 2),
                          entry("stall_detection", "emp-0005", "succeeded", 2),
                          entry("stall_detection", "job:stall_detection", "succeeded", 3, closing)])
    assert run.status == "finished" and run.outcome == "succeeded"
    assert (run.started_at, run.finished_at) == (AT + timedelta(minutes=1), AT + timedelta(minutes=3))
    assert (run.employees_checked, run.stalled, run.alerts_queued) == (12, 4, 2)
    assert run.skipped == {"in_cooldown": 1, "no_manager": 1, "manager_left": 0, "left": 0}
    assert "emp-0003" not in repr(run)
