"""ProfileStore: optimistic versions, receipts committed with a firing's effects, all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from botocore.exceptions import ClientError
from coachwire.ports import AlreadyProcessed, ConcurrentUpdate, ProfileChange, Receipt

from tests.contracts.records import alert, correction, note, person, rec

RECEIPT_AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def created(deps, uid, **overrides):
    deps.profiles.commit(ProfileChange(profile=person(uid, **overrides), expected_version=None))
    return deps.profiles.get(f"emp-{uid}")


def test_a_profile_is_created_once_and_each_write_checks_the_version_it_read(deps, uid):
    first = created(deps, uid)
    assert first.version == 1
    with pytest.raises(ConcurrentUpdate):
        deps.profiles.commit(ProfileChange(profile=person(uid), expected_version=None))
    deps.profiles.commit(ProfileChange(profile=first.model_copy(update={"display_name": "Ada L"}), expected_version=1))
    assert (deps.profiles.get(f"emp-{uid}").version, deps.profiles.get(f"emp-{uid}").display_name) == (2, "Ada L")
    with pytest.raises(ConcurrentUpdate):  # decided on version 1, which is gone
        deps.profiles.commit(ProfileChange(profile=first.model_copy(update={"display_name": "Lost"}),
                                           expected_version=1))
    assert deps.profiles.get(f"emp-{uid}").display_name == "Ada L"
    assert deps.profiles.get(f"emp-nobody-{uid}") is None


def test_a_receipt_lands_with_the_effects_and_a_second_firing_writes_nothing(deps, uid):
    seen = created(deps, uid)
    receipt = Receipt("nudge", f"evt-{uid}", {"outcome": "succeeded", "n": 1}, RECEIPT_AT)
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=1, recommendations=(rec(uid, 1),),
                                       notifications=(note(uid, 1),), receipt=receipt))
    assert deps.profiles.receipt(f"emp-{uid}", "nudge", f"evt-{uid}") == {"outcome": "succeeded", "n": 1}
    assert deps.profiles.receipt(f"emp-{uid}", "other_trigger", f"evt-{uid}") is None
    assert [r.recommendation_id for r in deps.profiles.recommendations(f"emp-{uid}")] == [f"rec-{uid}-1"]
    assert deps.outbox.get(f"ntf-{uid}-1").status == "pending"

    again = deps.profiles.get(f"emp-{uid}")
    with pytest.raises(AlreadyProcessed):
        deps.profiles.commit(ProfileChange(profile=again, expected_version=again.version,
                                           recommendations=(rec(uid, 2),), notifications=(note(uid, 2),),
                                           receipt=Receipt("nudge", f"evt-{uid}", {"outcome": "succeeded", "n": 2},
                                                           RECEIPT_AT)))
    assert [r.recommendation_id for r in deps.profiles.recommendations(f"emp-{uid}")] == [f"rec-{uid}-1"]
    assert deps.outbox.get(f"ntf-{uid}-2") is None
    assert deps.profiles.get(f"emp-{uid}").version == 2
    assert deps.profiles.receipt(f"emp-{uid}", "nudge", f"evt-{uid}")["n"] == 1


def test_a_taken_receipt_wins_over_a_moved_version(deps, uid):
    """A redelivery is told it is one (AlreadyProcessed), not sent round the retry loop."""
    seen = created(deps, uid)
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=1,
                                       receipt=Receipt("t", "e", {"a": 1}, RECEIPT_AT)))
    with pytest.raises(AlreadyProcessed):
        deps.profiles.commit(ProfileChange(profile=seen, expected_version=1,
                                           receipt=Receipt("t", "e", {"a": 2}, RECEIPT_AT)))


def test_a_decision_that_writes_no_profile_still_needs_the_version_it_read(deps, uid):
    seen = created(deps, uid)
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=1, write_profile=False,
                                       receipt=Receipt("t", f"a-{uid}", {"outcome": "no_action"}, RECEIPT_AT)))
    assert deps.profiles.get(f"emp-{uid}").version == 1  # checked, not written
    assert deps.profiles.receipt(f"emp-{uid}", "t", f"a-{uid}") == {"outcome": "no_action"}
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=1))  # the profile moves on
    with pytest.raises(ConcurrentUpdate):
        deps.profiles.commit(ProfileChange(profile=seen, expected_version=1, write_profile=False,
                                           receipt=Receipt("t", f"b-{uid}", {"outcome": "no_action"}, RECEIPT_AT)))
    assert deps.profiles.receipt(f"emp-{uid}", "t", f"b-{uid}") is None
    with pytest.raises(ConcurrentUpdate):  # no profile at all
        deps.profiles.commit(ProfileChange(profile=person(f"x{uid}"), expected_version=1, write_profile=False,
                                           receipt=Receipt("t", f"c-{uid}", {}, RECEIPT_AT)))


def test_a_notification_already_queued_refuses_the_whole_change(deps, uid):
    seen = created(deps, uid)
    deps.governance.queue_notifications([note(uid, 1)])
    with pytest.raises(ConcurrentUpdate):
        deps.profiles.commit(ProfileChange(profile=seen, expected_version=1, recommendations=(rec(uid),),
                                           notifications=(note(uid, 1),), receipt=Receipt("t", "e", {}, RECEIPT_AT)))
    assert deps.profiles.recommendations(f"emp-{uid}") == []
    assert deps.profiles.receipt(f"emp-{uid}", "t", "e") is None
    assert deps.profiles.get(f"emp-{uid}").version == 1


def test_completing_marks_held_recommendations_done_and_ignores_deleted_ones(deps, uid):
    seen = created(deps, uid)
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=1,
                                       recommendations=(rec(uid, 1), rec(uid, 2, minutes=5))))
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=2,
                                       completed_recommendation_ids=(f"rec-{uid}-1", f"rec-{uid}-gone")))
    recs = deps.profiles.recommendations(f"emp-{uid}")
    assert [(r.recommendation_id, r.status) for r in recs] == [(f"rec-{uid}-2", "open"), (f"rec-{uid}-1", "done")]
    assert deps.profiles.recommendation(f"emp-{uid}", f"rec-{uid}-1").status == "done"
    assert deps.profiles.recommendation(f"emp-{uid}", f"rec-{uid}-gone") is None
    held = deps.profiles.held_about(f"emp-{uid}")
    assert sorted(d["status"] for d in held["REC"]) == ["done", "open"]


def test_corrections_are_written_on_the_revision_before(deps, uid):
    seen = created(deps, uid)
    change = ProfileChange(profile=seen, expected_version=1, write_profile=False,
                           corrections=(correction(uid, revision=0),))
    deps.profiles.commit(change)
    with pytest.raises(ConcurrentUpdate):  # a second "new" request under the same id
        deps.profiles.commit(change)
    assert [c.correction_id for c in deps.profiles.open_corrections() if c.employee_id == f"emp-{uid}"] == [
        f"corr-{uid}"]
    decided = ProfileChange(profile=seen, expected_version=1, write_profile=False,
                            corrections=(correction(uid, revision=1, status="approved"),))
    deps.profiles.commit(decided)
    with pytest.raises(ConcurrentUpdate):  # a second decision on revision 0
        deps.profiles.commit(decided)
    assert deps.profiles.correction(f"emp-{uid}", f"corr-{uid}").status == "approved"
    assert [c.revision for c in deps.profiles.corrections(f"emp-{uid}")] == [1]
    assert not [c for c in deps.profiles.open_corrections() if c.employee_id == f"emp-{uid}"]


def test_an_alert_sits_with_the_manager_and_is_found_from_the_employee(deps, uid):
    seen = created(deps, uid)
    to_manager = note(uid, 1, recipient=f"mgr-{uid}")
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=1, alert=alert(uid), notifications=(to_manager,)))
    assert [a.alert_id for a in deps.profiles.alerts_for_manager(f"mgr-{uid}")] == [f"alert-{uid}"]
    held = deps.profiles.held_about(f"emp-{uid}")
    assert [a["alert_id"] for a in held["ALERT"]] == [f"alert-{uid}"]
    assert held["ALERTREF"][0]["notification_ids"] == [f"ntf-{uid}-1"]
    assert deps.outbox.get(f"ntf-{uid}-1").recipient_id == f"mgr-{uid}"


def test_leavers_leave_the_framework_index_but_stay_reports(deps, uid):
    created(deps, uid)
    created(deps, f"{uid}b", manager_id=f"mgr-{uid}", framework_id=f"fw-{uid}", leaving_date=date(2026, 9, 1),
            erase_after=date(2026, 10, 1))
    assert list(deps.profiles.employees_in_framework(f"fw-{uid}")) == [f"emp-{uid}"]
    assert [p.employee_id for p in deps.profiles.profiles_in_framework(f"fw-{uid}")] == [f"emp-{uid}"]
    assert sorted(deps.profiles.direct_reports(f"mgr-{uid}")) == [f"emp-{uid}", f"emp-{uid}b"]


def test_history_is_read_back_by_month(deps, uid):
    from coachwire.models.history import AssessmentFact, HistoryEntry

    from tests.contracts.records import AT

    seen = created(deps, uid)
    entry = HistoryEntry(employee_id=f"emp-{uid}", entry_id=f"evt-{uid}", at=AT,
                         assessments=[AssessmentFact(skill_id="design", level=2)])
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=1, history=(entry,)))
    assert entry in list(deps.profiles.history(["2026-10"]))
    assert entry not in list(deps.profiles.history(["2026-09"]))


def test_a_status_move_from_the_wrong_state_is_refused_by_the_store(deps, uid):
    """Nothing claimed it: the store refuses the move (the adapter lets DynamoDB's refusal through)."""
    deps.governance.queue_notifications([note(uid)])
    with pytest.raises(ClientError) as refused:
        deps.outbox.mark_sent(f"ntf-{uid}-1", "msg-1", note(uid).created_at)
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert deps.outbox.get(f"ntf-{uid}-1").status == "pending"
