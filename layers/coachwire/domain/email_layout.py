"""A message as e-mail: HTML and plain text from the same words, a link to the person's preferences, and the
List-Unsubscribe header that lets a mail client offer "unsubscribe" (RFC 2369) without anyone hunting for it.

Everything a person or HR wrote is escaped; nothing here reads stores or sends."""

from __future__ import annotations

from html import escape

from coachwire.models.coaching import Notification
from coachwire.models.messages import MessageContent

LINK_LABELS = {"plan": "Open your plan", "guide": "Conversation guide", "brief": "1:1 brief",
               "preferences": "Choose what reaches you, and when"}
_FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"


def preferences_url(note: Notification, base_url: str) -> str | None:
    """Only people with a coaching record have preferences (not an HR mailbox)."""
    link = (note.content.links.get("preferences") if note.content else None)
    return _absolute(base_url, link) if link and base_url else None


def plain_text(note: Notification, base_url: str) -> str:
    url = preferences_url(note, base_url)
    footer = f"\n\n--\nChoose what reaches you, and when: {url}" if url else ""
    return note.body + footer


def headers(note: Notification, base_url: str) -> dict[str, str]:
    url = preferences_url(note, base_url)
    return {"List-Unsubscribe": f"<{url}>"} if url else {}


def html(note: Notification, base_url: str) -> str:
    content = note.content or MessageContent(greeting="", lead=note.body)
    parts = [f'<p style="{_FONT}font-size:15px">{escape(content.greeting)}</p>' if content.greeting else "",
             _paragraphs(content.lead)]
    if content.items:
        parts.append("<ul>" + "".join(
            f'<li style="{_FONT}margin-bottom:8px"><strong>{escape(i.title)}</strong>'
            + (f"<br><span style=\"color:#444\">{escape(i.detail)}</span>" if i.detail else "") + "</li>"
            for i in content.items) + "</ul>")
    if content.points:
        parts.append("<ul>" + "".join(f'<li style="{_FONT}">{escape(p)}</li>' for p in content.points) + "</ul>")
    if content.closing:
        parts.append(_paragraphs(content.closing, muted=True))
    links = [(LINK_LABELS.get(name, name), _absolute(base_url, path)) for name, path in content.links.items()
             if base_url and name != "preferences"]
    if links:
        parts.append(f'<p style="{_FONT}">' + " · ".join(
            f'<a href="{escape(url, quote=True)}">{escape(label)}</a>' for label, url in links) + "</p>")
    url = preferences_url(note, base_url)
    footer = (f'<hr style="border:none;border-top:1px solid #ddd"><p style="{_FONT}font-size:12px;color:#666">'
              f'<a href="{escape(url, quote=True)}">{LINK_LABELS["preferences"]}</a></p>') if url else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(note.subject)}</title>'
            f'</head><body style="{_FONT}max-width:640px;margin:0 auto;padding:16px;color:#1a1a1a">'
            + "".join(parts) + footer + "</body></html>")


def _paragraphs(text: str, muted: bool = False) -> str:
    style = _FONT + ("color:#555;font-size:13px" if muted else "font-size:15px")
    return "".join(f'<p style="{style}">{escape(line)}</p>' for line in text.split("\n\n") if line.strip())


def _absolute(base_url: str, path: str) -> str:
    return path if path.startswith(("https://", "http://")) else base_url.rstrip("/") + "/" + path.lstrip("/")
