"""A Notification laid out as a Slack message: Block Kit built with slack_sdk's models, plus the `text` fallback
Slack shows in notifications and screen readers.

Every button carries, in its `value`, the notification (and item) it acts on as compact JSON, and its verb as
`action_id`, so an interaction is self-describing (the interaction route reads them back with
`parse_action_value`). Free text a person may add (a decline reason, a 1:1 note) is typed into one optional input
block (`NOTE_BLOCK_ID` / `NOTE_ACTION_ID`) and arrives in the press's `state.values`.

Every piece of user or content text that goes into a mrkdwn object is escaped (`&`, `<`, `>`), so a name such as
`<!channel>` can neither ping a channel nor forge a link. Pure: no clock, no I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from coachwire.models.coaching import Notification
from coachwire.models.messages import (
    ACTION_LABELS,
    NOT_RELEVANT_LABELS,
    ActionVerb,
    MessageContent,
)

# The one free-text input of a message (the decline reason on items, the 1:1 note on an alert).
NOTE_BLOCK_ID = "cw_note"
NOTE_ACTION_ID = "note"
NOTE_MAX_LENGTH = 500  # ChatAction.reason's limit
ALERT_ACTIONS_BLOCK_ID = "cw_actions"
# Link buttons that are not verbs (opening the conversation guide): Slack still sends a block_actions press.
LINK_ACTION_PREFIX = "link_"
ALERT_CLOSING = "This is a prompt for a supportive conversation, not a performance flag."

MAX_ITEMS = 10  # a message holds at most 50 blocks; each item takes two
HEADER_MAX, SECTION_MAX, CONTEXT_MAX, BUTTON_MAX, OPTION_MAX, TEXT_MAX = 150, 3000, 3000, 75, 75, 4000

DECIDED_LABELS: dict[ActionVerb, str] = {
    "accept": "Accepted", "decline": "Declined", "done": "Marked done", "snooze": "Snoozed for now",
    "discussed": "Discussed in your 1:1", "not_relevant": "Marked not relevant", "brief": "Opened the 1:1 brief"}
_DECIDED_BY_NAME: Mapping[str, str] = {verb: label for verb, label in DECIDED_LABELS.items()}
_REASON_BY_NAME: Mapping[str, str] = {code: label for code, label in NOT_RELEVANT_LABELS.items()}
_LINK_LABELS = {"guide": "Conversation guide", "brief": "Open 1:1 brief", "plan": "Open my plan",
                "preferences": "Message preferences"}


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage / chat.update take: `text` (the fallback) and the blocks."""

    text: str
    blocks: list[Block]

    def blocks_json(self) -> list[dict]:
        return [b.to_dict() for b in self.blocks]


def escape_mrkdwn(text: str) -> str:
    """Slack's mrkdwn control characters, escaped as Slack asks (only these three)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def action_value(notification_id: str, item_id: str | None = None, reason_code: str | None = None) -> str:
    """A button's (or a select option's) value: which notification and item it acts on, as compact JSON."""
    value: dict[str, str] = {"n": notification_id}
    if item_id is not None:
        value["i"] = item_id
    if reason_code is not None:
        value["r"] = reason_code
    return json.dumps(value, separators=(",", ":"))


def parse_action_value(value: object) -> dict[str, str | None]:
    """The reverse of `action_value`: {"notification_id", "item_id", "reason_code"}. ValueError if it isn't one."""
    if not isinstance(value, str):
        raise ValueError("missing")
    try:
        data = json.loads(value)
    except ValueError as err:
        raise ValueError("not JSON") from err
    if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not data["n"]:
        raise ValueError("no notification id")
    for key in ("i", "r"):
        if key in data and not isinstance(data[key], str):
            raise ValueError(f"{key!r} is not a string")
    return {"notification_id": data["n"], "item_id": data.get("i"), "reason_code": data.get("r")}


