"""The data-use policy cannot drift from the configuration, the spine, the engine or the role model."""

from __future__ import annotations

import json
from datetime import date

import pytest
from coachwire import spine
from coachwire.domain import access, data_classes
from coachwire.engine.features import FEATURES
from coachwire.policy import document, render
from coachwire.policy.document import build
from coachwire.services.retention import SWEPT_TABLES
from coachwire.settings import RetentionRules, Settings, StallRules


def settings(**retention) -> Settings:
    return Settings(retention=RetentionRules(**retention))


def test_the_version_is_a_hash_of_the_content_and_stable():
    first, second = build(Settings()), build(Settings())
    assert first.version == second.version and first.version.startswith("p-") and len(first.version) == 18
    assert first == second


def test_changing_a_retention_setting_changes_the_text_and_the_version():
    before, after = build(settings()), build(settings(alerts_days=90))
    assert before.version != after.version
    kept = {r.data_class: r.kept for r in after.retention}
    assert kept["alerts"].startswith("90 days after the day it was raised")
    assert "| Manager alerts |" in render.markdown(after) and "90 days after the day it was raised" in \
        render.markdown(after)
    assert "90 days after the day it was raised" not in render.markdown(before)


def test_the_leaver_grace_period_shows_wherever_erasure_is_promised():
    doc = build(settings(leaver_grace_days=14))
    assert "erased 14 days after your leaving date" in doc.erasure
    assert any("14 days after your leaving date" in r.details for r in doc.rights)
    assert {r.data_class: r.days for r in doc.retention}["profile"] == 14


def test_behavioural_settings_outside_retention_change_the_policy_too():
    stall = Settings(stall=StallRules(window_days=45))
    text = {p.name: p.what for p in build(stall).processing}["stall_detection"]
    assert "in 45 days" in text and build(stall).version != build(Settings()).version
    assert build(Settings(correction_escalation_days=10)).version != build(Settings()).version


def test_the_effective_date_is_configuration_not_content():
    a, b = build(Settings()), build(Settings(policy_effective_date=date(2027, 3, 1)))
    assert a.version == b.version and b.effective_date == date(2027, 3, 1)


def test_every_spine_table_has_a_data_class_with_a_retention_rule():
    covered = {c.table for c in data_classes.DATA_CLASSES}
    for spec in spine.TABLES:
        assert spec.key in covered, f"spine table {spec.key!r} has no entry in domain.data_classes"
    for c in data_classes.DATA_CLASSES:
        if c.enforcement != "kept":
            assert isinstance(c.days(Settings()), int) and c.days(Settings()) > 0, c.key
        assert c.counted_from or c.enforcement == "kept", c.key


def test_what_is_enforced_by_ttl_is_on_a_table_with_a_ttl_attribute_and_swept_where_promised():
    specs = {s.key: s for s in spine.TABLES}
    for c in data_classes.DATA_CLASSES:
        if c.table in specs and c.enforcement in ("ttl_and_sweep", "ttl_only", "with_person"):
            assert specs[c.table].ttl_attribute, f"{c.key}: table {c.table} has no TTL attribute"
    assert set(SWEPT_TABLES) == {c.table for c in data_classes.DATA_CLASSES if c.enforcement == "ttl_and_sweep"}
    assert "audit" not in SWEPT_TABLES and "stats" not in SWEPT_TABLES


def test_every_engine_feature_input_is_described_and_every_trigger_explained():
    for feature in FEATURES:
        for name in feature.inputs:
            assert name in document.FEATURE_INPUTS, f"feature {feature.name}: input {name!r} is not described"
    for trigger in spine.TRIGGERS:
        assert trigger.name in document.TRIGGER_USES, f"trigger {trigger.name} is not in the policy"
        reads, writes, _ = document.TRIGGER_USES[trigger.name]
        assert set(reads) | set(writes) <= set(data_classes.BY_KEY)
    doc = build(Settings())
    assert [f.feature for f in doc.features] == [f.name for f in FEATURES]
    assert [p.name for p in doc.processing] == [t.name for t in spine.TRIGGERS]
    assert {p.name: p.when for p in doc.processing}["retention_sweep"] == "daily at 03:30 UTC"


def test_who_can_see_what_is_read_from_the_authorisation_functions(monkeypatch):
    rows = {a.how: a.who for a in build(Settings()).access}
    assert rows["GET /employees/{id}/export"] == ["the employee", "HR admins"]
    assert rows["GET /employees/{id}"] == ["the employee", "their line manager", "HR admins"]
    assert rows["POST /employees/{id}/corrections/{cid}/decision"] == ["HR admins"]
    assert rows["PUT /employees/{id}/personalisation"] == ["the employee"]
    before = build(Settings()).version
    monkeypatch.setattr(access, "may_export", lambda caller, employee_id: True)
    changed = build(Settings())
    assert {a.how: a.who for a in changed.access}["GET /employees/{id}/export"] == [
        "the employee", "their line manager", "HR admins", "other managers", "other employees"]
    assert changed.version != before


def test_nothing_in_the_engine_reads_hire_date_or_demographics():
    inputs = {name for f in FEATURES for name in f.inputs}
    assert not {i for i in inputs if any(w in i for w in ("hire", "tenure", "gender", "race", "birth", "age "))}


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_readable_renderings_carry_every_section_and_retention(fmt):
    doc = build(Settings())
    text = render.markdown(doc) if fmt == "markdown" else render.html(doc)
    assert doc.version in text and doc.effective_date.isoformat() in text
    for entry in doc.retention:
        assert (entry.name if fmt == "markdown" else entry.name.replace("'", "&#x27;")) in text
    for rule in doc.access:
        assert rule.how.split()[-1].split("?")[0] in text


def test_html_escapes_configured_text():
    doc = build(Settings(hr_admin_email="<script>alert(1)</script>@example.com"))
    page = render.html(doc)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.startswith("<!doctype html>")


def test_the_json_form_round_trips():
    doc = build(Settings())
    again = document.PolicyDocument.model_validate(json.loads(doc.model_dump_json()))
    assert again == doc


def test_the_cli_prints_the_policy_this_environment_would_publish(capsys, monkeypatch):
    from coachwire_tools.cli import main

    monkeypatch.setenv("COACHWIRE_RETENTION_ALERTS_DAYS", "45")
    assert main(["policy", "show", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == build(settings(alerts_days=45)).version
    assert main(["policy", "show"]) == 0 and "45 days after the day it was raised" in capsys.readouterr().out
