"""A person's delivery preferences from the API: replaced whole, on the version the caller read, and audit-logged
with the names of the fields that changed (never their values: a webhook name or a time zone says where someone is)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from coachwire.models.coaching import AuditRecord
from coachwire.models.preferences import Preferences, PreferencesUpdate
from coachwire.ports import ConcurrentUpdate
from coachwire.services.deps import Dependencies

# The fields a person chooses (the rest is bookkeeping: whose, which version, when and by whom).
CHOSEN_FIELDS: tuple[str, ...] = ("channel", "timezone", "quiet_hours", "daily_cap", "weekly_cap", "digest",
                                  "muted_kinds", "teams_webhook_ref")


@dataclass(frozen=True)
class Saved:
    request_id: str
    preferences: Preferences | None  # None: nothing stored (an unchanged PUT over the defaults)
    changed: tuple[str, ...]


def changed_fields(before: Preferences | None, after: Preferences) -> tuple[str, ...]:
    base = before or Preferences(person_id=after.person_id)
    return tuple(name for name in CHOSEN_FIELDS if getattr(base, name) != getattr(after, name))


def save_preferences(deps: Dependencies, person_id: str, update: PreferencesUpdate, requested_by: str) -> Saved:
    """ConcurrentUpdate when the stored version is not `update.version` (0: nothing stored). Asking for what is
    stored already writes nothing (outcome no_action), and is still logged."""
    request_id = f"prefs_{uuid.uuid4().hex[:20]}"
    now = deps.clock.now()
    stored = deps.profiles.preferences(person_id)
    if update.version != (stored.version if stored else 0):
        raise ConcurrentUpdate(f"the preferences are at version {stored.version if stored else 0}")
    wanted = update.stored(person_id, update.version, now, requested_by)
    changed = changed_fields(stored, wanted)
    if changed:
        deps.profiles.put_preferences(wanted, expected_version=stored.version if stored else None)
        kept: Preferences | None = wanted.model_copy(update={"version": update.version + 1})
    else:
        kept = stored
    deps.audit.append(AuditRecord(
        event_id=request_id, trigger="api", subject_id=person_id, outcome="succeeded" if changed else "no_action",
        recorded_at=now, decision={"action": "preferences.changed", "requested_by": requested_by,
                                   "fields": list(changed), "version": kept.version if kept else 0}))
    return Saved(request_id, kept, changed)