def render_message(note: Notification, base_url: str = "") -> SlackMessage:
    """The message as first sent. `base_url` is where the app's links (content.links, API paths) live; without
    it link buttons are left out (a brief verb then stays an ordinary button)."""
    content = note.content
    if content is None:
        return SlackMessage(_fallback_text(note), [_header(note.subject), _section(escape_mrkdwn(note.body))])
    blocks: list[Block] = [_header(note.subject), *_opening(content)]
    for index, item in enumerate(content.items[:MAX_ITEMS]):
        blocks.append(_section(_item_text(item.title, item.detail)))
        if content.item_verbs:
            blocks.append(ActionsBlock(block_id=f"cw_item_{index}", elements=[
                _button(verb, action_value(note.notification_id, item.item_id)) for verb in content.item_verbs]))
    blocks.extend(_more_items(content))
    blocks.extend(_points(content))
    if content.items and "decline" in content.item_verbs:
        blocks.append(_note_input("If you decline, why? (optional, only on your plan)"))
    if content.verbs:
        if "discussed" in content.verbs:
            blocks.append(_note_input("Note from your 1:1 (optional, kept on the alert only)"))
        blocks.append(ActionsBlock(block_id=ALERT_ACTIONS_BLOCK_ID,
                                   elements=_message_actions(note, content, base_url)))
    blocks.extend(_closing(content, base_url))
    return SlackMessage(_fallback_text(note), blocks)


def decided_blocks(note: Notification, decided: str, *, at: datetime | None = None,
                   base_url: str = "") -> SlackMessage:
    """The message after its recipient decided from it: the same words, the buttons and inputs replaced by a
    context line saying what was decided (and when, if `at` is given: shown in the reader's own time zone).

    `decided` is a verb ("discussed"), a verb and reason code ("not_relevant:on_leave"), or any other words."""
    line = f":white_check_mark: {escape_mrkdwn(decided_label(decided))}"
    if at is not None:
        line += f" · {_slack_date(at)}"
    content = note.content
    if content is None:
        blocks: list[Block] = [_header(note.subject), _section(escape_mrkdwn(note.body)), _context(line)]
        return SlackMessage(f"{_fallback_text(note)}\n\n{decided_label(decided)}"[:TEXT_MAX], blocks)
    blocks = [_header(note.subject), *_opening(content)]
    blocks.extend(_section(_item_text(i.title, i.detail)) for i in content.items[:MAX_ITEMS])
    blocks.extend(_more_items(content))
    blocks.extend(_points(content))
    blocks.append(DividerBlock())
    blocks.append(_context(line))
    blocks.extend(_closing(content, base_url))
    text = f"{escape_mrkdwn(note.subject)}: {escape_mrkdwn(decided_label(decided))}"
    return SlackMessage(text[:TEXT_MAX], blocks)


def decided_label(decided: str) -> str:
    verb, _, code = decided.partition(":")
    label = _DECIDED_BY_NAME.get(verb)
    if label is None:
        return decided
    reason = _REASON_BY_NAME.get(code) if code else None
    return f"{label} ({reason})" if reason else label


# --- text form (the demo, logs without a Slack workspace) -------------------------------------------------------

_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]+)>")


def blocks_as_text(blocks: Sequence[Block | dict]) -> str:
    """A readable plain-text rendering of blocks: headers, sections, buttons as [Label], selects as
    [Label v a | b], inputs as [label: ____], context lines in parentheses."""
    lines: list[str] = []
    for block in blocks:
        data = block.to_dict() if isinstance(block, Block) else block
        lines.extend(_block_text(data))
    return "\n".join(lines).rstrip() + "\n"


def _block_text(block: dict) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _plain(block["text"])
        return [title, "=" * len(title)]
    if kind == "section":
        return [*_plain(block.get("text") or {}).splitlines(), ""]
    if kind == "divider":
        return ["-" * 40]
    if kind == "context":
        return [f"({' '.join(_plain(e) for e in block.get('elements', []))})", ""]
    if kind == "input":
        return [f"[{_plain(block['label'])}: ____]", ""]
    if kind == "actions":
        return ["  " + " ".join(_element_text(e) for e in block.get("elements", [])), ""]
    return [f"<{kind} block>"]


