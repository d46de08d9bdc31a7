"""CatalogStore.publish (immutable versions, one framework per role) and the governance store's claims."""

from __future__ import annotations

from datetime import timedelta

import pytest
from coachwire.models.bias_audits import AuditSummary, ReviewCase
from coachwire.models.framework import Framework
from coachwire.ports import ConcurrentUpdate, RoleConflict, VersionConflict

from tests.contracts.records import AT
from tests.factories import catalog, framework


def own_framework(uid: str, version: str = "2026.1", **changes) -> Framework:
    """The test framework under this test's own framework and role ids (the catalog table is shared)."""
    data = framework().model_dump(mode="json")
    data.update(framework_id=f"fw-{uid}", version=version, **changes)
    data["roles"][0]["role_id"] = f"swe-{uid}"
    return Framework.model_validate(data)


def test_a_version_is_published_once_and_its_content_never_changes(deps, uid):
    fw = own_framework(uid)
    items = catalog().model_copy(update={"framework_id": fw.framework_id})
    assert deps.catalog.publish(fw, items) is True
    assert deps.catalog.publish(fw, items) is False
    with pytest.raises(VersionConflict):
        deps.catalog.publish(own_framework(uid, name="Renamed"), None)
    assert deps.catalog.framework(fw.framework_id) == fw
    assert deps.catalog.framework_for_role(f"swe-{uid}") == fw
    assert [i.item_id for i in deps.catalog.catalog(fw.framework_id).items] == [i.item_id for i in items.items]
    assert deps.catalog.catalog(f"fw-none-{uid}").items == []


def test_a_new_version_becomes_current_and_the_old_one_stays_readable(deps, uid):
    first, second = own_framework(uid), own_framework(uid, "2026.2", name="Engineering v2")
    deps.catalog.publish(first, None)
    deps.catalog.publish(second, None)
    assert deps.catalog.framework(f"fw-{uid}").version == "2026.2"
    assert deps.catalog.framework_version(f"fw-{uid}", "2026.1") == first
    assert sorted(deps.catalog.versions(f"fw-{uid}")) == ["2026.1", "2026.2"]
    (listed,) = [f for f in deps.catalog.frameworks() if f["framework_id"] == f"fw-{uid}"]
    assert listed == {"framework_id": f"fw-{uid}", "name": "Engineering v2", "owner": "People Team",
                      "current_version": "2026.2", "effective_date": "2026-01-01"}


def test_a_role_cannot_move_to_another_framework(deps, uid):
    deps.catalog.publish(own_framework(uid), None)
    other = own_framework(uid).model_copy(update={"framework_id": f"fw-other-{uid}"})
    with pytest.raises(RoleConflict):
        deps.catalog.publish(other, None)
    assert deps.catalog.framework(f"fw-other-{uid}") is None
    assert deps.catalog.framework_for_role(f"swe-{uid}").framework_id == f"fw-{uid}"


def summary(uid: str, status: str = "requested", started=None) -> AuditSummary:
    return AuditSummary(audit_id=f"aud-{uid}", window="2026Q3", kind="on_demand", status=status,
                        requested_by="hr-1", requested_at=AT, started_at=started)


def test_an_audit_is_added_once_and_claimed_by_one_live_run(deps, uid):
    assert deps.governance.add_audit(summary(uid)) == summary(uid)
    assert deps.governance.add_audit(summary(uid)) is None
    running = summary(uid, "running", started=AT)
    assert deps.governance.claim_audit(running, stale_before=AT - timedelta(minutes=15)) is True
    assert deps.governance.claim_audit(running, stale_before=AT - timedelta(minutes=15)) is False  # alive
    assert deps.governance.claim_audit(summary(uid, "running", started=AT + timedelta(hours=1)),
                                       stale_before=AT + timedelta(minutes=1)) is True  # the first went stale
    deps.governance.put_audit(summary(uid, "completed", started=AT))
    assert deps.governance.claim_audit(running, stale_before=AT + timedelta(days=1)) is False
    deps.governance.put_audit(summary(uid, "failed", started=AT))
    assert deps.governance.claim_audit(running, stale_before=AT - timedelta(days=1)) is True
    assert deps.governance.audit(f"aud-{uid}").status == "running"
    assert deps.governance.claim_audit(summary(f"{uid}n", "running", started=AT), AT) is True  # never requested


def test_a_review_case_opens_once_and_changes_on_its_version(deps, uid):
    case = ReviewCase(review_id=f"rev-{uid}", audit_id=f"aud-{uid}", window="2026Q3", opened_at=AT, updated_at=AT,
                      title="A flag", evidence={"n": 1})
    assert deps.governance.open_review(case) is True
    assert deps.governance.open_review(case.model_copy(update={"title": "Other"})) is False
    investigating = case.model_copy(update={"status": "investigating", "version": 1})
    deps.governance.update_review(investigating, expected_version=0)
    with pytest.raises(ConcurrentUpdate):
        deps.governance.update_review(case.model_copy(update={"status": "closed", "version": 1}), expected_version=0)
    with pytest.raises(ConcurrentUpdate):
        deps.governance.update_review(case.model_copy(update={"review_id": f"rev-none-{uid}"}), expected_version=0)
    assert deps.governance.review(f"rev-{uid}") == investigating
