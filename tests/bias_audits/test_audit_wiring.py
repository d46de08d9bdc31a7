"""The pure parts of the audit wiring: which quarter a schedule audits, stable ids, the HR email, the settings
the pipeline runs with, and the local scheduler's reading of the quarterly and yearly cron expressions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from coachwire import spine
from coachwire.fairness.labels import group_label
from coachwire.fairness.pipeline import run
from coachwire.models.bias_audits import AuditJob, AuditRequest
from coachwire.services import bias_audits
from coachwire.settings import AuditRules, Settings
from coachwire_tools.fairness.synthetic import PlantedDisparity, synthetic_inputs
from coachwire_tools.local.dispatcher import _schedule_due as _cron_due
from pydantic import ValidationError

NOW = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(("day", "window"), [
    (date(2026, 10, 1), "2026Q3"), (date(2026, 12, 31), "2026Q3"), (date(2027, 1, 1), "2026Q4"),
    (date(2027, 3, 31), "2026Q4"), (date(2027, 4, 1), "2027Q1"), (date(2027, 7, 1), "2027Q2"),
])
def test_the_schedule_audits_the_quarter_before_the_one_it_runs_in(day, window):
    assert bias_audits.previous_quarter(day) == window


def test_a_request_id_makes_the_audit_id_stable_and_no_request_id_a_fresh_one():
    assert bias_audits.audit_id_for("2026Q4", "close-1") == bias_audits.audit_id_for("2026Q4", "close-1")
    assert bias_audits.audit_id_for("2026Q4", "close-1") != bias_audits.audit_id_for("2026Q3", "close-1")
    assert bias_audits.audit_id_for("2026Q4") != bias_audits.audit_id_for("2026Q4")
    assert bias_audits.quarterly_audit_id("2026Q3") == "aud-2026Q3-quarterly"


@pytest.mark.parametrize("window", ["2026Q4", " 2026Q4 "])
def test_windows_are_read_once_and_normalised(window):
    assert AuditRequest(window=window).window == "2026Q4"
    assert AuditJob(job="bias_audit", window=window).window == "2026Q4"


@pytest.mark.parametrize("window", ["2026Q5", "Q4 2026", "2026-10"])
def test_a_bad_window_is_refused(window):
    with pytest.raises(ValidationError, match="window"):
        AuditRequest(window=window)


@pytest.fixture(scope="module")
def flagged():
    inputs = synthetic_inputs(300, 1500, window="2026Q3", seed=1, planted=PlantedDisparity(factor=0.1))
    return run(inputs, bias_audits.pipeline_config(Settings()), code_version="test", generated_at=NOW,
               audit_id="aud-2026Q3-test")


def test_review_ids_are_stable_per_audit_and_flag(flagged):
    ids = [bias_audits.review_id_for(flagged.audit_id, f) for f in flagged.flags]
    assert len(set(ids)) == len(ids) == len(flagged.flags) > 0
    assert ids == [bias_audits.review_id_for(flagged.audit_id, f) for f in flagged.flags]
    assert bias_audits.review_id_for("aud-other", flagged.flags[0]) != ids[0]


def test_each_hr_admin_gets_one_email_listing_every_flag(flagged):
    settings = Settings(hr_admins={"hr-1": "a@example.test", "hr-2": "b@example.test"})
    reviews = [type("Case", (), {"review_id": bias_audits.review_id_for(flagged.audit_id, f)})() for f in flagged.flags]
    notes = bias_audits.hr_notifications(settings, flagged, "2026Q3", reviews, NOW)
    assert [(n.recipient_id, n.recipient_email, n.kind) for n in notes] == [
        ("hr-1", "a@example.test", "audit_flag"), ("hr-2", "b@example.test", "audit_flag")]
    for note in notes:
        assert all(r.review_id in note.body for r in reviews)
        assert f"/audits/{flagged.audit_id}?format=html" in note.body
    again = bias_audits.hr_notifications(settings, flagged, "2026Q3", reviews, NOW)
    assert [n.notification_id for n in again] == [n.notification_id for n in notes]
    assert bias_audits.hr_notifications(Settings(), flagged, "2026Q3", reviews, NOW) == []


def test_a_flag_in_words_uses_published_values_only(flagged):
    flag = flagged.flags[0]
    line = bias_audits.flag_line(flag)
    assert f"'{group_label(flag.attribute, flag.group)}'" in line and f"{flag.impact_ratio:.2f}" in line
    hidden = flag.model_copy(update={"impact_ratio": None, "ci_low": None, "ci_high": None, "p_adjusted": None})
    line = bias_audits.flag_line(hidden)
    assert "impact ratio suppressed" in line and "adjusted p suppressed" in line


def test_the_organisations_audit_settings_reach_the_pipeline():
    config = bias_audits.pipeline_config(Settings(audit=AuditRules(alpha=0.01, min_n=30, small_category_share=0.05,
                                                              suppress_below=20)))
    assert (config.stats.alpha, config.stats.min_n, config.stats.small_category_share,
            config.stats.suppress_below) == (0.01, 30, 0.05, 20)
    assert config.stats.intersections == (("gender", "race_ethnicity"),)


def test_hr_admins_must_be_subjects_with_email_addresses():
    with pytest.raises(ValidationError, match="hr_admins"):
        Settings(hr_admins={"hr-1": "not an email"})


def _schedule(trigger: str) -> dict:
    return {"Name": trigger, "ScheduleExpression": spine.TRIGGERS_BY_NAME[trigger].schedule,
            "ScheduleExpressionTimezone": "UTC"}


@pytest.mark.parametrize(("since", "until", "due"), [
    (datetime(2026, 9, 30, 23, 0, tzinfo=UTC), datetime(2026, 10, 1, 5, 0, tzinfo=UTC), True),
    (datetime(2026, 10, 1, 5, 0, tzinfo=UTC), datetime(2026, 10, 2, 5, 0, tzinfo=UTC), False),
    (datetime(2026, 11, 1, 0, 0, tzinfo=UTC), datetime(2026, 11, 1, 6, 0, tzinfo=UTC), False),
    (datetime(2026, 12, 31, 0, 0, tzinfo=UTC), datetime(2027, 1, 1, 6, 0, tzinfo=UTC), True),
])
def test_the_local_scheduler_fires_the_audit_on_the_first_day_of_a_quarter_only(since, until, due):
    assert _cron_due(_schedule("bias_audit"), since, until) is due


def test_the_local_scheduler_fires_the_model_review_once_a_year():
    year = [(datetime(2027, m, 1, tzinfo=UTC), datetime(2027, m + 1, 1, tzinfo=UTC)) for m in range(1, 12)]
    assert [m + 1 for m, (a, b) in enumerate(year) if _cron_due(_schedule("model_review_reminder"), a, b)] == [1]


def test_a_lost_or_cut_short_audit_is_sent_again_when_asked_and_a_live_one_is_not():
    from datetime import UTC, datetime, timedelta

    from coachwire.models.bias_audits import AuditSummary

    asked = datetime(2026, 11, 20, 9, tzinfo=UTC)

    def summary(status, started=None):
        return AuditSummary(audit_id="aud-1", window="2026Q3", kind="on_demand", status=status,
                            requested_by="hr-1", requested_at=asked, started_at=started)

    assert not bias_audits._needs_resend(summary("requested"), asked + timedelta(minutes=5))
    assert bias_audits._needs_resend(summary("requested"), asked + bias_audits.STALE_REQUEST + timedelta(seconds=1))
    assert not bias_audits._needs_resend(summary("running", asked), asked + timedelta(minutes=14))
    assert bias_audits._needs_resend(summary("running", asked), asked + bias_audits.STALE_RUN + timedelta(seconds=1))
    assert bias_audits._needs_resend(summary("failed", asked), asked + timedelta(minutes=1))
    assert not bias_audits._needs_resend(summary("completed", asked), asked + timedelta(days=9))
