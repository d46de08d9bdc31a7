"""The messy sample export in examples/hris-export: every problem planted in it (its README lists them) is
found, with the evidence a reader would need to fix it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from coachwire_tools.readiness.audit import audit_directory
from coachwire_tools.readiness.model import FINDING_IDS, AuditReport

from tests.readiness.builders import find

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hris-export"
AS_OF = date(2026, 11, 30)

EXPECTED = [  # ranked as the report ranks them
    ("structured.scale_mismatch", "skills_assessments", "blocking"),
    ("current.stale", "job_architecture", "blocking"),
    ("coverage.performance_cycles", "performance_reviews", "blocking"),
    ("coverage.unmapped_roles", "job_architecture", "blocking"),
    ("integrity.duplicate_ids", "employees", "blocking"),
    ("coverage.outcome_mobility", "employees", "warning"),
    ("coverage.outcome_retention", "employees", "warning"),
    ("structured.mixed_date_formats", "employees", "warning"),
    ("accessible.undeclared", "job_architecture", "warning"),
    ("coverage.career_goals_free_text", "career_goals", "warning"),
    ("accessible.manual_export", "performance_reviews", "warning"),
    ("structured.mixed_date_formats", "performance_reviews", "warning"),
    ("accessible.no_access", "feedback_360", "warning"),
    ("current.stale", "career_goals", "warning"),
    ("accessible.manual_export", "career_goals", "warning"),
    ("integrity.unknown_file", "export", "warning"),
    ("integrity.unreadable_file", "feedback_360", "warning"),
    ("coverage.learning_systems", "learning_records", "warning"),
    ("current.undated", "career_goals", "warning"),
    ("structured.machine_readable", "career_goals", "warning"),
    ("structured.proficiency_off_scale", "skills_assessments", "warning"),
    ("structured.free_text_ratings", "feedback_360", "warning"),
    ("integrity.bad_rows", "employees", "warning"),
    ("integrity.orphan_records", "performance_reviews", "warning"),
    ("current.stale", "skills_assessments", "warning"),
    ("structured.mixed_date_formats", "learning_records", "warning"),
    ("integrity.orphan_records", "skills_assessments", "warning"),
    ("current.undated", "employees", "warning"),
    ("structured.free_text_ratings", "performance_reviews", "warning"),
    ("integrity.orphan_records", "career_goals", "warning"),
    ("integrity.orphan_records", "learning_records", "warning"),
    ("integrity.duplicate_ids", "performance_reviews", "warning"),
    ("integrity.bad_rows", "skills_assessments", "warning"),
    ("integrity.missing_columns", "performance_reviews", "info"),
    ("integrity.missing_columns", "learning_records", "info"),
    ("integrity.missing_columns", "feedback_360", "info"),
]


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_directory(EXAMPLE, AS_OF)


def test_the_sample_is_not_ready_with_every_finding_ranked(report: AuditReport) -> None:
    assert report.verdict == "not_ready" and report.exit_code == 1
    assert [(f.id, f.source, f.severity) for f in report.findings] == EXPECTED
    assert report.organisation == "Fernhallow Logistics (fictional)"


def test_the_sample_exercises_every_finding_but_a_missing_source(report: AuditReport) -> None:
    # Every source is present in the sample, so `integrity.missing_source` is shown by the unit tests instead.
    assert set(FINDING_IDS) - {f.id for f in report.findings} == {"integrity.missing_source"}


def test_files_are_recognised_by_name_and_by_header(report: AuditReport) -> None:
    files = {f.path: f for f in report.files}
    employees = files["Employees_Export_2026-11-15.csv"]
    assert (employees.kind, employees.bom, employees.delimiter, employees.encoding) == ("employees", True, ";", "utf-8")
    assert (files["extract_0427.csv"].kind, files["extract_0427.csv"].recognised_by) == ("learning_records", "header")
    assert files["payroll_cost_centres_FINAL(2).csv"].kind is None
    assert files["360_feedback_part2.json"].error.startswith("invalid JSON at line")
    assert all(f.recognised_by == "name" for p, f in files.items() if p not in ("extract_0427.csv",
                                                                              "payroll_cost_centres_FINAL(2).csv"))


def test_planted_duplicates_bad_rows_and_orphans(report: AuditReport) -> None:
    dupes = find(report, "integrity.duplicate_ids", "employees").details
    assert [d.split(" ")[0] for d in dupes] == ["E1012", "E1030"]
    bad = find(report, "integrity.bad_rows", "employees").details
    assert bad == ("Employees_Export_2026-11-15.csv:21: no employee_id",
                   "Employees_Export_2026-11-15.csv:39: 12 fields where the header has 11")
    assert find(report, "integrity.bad_rows", "skills_assessments").details == (
        "skills_assessments.csv:106: 2 fields where the header has 6",)
    orphans = find(report, "integrity.orphan_records", "performance_reviews").details
    assert {d.split(" ")[0] for d in orphans} == {"E0977", "E0981", "E1034"}  # E1034's employee row is broken
    assert find(report, "integrity.duplicate_ids", "performance_reviews").details[0].startswith(
        "E1005 / 2025 Annual at performance_reviews_2024-2026.csv:")


def test_planted_structure_problems(report: AuditReport) -> None:
    mismatch = find(report, "structured.scale_mismatch")
    assert mismatch.measured == "values 1–5 observed" and mismatch.threshold == "framework scale 1–4"
    labels = " ".join(find(report, "structured.proficiency_off_scale").details)
    assert "label 'good'" in labels and "label 'Expert'" in labels and "number 5" in labels
    ratings = find(report, "structured.free_text_ratings", "performance_reviews").details
    assert any("'Strong year - see comments'" in d for d in ratings)
    formats = " ".join(find(report, "structured.mixed_date_formats", "performance_reviews").details)
    assert "ISO 8601" in formats and "day first" in formats and "month name" in formats
    learning = " ".join(find(report, "structured.mixed_date_formats", "learning_records").details)
    assert "month first" in learning and "extract_0427.csv" in learning


def test_planted_currency_and_access_problems(report: AuditReport) -> None:
    stale = find(report, "current.stale", "job_architecture")
    assert stale.measured == "25% current (2 of 8 dated records)"
    assert find(report, "current.undated", "employees").measured == "12% undated (5 of 41 records)"
    assert find(report, "accessible.manual_export", "performance_reviews").severity == "warning"
    assert "Culturely" in find(report, "accessible.no_access", "feedback_360").measured


def test_planted_coverage_problems(report: AuditReport) -> None:
    cycles = find(report, "coverage.performance_cycles")
    assert cycles.value == pytest.approx(13 / 32, abs=1e-4)
    assert "4 active employee(s) hired after 2025-11-30 not counted" in cycles.details
    roles = find(report, "coverage.unmapped_roles")
    assert roles.details[0].startswith("DATA-ANL: 5 active employees")
    assert any(d.startswith("PPL-REC:") and "ppl.talent_acquisition" in d for d in roles.details)
    systems = find(report, "coverage.learning_systems")
    assert systems.measured == "2 systems (LearnSphere 77%, Coursely 11%), 11% with no system"
    assert find(report, "coverage.career_goals_free_text").measured == "19% structured (5 of 27 goals)"


def test_the_readme_lists_every_planted_finding() -> None:
    readme = (EXAMPLE / "README.md").read_text()
    listed = set(re.findall(r"`((?:integrity|structured|current|accessible|coverage)\.[a-z_0-9]+)`", readme))
    assert listed - {"integrity.missing_source"} == {fid for fid, _, _ in EXPECTED}
