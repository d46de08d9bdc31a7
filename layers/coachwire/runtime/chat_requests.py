"""What the chat interaction routes (Slack, Teams) answer when a request is refused before anything is done."""

from __future__ import annotations


class ChatRequestRejected(Exception):
    """401 for an unsigned, stale or tampered request; 400 for one that names no action we know (`field` says
    which part was wrong). The message is safe to return and to log: never a token, a URL or free text."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
