"""ProfileStore preferences: stored beside the profile (EMP#<id>, PREFS), written on the version read, exported with
everything held about the person and erased with them."""

from __future__ import annotations

from datetime import time

import pytest
from coachwire.adapters.retention import DynamoRetentionStore
from coachwire.models.preferences import Preferences, QuietHours
from coachwire.ports import ConcurrentUpdate, ProfileChange
from coachwire.services import rights

from tests.contracts.records import AT, person
from tests.fakes import FakeProfileStore, retention_store


def chosen(uid: str, **fields) -> Preferences:
    return Preferences(person_id=f"emp-{uid}", channel="slack", timezone="Europe/Berlin",
                       quiet_hours=QuietHours(start=time(21), end=time(7, 30)), daily_cap=2, weekly_cap=0,
                       digest="weekly", muted_kinds=["nudge"], teams_webhook_ref="team-platform", updated_at=AT,
                       updated_by=f"emp-{uid}", **fields)


def test_preferences_round_trip_and_each_write_checks_the_version_it_read(deps, uid):
    assert deps.profiles.preferences(f"emp-{uid}") is None
    deps.profiles.put_preferences(chosen(uid), expected_version=None)
    first = deps.profiles.preferences(f"emp-{uid}")
    assert first == chosen(uid, version=1)
    with pytest.raises(ConcurrentUpdate):  # someone stored theirs first
        deps.profiles.put_preferences(chosen(uid), expected_version=None)

    deps.profiles.put_preferences(first.model_copy(update={"quiet_hours": "off", "daily_cap": None}), 1)
    second = deps.profiles.preferences(f"emp-{uid}")
    assert (second.version, second.quiet_hours, second.daily_cap) == (2, "off", None)
    with pytest.raises(ConcurrentUpdate):  # decided on version 1, which is gone
        deps.profiles.put_preferences(first.model_copy(update={"channel": "email"}), 1)
    with pytest.raises(ConcurrentUpdate):
        deps.profiles.put_preferences(chosen(f"{uid}-none"), 3)
    assert deps.profiles.preferences(f"emp-{uid}").channel == "slack"
    assert deps.profiles.preferences(f"emp-{uid}-none") is None


def test_preferences_are_in_the_export_and_not_among_other_records(deps, uid):
    deps.profiles.commit(ProfileChange(profile=person(uid), expected_version=None))
    assert rights.held_about(deps, f"emp-{uid}").preferences is None
    deps.profiles.put_preferences(chosen(uid), expected_version=None)
    held = rights.held_about(deps, f"emp-{uid}")
    assert held.preferences == chosen(uid, version=1) and held.other == {}
    assert deps.profiles.held_about(f"emp-{uid}")["PREFS"] == [chosen(uid, version=1).model_dump(mode="json")]

    alone = chosen(f"{uid}-alone")  # someone who chose preferences but has no profile: still held, still exported
    deps.profiles.put_preferences(alone, expected_version=None)
    assert not rights.held_about(deps, f"emp-{uid}-alone").empty


def test_erasing_a_person_erases_their_preferences(deps, uid):
    store = retention_store(deps) if isinstance(deps.profiles, FakeProfileStore) else DynamoRetentionStore(
        deps.settings)
    deps.profiles.commit(ProfileChange(profile=person(uid), expected_version=None))
    deps.profiles.put_preferences(chosen(uid), expected_version=None)
    scanned = {i.sort: i.expires_at for i in store.scan("profiles") if i.partition == f"EMP#emp-{uid}"}
    assert scanned == {"PROFILE": None, "PREFS": None}  # kept while employed: no TTL of their own
    counts = store.erase_person(f"emp-{uid}")
    assert counts == {"demographics": 1, "preferences": 1, "profile": 1}
    assert deps.profiles.preferences(f"emp-{uid}") is None and deps.profiles.held_about(f"emp-{uid}") == {}
