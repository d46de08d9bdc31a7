"""The model registry's rules, pure: which version is active, which one runs in shadow, and how promotion
and rollback move between them. Storage is the ``ModelRegistry`` port (DynamoDB in AWS).

- A fresh installation has no stored version: the built-in ``DEFAULT_VERSION`` (default configuration, no fitted
  efficacy) is active until an hr_admin promotes a trained one.
- Training registers a *candidate* and makes it the shadow: it is scored beside the active model on every
  trigger, stored, never delivered.
- Promotion (hr_admin, with a reason) makes the shadow candidate active and keeps the one it replaced in
  ``history``; rollback re-activates the most recent entry of ``history``. Every move is audit-logged by the
  service that calls these functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coachwire.engine.model import ModelConfig, ModelVersion
from coachwire.errors import DomainError

DEFAULT_VERSION = ModelVersion(config=ModelConfig())
DEFAULT_VERSION_ID = DEFAULT_VERSION.version


class RegistryRefused(DomainError):
    """A promotion or rollback that the registry's rules do not allow (the API answers 409)."""


class RegistryPointer(BaseModel):
    """The one mutable record: versions themselves never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    active: str = DEFAULT_VERSION_ID
    shadow: str | None = None
    history: tuple[str, ...] = Field(default=(), description="previously active versions, most recent last")
    revision: int = 0
    changed_at: datetime | None = None
    changed_by: str | None = None
    reason: str | None = None
    # Set when a promotion went ahead despite the model review gate: why the hr_admin overrode it.
    override_reason: str | None = None


class ModelEntry(BaseModel):
    """A stored version's listing: what an hr_admin sees at GET /models."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    created_at: datetime | None = None  # None for the built-in version, which ships with the code
    origin: Literal["training", "built_in", "import"]
    status: Literal["active", "shadow", "previous", "candidate"] = "candidate"
    training_window_start: str | None = None
    training_window_end: str | None = None
    completions_used: int = 0
    employees: int = 0


def status_of(version: str, pointer: RegistryPointer) -> str:
    if version == pointer.active:
        return "active"
    if version == pointer.shadow:
        return "shadow"
    if version in pointer.history:
        return "previous"
    return "candidate"


def with_shadow(pointer: RegistryPointer, candidate: str, at: datetime) -> RegistryPointer | None:
    """A newly trained candidate replaces the shadow; None when nothing changes (same version retrained, or
    training reproduced the active model)."""
    if candidate in (pointer.active, pointer.shadow):
        return None
    return pointer.model_copy(update={"shadow": candidate, "revision": pointer.revision + 1, "changed_at": at,
                                      "changed_by": "training", "reason": "new candidate from scheduled training"})


def promoted(pointer: RegistryPointer, version: str, *, by: str, reason: str, at: datetime,
             known: bool, override_reason: str | None = None) -> RegistryPointer:
    if not known:
        raise RegistryRefused("version", f"unknown model version '{version}'")
    if version == pointer.active:
        raise RegistryRefused("version", f"'{version}' is already the active model")
    history = tuple(v for v in pointer.history if v != version) + (pointer.active,)
    return RegistryPointer(active=version, shadow=None if pointer.shadow == version else pointer.shadow,
                           history=history, revision=pointer.revision + 1, changed_at=at, changed_by=by,
                           reason=reason, override_reason=override_reason)


def rolled_back(pointer: RegistryPointer, *, by: str, reason: str, at: datetime) -> RegistryPointer:
    if not pointer.history:
        raise RegistryRefused("version", "there is no previous model version to roll back to")
    previous = pointer.history[-1]
    return RegistryPointer(active=previous, shadow=pointer.shadow, history=pointer.history[:-1],
                           revision=pointer.revision + 1, changed_at=at, changed_by=by, reason=reason)
