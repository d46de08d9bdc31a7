"""A small, clean HRIS export written to real files, that each test then spoils in one way."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from coachwire_tools.readiness.audit import audit_directory
from coachwire_tools.readiness.model import AuditReport, Finding

AS_OF = date(2026, 6, 30)
RECENT = "2026-05-02"
EMPLOYEES = [f"E{n}" for n in range(1, 11)]
ROLES = ["ENG-SWE"] * 6 + ["ENG-EM"] * 2 + ["pm.product_manager"] * 2  # job codes and a framework role id

READINESS = """\
sources:
  employees: {access: webhook, system: PeopleCore}
  job_architecture: {access: api, system: PeopleCore}
  performance_reviews: {access: api, system: ReviewHub}
  skills_assessments: {access: api, system: SkillGraph}
  learning_records: {access: api, system: LearnSphere}
  feedback_360: {access: api, system: Culturely}
  career_goals: {access: webhook, system: PeopleCore}
  requisitions: {access: api, system: Hirewell}
"""


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def clean_files() -> dict[str, str]:
    """File name → content of an export that passes every check."""
    employees = [["employee_id", "full_name", "email", "job_code", "manager_id", "hire_date", "status", "updated_at",
                  "move_kind", "move_date"]]
    for i, (emp, role) in enumerate(zip(EMPLOYEES, ROLES, strict=True)):
        move = ["promotion", "2026-01-12"] if i in (1, 7) else ["", ""]  # the outcome metrics' moves
        employees.append([emp, f"Person {emp}", f"{emp.lower()}@example.com", role, "E7" if i != 6 else "",
                          f"2020-0{1 + i % 9}-15", "active", RECENT, *move])
    requisitions = [["requisition_id", "job_code", "career_stage", "filled_at", "filled_internally", "updated_at"],
                    ["REQ-1", "ENG-SWE", "senior", "2026-01-12", "yes", RECENT],
                    ["REQ-2", "ENG-SWE", "junior", "2026-03-02", "no", RECENT]]
    jobs = [["job_code", "job_title", "framework_role", "updated_at"],
            ["ENG-SWE", "Software Engineer", "eng.software_engineer", RECENT],
            ["ENG-EM", "Engineering Manager", "eng.engineering_manager", RECENT]]
    reviews = [["employee_id", "cycle", "review_date", "rating", "reviewer_id", "comments", "updated_at"]]
    skills = [["employee_id", "skill_id", "proficiency", "assessed_at", "updated_at"]]
    learning = [["employee_id", "course_id", "course_title", "status", "completed_at", "system", "updated_at"]]
    feedback = [["employee_id", "rater_id", "relationship", "competency", "rating", "submitted_at", "updated_at"]]
    goals = [["employee_id", "goal", "target_role", "target_date", "updated_at"]]
    for i, emp in enumerate(EMPLOYEES):
        reviews.append([emp, "2025 Annual", "2025-12-15", str(2 + i % 3), "E7", "Good year.", "2025-12-20"])
        reviews.append([emp, "2026 Mid-year", "2026-06-10", str(2 + (i + 1) % 3), "E7", "", "2026-06-12"])
        skill = "pm.discovery" if ROLES[i].startswith("pm.") else "eng.testing"
        skills.append([emp, skill, str(1 + i % 4), "2026-03-01", RECENT])
        learning.append([emp, "LS-101", "Testing in practice", "completed", "2026-02-01", "LearnSphere", RECENT])
        feedback.append([emp, "E7", "peer", skill, "4", "2026-03-10", RECENT])
        goals.append([emp, "Lead a team", "ENG-EM", "2027-06-30", RECENT])
    return {
        "employees.csv": csv_text(employees),
        "job_architecture.csv": csv_text(jobs),
        "performance_reviews.csv": csv_text(reviews),
        "skills_assessments.csv": csv_text(skills),
        "learning_records.csv": csv_text(learning),
        "feedback_360.csv": csv_text(feedback),
        "career_goals.csv": csv_text(goals),
        "requisitions.csv": csv_text(requisitions),
        "readiness.yaml": READINESS,
    }


def write_export(root: Path, files: dict[str, str | bytes | None]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if content is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def export(root: Path, **changes: str | bytes | None) -> Path:
    """The clean export with some files replaced (`name=content`) or left out (`name=None`).
    Keyword names use `__` for `.`: ``employees__csv=...``."""
    files: dict[str, str | bytes | None] = dict(clean_files())
    for key, value in changes.items():
        files[key.replace("__", ".")] = value
    return write_export(root, files)


def audit(root: Path, as_of: date = AS_OF, **kwargs) -> AuditReport:
    return audit_directory(root, as_of, **kwargs)


def find(report: AuditReport, finding_id: str, source: str | None = None) -> Finding:
    matches = [f for f in report.findings if f.id == finding_id and (source is None or f.source == source)]
    assert matches, f"{finding_id} ({source}) not found in {[(f.id, f.source) for f in report.findings]}"
    return matches[0]


def ids(report: AuditReport) -> set[tuple[str, str]]:
    return {(f.id, f.source) for f in report.findings}


def with_rows(name: str, rows: list[list[str]], delimiter: str = ",") -> str:
    """A clean file's rows plus ``rows`` (the header stays)."""
    text = clean_files()[name]
    return text + csv_text(rows, delimiter)


def json_records(records: list[dict], wrap: str | None = "records") -> str:
    return json.dumps({wrap: records} if wrap else records, indent=2)
