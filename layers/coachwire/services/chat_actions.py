"""chat_action: a verified press in Slack or Teams, applied through the same services as the HTTP API.

Employee presses on a nudge, next step or plan change the plan (services.cocreation.change_plan, attributed to the
employee); manager presses on a stall alert record a decision on the alert ("not now" also keeps stall detection
quiet about the person for a week). Each press is an engagement event (who, what, when; ids and codes only) in the
audit log, committed once however often it is delivered (its interaction id is the receipt). The message is then
updated in place to show what was decided."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from coachwire import spine
from coachwire.domain import access, chat_actions
from coachwire.domain.brief import brief_as_text
from coachwire.errors import UnknownReference
from coachwire.logs import logger
from coachwire.models.chat import ChatAction, ChatCommand
from coachwire.models.coaching import AlertDecision, EmployeeProfile, ManagerAlert, Notification
from coachwire.models.cocreation import AcceptItem, DeclineItem, MarkDone, PlanPatch, SnoozeItem
from coachwire.models.preferences import Preferences, PreferencesUpdate, QuietHours
from coachwire.ports import ChannelBroken, ConcurrentUpdate, ProfileChange
from coachwire.services import cocreation
from coachwire.services.brief import one_on_one_brief
from coachwire.services.deps import Dependencies
from coachwire.services.preferences import save_preferences
from coachwire.services.unit_of_work import TriggerResult, commit_for_employee

TRIGGER = "chat_action"
SNOOZE_DAYS = 7


def chat_action(detail: dict, deps: Dependencies) -> TriggerResult:
    if "command" in detail:
        return chat_command(ChatCommand.model_validate(detail["command"]), deps)
    action = ChatAction.model_validate(detail["action"])
    note = deps.outbox.get(action.notification_id)
    refused = chat_actions.refusal(note, action)
    engagement = {"action": f"engagement.{action.verb}", "chat": action.chat,
                  "notification_id": action.notification_id}
    if refused is not None or note is None:
        _reply(deps, action, chat_actions.REFUSALS[refused or "unknown_message"])
        return TriggerResult("no_action", "", {**engagement, "refused": refused})
    if action.verb in ("mute", "digest"):
        result = _on_preferences(deps, note, action, engagement)
    elif note.kind == "manager_alert":
        result = _on_alert(deps, note, action, engagement)
    else:
        result = _on_plan(deps, note, action, engagement)
    if result.outcome == "succeeded":
        _show_decision(deps, note, action)
    return result


NOT_LINKED = ("Coachwire does not know your Slack account yet: it learns it when it first sends you a message "
              "here.")
USAGE = "Ask for a 1:1 brief with the person's employee id: /coachwire-brief <employee id>"
NO_BRIEF = "There is no brief you may read for that id (only their manager, the person themself and HR can)."


def chat_command(command: ChatCommand, deps: Dependencies) -> TriggerResult:
    """The brief for the person named, for the chat user who asked, if they may read it as the route allows."""
    who = deps.profiles.employee_for_chat_user(command.chat, command.actor_ref)
    decision = {"action": "engagement.brief_command", "chat": command.chat}
    if who is None:
        _reply_to(deps, command.chat, command.reply, NOT_LINKED)
        return TriggerResult("no_action", "", {**decision, "refused": "not_linked"})
    target = command.text.split()[0] if command.text.split() else ""
    profile = deps.profiles.get(target) if target else None
    caller = access.Caller(who, "hr_admin" if who in deps.settings.hr_admins else "manager")
    if not target:
        _reply_to(deps, command.chat, command.reply, USAGE)
        return TriggerResult("no_action", who, {**decision, "refused": "usage"})
    if profile is None or not access.may_read_brief(caller, profile.manager_id or "", target, profile.manager_id):
        _reply_to(deps, command.chat, command.reply, NO_BRIEF)
        return TriggerResult("no_action", who, {**decision, "refused": "not_readable"})
    found = one_on_one_brief(deps, profile.manager_id or "", profile)
    _reply_to(deps, command.chat, command.reply, brief_as_text(found) if found else NO_BRIEF)
    return TriggerResult("succeeded" if found else "no_action", who, {**decision, "employee_id": target})


def _request_id(action: ChatAction) -> str:
    return "chat_" + hashlib.sha256(f"{action.chat}|{action.interaction_id}".encode()).hexdigest()[:24]


def _on_plan(deps: Dependencies, note: Notification, action: ChatAction, engagement: dict) -> TriggerResult:
    item = str(action.item_id)
    change = {"accept": lambda: AcceptItem(op="accept", item_id=item),
              "decline": lambda: DeclineItem(op="decline", item_id=item, reason=action.reason),
              "done": lambda: MarkDone(op="done", item_id=item),
              "snooze": lambda: SnoozeItem(op="snooze", item_id=item, days=SNOOZE_DAYS)}[action.verb]()
    done = cocreation.change_plan(deps, note.recipient_id, PlanPatch(changes=[change]), note.recipient_id,
                                  "employee", request_id=_request_id(action), receipt_trigger=TRIGGER, audited=False)
    return TriggerResult(done.result.outcome, note.recipient_id, _codes({
        **engagement, "kind": note.kind, "item_id": item, "plan_id": done.result.decision.get("plan_id")}))


def _on_preferences(deps: Dependencies, note: Notification, action: ChatAction, engagement: dict) -> TriggerResult:
    """The recipient's own preferences, as PUT /people/{id}/preferences changes them (audited there)."""
    person = note.recipient_id
    for _ in range(3):  # a concurrent change of the preferences: read them again
        stored = deps.profiles.preferences(person)
        chosen = _as_update(stored)
        if action.verb == "mute":
            chosen = chosen.model_copy(update={"muted_kinds": sorted({*chosen.muted_kinds, note.kind})})
        else:
            chosen = chosen.model_copy(update={"digest": "weekly"})
        try:
            saved = save_preferences(deps, person, chosen, requested_by=person)
        except ConcurrentUpdate:
            continue
        return TriggerResult("succeeded" if saved.changed else "no_action", person,
                             {**engagement, "kind": note.kind, "fields": list(saved.changed)})
    raise ConcurrentUpdate("the preferences kept changing")


