"""Recognising and reading the files of an export: names, headers, aliases, CSV dialects, JSON shapes.
Everything here goes through real files in tmp_path."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from coachwire_tools.readiness.config import ReadinessConfig, parse_config
from coachwire_tools.readiness.sources import (
    KINDS,
    SPEC_BY_KIND,
    kind_from_headers,
    kind_from_name,
    load_export,
    map_columns,
    normalise_header,
)


def load(root: Path, config: ReadinessConfig | None = None):
    return load_export(root, config or ReadinessConfig())


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Employees_Export_2026-11-15.csv", "employees"),
        ("hris_headcount.json", "employees"),
        ("job_architecture.json", "job_architecture"),
        ("Job Profiles.csv", "job_architecture"),
        ("performance_reviews_2024-2026.csv", "performance_reviews"),
        ("appraisals.csv", "performance_reviews"),
        ("skills_assessments.csv", "skills_assessments"),
        ("competencies.json", "skills_assessments"),
        ("lms_completions.csv", "learning_records"),
        ("360_feedback.json", "feedback_360"),
        ("peer-feedback-review.csv", "feedback_360"),
        ("career_goals.csv", "career_goals"),
        ("IDP export.csv", "career_goals"),
        ("extract_0427.csv", None),
        ("payroll_cost_centres_FINAL(2).csv", None),
    ],
)
def test_file_names_point_at_a_source(name: str, kind: str | None) -> None:
    assert kind_from_name(Path(name)) == kind


@pytest.mark.parametrize(
    ("kind", "header", "column"),
    [
        ("employees", "Employee ID", "employee_id"),
        ("employees", "emp_id", "employee_id"),
        ("employees", "employeeId", "employee_id"),
        ("employees", "EMPLOYEE-ID", "employee_id"),
        ("employees", "\ufeffWorker ID", "employee_id"),
        ("employees", "Last Updated", "updated_at"),
        ("job_architecture", "lastModified", "updated_at"),
        ("performance_reviews", "Overall Rating", "rating"),
        ("skills_assessments", "Proficiency Level", "proficiency"),
        ("skills_assessments", "score", "proficiency"),
        ("learning_records", "Learner ID", "employee_id"),
        ("feedback_360", "subject_employee_id", "employee_id"),
    ],
)
def test_column_variants_map_to_one_name(kind: str, header: str, column: str) -> None:
    mapped, unmapped = map_columns(SPEC_BY_KIND[kind], [header])
    assert mapped == {column: header} and not unmapped


def test_header_normalisation() -> None:
    assert normalise_header("\ufeffEmployee ID") == "employee_id"
    assert normalise_header("employeeID") == "employee_id"
    assert normalise_header("  Last-Updated (UTC) ") == "last_updated_utc"


def test_headers_recognise_a_file_with_a_cryptic_name() -> None:
    assert kind_from_headers(["Learner ID", "Course Code", "Course Name", "Completion Date", "Platform"]) == (
        "learning_records"
    )
    assert kind_from_headers(["Worker ID", "Work Email", "Job Code", "Hire Date"]) == "employees"
    assert kind_from_headers(["Emp ID", "Review Cycle", "Overall Rating"]) == "performance_reviews"
    assert kind_from_headers(["subject_employee_id", "rater_relationship", "score"]) == "feedback_360"
    assert kind_from_headers(["Employee", "Career Goal", "Target Role"]) == "career_goals"
    assert kind_from_headers(["employee_id", "skill", "proficiency"]) == "skills_assessments"
    assert kind_from_headers(["Cost Centre", "GL Code", "Budget 2026"]) is None


def test_bom_semicolons_and_multiline_quoted_fields_keep_their_line_numbers(tmp_path: Path) -> None:
    text = (
        "Employee ID;Job Code;Department;Last Updated\r\n"
        'E1;ENG-SWE;"Product\r\n(Onboarding squad)";2026-01-02\r\n'
        "E2;ENG-SWE;Engineering;2026-01-03\r\n"
        "E3;ENG-SWE;People; interim;2026-01-03\r\n"
        ";ENG-SWE;Engineering;2026-01-03\r\n"
    )
    (tmp_path / "staff.csv").write_bytes(codecs.BOM_UTF8 + text.encode())
    export = load(tmp_path)
    f = export.files[0]
    assert (f.kind, f.recognised_by, f.bom, f.delimiter) == ("employees", "name", True, ";")
    assert f.columns == {"employee_id": "Employee ID", "job_code": "Job Code", "department": "Department",
                         "updated_at": "Last Updated"}
    assert [(r.values["employee_id"], r.line) for r in f.rows] == [("E1", 2), ("E2", 4)]
    assert f.rows[0].values["department"] == "Product\r\n(Onboarding squad)"
    assert [(b.ref, b.reason) for b in f.bad_rows] == [
        ("staff.csv:5", "5 fields where the header has 4"),
        ("staff.csv:6", "no employee_id"),
    ]


def test_utf16_and_windows_1252_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "employees.csv").write_text("employee_id\tjob_code\nE1\tENG-SWE\n", encoding="utf-16")
    (tmp_path / "career_goals.csv").write_bytes("employee_id,goal\nE1,Devenir responsable d'équipe\n".encode("cp1252"))
    export = load(tmp_path)
    by_kind = {f.kind: f for f in export.files}
    assert by_kind["employees"].encoding == "utf-16" and by_kind["employees"].delimiter == "\t"
    assert by_kind["employees"].rows[0].values == {"employee_id": "E1", "job_code": "ENG-SWE"}
    assert by_kind["career_goals"].encoding == "cp1252"
    assert "équipe" in by_kind["career_goals"].rows[0].values["goal"]


def test_json_list_records_object_nested_keys_and_lines(tmp_path: Path) -> None:
    (tmp_path / "360_feedback.json").write_text(json.dumps([
        {"subject": {"employeeId": "E1"}, "rater": {"employeeId": "E2", "relationship": "peer"}, "score": 4},
        "not a record",
        {"subject": {"employeeId": "E3"}, "score": 3},
    ], indent=2))
    (tmp_path / "job_architecture.json").write_text(json.dumps(
        {"exportedAt": "2026-01-01", "records": [{"jobCode": "ENG-SWE", "frameworkRole": "eng.software_engineer"}]},
        indent=2))
    export = load(tmp_path)
    feedback = next(f for f in export.files if f.kind == "feedback_360")
    assert feedback.rows[0].values == {"employee_id": "E1", "rater_id": "E2", "relationship": "peer", "rating": "4"}
    assert [r.line for r in feedback.rows] == [2, 13]
    assert [(b.line, b.reason) for b in feedback.bad_rows] == [(12, "record 2 is not an object")]
    jobs = next(f for f in export.files if f.kind == "job_architecture")
    assert jobs.rows[0].values == {"job_code": "ENG-SWE", "framework_role": "eng.software_engineer"}
    assert jobs.rows[0].line == 4


def test_json_lines(tmp_path: Path) -> None:
    (tmp_path / "learning_records.jsonl").write_text('{"learner_id": "E1", "course_id": "C1"}\n\n{oops\n'
                                                     '{"learner_id": "E2", "course_id": "C2"}\n')
    f = load(tmp_path).files[0]
    assert [(r.values["employee_id"], r.line) for r in f.rows] == [("E1", 1), ("E2", 4)]
    assert [b.ref for b in f.bad_rows] == ["learning_records.jsonl:3"]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("performance_reviews.json", '[{"employee_id": "E1", "rating": ', "invalid JSON at line 1"),
        ("skills.json", '{"meta": 1}', "no list of records"),
        ("employees.csv", "", "empty file"),
        ("employees.xlsx", b"PK\x03\x04\x00\x00binary", "unsupported file type '.xlsx'"),
        ("learning.csv", b"\x00\x01\x02binary", "binary content"),
    ],
)
def test_unreadable_files_are_reported_not_raised(tmp_path: Path, name: str, content: str | bytes, error: str) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    f = load(tmp_path).files[0]
    assert f.error is not None and error in f.error
    assert not f.rows


def test_readme_config_and_hidden_files_are_skipped_and_subfolders_read(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# notes")
    (tmp_path / "readiness.yaml").write_text("sources: {}")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "hr").mkdir()
    (tmp_path / "hr" / "employees.csv").write_text("employee_id,job_code\nE1,ENG-SWE\n")
    assert [f.path for f in load(tmp_path).files] == ["hr/employees.csv"]


def test_readiness_yaml_files_entry_overrides_the_name(tmp_path: Path) -> None:
    (tmp_path / "dump_7.csv").write_text("id,course,when\nE1,Kubernetes,2026-01-01\n")
    config = parse_config({"files": {"dump_7.csv": {"kind": "learning_records", "system": "Coursely"}}}, KINDS)
    f = load(tmp_path, config).files[0]
    assert (f.kind, f.recognised_by, f.system) == ("learning_records", "config", "Coursely")
    assert f.unmapped_columns == ["id", "when"]  # 'id' names an employee only in the employee file


def test_a_column_matched_twice_keeps_the_first_and_reports_the_second(tmp_path: Path) -> None:
    (tmp_path / "reviews.csv").write_text("employee_id,rating,score\nE1,3,4\n")
    f = load(tmp_path).files[0]
    assert f.columns["rating"] == "rating" and f.unmapped_columns == ["score"]
    assert f.rows[0].values["rating"] == "3"
