"""The demo's chat scene: one quiet employee and their manager chose Slack; the manager's stall alert arrives as
Block Kit in the local Slack stand-in, the manager presses "Discussed in our 1:1", the employee accepts a nudge's
first item from their message, and what follows (the alert, the plan, the engagement counts) is read back through
the API."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from coachwire.adapters.slack_blocks import blocks_as_text
from coachwire.runtime.wiring import aws_dependencies

from coachwire_tools.local.slack_stub import STUB_SIGNING_SECRET, signed_block_actions
from coachwire_tools.local.stack import LocalStack

NOTE = "Agreed to pair on design reviews for the next two sprints"


@dataclass
class ChatScene:
    manager_id: str
    employee_id: str
    about: str = ""  # whom the alert shown is about (the manager's first alert in Slack)
    about_id: str = ""
    alert_text: str = ""
    alert_after: str = ""
    alert_decision: dict[str, Any] = field(default_factory=dict)
    nudge_text: str = ""
    accepted_item: str = ""
    plan_item_status: str = ""
    engagement: dict[str, int] = field(default_factory=dict)
    slack_posts: int = 0

    @property
    def complete(self) -> bool:
        # The nudge half is shown when one reached the employee in Slack (their first may predate their choice).
        nudge_ok = not self.nudge_text or self.plan_item_status == "accepted"
        return bool(self.alert_text and self.alert_after and self.alert_decision.get("status") == "discussed"
                    and nudge_ok)

    def lines(self) -> list[str]:
        if not self.alert_text:
            return ["", "-" * 78, "Slack: no stall alert reached the manager who chose Slack in this run."]
        lines = ["", "-" * 78,
                 f"In Slack: {self.manager_id} chose Slack (PUT /people/{self.manager_id}/preferences), so their "
                 f"first stall alert (about {self.about}, {self.about_id}) arrived as Block Kit, shown as text:", "",
                 indent(self.alert_text), "",
                 f"{self.manager_id} pressed \"Discussed in our 1:1\" with a note; Slack signed the request, "
                 "Coachwire verified it, recorded the decision on the alert (the note stays there, never in the "
                 "audit log) and updated the message in place:", "", indent(self.alert_after), "",
                 f"  alert decision: {self.alert_decision.get('status')} by {self.alert_decision.get('by')}"]
        if self.nudge_text:
            lines += ["", f"{self.employee_id} chose Slack too; from their nudge they pressed Accept on "
                          f"\"{self.accepted_item}\": the plan item is now {self.plan_item_status}."]
        lines += ["", "Engagement from the messages (chat_action: events / succeeded / duplicate): "
                      f"{self.engagement.get('events', 0)} / {self.engagement.get('succeeded', 0)} / "
                      f"{self.engagement.get('duplicate', 0)}; Slack posts made: {self.slack_posts}"]
        return lines


def indent(text: str) -> str:
    return "\n".join(f"  | {line}" if line else "  |" for line in text.splitlines())


class Api:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def call(self, method: str, path: str, role: str, sub: str, body: dict | None = None, **params: Any) -> Any:
        token = self.stack.mint_token(role, sub)
        answer = requests.request(method, self.stack.base_url + path, json=body, params=params or None, timeout=30,
                                  headers={"authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.json()


def choose_slack(stack: LocalStack, person_id: str, role: str) -> None:
    api = Api(stack)
    current = api.call("GET", f"/people/{person_id}/preferences", role, person_id)
    api.call("PUT", f"/people/{person_id}/preferences", role, person_id, {
        "version": current["version"], "channel": "slack", "timezone": None, "quiet_hours": None,
        "daily_cap": None, "weekly_cap": None, "digest": "off", "muted_kinds": [],
        "teams_webhook_ref": current.get("teams_webhook_ref")})


def _first_sent(api: Api, recipient: str, role: str, kind: str) -> dict | None:
    notes = api.call("GET", "/notifications", role, recipient, recipient_id=recipient)["notifications"]
    found = sorted((n for n in notes if n["kind"] == kind and n["channel"] == "slack" and n["status"] == "sent"),
                   key=lambda n: (n["created_at"], n["notification_id"]))
    return found[0] if found else None


def _post_of(stack: LocalStack, notification_id: str) -> Any:
    assert stack.slack is not None
    return next((c for c in stack.slack.calls_to("chat.postMessage") if notification_id in json.dumps(c.params)),
                None)


def _press(stack: LocalStack, post: Any, notification_id: str, verb: str, **extra: Any) -> None:
    assert stack.slack is not None
    body, headers = signed_block_actions(
        STUB_SIGNING_SECRET, timestamp=int(time.time()), notification_id=notification_id, verb=verb,
        user_id=post.params["channel"], team_id=stack.slack.team_id, message_ts=str(time.time()),
        response_url=stack.slack.response_url(), **extra)
    answer = requests.post(stack.base_url + "/slack/interactions", data=body, timeout=10,
                           headers={**headers, "content-type": "application/x-www-form-urlencoded"})
    answer.raise_for_status()
    stack.wait_until_idle(timeout=60)


def play(stack: LocalStack, manager_id: str, employee_id: str, hr_admin: str) -> ChatScene:
    """After the replay: the manager's first Slack alert, pressed; the employee's first Slack nudge, accepted."""
    api = Api(stack)
    scene = ChatScene(manager_id, employee_id)
    outbox = aws_dependencies(stack.settings).outbox
    alert = _first_sent(api, manager_id, "manager", "manager_alert")
    post = _post_of(stack, alert["notification_id"]) if alert else None
    if alert and post:
        scene.alert_text = blocks_as_text(post.params["blocks"])
        about = outbox.get(alert["notification_id"])
        scene.about = alert["subject"].split(": ", 1)[-1]
        scene.about_id = (about.about_id if about else None) or ""
        _press(stack, post, alert["notification_id"], "discussed", note=NOTE)
        decided = [a for a in api.call("GET", f"/managers/{manager_id}/alerts", "manager", manager_id)["alerts"]
                   if a.get("decision") and a["employee_id"] == scene.about_id]
        scene.alert_decision = decided[0]["decision"] if decided else {}
        ts = about.provider_ref.get("ts") if about else None
        assert stack.slack is not None
        updates = [c for c in stack.slack.calls_to("chat.update") if ts and c.params.get("ts") == ts]
        scene.alert_after = blocks_as_text(updates[-1].params["blocks"]) if updates else ""
    nudge = _first_sent(api, employee_id, "employee", "nudge")
    nudge_post = _post_of(stack, nudge["notification_id"]) if nudge else None
    stored = outbox.get(nudge["notification_id"]) if nudge else None
    if nudge and nudge_post and stored and stored.content and stored.content.items:
        item = stored.content.items[0]
        scene.nudge_text = blocks_as_text(nudge_post.params["blocks"])
        scene.accepted_item = item.title
        _press(stack, nudge_post, nudge["notification_id"], "accept", item_id=item.item_id)
        plan = api.call("GET", f"/employees/{employee_id}/plan", "employee", employee_id)["plan"] or {}
        scene.plan_item_status = (plan.get("item_decisions", {}).get(item.item_id) or {}).get("status", "")
    stats = api.call("GET", "/triggers/stats", "hr_admin", hr_admin)
    row: dict[str, Any] = next((t for t in stats["triggers"] if t["trigger"] == "chat_action"), {})
    scene.engagement = {k: row.get(k, 0) for k in ("events", "succeeded", "duplicate")}
    assert stack.slack is not None
    scene.slack_posts = len(stack.slack.calls_to("chat.postMessage"))
    return scene
