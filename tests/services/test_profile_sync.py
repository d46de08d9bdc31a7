"""profile_sync (profile_lifecycle): profiles kept current, older updates ignored, parked events replayed in
order, leavers marked for erasure."""

from __future__ import annotations

from datetime import date

import pytest
from coachwire import spine
from coachwire.errors import UnknownReference
from coachwire.services import parking
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge
from coachwire.services.rights import profile_lifecycle

from tests.services.events import checkin, demographics, gap, hire, left, upsert


def test_a_new_employee_gets_a_profile_with_the_benchmarks_of_their_role(deps):
    result = profile_lifecycle(upsert("emp-1", "mgr-1", "junior"), deps)
    assert (result.outcome, result.decision, result.framework_version) == ("succeeded", {"created": True}, "2026.1")
    profile = deps.profiles.get("emp-1")
    assert (profile.version, profile.framework_id, profile.career_stage) == (1, "eng", "junior")
    assert profile.benchmark_snapshot == {"design": 1, "review": 1, "comms": 1}
    assert list(deps.profiles.employees_in_framework("eng")) == ["emp-1"]
    assert deps.profiles.direct_reports("mgr-1") == ["emp-1"]


def test_a_newer_update_is_applied_and_an_older_one_ignored(deps):
    hire(deps)
    newer = profile_lifecycle(upsert("emp-1", "mgr-2", at="2026-09-10T08:00:00Z", display_name="Ada Newer"), deps)
    assert (newer.outcome, newer.decision) == ("succeeded", {"created": False})
    held = deps.profiles.get("emp-1")
    assert (held.manager_id, held.display_name, held.version) == ("mgr-2", "Ada Newer", 2)
    older = profile_lifecycle(upsert("emp-1", "mgr-3", at="2026-09-05T08:00:00Z", display_name="Ada Older"), deps)
    assert (older.outcome, older.decision) == ("stale_ignored", {"reason": "older_than_profile"})
    assert deps.profiles.get("emp-1") == held


def test_a_redelivered_upsert_is_a_duplicate(deps):
    payload = upsert("emp-1", None)
    profile_lifecycle(payload, deps)
    assert profile_lifecycle(payload, deps).outcome == "duplicate"
    assert deps.profiles.get("emp-1").version == 1


def test_an_unknown_role_is_a_field_named_error_and_nothing_is_stored(deps):
    with pytest.raises(UnknownReference) as err:
        profile_lifecycle(upsert("emp-1", None, role_id="astronaut"), deps)
    assert err.value.field == "data.role_id" and deps.profiles.get("emp-1") is None


def test_events_parked_before_the_employee_are_replayed_once_they_arrive(deps):
    hire(deps, "mgr-1", None, "senior")
    early = checkin("emp-1", "mgr-1", [gap("design", 1)])
    private = demographics("emp-1")
    assert parking.park(deps, early) and parking.park(deps, private)
    assert [p.event is None for p in deps.parked.for_employee("emp-1")] == [False, True]  # no values in the park

    result = profile_lifecycle(upsert("emp-1", "mgr-1"), deps)
    assert result.decision == {"created": True, "parked_replayed": 1, "parked_markers_cleared": 1}
    assert deps.parked.for_employee("emp-1") == []
    (replayed,) = deps.events.published
    assert (replayed.source, replayed.detail_type) == (spine.EVENT_SOURCE_HRIS, spine.CHECKIN_SUBMITTED)
    assert replayed.detail["event_id"] == early["event_id"] and replayed.detail["data"]["employee_id"] == "emp-1"
    # What the bus carries on is an ordinary event: the nudge trigger acts on it.
    assert checkin_gap_nudge(replayed.detail, deps).outcome == "succeeded"
    assert [n.kind for n in deps.outbox.for_recipient("emp-1")] == ["nudge"]


