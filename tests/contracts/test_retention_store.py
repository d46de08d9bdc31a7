"""RetentionStore: the sweep's scan sees each item's keys and TTL; erasure removes a person from every table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from coachwire.adapters.retention import DynamoRetentionStore
from coachwire.domain.retention import epoch
from coachwire.models.demographics import DemographicRecord
from coachwire.ports import ProfileChange, Receipt

from tests.contracts.records import AT, alert, note, person, rec
from tests.fakes import FakeProfileStore, retention_store

RECEIPT_AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(deps):
    return retention_store(deps) if isinstance(deps.profiles, FakeProfileStore) else DynamoRetentionStore(
        deps.settings)


def everything_about(deps, uid):
    """A profile with a recommendation, a receipt, a message, a manager alert (and its message), demographics."""
    deps.profiles.commit(ProfileChange(profile=person(uid), expected_version=None))
    seen = deps.profiles.get(f"emp-{uid}")
    deps.profiles.commit(ProfileChange(profile=seen, expected_version=1, recommendations=(rec(uid),),
                                       notifications=(note(uid, 1), note(uid, 2, recipient=f"mgr-{uid}")),
                                       alert=alert(uid), receipt=Receipt("t", f"e-{uid}", {}, RECEIPT_AT)))
    deps.demographics.put(DemographicRecord(employee_id=f"emp-{uid}", gender="g", updated_at=AT))


def test_a_scan_sees_every_item_of_a_person_with_its_ttl(deps, store, uid):
    everything_about(deps, uid)
    mine = {(i.partition, i.sort.split("#", 1)[0]): i for i in store.scan("profiles")
            if i.partition in (f"EMP#emp-{uid}", f"MGR#mgr-{uid}")}
    assert set(mine) == {(f"EMP#emp-{uid}", k) for k in ("PROFILE", "REC", "RECEIPT", "ALERTREF")} | {
        (f"MGR#mgr-{uid}", "ALERT")}
    assert mine[(f"EMP#emp-{uid}", "PROFILE")].expires_at is None  # only a leaver's profile expires
    assert mine[(f"EMP#emp-{uid}", "REC")].expires_at == epoch(AT) + 730 * 86400
    messages = {i.partition: i.expires_at for i in store.scan("outbox") if i.partition.startswith(f"ntf-{uid}")}
    assert messages == {f"ntf-{uid}-1": epoch(AT) + 180 * 86400, f"ntf-{uid}-2": epoch(AT) + 180 * 86400}

    store.delete(mine[(f"EMP#emp-{uid}", "REC")])
    assert deps.profiles.recommendations(f"emp-{uid}") == [] and store.profile_exists(f"emp-{uid}")
    assert not store.profile_exists(f"emp-nobody-{uid}")


def test_erasing_a_person_removes_them_and_the_messages_and_alerts_about_them_everywhere(deps, store, uid):
    everything_about(deps, uid)
    counts = store.erase_person(f"emp-{uid}")
    assert counts == {"alerts": 2, "notifications": 2, "demographics": 1, "profile": 1, "recommendations": 1,
                      "receipts": 1}
    assert deps.profiles.held_about(f"emp-{uid}") == {} and not store.profile_exists(f"emp-{uid}")
    assert deps.profiles.alerts_for_manager(f"mgr-{uid}") == []
    assert deps.outbox.get(f"ntf-{uid}-1") is None and deps.outbox.get(f"ntf-{uid}-2") is None
    assert not [r for r in deps.demographics.all_records() if r.employee_id == f"emp-{uid}"]
    assert store.erase_person(f"emp-{uid}") == {"demographics": 1}  # nothing left but the blind delete by key
