"""Slack and Teams end to end on the local stack, over real HTTP to the local stand-ins: a manager who chose Slack
gets the stall alert there (Block Kit, once), presses "discussed in our 1:1", and the alert, the message and the
audit log show it; Teams webhooks carry read-only cards; nothing is posted twice."""

from __future__ import annotations

import json
import time

import requests
from coachwire_tools.local.slack_stub import STUB_SIGNING_SECRET, signed_block_actions

from tests.integration.conftest import checkin, person


def choose(api, person_id: str, **choice) -> None:
    current = api.get(f"/people/{person_id}/preferences", "employee", person_id).json()
    body = {"version": current["version"], "channel": None, "timezone": None, "quiet_hours": None,
            "daily_cap": None, "weekly_cap": None, "digest": "off", "muted_kinds": [], **choice}
    if "teams_webhook_ref" in choice:
        saved = api.put(f"/people/{person_id}/preferences", "hr_admin", "hr-1", body)
    else:
        saved = api.put(f"/people/{person_id}/preferences", "employee", person_id, body)
    assert saved.status_code == 200, saved.text


def test_a_manager_on_slack_gets_the_alert_there_presses_discussed_and_sees_it_recorded(stack, hris, api):
    employee, manager = person(stack, hris)
    choose(api, manager, channel="slack")
    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    assert api.post("/jobs/stall-detection/run", "hr_admin", "hr-1", {"as_of": "2026-11-20"}).status_code == 202
    stack.wait_until_idle()

    (note,) = [n for n in api.get("/notifications", "manager", manager, recipient_id=manager).json()["notifications"]
               if n["kind"] == "manager_alert"]
    assert (note["status"], note["channel"]) == ("sent", "slack")
    posts = [c for c in stack.slack.calls_to("chat.postMessage") if note["notification_id"] in json.dumps(c.params)]
    assert len(posts) == 1 and posts[0].authorized
    blocks = json.dumps(posts[0].params["blocks"])
    assert "Discussed in our 1:1" in blocks and "not a performance flag" in posts[0].params["text"] + blocks
    user = posts[0].params["channel"]

    body, headers = signed_block_actions(STUB_SIGNING_SECRET, timestamp=int(time.time()),
                                         notification_id=note["notification_id"], verb="discussed", user_id=user,
                                         team_id=stack.slack.team_id, note="Agreed to pair on design reviews",
                                         response_url=stack.slack.response_url())
    pressed = requests.post(stack.base_url + "/slack/interactions", data=body, timeout=10,
                            headers={**headers, "content-type": "application/x-www-form-urlencoded"})
    assert pressed.status_code == 200, pressed.text
    stack.wait_until_idle()

    (alert,) = api.get(f"/managers/{manager}/alerts", "manager", manager).json()["alerts"]
    assert (alert["decision"]["status"], alert["decision"]["note"]) == ("discussed", "Agreed to pair on design reviews")
    updated = api.get("/notifications", "manager", manager, recipient_id=manager).json()["notifications"]
    assert [n["decided"] for n in updated if n["notification_id"] == note["notification_id"]] == [
        "Discussed in our 1:1"]
    assert any(c.params.get("ts") == posts[0].params.get("ts") or c.params.get("channel")
               for c in stack.slack.calls_to("chat.update"))

    # The same press again (Slack retrying, a double click on one message): one effect.
    again = requests.post(stack.base_url + "/slack/interactions", data=body, timeout=10,
                          headers={**headers, "content-type": "application/x-www-form-urlencoded"})
    assert again.status_code == 200
    stack.wait_until_idle()
    assert len([c for c in stack.slack.calls_to("chat.postMessage")
                if note["notification_id"] in json.dumps(c.params)]) == 1


def test_a_tampered_press_is_refused_before_anything_happens(stack):
    body, headers = signed_block_actions(STUB_SIGNING_SECRET, timestamp=int(time.time()), notification_id="ntf_x",
                                         verb="accept", item_id="design-l2", user_id="U1")
    refused = requests.post(stack.base_url + "/slack/interactions", data=body + b"&x=1", timeout=10,
                            headers={**headers, "content-type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 401


def test_a_person_on_a_teams_webhook_gets_a_read_only_card(stack, hris, api):
    employee, manager = person(stack, hris)
    from coachwire_tools.local.stack import LOCAL_TEAMS_WEBHOOK

    choose(api, employee, channel="teams", teams_webhook_ref=LOCAL_TEAMS_WEBHOOK)
    hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
    stack.wait_until_idle()
    (nudge,) = [n for n in api.get("/notifications", "employee", employee, recipient_id=employee).json()[
        "notifications"] if n["kind"] == "nudge"]
    assert (nudge["status"], nudge["channel"]) == ("sent", "teams")
    posts = [c for c in stack.teams.calls_to(LOCAL_TEAMS_WEBHOOK) if "Your next step" in json.dumps(c.body)]
    assert len(posts) == 1
    card = posts[0].body["attachments"][0]["content"]
    assert card["version"] == "1.5" and "Action.Execute" not in json.dumps(card)