def test_parked_events_replay_in_event_order_not_arrival_order(deps):
    hire(deps, "mgr-1", None, "senior")
    newer = checkin("emp-1", "mgr-1", [gap("design", 3, flagged=False)], at="2026-10-05T10:00:00Z")
    older = checkin("emp-1", "mgr-1", [gap("design", 1, flagged=False)], at="2026-10-01T10:00:00Z")
    newer["received_at"], older["received_at"] = "2026-10-06T09:00:00Z", "2026-10-06T09:05:00Z"  # newer came first
    parking.park(deps, newer)
    parking.park(deps, older)
    profile_lifecycle(upsert("emp-1", "mgr-1"), deps)
    assert [e.detail["event_id"] for e in deps.events.published] == [older["event_id"], newer["event_id"]]
    # Replayed in arrival order, the older rating would find the newer one held and be ignored as stale.
    outcomes = [checkin_gap_nudge(replayed.detail, deps).outcome for replayed in deps.events.published]
    assert outcomes == ["no_action", "no_action"] and deps.profiles.get("emp-1").levels["design"].level == 3


def test_a_parked_event_with_an_unknown_skill_is_rejected_on_replay_audited_and_not_published(deps):
    hire(deps, "mgr-1", None, "senior")
    bad = checkin("emp-1", "mgr-1", [gap("juggling", 1)])
    parking.park(deps, bad)
    result = profile_lifecycle(upsert("emp-1", "mgr-1"), deps)
    assert result.decision["parked_rejected"] == 1 and "parked_replayed" not in result.decision
    assert deps.events.published == [] and deps.parked.for_employee("emp-1") == []
    (record,) = deps.audit.for_event(bad["event_id"])
    assert (record.trigger, record.outcome, record.subject_id) == ("ingest_webhook", "rejected", "emp-1")
    assert record.decision == {"status": 422, "event_type": spine.CHECKIN_SUBMITTED, "reason": "parked_replay",
                               "field": "data.skill_ratings.0.skill_id"}
    assert deps.stats.all()["ingest_webhook"] == {"attempts": 1, "rejected": 1}


def test_nothing_is_parked_for_someone_already_known(deps):
    hire(deps)
    assert parking.park(deps, checkin("emp-1", "mgr-1", [gap("design", 1)])) is False
    assert deps.parked.for_employee("emp-1") == []


def test_a_leaver_is_marked_for_erasure_after_the_grace_and_leaves_the_framework_index(deps):
    hire(deps)
    result = profile_lifecycle(left("emp-1", date(2026, 9, 30), at="2026-09-15T08:00:00Z"), deps)
    grace = deps.settings.retention.leaver_grace_days
    assert result.outcome == "succeeded" and result.decision["action"] == "leaver.marked"
    profile = deps.profiles.get("emp-1")
    assert profile.leaving_date == date(2026, 9, 30) and (profile.erase_after - profile.leaving_date).days == grace
    assert list(deps.profiles.employees_in_framework("eng")) == ["mgr-1"]
    older = profile_lifecycle(left("emp-1", date(2026, 12, 31), at="2026-09-01T08:00:00Z"), deps)
    assert (older.outcome, older.decision) == ("stale_ignored", {"reason": "older_than_leaver_mark"})
    assert deps.profiles.get("emp-1").leaving_date == date(2026, 9, 30)


def test_a_leaving_date_in_the_past_never_shortens_the_grace(deps):
    hire(deps)
    profile_lifecycle(left("emp-1", date(2026, 1, 1), at="2026-09-15T08:00:00Z"), deps)
    assert deps.profiles.get("emp-1").erase_after == date(2026, 10, 15)  # 30 days from when we learned of it


def test_a_leaver_event_for_someone_never_known_holds_nothing(deps):
    result = profile_lifecycle(left("emp-404", date(2026, 9, 30)), deps)
    assert (result.outcome, result.decision) == ("no_action", {"reason": "nothing_held"})
    assert deps.profiles.get("emp-404") is None