def _as_update(stored: Preferences | None) -> PreferencesUpdate:
    if stored is None:
        return PreferencesUpdate(version=0)
    quiet = stored.quiet_hours
    return PreferencesUpdate.model_validate({
        "version": stored.version, "channel": stored.channel, "timezone": stored.timezone,
        "quiet_hours": quiet.model_dump(mode="json") if isinstance(quiet, QuietHours) else quiet,
        "daily_cap": stored.daily_cap, "weekly_cap": stored.weekly_cap, "digest": stored.digest,
        "muted_kinds": list(stored.muted_kinds), "teams_webhook_ref": stored.teams_webhook_ref})


def _on_alert(deps: Dependencies, note: Notification, action: ChatAction, engagement: dict) -> TriggerResult:
    manager_id, employee_id = note.recipient_id, note.about_id or ""
    decision = _codes({**engagement, "kind": note.kind, "employee_id": employee_id,
                       "reason_code": action.reason_code})
    if not chat_actions.still_their_report(note, deps.profiles.get(employee_id)):
        _reply(deps, action, chat_actions.REFUSALS["no_longer_your_report"])
        return TriggerResult("no_action", manager_id, {**decision, "refused": "no_longer_your_report"})
    if action.verb == "brief":
        # Nothing to change: the brief is read (only by the manager it was sent to), and that counts as using it.
        employee = deps.profiles.get(employee_id)
        found = one_on_one_brief(deps, manager_id, employee) if employee else None
        link = _brief_link(deps, note)
        _reply(deps, action, (brief_as_text(found) + (f"\n\n{link}" if link else "")) if found else
               "The brief is not available: the employee's record or framework is missing.")
        return TriggerResult("succeeded" if found else "no_action", manager_id, decision)
    now = deps.clock.now()

    def compute(profile: EmployeeProfile | None):
        if profile is None:
            raise UnknownReference("employee_id", f"unknown employee '{employee_id}'")
        alert = _alert_about(deps, note, manager_id, employee_id)
        status = {"discussed": "discussed", "snooze": "snoozed", "not_relevant": "not_relevant"}[action.verb]
        until = now.date() + timedelta(days=SNOOZE_DAYS) if action.verb == "snooze" else None
        decided = AlertDecision(status=status, by=manager_id, at=now, until=until, reason_code=action.reason_code,
                                note=action.reason if action.verb == "discussed" else None)
        updated = profile.model_copy(update={"stall_snoozed_until": until}) if until else profile
        change = ProfileChange(profile=updated, expected_version=profile.version, write_profile=until is not None,
                               alert_update=alert.model_copy(update={"decision": decided}))
        return change, TriggerResult("succeeded", manager_id, decision)

    try:
        return commit_for_employee(deps, employee_id, TRIGGER, _request_id(action), compute)
    except UnknownReference:  # the alert was erased or expired meanwhile: nothing to decide on
        _reply(deps, action, chat_actions.REFUSALS["alert_gone"])
        return TriggerResult("no_action", manager_id, {**decision, "refused": "alert_gone"})


