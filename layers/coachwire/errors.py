from __future__ import annotations


class DomainError(ValueError):
    """Input that is well-formed but does not fit the organisation's data. `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownReference(DomainError):
    """An id that the framework, catalog or profile store does not know."""


class NotAllowed(PermissionError):
    """The caller may not do or read this (the API answers 401 or 403)."""
