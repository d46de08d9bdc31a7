"""Each check on a small export written to tmp_path: the clean export passes, and spoiling it in one way
produces exactly the finding that describes the problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from coachwire_tools.readiness.audit import AuditInputError, audit_directory, load_framework_files
from coachwire_tools.readiness.config import Band, Thresholds
from coachwire_tools.readiness.model import FINDING_IDS, Finding, rank, verdict_for

from tests.factories import framework
from tests.readiness.builders import (
    AS_OF,
    EMPLOYEES,
    READINESS,
    audit,
    clean_files,
    csv_text,
    export,
    find,
    ids,
)


def test_the_clean_export_is_ready_with_no_findings(tmp_path: Path) -> None:
    report = audit(export(tmp_path))
    assert report.verdict == "ready" and report.exit_code == 0
    assert report.findings == []
    for source in report.sources:
        assert source.present and source.structured == 1.0 and source.current == 1.0 and source.undated == 0
        assert source.access in ("api", "webhook")
    employees = next(s for s in report.sources if s.kind == "employees")
    assert employees.coverage == 1.0 and employees.records == 10


# -- structured ------------------------------------------------------------------------------------


def employees_with(edit) -> str:
    rows = [["employee_id", "email", "job_code", "manager_id", "hire_date", "status", "updated_at"]]
    for i, emp in enumerate(EMPLOYEES):
        row = [emp, f"{emp.lower()}@example.com", "ENG-SWE", "E7", "2020-01-15", "active", "2026-05-02"]
        edit(i, row)
        rows.append(row)
    return csv_text(rows)


def test_free_text_in_typed_columns_lowers_the_structured_share(tmp_path: Path) -> None:
    def spoil(i: int, row: list[str]) -> None:
        if i < 4:
            row[3] = "Nadia B."  # a name where a manager id belongs
            row[4] = "last spring"

    report = audit(export(tmp_path, employees__csv=employees_with(spoil)))
    f = find(report, "structured.machine_readable", "employees")
    assert f.severity == "warning" and f.value == pytest.approx(62 / 70, abs=1e-4)
    assert f.measured == "89% readable (62 of 70 typed values)" and f.threshold == "≥ 90% (blocking below 70%)"
    assert any("'hire_date'" in d and "'last spring' at employees.csv:2" in d for d in f.details)
    assert any("'manager_id'" in d and "'Nadia B.'" in d for d in f.details)


def test_mostly_free_text_blocks(tmp_path: Path) -> None:
    def spoil(i: int, row: list[str]) -> None:
        row[3], row[4], row[5] = "Nadia B.", "a while ago", "yes, still here"

    report = audit(export(tmp_path, employees__csv=employees_with(spoil)))
    assert find(report, "structured.machine_readable", "employees").severity == "blocking"


def test_ratings_written_as_prose(tmp_path: Path) -> None:
    rows = [["employee_id", "cycle", "review_date", "rating", "updated_at"]]
    for i, emp in enumerate(EMPLOYEES):
        rows.append([emp, "2025 Annual", "2025-12-15", "Strong year - see comments" if i < 2 else "3", "2026-06-01"])
        rows.append([emp, "2026 Mid-year", "2026-06-10", "Meets expectations", "2026-06-12"])
    report = audit(export(tmp_path, performance_reviews__csv=csv_text(rows)))
    f = find(report, "structured.free_text_ratings", "performance_reviews")
    assert f.severity == "warning" and f.value == 0.9
    assert f.details[:2] == ("'Strong year - see comments' at performance_reviews.csv:2",
                             "'Strong year - see comments' at performance_reviews.csv:4")
    # those two people now have one structured cycle only: 80% is on the warning line, not below it
    reviews = next(s for s in report.sources if s.kind == "performance_reviews")
    assert reviews.coverage == 0.8 and ("coverage.performance_cycles", "performance_reviews") not in ids(report)


def skills_with(values: list[str]) -> str:
    rows = [["employee_id", "skill_id", "proficiency", "assessed_at", "updated_at"]]
    rows += [[emp, "eng.testing", value, "2026-03-01", "2026-05-02"] for emp, value in zip(EMPLOYEES, values,
                                                                                            strict=True)]
    return csv_text(rows)


def test_proficiency_labels_are_off_the_scale(tmp_path: Path) -> None:
    values = ["good", "Expert", "3", "Accomplished", "2", "2", "4", "1", "3", "2.5"]
    report = audit(export(tmp_path, skills_assessments__csv=skills_with(values)))
    f = find(report, "structured.proficiency_off_scale", "skills_assessments")
    assert f.severity == "blocking" and f.value == 0.7  # 'Accomplished' is a level name of the scale
    assert f.measured == "70% on the 1–4 scale (7 of 10 values)"
    assert "label 'good' ×1 (first at skills_assessments.csv:2)" in f.details
    assert "number 2.5 ×1 (first at skills_assessments.csv:11)" in f.details
    assert ("structured.scale_mismatch", "skills_assessments") not in ids(report)


def test_values_beyond_the_framework_scale_are_a_scale_mismatch(tmp_path: Path) -> None:
    values = ["5", "4", "3", "5", "2", "2", "4", "1", "3", "2"]
    report = audit(export(tmp_path, skills_assessments__csv=skills_with(values)))
    f = find(report, "structured.scale_mismatch", "skills_assessments")
    assert f.severity == "blocking" and f.measured == "values 1–5 observed" and f.threshold == "framework scale 1–4"
    assert find(report, "structured.proficiency_off_scale").severity == "warning"  # 80%: 8 of 10 on the scale
    assert report.verdict == "not_ready"


def test_a_declared_scale_that_differs_from_the_framework_is_a_mismatch(tmp_path: Path) -> None:
    config = READINESS.replace("skills_assessments: {access: api, system: SkillGraph}",
                               "skills_assessments: {access: api, system: SkillGraph, scale: {min: 1, max: 5}}")
    values = ["5", "4", "3", "5", "2", "2", "4", "1", "3", "2"]
    report = audit(export(tmp_path, skills_assessments__csv=skills_with(values), readiness__yaml=config))
    f = find(report, "structured.scale_mismatch")
    assert "readiness.yaml declares 1–5" in f.measured
    assert ("structured.proficiency_off_scale", "skills_assessments") not in ids(report)  # on the declared scale


def test_mixed_date_formats_and_the_inferred_day_month_order(tmp_path: Path) -> None:
    def spoil(i: int, row: list[str]) -> None:
        row[6] = ["15/05/2026", "03/04/2026", "2 May 2026"][i % 3] if i < 6 else row[6]

    report = audit(export(tmp_path, employees__csv=employees_with(spoil)))
    f = find(report, "structured.mixed_date_formats", "employees")
    assert f.severity == "warning" and f.value == 3
    assert "Day/month order read as dmy" in f.note
    assert any(d.startswith("day first (04/03/2025): 4, e.g. '15/05/2026' at employees.csv:2") for d in f.details)
    assert ("structured.machine_readable", "employees") not in ids(report)  # 03/04/2026 is settled by 15/05/2026


def test_ambiguous_dates_without_evidence_are_not_readable_until_declared(tmp_path: Path) -> None:
    def spoil(i: int, row: list[str]) -> None:
        row[4] = "03/04/2020"
        row[6] = "2026-05-02"

    report = audit(export(tmp_path, employees__csv=employees_with(spoil)))
    f = find(report, "structured.machine_readable", "employees")
    assert any("'03/04/2020'" in d for d in f.details)
    config = READINESS.replace("employees: {access: webhook, system: PeopleCore}",
                               "employees: {access: webhook, system: PeopleCore, date_order: mdy}")
    report = audit(export(tmp_path / "declared", employees__csv=employees_with(spoil), readiness__yaml=config))
    assert ("structured.machine_readable", "employees") not in ids(report)


# -- current ---------------------------------------------------------------------------------------


def test_stale_records_against_the_as_of_date(tmp_path: Path) -> None:
    jobs = csv_text([["job_code", "framework_role", "updated_at"],
                     ["ENG-SWE", "eng.software_engineer", "2023-02-14"],
                     ["ENG-EM", "eng.engineering_manager", "2026-01-10"],
                     ["ENG-QA", "eng.software_engineer", "2022-09-01"]])
    root = export(tmp_path, job_architecture__csv=jobs)
    f = find(audit(root), "current.stale", "job_architecture")
    assert f.severity == "blocking" and f.measured == "33% current (1 of 3 dated records)"
    assert "on or after 2025-06-30" in f.note
    assert f.details == ("ENG-QA: last updated 2022-09-01 (job_architecture.csv:4)",
                         "ENG-SWE: last updated 2023-02-14 (job_architecture.csv:2)")
    # Later, both are stale; earlier, neither is: the date comes from as_of, never from the clock.
    assert find(audit(root, as_of=date(2027, 3, 1)), "current.stale", "job_architecture").value == 0.0
    assert ("current.stale", "job_architecture") not in ids(audit(root, as_of=date(2023, 6, 1)))


def test_history_sources_are_current_when_each_persons_latest_record_is(tmp_path: Path) -> None:
    files = clean_files()
    old = csv_text([[emp, "2023 Annual", "2023-12-15", "3", "E7", "", "2023-12-20"] for emp in EMPLOYEES])
    report = audit(export(tmp_path, performance_reviews__csv=files["performance_reviews.csv"] + old))
    assert ("current.stale", "performance_reviews") not in ids(report)
    reviews = next(s for s in report.sources if s.kind == "performance_reviews")
    assert (reviews.units, reviews.current) == (10, 1.0)


def test_records_without_any_date_are_counted_apart(tmp_path: Path) -> None:
    def spoil(i: int, row: list[str]) -> None:
        if i < 3:
            row[6] = ""

    report = audit(export(tmp_path, employees__csv=employees_with(spoil)))
    f = find(report, "current.undated", "employees")
    assert f.severity == "warning" and f.measured == "30% undated (3 of 10 records)"
    employees = next(s for s in report.sources if s.kind == "employees")
    assert (employees.dated, employees.undated, employees.current) == (7, 3, 1.0)


def test_a_file_without_an_update_column_is_undated_and_says_so(tmp_path: Path) -> None:
    jobs = csv_text([["job_code", "framework_role"], ["ENG-SWE", "eng.software_engineer"],
                     ["ENG-EM", "eng.engineering_manager"]])
    report = audit(export(tmp_path, job_architecture__csv=jobs))
    assert find(report, "current.undated", "job_architecture").severity == "blocking"
    missing = find(report, "integrity.missing_columns", "job_architecture")
    assert missing.severity == "info" and "job_architecture.csv: no updated_at" in missing.details[0]


# -- accessible ------------------------------------------------------------------------------------


def test_access_from_readiness_yaml(tmp_path: Path) -> None:
    config = (READINESS.replace("performance_reviews: {access: api", "performance_reviews: {access: manual_export")
              .replace("skills_assessments: {access: api", "skills_assessments: {access: none")
              .replace("feedback_360: {access: api", "feedback_360: {access: none")
              .replace("  career_goals: {access: webhook, system: PeopleCore}\n", ""))
    report = audit(export(tmp_path, readiness__yaml=config))
    manual = find(report, "accessible.manual_export", "performance_reviews")
    assert (manual.severity, manual.measured) == ("warning", "manual export (ReviewHub)")
    assert find(report, "accessible.no_access", "skills_assessments").severity == "blocking"
    capped = find(report, "accessible.no_access", "feedback_360")
    assert capped.severity == "warning" and "never blocking" in capped.note
    assert find(report, "accessible.undeclared", "career_goals").severity == "warning"
    assert report.verdict == "not_ready"


def test_without_readiness_yaml_every_source_is_undeclared(tmp_path: Path) -> None:
    report = audit(export(tmp_path, readiness__yaml=None))
    undeclared = [f for f in report.findings if f.id == "accessible.undeclared"]
    assert len(undeclared) == 8 and "no such file" in undeclared[0].threshold
    assert report.verdict == "ready_with_warnings" and report.exit_code == 0


# -- coverage --------------------------------------------------------------------------------------


def test_employees_with_fewer_than_two_structured_cycles(tmp_path: Path) -> None:
    rows = [["employee_id", "cycle", "review_date", "rating", "updated_at"]]
    for i, emp in enumerate(EMPLOYEES):
        rows.append([emp, "2026 Mid-year", "2026-06-10", "3", "2026-06-12"])
        if i < 3:
            rows.append([emp, "2025 Annual", "2025-12-15", "4", "2025-12-20"])
    report = audit(export(tmp_path, performance_reviews__csv=csv_text(rows)))
    f = find(report, "coverage.performance_cycles", "performance_reviews")
    assert f.severity == "blocking" and f.value == 0.3
    assert f.measured == "30% with ≥2 cycles (3 of 10 eligible employees)"
    assert "7 employee(s) with 1 structured cycle(s)" in f.details


def test_new_joiners_are_not_expected_to_have_two_cycles(tmp_path: Path) -> None:
    def recent_hires(i: int, row: list[str]) -> None:
        if i < 5:
            row[4] = "2026-02-01"

    rows = [["employee_id", "cycle", "review_date", "rating", "updated_at"]]
    for i, emp in enumerate(EMPLOYEES):
        rows.append([emp, "2026 Mid-year", "2026-06-10", "3", "2026-06-12"])
        if i >= 5:
            rows.append([emp, "2025 Annual", "2025-12-15", "4", "2025-12-20"])
    report = audit(export(tmp_path, employees__csv=employees_with(recent_hires),
                          performance_reviews__csv=csv_text(rows)))
    assert ("coverage.performance_cycles", "performance_reviews") not in ids(report)
    reviews = next(s for s in report.sources if s.kind == "performance_reviews")
    assert reviews.coverage == 1.0


def test_without_a_cycle_column_the_review_year_is_the_cycle(tmp_path: Path) -> None:
    rows = [["employee_id", "review_date", "rating", "updated_at"]]
    for emp in EMPLOYEES:
        rows += [[emp, "2026-06-10", "3", "2026-06-12"], [emp, "2026-01-10", "3", "2026-01-12"]]
    report = audit(export(tmp_path, performance_reviews__csv=csv_text(rows)))
    f = find(report, "coverage.performance_cycles")
    assert f.value == 0.0 and "no cycle column: the review date's year is used as the cycle" in f.details
    assert find(report, "integrity.missing_columns", "performance_reviews").severity == "info"


def test_learning_history_from_several_systems_or_none(tmp_path: Path) -> None:
    rows = [["employee_id", "course_id", "completed_at", "system", "updated_at"]]
    for i, emp in enumerate(EMPLOYEES):
        rows.append([emp, "C1", "2026-02-01", ["LearnSphere", "learnsphere ", "Coursely", ""][i % 4], "2026-02-01"])
    report = audit(export(tmp_path, learning_records__csv=csv_text(rows)))
    f = find(report, "coverage.learning_systems", "learning_records")
    assert f.severity == "warning" and f.value == 2
    assert f.measured == "2 systems (LearnSphere 60%, Coursely 20%), 20% with no system"


def test_a_file_without_a_system_column_takes_the_declared_system(tmp_path: Path) -> None:
    rows = [["employee_id", "course_id", "completed_at", "updated_at"]]
    rows += [[emp, "C1", "2026-02-01", "2026-02-01"] for emp in EMPLOYEES]
    report = audit(export(tmp_path, learning_records__csv=csv_text(rows)))
    assert ("coverage.learning_systems", "learning_records") not in ids(report)
    config = READINESS.replace("learning_records: {access: api, system: LearnSphere}", "learning_records: {}")
    report = audit(export(tmp_path / "b", learning_records__csv=csv_text(rows), readiness__yaml=config))
    assert find(report, "coverage.learning_systems").measured == "0 systems (), 100% with no system"


def test_career_goals_in_free_text_are_a_capped_warning(tmp_path: Path) -> None:
    rows = [["employee_id", "goal", "target_role", "updated_at"]]
    targets = ["ENG-EM", "pm.product_lead", "Senior PM", "", "", "", "", "", "", "DATA-LEAD"]
    rows += [[emp, "Would like to grow", t, "2026-05-01"] for emp, t in zip(EMPLOYEES, targets, strict=True)]
    report = audit(export(tmp_path, career_goals__csv=csv_text(rows)))
    f = find(report, "coverage.career_goals_free_text", "career_goals")
    assert f.value == 0.2 and f.severity == "warning" and "never blocking" in f.note
    assert "'Would like to grow' at career_goals.csv:4" in f.details


def test_a_target_skill_and_level_is_structured_too(tmp_path: Path) -> None:
    rows = [["employee_id", "goal", "target_skill", "target_level", "updated_at"]]
    rows += [[emp, "", "eng.system_design", "3", "2026-05-01"] for emp in EMPLOYEES]
    report = audit(export(tmp_path, career_goals__csv=csv_text(rows)))
    assert ("coverage.career_goals_free_text", "career_goals") not in ids(report)


def test_roles_that_no_framework_covers(tmp_path: Path) -> None:
    def analysts(i: int, row: list[str]) -> None:
        if i < 2:
            row[2] = "DATA-ANL"

    jobs = clean_files()["job_architecture.csv"] + csv_text([["DATA-ANL", "Data Analyst", "", "2026-05-02"],
                                                              ["PPL-REC", "Recruiter", "ppl.recruiting", "2026-05-02"]])
    report = audit(export(tmp_path, employees__csv=employees_with(analysts), job_architecture__csv=jobs))
    f = find(report, "coverage.unmapped_roles", "job_architecture")
    assert f.severity == "blocking" and f.value == 0.8
    assert f.details[0] == "DATA-ANL: 2 active employees (E1, E2), no framework role in the job architecture"
    assert "PPL-REC: in the job architecture (job_architecture.csv:5), no active employees, maps to " \
           "'ppl.recruiting', which no framework defines" in f.details


def test_an_unmapped_job_nobody_holds_is_a_warning(tmp_path: Path) -> None:
    jobs = clean_files()["job_architecture.csv"] + csv_text([["PPL-REC", "Recruiter", "", "2026-05-02"]])
    f = find(audit(export(tmp_path, job_architecture__csv=jobs)), "coverage.unmapped_roles")
    assert f.severity == "warning" and f.value == 1.0


def test_without_a_job_architecture_roles_must_be_framework_role_ids(tmp_path: Path) -> None:
    report = audit(export(tmp_path, job_architecture__csv=None))
    assert find(report, "integrity.missing_source", "job_architecture").severity == "warning"
    f = find(report, "coverage.unmapped_roles", "employees")
    assert f.value == 0.2 and "ENG-SWE: 6 active employees" in f.details[0]
    assert "not a framework role id" in f.details[0]


def test_leavers_do_not_count_for_coverage(tmp_path: Path) -> None:
    def leavers(i: int, row: list[str]) -> None:
        if i < 2:
            row[2], row[5] = "DATA-ANL", "Terminated"

    report = audit(export(tmp_path, employees__csv=employees_with(leavers)))
    assert ("coverage.unmapped_roles", "job_architecture") not in ids(report)


def test_frameworks_decide_what_is_mapped(tmp_path: Path) -> None:
    root = export(tmp_path)
    report = audit(root, frameworks=[framework()])  # a framework whose only role is 'swe'
    f = find(report, "coverage.unmapped_roles")
    assert f.value == 0.0 and report.frameworks == ["eng"]


# -- integrity -------------------------------------------------------------------------------------


def test_duplicate_employee_ids(tmp_path: Path) -> None:
    text = clean_files()["employees.csv"] + "E3,Person E3,e3@example.com,ENG-EM,E7,2020-03-15,active,2026-06-01,,\n"
    f = find(audit(export(tmp_path, employees__csv=text)), "integrity.duplicate_ids", "employees")
    assert f.severity == "blocking" and f.details == ("E3 at employees.csv:12 (first at employees.csv:4)",)


def test_the_latest_of_duplicate_rows_describes_the_person(tmp_path: Path) -> None:
    text = clean_files()["employees.csv"] + "E3,Person E3,e3@example.com,DATA-ANL,E7,2020-03-15,active,2026-06-01,,\n"
    f = find(audit(export(tmp_path, employees__csv=text)), "coverage.unmapped_roles")
    assert "DATA-ANL: 1 active employee (E3)" in f.details[0]


def test_records_for_unknown_people(tmp_path: Path) -> None:
    text = clean_files()["skills_assessments.csv"] + "E404,eng.testing,2,2026-03-01,2026-05-02\n"
    f = find(audit(export(tmp_path, skills_assessments__csv=text)), "integrity.orphan_records", "skills_assessments")
    assert f.severity == "warning" and f.details == ("E404 (first at skills_assessments.csv:12)",)


def test_bad_rows_are_listed_with_file_and_line(tmp_path: Path) -> None:
    text = clean_files()["skills_assessments.csv"] + "E1,eng.testing\n,eng.testing,2,2026-03-01,2026-05-02\n"
    f = find(audit(export(tmp_path, skills_assessments__csv=text)), "integrity.bad_rows", "skills_assessments")
    assert f.severity == "blocking"  # 2 of 12 rows: above 5%
    assert f.details == ("skills_assessments.csv:12: 2 fields where the header has 5",
                         "skills_assessments.csv:13: no employee_id")


def test_a_source_without_its_key_columns_cannot_be_used(tmp_path: Path) -> None:
    skills = csv_text([["employee_id", "skill_id", "assessed_at", "updated_at"]]
                      + [[emp, "eng.testing", "2026-03-01", "2026-05-02"] for emp in EMPLOYEES])
    f = find(audit(export(tmp_path, skills_assessments__csv=skills)), "integrity.missing_columns")
    assert f.severity == "blocking" and "skills_assessments.csv: no proficiency (required;" in f.details[0]


def test_missing_sources(tmp_path: Path) -> None:
    report = audit(export(tmp_path, skills_assessments__csv=None, feedback_360__csv=None))
    assert find(report, "integrity.missing_source", "skills_assessments").severity == "blocking"
    assert find(report, "integrity.missing_source", "feedback_360").severity == "warning"
    assert report.verdict == "not_ready"


def test_an_unreadable_only_file_means_the_source_is_missing(tmp_path: Path) -> None:
    report = audit(export(tmp_path, skills_assessments__csv=None, skills__json='[{"employee_id": "E1", '))
    assert find(report, "integrity.unreadable_file", "skills_assessments").details[0].startswith(
        "skills.json: invalid JSON at line 1")
    f = find(report, "integrity.missing_source", "skills_assessments")
    assert f.severity == "blocking" and "found skills.json but no usable rows" in f.measured


def test_unknown_files(tmp_path: Path) -> None:
    report = audit(export(tmp_path, **{"budget.csv": "Cost Centre;GL Code\nCC-1;6100\n", "org chart.xlsx": b"PK"}))
    f = find(report, "integrity.unknown_file", "export")
    assert f.severity == "warning" and f.measured == "2 files not recognised"
    assert f.details == ("budget.csv: neither its name nor its columns (Cost Centre, GL Code) match a source",
                         "org chart.xlsx: unsupported file type '.xlsx' (export CSV or JSON)")


def test_garbage_never_crashes_the_audit(tmp_path: Path) -> None:
    files = {
        "employees.csv": '"unterminated\n',
        "skills.json": "null",
        "learning.jsonl": "[1, 2]\n\"text\"\n",
        "career_goals.csv": "employee_id\n" + "\n" * 5,
        "performance_reviews.csv": "employee_id,rating\n" + "E1," + "x" * 5000 + "\n",
        "notes.txt": "hello",
        "feedback_360.json": '{"records": {"not": "a list"}}',
    }
    report = audit(export(tmp_path, **{k.replace(".", "__"): None for k in clean_files()}, **files))
    assert report.verdict == "not_ready"
    assert {f.id for f in report.findings} >= {"integrity.missing_source", "integrity.unknown_file"}


# -- configuration, verdict, ranking ---------------------------------------------------------------


def test_thresholds_can_be_overridden_in_readiness_yaml(tmp_path: Path) -> None:
    jobs = csv_text([["job_code", "framework_role", "updated_at"], ["ENG-SWE", "eng.software_engineer", "2024-02-14"],
                     ["ENG-EM", "eng.engineering_manager", "2024-02-14"]])
    config = READINESS + "thresholds:\n  fresh_months: 36\n  roles_mapped: {warn: 0.5, block: 0.1}\n"
    report = audit(export(tmp_path, job_architecture__csv=jobs, readiness__yaml=config))
    assert report.findings == []
    assert report.thresholds["fresh_months"] == 36 and report.thresholds["roles_mapped"]["block"] == 0.1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("sources:\n  employees: {access: sftp}\n", "'sftp' is not one of api, webhook, manual_export, none"),
        ("sources:\n  payroll: {access: api}\n", "sources.payroll: unknown source"),
        ("thresholds:\n  freshness: 3\n", "thresholds.freshness: unknown threshold"),
        ("thresholds:\n  current: {warn: 2}\n", "between 0 and 1"),
        ("files:\n  x.csv: payroll\n", "files.x.csv: expected a source kind"),
        ("- a list\n", "expected a mapping at the top level"),
        ("sources: [\n", "cannot read it"),
    ],
)
def test_a_bad_readiness_yaml_is_a_usage_error(tmp_path: Path, config: str, message: str) -> None:
    with pytest.raises(AuditInputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        audit(export(tmp_path, readiness__yaml=config))


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(AuditInputError, match="no such folder"):
        audit_directory(tmp_path / "nope", AS_OF)


def test_framework_files_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "fw").mkdir()
    (tmp_path / "fw" / "eng.yaml").write_text(yaml.safe_dump(framework().model_dump(mode="json")))
    assert [f.framework_id for f in load_framework_files(tmp_path / "fw")] == ["eng"]
    (tmp_path / "fw" / "broken.json").write_text('{"framework_id": "x"}')
    with pytest.raises(AuditInputError, match="broken.json: not a valid framework"):
        load_framework_files(tmp_path / "fw")
    with pytest.raises(AuditInputError, match="no such file or folder"):
        load_framework_files(tmp_path / "missing")


def _finding(finding_id: str, source: str, severity: str, impact: float) -> Finding:
    return Finding(id=finding_id, source=source, severity=severity, measured="", threshold="",  # type: ignore[arg-type]
                   impact=impact)


def test_verdict_rule() -> None:
    assert verdict_for([]) == "ready"
    assert verdict_for([_finding("current.undated", "employees", "info", 0)]) == "ready"
    assert verdict_for([_finding("current.stale", "employees", "warning", 0.3)]) == "ready_with_warnings"
    assert verdict_for([_finding("current.stale", "employees", "warning", 0.3),
                        _finding("current.stale", "skills_assessments", "blocking", 0.1)]) == "not_ready"


def test_ranking_is_severity_then_impact_then_source_order() -> None:
    order = {"employees": 0, "skills_assessments": 3}
    findings = [
        _finding("current.stale", "skills_assessments", "warning", 0.9),
        _finding("integrity.duplicate_ids", "employees", "blocking", 0.05),
        _finding("structured.scale_mismatch", "skills_assessments", "blocking", 0.9),
        _finding("current.stale", "employees", "blocking", 0.9),
        _finding("integrity.missing_columns", "employees", "info", 0.0),
    ]
    ranked = [(f.id, f.source) for f in rank(findings, order)]
    assert ranked == [
        ("current.stale", "employees"),
        ("structured.scale_mismatch", "skills_assessments"),
        ("integrity.duplicate_ids", "employees"),
        ("current.stale", "skills_assessments"),
        ("integrity.missing_columns", "employees"),
    ]


def test_impact_is_source_weight_times_shortfall(tmp_path: Path) -> None:
    jobs = csv_text([["job_code", "framework_role", "updated_at"], ["ENG-SWE", "eng.software_engineer", "2023-02-14"],
                     ["ENG-EM", "eng.engineering_manager", "2026-01-10"]])
    f = find(audit(export(tmp_path, job_architecture__csv=jobs)), "current.stale")
    assert f.shortfall == pytest.approx((0.8 - 0.5) / 0.8) and f.impact == pytest.approx(0.8 * f.shortfall)


def test_bands() -> None:
    band = Band(warn=0.8, block=0.5)
    assert [band.severity(x) for x in (0.9, 0.8, 0.79, 0.5, 0.49)] == [None, None, "warning", "warning", "blocking"]
    low = Band(warn=0.0, block=0.02, higher_is_better=False)
    assert [low.severity(x) for x in (0.0, 0.01, 0.03)] == [None, "warning", "blocking"]
    assert Band(warn=0.8).severity(0.1) == "warning"
    assert band.describe() == "≥ 80% (blocking below 50%)" and low.describe() == "0 (blocking above 2%)"


def test_every_threshold_and_finding_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "data-readiness.md").read_text()
    for name in Thresholds().as_dict():
        assert f"`{name}`" in doc, name
    for finding_id in FINDING_IDS:
        assert f"`{finding_id}`" in doc, finding_id


def test_a_file_whose_rows_all_lack_an_id_is_bad_rows_and_a_missing_source(tmp_path: Path) -> None:
    skills = "employee_id,skill_id,proficiency\n,eng.testing,2\n,eng.testing,3\n"
    report = audit(export(tmp_path, skills_assessments__csv=skills))
    bad = find(report, "integrity.bad_rows", "skills_assessments")
    assert bad.severity == "blocking" and bad.value == 1.0
    assert find(report, "integrity.missing_source", "skills_assessments").measured == (
        "found skills_assessments.csv but no usable rows"
    )
