"""AuditLog + TriggerStats: append-only, and the counters move with the record by the counting rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from coachwire.models.coaching import AuditRecord

from tests.contracts.records import AT


def record(uid, outcome="succeeded", event=None, trigger=None, minutes=0, **kwargs):
    return AuditRecord(event_id=event or f"evt-{uid}", trigger=trigger or f"trg_{uid}", subject_id=f"emp-{uid}",
                       outcome=outcome, recorded_at=AT + timedelta(minutes=minutes), **kwargs)


def stats(deps, uid, trigger=None):
    return deps.stats.all().get(trigger or f"trg_{uid}", {})


def test_a_plain_append_is_listed_and_counts_nothing(deps, uid):
    deps.audit.append(record(uid, decision={"reason": "x"}))
    assert [(r.outcome, r.decision) for r in deps.audit.for_subject(f"emp-{uid}")] == [("succeeded", {"reason": "x"})]
    assert stats(deps, uid) == {}


def test_the_same_record_twice_is_two_entries(deps, uid):
    deps.audit.append(record(uid))
    deps.audit.append(record(uid))
    assert len(deps.audit.for_event(f"evt-{uid}")) == 2


def test_a_counted_append_counts_every_time(deps, uid):
    for n in range(2):
        deps.audit.append(record(uid, "parked", event=f"evt-{uid}-{n}"), counted=True)
    deps.audit.append(record(uid, "parked", event=f"evt-{uid}-0"), counted=True)  # not once per event
    assert stats(deps, uid) == {"attempts": 3, "parked": 3}


def test_a_firing_counts_its_event_once_under_the_first_terminal_outcome(deps, uid):
    for n, outcome in enumerate(["succeeded", "duplicate", "duplicate"]):
        deps.audit.append(record(uid, outcome, minutes=n), counted=True, once_per_event=True)
    assert stats(deps, uid) == {"attempts": 3, "succeeded": 1}
    assert [r.outcome for r in deps.audit.for_event(f"evt-{uid}")] == ["succeeded", "duplicate", "duplicate"]
    assert len(deps.audit.for_subject(f"emp-{uid}")) == 3  # the marker is never listed


def test_failed_firings_are_attempts_until_one_ends(deps, uid):
    for n, outcome in enumerate(["failed", "failed", "no_action", "failed"]):
        deps.audit.append(record(uid, outcome, minutes=n, error_type="ConnectionError" if outcome == "failed"
                                 else None), counted=True, once_per_event=True)
    assert stats(deps, uid) == {"attempts": 4, "failed_attempts": 3, "no_action": 1}


def test_the_once_is_per_trigger_and_per_event(deps, uid):
    deps.audit.append(record(uid, "succeeded", trigger=f"trg_{uid}"), counted=True, once_per_event=True)
    deps.audit.append(record(uid, "no_action", trigger=f"trg_{uid}_b"), counted=True, once_per_event=True)
    deps.audit.append(record(uid, "succeeded", event=f"evt-{uid}-2"), counted=True, once_per_event=True)
    assert stats(deps, uid) == {"attempts": 2, "succeeded": 2}
    assert stats(deps, uid, f"trg_{uid}_b") == {"attempts": 1, "no_action": 1}


def test_once_per_event_means_nothing_for_an_uncounted_append(deps, uid):
    deps.audit.append(record(uid), once_per_event=True)
    deps.audit.append(record(uid), counted=True, once_per_event=True)
    assert stats(deps, uid) == {"attempts": 1, "succeeded": 1}


def test_stats_count_directly_too(deps, uid):
    deps.stats.count(f"trg_{uid}", "dead_lettered")
    deps.stats.count(f"trg_{uid}", "dead_lettered")
    assert stats(deps, uid) == {"attempts": 2, "dead_lettered": 2}


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_records_keep_versions_and_error_types(deps, uid, outcome):
    deps.audit.append(record(uid, outcome, recommender_version="rv1", framework_version="2026.1",
                             error_type="Boom" if outcome == "failed" else None))
    (stored,) = deps.audit.for_subject(f"emp-{uid}")
    assert stored == record(uid, outcome, recommender_version="rv1", framework_version="2026.1",
                            error_type="Boom" if outcome == "failed" else None)


def test_acceptances_are_listed_by_time_window_and_never_as_entries(deps, uid):
    from coachwire.domain.reliability import AcceptedEvent

    marks = [AcceptedEvent(f"evt-{uid}-{n}", "performance.checkin.submitted", AT + timedelta(hours=n * 12))
             for n in range(4)]  # across three UTC days
    for mark in reversed(marks):
        deps.audit.mark_accepted(mark)
    deps.audit.mark_accepted(marks[1])  # marked again (a retried publish): listed again, counted once downstream
    deps.audit.append(record(uid, event=f"evt-{uid}-1"), counted=True, once_per_event=True)

    def between(start, end):
        return [a for a in deps.audit.accepted_between(start, end) if a.event_id.startswith(f"evt-{uid}-")]

    assert between(AT, AT + timedelta(hours=36)) == [marks[0], marks[1], marks[1], marks[2], marks[3]]
    assert between(AT + timedelta(hours=1), AT + timedelta(hours=24)) == [marks[1], marks[1], marks[2]]
    assert between(AT + timedelta(hours=12), AT + timedelta(hours=12)) == [marks[1], marks[1]]  # inclusive
    assert between(AT - timedelta(days=2), AT - timedelta(seconds=1)) == []
    assert [r.outcome for r in deps.audit.for_event(f"evt-{uid}-1")] == ["succeeded"]
    assert deps.audit.for_subject(f"emp-{uid}") == deps.audit.for_event(f"evt-{uid}-1")


def test_a_subjects_entries_in_a_time_window(deps, uid):
    for n in range(3):
        deps.audit.append(record(uid, event=f"evt-{uid}-{n}", minutes=n * 60))
    found = deps.audit.for_subject_between(f"emp-{uid}", AT + timedelta(minutes=30), AT + timedelta(minutes=120))
    assert [r.event_id for r in found] == [f"evt-{uid}-1", f"evt-{uid}-2"]  # inclusive, in time order
    assert deps.audit.for_subject_between(f"emp-{uid}", AT - timedelta(days=1), AT - timedelta(seconds=1)) == []
