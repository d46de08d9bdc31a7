"""chat_action: a press in a chat acts through the same services as the API, once, for the recipient only."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from coachwire.models.chat import ChatAction
from coachwire.services.chat_actions import chat_action
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge
from coachwire.services.delivery import notification_delivery
from coachwire.services.stall_detection import stall_detection

from tests.fakes import FAKE_NOW, RecordingChatSender
from tests.services.events import checkin, gap, hire


@pytest.fixture
def slack_deps(deps):
    slack = RecordingChatSender("slack")
    return replace(deps, channels={"slack": slack}), slack


def slack_note(deps, nid: str) -> None:
    """Send a queued message over Slack (as delivery does for someone who chose it): to user U-<recipient>."""
    note = deps.outbox.get(nid)
    deps.outbox.items[nid]["doc"] = note.model_copy(update={"channel": "slack"}).model_dump_json()
    assert notification_delivery({"notification_id": nid}, deps, "evt-send").outcome == "succeeded"


def press(deps, nid, verb, actor, item_id=None, interaction="i-1", **extra):
    action = ChatAction(chat="slack", interaction_id=interaction, notification_id=nid, verb=verb, item_id=item_id,
                        actor_ref=actor, received_at=FAKE_NOW, reply={"response_url": "https://hooks.example/r"},
                        **extra)
    return chat_action({"action": action.model_dump(mode="json")}, deps)


def nudged(deps):
    hire(deps)
    fired = checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)]), deps)
    (nid,) = fired.notification_ids
    slack_note(deps, nid)
    return nid, deps.outbox.get(nid).content.items[0].item_id


def test_accepting_from_slack_changes_the_plan_as_the_employee_and_updates_the_message(slack_deps):
    deps, slack = slack_deps
    nid, item = nudged(deps)
    result = press(deps, nid, "accept", "U-emp-1", item)
    assert (result.outcome, result.subject_id) == ("succeeded", "emp-1")
    assert result.decision["action"] == "engagement.accept" and result.decision["item_id"] == item
    plan = deps.profiles.plan("emp-1")
    decision = plan.item_decisions[item]
    assert (decision.status, decision.decided.subject, decision.decided.role) == ("accepted", "emp-1", "employee")
    assert deps.outbox.get(nid).decided.startswith("Accepted") and slack.updates[-1][0] == nid


def test_the_same_press_delivered_twice_has_one_effect(slack_deps):
    deps, slack = slack_deps
    nid, item = nudged(deps)
    first = press(deps, nid, "decline", "U-emp-1", item, reason="Done this before")
    again = press(deps, nid, "decline", "U-emp-1", item, reason="Done this before")
    assert (first.outcome, again.outcome) == ("succeeded", "duplicate")
    plan = deps.profiles.plan("emp-1")
    assert [c.op for c in plan.changes] == ["decline"] and plan.item_decisions[item].reason == "Done this before"
    assert "Done this before" not in str(first.decision)  # free text stays on the plan
    assert len(slack.updates) == 1


@pytest.mark.parametrize("verb, status", [("done", "done"), ("snooze", "snoozed")])
def test_done_and_not_now_from_the_message(slack_deps, verb, status):
    deps, _ = slack_deps
    nid, item = nudged(deps)
    assert press(deps, nid, verb, "U-emp-1", item).outcome == "succeeded"
    assert deps.profiles.plan("emp-1").item_decisions[item].status == status


def test_someone_elses_press_changes_nothing_and_is_told_privately(slack_deps):
    deps, slack = slack_deps
    nid, item = nudged(deps)
    result = press(deps, nid, "accept", "U-stranger", item)
    assert (result.outcome, result.decision["refused"]) == ("no_action", "not_your_message")
    assert deps.profiles.plan("emp-1") is None and slack.updates == []
    ((reply, text),) = slack.private_replies
    assert reply["response_url"] == "https://hooks.example/r" and "someone else" in text


@pytest.mark.parametrize("verb, item, refused", [("discussed", None, "not_offered"),
                                                 ("accept", "not-on-this-message", "unknown_item")])
def test_an_action_the_message_did_not_offer_changes_nothing(slack_deps, verb, item, refused):
    deps, _ = slack_deps
    nid, _item = nudged(deps)
    assert press(deps, nid, verb, "U-emp-1", item).decision["refused"] == refused
    assert deps.profiles.plan("emp-1") is None


def test_a_press_on_a_message_that_is_gone_is_refused(slack_deps):
    deps, _ = slack_deps
    assert press(deps, "ntf_gone", "accept", "U-emp-1", "x").decision["refused"] == "unknown_message"


def alerted(deps):
    hire(deps)
    checkin_gap_nudge(checkin("emp-1", "mgr-1", [gap("design", 1)], at="2026-10-01T10:00:00Z"), deps)
    stall_detection({"job": "stall_detection", "as_of": "2026-11-20"}, deps, "job-1", lambda r: None)
    (note,) = [n for n in deps.outbox.for_recipient("mgr-1") if n.kind == "manager_alert"]
    slack_note(deps, note.notification_id)
    return note.notification_id


def test_discussed_in_our_one_to_one_is_recorded_on_the_alert_with_its_note_kept_there(slack_deps):
    deps, slack = slack_deps
    nid = alerted(deps)
    result = press(deps, nid, "discussed", "U-mgr-1", reason="Agreed to pair on design reviews")
    assert (result.outcome, result.subject_id, result.decision["employee_id"]) == ("succeeded", "mgr-1", "emp-1")
    (alert,) = deps.profiles.alerts_for_manager("mgr-1")
    assert (alert.decision.status, alert.decision.by, alert.decision.note) == (
        "discussed", "mgr-1", "Agreed to pair on design reviews")
    assert "pair" not in str(result.decision) and deps.outbox.get(nid).decided == "Discussed in our 1:1"


def test_not_now_on_an_alert_keeps_stall_detection_quiet_about_the_person_for_a_week(slack_deps):
    deps, _ = slack_deps
    nid = alerted(deps)
    assert press(deps, nid, "snooze", "U-mgr-1").outcome == "succeeded"
    assert deps.profiles.get("emp-1").stall_snoozed_until == FAKE_NOW.date() + timedelta(days=7)
    assert deps.profiles.alerts_for_manager("mgr-1")[0].decision.status == "snoozed"


def test_not_relevant_needs_a_reason_code_and_records_it(slack_deps):
    deps, _ = slack_deps
    nid = alerted(deps)
    assert press(deps, nid, "not_relevant", "U-mgr-1").decision["refused"] == "needs_reason_code"
    result = press(deps, nid, "not_relevant", "U-mgr-1", interaction="i-2", reason_code="on_leave")
    assert (result.outcome, result.decision["reason_code"]) == ("succeeded", "on_leave")
    assert deps.profiles.alerts_for_manager("mgr-1")[0].decision.reason_code == "on_leave"


def test_the_employee_cannot_act_on_their_managers_alert(slack_deps):
    deps, _ = slack_deps
    nid = alerted(deps)
    assert press(deps, nid, "discussed", "U-emp-1").decision["refused"] == "not_your_message"
    assert deps.profiles.alerts_for_manager("mgr-1")[0].decision is None


def command(deps, text, actor="U-mgr-1", interaction="c-1"):
    from coachwire.models.chat import ChatCommand

    cmd = ChatCommand(chat="slack", interaction_id=interaction, command="/coachwire-brief", text=text,
                      actor_ref=actor, reply={"response_url": "https://hooks.example/c"}, received_at=FAKE_NOW)
    return chat_action({"command": cmd.model_dump(mode="json")}, deps)


def test_the_brief_button_answers_the_manager_privately_with_the_brief(slack_deps):
    deps, slack = slack_deps
    nid = alerted(deps)
    result = press(deps, nid, "brief", "U-mgr-1")
    assert result.outcome == "succeeded"
    ((_, text),) = slack.private_replies
    assert "1:1" in text and "System design" in text


def test_the_slash_command_gives_a_linked_manager_their_reports_brief_and_nobody_elses(slack_deps):
    deps, slack = slack_deps
    alerted(deps)  # the alert posted to U-mgr-1 on Slack links that chat user to mgr-1
    assert deps.profiles.employee_for_chat_user("slack", "U-mgr-1") == "mgr-1"
    ok = command(deps, "emp-1")
    assert (ok.outcome, ok.subject_id, ok.decision["employee_id"]) == ("succeeded", "mgr-1", "emp-1")
    assert "System design" in slack.private_replies[-1][1]
    hire(deps, "emp-2", "mgr-2")
    assert command(deps, "emp-2", interaction="c-2").decision["refused"] == "not_readable"
    assert command(deps, "", interaction="c-3").decision["refused"] == "usage"
    assert command(deps, "emp-1", actor="U-unknown", interaction="c-4").decision["refused"] == "not_linked"
    assert "does not know your Slack account" in slack.private_replies[-1][1]


def test_stop_messages_like_this_switches_the_kind_off_in_the_persons_preferences(slack_deps):
    deps, _ = slack_deps
    nid, _item = nudged(deps)
    result = press(deps, nid, "mute", "U-emp-1")
    assert (result.outcome, result.decision["fields"]) == ("succeeded", ["muted_kinds"])
    prefs = deps.profiles.preferences("emp-1")
    assert prefs.muted_kinds == ["nudge"] and prefs.updated_by == "emp-1"
    assert press(deps, nid, "mute", "U-emp-1", interaction="i-2").outcome == "no_action"  # already off


def test_a_manager_chooses_the_weekly_digest_from_an_alert(slack_deps):
    deps, _ = slack_deps
    nid = alerted(deps)
    assert press(deps, nid, "digest", "U-mgr-1").outcome == "succeeded"
    assert deps.profiles.preferences("mgr-1").digest == "weekly"
    assert press(deps, nid, "digest", "U-emp-1", interaction="i-3").decision["refused"] == "not_your_message"


def test_a_former_manager_can_no_longer_act_on_an_old_alert_or_read_the_brief(slack_deps):
    from coachwire.services.profile_sync import profile_sync

    from tests.services.events import upsert

    deps, slack = slack_deps
    nid = alerted(deps)
    hire(deps, "mgr-2", None, "senior")
    assert profile_sync(upsert("emp-1", "mgr-2", at="2026-11-21T08:00:00Z"), deps).outcome == "succeeded"
    for verb, interaction in (("brief", "i-7"), ("snooze", "i-8")):
        refused = press(deps, nid, verb, "U-mgr-1", interaction=interaction)
        assert refused.decision["refused"] == "no_longer_your_report"
    assert deps.profiles.get("emp-1").stall_snoozed_until is None
    assert all("no longer reports to you" in text for _, text in slack.private_replies)


def test_a_press_decides_the_alert_its_message_carried_not_a_later_one(slack_deps):
    from coachwire.ports import ProfileChange

    deps, _ = slack_deps
    nid = alerted(deps)
    (first,) = deps.profiles.alerts_for_manager("mgr-1")
    later = first.model_copy(update={"alert_id": "alert-later", "as_of": first.as_of + timedelta(days=14),
                                     "created_at": FAKE_NOW + timedelta(days=70), "source_event_id": "job-2"})
    employee = deps.profiles.get("emp-1")
    deps.profiles.commit(ProfileChange(profile=employee, expected_version=employee.version, write_profile=False,
                                       alert=later))
    assert press(deps, nid, "discussed", "U-mgr-1").outcome == "succeeded"
    decisions = {a.alert_id: a.decision for a in deps.profiles.alerts_for_manager("mgr-1")}
    assert decisions["alert-later"] is None and decisions[first.alert_id].status == "discussed"
