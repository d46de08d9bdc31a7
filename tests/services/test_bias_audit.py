"""bias_audit and the yearly model review reminder on the fakes: a planted disparity is flagged, opens a review
case per flag, tells every HR admin, and a redelivered job repeats none of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from coachwire import spine
from coachwire.models.coaching import Recommendation
from coachwire.ports import ProfileChange
from coachwire.services import bias_audits
from coachwire.services.bias_audits import bias_audit, model_review_reminder
from coachwire.settings import Settings
from coachwire_tools.fairness.synthetic import PlantedDisparity, synthetic_inputs

from tests.factories import catalog, framework, profile
from tests.fakes import fake_dependencies

WINDOW = "2026Q3"
HR_ADMINS = {"hr-1": "people.ops@example.test", "hr-2": "head.of.people@example.test"}
# Women get stretch assignments at ~10% of the others' rate; geography is drawn independently: the fair control.
PLANTED = PlantedDisparity(attribute="gender", group="woman", item_kind="stretch_assignment", factor=0.1)


@pytest.fixture(scope="module")
def quarter():
    return synthetic_inputs(300, 1500, window=WINDOW, seed=1, planted=PLANTED)


@pytest.fixture
def seeded(quarter):
    """The synthetic quarter stored as the triggers store it: profiles, their recommendations, demographics."""
    deps = fake_dependencies(Settings(hr_admins=HR_ADMINS))
    deps.catalog.publish(framework(), catalog())
    recs: dict[str, list[Recommendation]] = {}
    for fact in quarter.recommendations:
        recs.setdefault(fact.employee_id, []).append(Recommendation(
            recommendation_id=fact.recommendation_id, employee_id=fact.employee_id, item_id=fact.item_id,
            item_title=fact.item_id, item_kind=fact.item_kind, skill_id=fact.skill_id, skill_name=fact.skill_id,
            current_level=1, target_level=2, score=1.0, factors=[], explanation="synthetic",
            recommender_version=fact.model_version, framework_id="eng", framework_version=fact.framework_version,
            trigger="checkin_gap_nudge", source_event_id="synthetic", created_at=fact.created_at, basis=fact.basis))
    for member in quarter.population:
        stored = profile(employee_id=member.employee_id, hire_date=member.hire_date or date(2015, 1, 5),
                         personalisation_enabled=member.personalisation_enabled)
        deps.profiles.commit(ProfileChange(profile=stored, expected_version=None,
                                           recommendations=tuple(recs.get(member.employee_id, ()))))
    for record in quarter.demographics:
        deps.demographics.put(record)
    return deps


def job(audit_id="aud-q3"):
    return {"job": "bias_audit", "window": WINDOW, "audit_id": audit_id, "requested_by": "hr-1"}


def test_a_planted_disparity_is_flagged_reviewed_announced_and_mailed_to_every_hr_admin(seeded):
    result = bias_audit(job(), seeded)
    summary = seeded.governance.audit("aud-q3")
    assert result.outcome == "succeeded" and summary.status == "completed"
    flagged = {(f["outcome"], f["attribute"], f["group"]) for f in summary.flags}
    assert ("stretch_assignment", "gender", "woman") in flagged
    assert not [f for f in summary.flags if f["attribute"] == "geography"]  # the fair control stays quiet
    assert len(summary.review_ids) == len(summary.flags) == len(seeded.governance.reviews())
    announced = seeded.events.details(spine.AUDIT_DISPARITY_FLAGGED)
    assert sorted(e["review_id"] for e in announced) == sorted(summary.review_ids)
    mailed = {seeded.outbox.get(n).recipient_email for n in result.notification_ids}
    assert mailed == set(HR_ADMINS.values()) and set(result.notification_ids) == set(summary.notification_ids)
    for name, key in summary.objects.items():
        assert seeded.audit_archive.get(key), name
    assert "gcode" not in str(result.to_dict())


def test_a_redelivered_completed_audit_is_a_duplicate_and_opens_nothing_new(seeded):
    first = bias_audit(job(), seeded)
    outbox, reviews = dict(seeded.outbox.items), seeded.governance.reviews()
    again = bias_audit(job(), seeded)
    assert again.outcome == "duplicate" and again.notification_ids == first.notification_ids
    assert seeded.outbox.items == outbox and seeded.governance.reviews() == reviews


def test_a_second_delivery_while_the_first_run_is_alive_leaves_it_to_that_run(seeded):
    now = seeded.clock.now()
    running = bias_audits.AuditSummary(audit_id="aud-q3", window=WINDOW, kind="on_demand", status="running",
                                  requested_by="hr-1", requested_at=now, started_at=now)
    seeded.governance.put_audit(running)
    result = bias_audit(job(), seeded)
    assert (result.outcome, result.decision) == ("no_action", {"audit_id": "aud-q3", "reason": "already_running"})
    assert seeded.governance.audit("aud-q3") == running and seeded.audit_archive.objects == {}


def test_a_run_that_fails_is_recorded_failed_and_raised_for_the_retry(seeded):
    class BrokenArchive:
        def put(self, *args, **kwargs):
            raise ConnectionError("S3 unavailable")

    with pytest.raises(ConnectionError):
        bias_audit(job(), replace(seeded, audit_archive=BrokenArchive()))
    failed = seeded.governance.audit("aud-q3")
    assert (failed.status, failed.error_type) == ("failed", "ConnectionError")
    assert bias_audit(job(), seeded).outcome == "succeeded"  # a failed run may be claimed again


def test_the_yearly_reminder_asks_every_hr_admin_once_with_the_latest_audits(seeded):
    bias_audit(job(), seeded)
    result = model_review_reminder({"job": "model_review_reminder", "as_of": "2027-01-15"}, seeded)
    assert result.outcome == "succeeded" and result.decision["hr_admins_notified"] == 2
    notes = [seeded.outbox.get(n) for n in result.notification_ids]
    assert {n.recipient_email for n in notes} == set(HR_ADMINS.values())
    assert all("2027" in n.subject and "aud-q3" in n.body and n.kind == "model_review" for n in notes)
    again = model_review_reminder({"job": "model_review_reminder", "as_of": "2027-01-15"}, seeded)
    assert again.notification_ids == result.notification_ids and len(seeded.outbox.items) == len(
        {*result.notification_ids, *seeded.governance.audit("aud-q3").notification_ids})


def test_with_no_hr_admin_the_reminder_tells_no_one():
    result = model_review_reminder({"job": "model_review_reminder", "as_of": "2027-01-15"}, fake_dependencies())
    assert (result.outcome, result.decision["hr_admins_notified"]) == ("no_action", 0)