def _element_text(element: dict) -> str:
    if element.get("type") == "button":
        label = _plain(element["text"])
        return f"[{label} -> {element['url']}]" if element.get("url") else f"[{label}]"
    if element.get("type") == "static_select":
        options = " | ".join(_plain(o["text"]) for o in element.get("options", []))
        return f"[{_plain(element.get('placeholder') or {})} v {options}]"
    return f"<{element.get('type')}>"


def _plain(text_object: dict) -> str:
    text = str(text_object.get("text", ""))
    if text_object.get("type") == "mrkdwn":
        text = _DATE.sub(lambda m: m.group(1), text)
        text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text


# --- pieces --------------------------------------------------------------------------------------------------

def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header(subject: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=_cut(subject, HEADER_MAX) or " ", emoji=False))


def _section(mrkdwn: str) -> SectionBlock:
    """A mrkdwn section; the caller has escaped every piece of content in it."""
    return SectionBlock(text=MarkdownTextObject(text=_cut(mrkdwn, SECTION_MAX) or " "))


def _item_text(title: str, detail: str) -> str:
    return f"*{escape_mrkdwn(title)}*" + (f"\n{escape_mrkdwn(detail)}" if detail else "")


def _context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=_cut(mrkdwn, CONTEXT_MAX))])


def _opening(content: MessageContent) -> list[Block]:
    return [_section(escape_mrkdwn(f"{content.greeting}\n{content.lead}".strip()))]


def _more_items(content: MessageContent) -> list[Block]:
    extra = len(content.items) - MAX_ITEMS
    return [_context(f"…and {extra} more on your plan.")] if extra > 0 else []


def _points(content: MessageContent) -> list[Block]:
    if not content.points:
        return []
    return [_section("\n".join(f"• {escape_mrkdwn(p)}" for p in content.points))]


def _closing(content: MessageContent, base_url: str) -> list[Block]:
    closing = content.closing or (ALERT_CLOSING if "discussed" in content.verbs else "")
    parts = [escape_mrkdwn(closing)] if closing else []
    if base_url and "preferences" in content.links:
        parts.append(f"<{_url(base_url, content.links['preferences'])}|{_LINK_LABELS['preferences']}>")
    return [_context(" · ".join(parts))] if parts else []


def _button(verb: ActionVerb, value: str, *, url: str | None = None) -> ButtonElement:
    style = "primary" if verb in ("accept", "discussed") else None
    return ButtonElement(text=PlainTextObject(text=_cut(ACTION_LABELS[verb], BUTTON_MAX), emoji=False),
                         action_id=verb, value=value, url=url, style=style)


def _note_input(label: str) -> InputBlock:
    return InputBlock(
        block_id=NOTE_BLOCK_ID, label=PlainTextObject(text=label, emoji=False), optional=True,
        dispatch_action=False,
        element=PlainTextInputElement(action_id=NOTE_ACTION_ID, multiline=True, max_length=NOTE_MAX_LENGTH))


def _message_actions(note: Notification, content: MessageContent, base_url: str) -> list[Any]:
    nid = note.notification_id
    elements: list[Any] = []
    for verb in content.verbs:
        if verb == "not_relevant":
            elements.append(StaticSelectElement(
                action_id="not_relevant",
                placeholder=PlainTextObject(text=ACTION_LABELS["not_relevant"], emoji=False),
                options=[Option(text=PlainTextObject(text=_cut(label, OPTION_MAX), emoji=False),
                                value=action_value(nid, reason_code=code))
                         for code, label in NOT_RELEVANT_LABELS.items()]))
        elif verb == "brief" and base_url and "brief" in content.links:
            elements.append(_button("brief", action_value(nid), url=_url(base_url, content.links["brief"])))
        else:
            elements.append(_button(verb, action_value(nid)))
    if base_url and "guide" in content.links:
        elements.append(ButtonElement(
            text=PlainTextObject(text=_LINK_LABELS["guide"], emoji=False), action_id=f"{LINK_ACTION_PREFIX}guide",
            value=action_value(nid), url=_url(base_url, content.links["guide"])))
    return elements


def _url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _slack_date(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("decided_blocks needs an aware datetime")
    fallback = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _fallback_text(note: Notification) -> str:
    return _cut(escape_mrkdwn(f"{note.subject}\n\n{note.body}"), TEXT_MAX)