def _codes(decision: dict) -> dict:
    """The audit log holds ids and codes, never an empty value."""
    return {k: v for k, v in decision.items() if v is not None}


def _alert_about(deps: Dependencies, note: Notification, manager_id: str, employee_id: str) -> ManagerAlert:
    """The alert this message carried (a message from before alert ids were recorded: the latest about them)."""
    alerts = [a for a in deps.profiles.alerts_for_manager(manager_id) if a.employee_id == employee_id
              and (note.alert_id is None or a.alert_id == note.alert_id)]
    if not alerts:
        raise UnknownReference("alert_id", "the stall alert this message carried is no longer held")
    return max(alerts, key=lambda a: a.created_at)


def _brief_link(deps: Dependencies, note: Notification) -> str:
    path = (note.content.links.get("brief") if note.content else None) or ""
    base = deps.settings.app_base_url.rstrip("/")
    return f"{base}{path}" if base else path


def _show_decision(deps: Dependencies, note: Notification, action: ChatAction) -> None:
    """Best effort: the decision is committed; a message that cannot be updated in place still shows it on the
    notification (GET /notifications)."""
    title = next((i.title for i in (note.content.items if note.content else []) if i.item_id == action.item_id), None)
    decided = chat_actions.decided_text(action, title)
    try:
        deps.outbox.record_decision(note.notification_id, decided)
        sender = deps.channels.get(action.chat)
        if sender is not None:
            sender.update(deps.outbox.get(note.notification_id) or note, decided)
    except ChannelBroken as err:
        logger.error(spine.CHANNEL_BROKEN_LOG, extra={"channel": action.chat, "code": err.code})
    except Exception as err:  # noqa: BLE001 - shown on the notification; the chat message keeps its buttons
        logger.warning("chat message not updated", extra={"notification_id": note.notification_id,
                                                          "error_type": type(err).__name__})


def _reply(deps: Dependencies, action: ChatAction, text: str) -> None:
    _reply_to(deps, action.chat, action.reply, text)


def _reply_to(deps: Dependencies, chat: str, reply: dict[str, str], text: str) -> None:
    sender = deps.channels.get(chat)
    if sender is None or not reply:
        return
    try:
        sender.reply_privately(reply, text)
    except Exception as err:  # noqa: BLE001 - a private note that did not arrive changes nothing
        logger.warning("private chat reply not sent", extra={"error_type": type(err).__name__})
