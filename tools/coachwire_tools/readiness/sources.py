"""What an HRIS export folder holds: the seven source kinds, their columns and accepted variants, and loaders.

Files are recognised by (1) a ``files:`` entry in readiness.yaml, (2) words in the file name, (3) their
header row. Column names are normalised (case, spaces, punctuation) and matched against aliases, so
"Employee ID", "emp_id" and "worker_id" all become ``employee_id``. CSV (comma, semicolon, tab or pipe;
UTF-8 with or without BOM, UTF-16, Windows-1252; quoted multi-line fields), JSON (a list of records or an
object holding one, e.g. ``{"records": [...]}``) and JSON Lines are read. A file that cannot be read, or a
row that does not fit, is reported with file:line and never stops the audit.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coachwire_tools.readiness.config import CONFIG_NAMES, FileHint, ReadinessConfig
from coachwire_tools.readiness.values import is_blank

# --------------------------------------------------------------------------------------------------
# Source kinds and columns
# --------------------------------------------------------------------------------------------------

# Column types: what "machine-readable" means for a value of the column (see checks.py).
#   id      an identifier without spaces (employee, manager, reviewer ids)
#   code    a code without spaces (job code, skill id, course id, framework role id)
#   date    a date that parses unambiguously
#   enum    one of the column's known values
#   number  a number
#   rating  a number or a calibrated rating label
#   level   a proficiency level on the scale
#   email   an e-mail address
#   period  a review cycle that names a year
#   text    descriptive or narrative text: not counted either way


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    values: frozenset[str] = frozenset()  # for enum columns (normalised: lower case, spaces as _)
    distinctive: bool = False  # its presence in a header points at this kind of source


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    title: str
    columns: tuple[Column, ...]
    required: tuple[tuple[str, ...], ...]  # each group: at least one of these columns must be present
    key: str  # a row without a value here cannot be used (a bad row)
    name_words: frozenset[str]
    core: bool  # core sources can block; findings on supporting sources are at most warnings
    required_source: bool  # its absence blocks
    weight: float  # impact weight when ranking gaps
    currency_unit: str  # "record", "employee" (latest per employee) or "employee_skill"
    update_date: tuple[str, ...]  # columns that date a record, in order of preference
    duplicate_key: tuple[str, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


EMPLOYEE_ALIASES = (
    "employee_id",
    "emp_id",
    "empid",
    "employee_number",
    "employee_no",
    "employee_num",
    "emp_no",
    "worker_id",
    "person_id",
    "staff_id",
    "staff_number",
    "personnel_number",
)
UPDATED_ALIASES = (
    "updated_at",
    "last_modified",
    "last_updated",
    "last_update",
    "lastupdated",
    "modified_at",
    "modified",
    "modified_on",
    "updated",
    "updated_on",
    "date_modified",
    "last_modified_date",
    "last_changed",
    "changed_at",
)
JOB_CODE_ALIASES = (
    "job_code",
    "role_id",
    "job_profile_id",
    "job_profile",
    "job_profile_code",
    "position_code",
    "job_id",
    "role_code",
    "jobcode",
)


# Outcome-metric values as HRIS exports spell them (normalised), and what Coachwire's events call them.
LEAVING_REASON_CLASS: dict[str, str] = {
    "voluntary": "voluntary", "resignation": "voluntary", "resigned": "voluntary", "retirement": "voluntary",
    "retired": "voluntary", "involuntary": "involuntary", "dismissal": "involuntary", "dismissed": "involuntary",
    "termination": "involuntary", "redundancy": "involuntary", "layoff": "involuntary", "laid_off": "involuntary",
    "other": "other", "end_of_contract": "other", "death": "other", "deceased": "other",
}
MOVE_KIND_CLASS: dict[str, str] = {
    "promotion": "promotion", "promoted": "promotion", "lateral": "lateral", "lateral_move": "lateral",
    "transfer": "lateral", "demotion": "demotion", "demoted": "demotion", "correction": "correction",
}
QUARTILE_VALUE: dict[str, int] = {"1": 1, "2": 2, "3": 3, "4": 4, "q1": 1, "q2": 2, "q3": 3, "q4": 4}
YES_NO: dict[str, bool] = {
    "yes": True, "y": True, "true": True, "1": True, "internal": True,
    "no": False, "n": False, "false": False, "0": False, "external": False,
}


def _enum(*values: str) -> frozenset[str]:
    return frozenset(values)


def _updated() -> Column:
    return Column("updated_at", "date", UPDATED_ALIASES)


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        kind="employees",
        title="Employees",
        columns=(
            Column("employee_id", "id", (*EMPLOYEE_ALIASES, "id")),
            Column("full_name", "text", ("full_name", "name", "display_name", "employee_name", "preferred_name")),
            Column("first_name", "text", ("first_name", "given_name", "firstname")),
            Column("last_name", "text", ("last_name", "surname", "family_name", "lastname")),
            Column("email", "email", ("email", "work_email", "email_address", "business_email"), distinctive=True),
            Column("job_code", "code", JOB_CODE_ALIASES),
            Column("job_title", "text", ("job_title", "title", "position", "position_title", "business_title")),
            Column("department", "text", ("department", "dept", "team", "org_unit", "cost_centre", "cost_center")),
            Column("career_stage", "code", ("career_stage", "stage", "grade", "job_level", "level")),
            Column(
                "manager_id",
                "id",
                ("manager_id", "manager", "supervisor_id", "reports_to", "line_manager_id", "manager_employee_id"),
                distinctive=True,
            ),
            Column(
                "hire_date",
                "date",
                ("hire_date", "start_date", "date_hired", "original_hire_date", "date_of_hire"),
                distinctive=True,
            ),
            Column(
                "status",
                "enum",
                ("status", "employment_status", "employee_status", "active"),
                _enum(
                    "active",
                    "inactive",
                    "terminated",
                    "leaver",
                    "left",
                    "on_leave",
                    "leave",
                    "suspended",
                    "pending",
                    "yes",
                    "no",
                    "true",
                    "false",
                    "y",
                    "n",
                ),
            ),
            _updated(),
            # For the outcome metrics (high-performer retention, internal mobility), not for coaching.
            Column(
                "leaving_reason",
                "enum",
                (
                    "leaving_reason",
                    "termination_reason",
                    "termination_type",
                    "exit_reason",
                    "reason_for_leaving",
                    "leaver_reason",
                    "separation_reason",
                    "separation_type",
                ),
                frozenset(LEAVING_REASON_CLASS),
            ),
            Column(
                "leaving_date",
                "date",
                ("leaving_date", "termination_date", "exit_date", "separation_date", "last_day", "leave_date"),
            ),
            Column(
                "move_kind",
                "enum",
                ("move_kind", "last_move_kind", "move_type", "movement_type", "job_change_type", "job_change_reason"),
                frozenset(MOVE_KIND_CLASS),
            ),
            Column("move_date", "date", ("move_date", "last_move_date", "job_change_date", "role_change_date")),
        ),
        required=(("employee_id",), ("job_code",)),
        key="employee_id",
        name_words=frozenset(
            {
                "employee",
                "employees",
                "staff",
                "worker",
                "workers",
                "people",
                "headcount",
                "roster",
                "personnel",
                "hris",
                "census",
            }
        ),
        core=True,
        required_source=True,
        weight=1.0,
        currency_unit="record",
        update_date=("updated_at",),
        duplicate_key=("employee_id",),
    ),
    SourceSpec(
        kind="job_architecture",
        title="Job architecture",
        columns=(
            Column("job_code", "code", (*JOB_CODE_ALIASES, "code", "id")),
            Column("job_title", "text", ("job_title", "title", "job_name", "role_name", "name")),
            Column("job_family", "text", ("job_family", "family", "job_function", "function"), distinctive=True),
            Column(
                "framework_role",
                "code",
                (
                    "framework_role",
                    "framework_role_id",
                    "competency_role",
                    "competency_profile",
                    "mapped_role",
                    "framework_role_code",
                    "coachwire_role",
                ),
                distinctive=True,
            ),
            Column("career_levels", "text", ("career_levels", "levels", "grades", "career_stages")),
            Column("effective_date", "date", ("effective_date", "effective_from", "valid_from")),
            _updated(),
        ),
        required=(("job_code",), ("framework_role",)),
        key="job_code",
        name_words=frozenset({"job", "jobs", "architecture", "positions", "roles", "jobcodes", "job_catalog"}),
        core=True,
        required_source=False,
        weight=0.8,
        currency_unit="record",
        update_date=("updated_at", "effective_date"),
        duplicate_key=("job_code",),
    ),
    SourceSpec(
        kind="performance_reviews",
        title="Performance reviews",
        columns=(
            Column("employee_id", "id", (*EMPLOYEE_ALIASES, "employee", "reviewee_id")),
            Column(
                "cycle",
                "period",
                ("cycle", "review_cycle", "period", "review_period", "cycle_name", "performance_cycle", "review_name"),
                distinctive=True,
            ),
            Column(
                "review_date",
                "date",
                (
                    "review_date",
                    "date",
                    "completed_at",
                    "submitted_at",
                    "period_end",
                    "completed_on",
                    "completion_date",
                    "signed_off",
                ),
            ),
            Column(
                "rating",
                "rating",
                ("rating", "score", "overall_rating", "performance_rating", "final_rating", "overall_score"),
                distinctive=True,
            ),
            Column(
                "quartile",
                "enum",
                ("quartile", "performance_quartile", "perf_quartile", "rating_quartile"),
                frozenset(QUARTILE_VALUE),
            ),
            Column("reviewer_id", "id", ("reviewer_id", "reviewer", "manager_id", "manager", "reviewed_by")),
            Column("comments", "text", ("comments", "comment", "notes", "summary", "narrative", "manager_comments")),
            _updated(),
        ),
        required=(("employee_id",), ("rating",)),
        key="employee_id",
        name_words=frozenset({"performance", "perf", "review", "reviews", "appraisal", "appraisals", "ratings"}),
        core=True,
        required_source=True,
        weight=0.7,
        currency_unit="employee",
        update_date=("updated_at", "review_date"),
        duplicate_key=("employee_id", "cycle"),
    ),
    SourceSpec(
        kind="skills_assessments",
        title="Skills assessments",
        columns=(
            Column("employee_id", "id", (*EMPLOYEE_ALIASES, "employee", "assessee_id")),
            Column(
                "skill_id",
                "code",
                ("skill_id", "skill", "competency", "competency_id", "skill_code", "skill_name"),
                distinctive=True,
            ),
            Column(
                "proficiency",
                "level",
                ("proficiency", "level", "proficiency_level", "assessed_level", "rating", "score", "skill_level"),
                distinctive=True,
            ),
            Column(
                "assessed_at", "date", ("assessed_at", "assessment_date", "assessed_on", "rated_on", "date", "assessed")
            ),
            Column("assessor", "text", ("assessor", "assessor_id", "rated_by", "assessed_by", "method")),
            Column("evidence", "text", ("evidence", "comments", "comment", "notes")),
            _updated(),
        ),
        required=(("employee_id",), ("skill_id",), ("proficiency",)),
        key="employee_id",
        name_words=frozenset({"skill", "skills", "competency", "competencies", "proficiency", "proficiencies"}),
        core=True,
        required_source=True,
        weight=0.9,
        currency_unit="employee_skill",
        update_date=("updated_at", "assessed_at"),
        duplicate_key=("employee_id", "skill_id", "assessed_at"),
    ),
    SourceSpec(
        kind="learning_records",
        title="Learning records",
        columns=(
            Column("employee_id", "id", (*EMPLOYEE_ALIASES, "employee", "learner_id", "user_id", "learner")),
            Column(
                "course_id",
                "code",
                ("course_id", "course_code", "item_id", "activity_id", "learning_item_id", "content_id", "module_id"),
                distinctive=True,
            ),
            Column(
                "course_title",
                "text",
                ("course_title", "course", "course_name", "title", "activity", "activity_name", "content_title"),
            ),
            Column(
                "status",
                "enum",
                ("status", "completion_status", "state"),
                _enum(
                    "completed",
                    "complete",
                    "passed",
                    "in_progress",
                    "started",
                    "enrolled",
                    "registered",
                    "not_started",
                    "failed",
                    "withdrawn",
                    "cancelled",
                    "canceled",
                    "expired",
                    "assigned",
                ),
            ),
            Column(
                "completed_at",
                "date",
                (
                    "completed_at",
                    "completion_date",
                    "completed_on",
                    "date_completed",
                    "completed",
                    "finished_at",
                    "date",
                ),
                distinctive=True,
            ),
            Column(
                "system", "text", ("system", "source_system", "platform", "lms", "provider", "vendor"), distinctive=True
            ),
            Column("duration", "number", ("duration", "duration_minutes", "minutes", "hours", "duration_hours")),
            Column("skill_id", "code", ("skill_id", "skill", "skills")),
            _updated(),
        ),
        required=(("employee_id",), ("course_id", "course_title")),
        key="employee_id",
        name_words=frozenset({"learning", "training", "lms", "course", "courses", "completions", "elearning"}),
        core=False,
        required_source=False,
        weight=0.4,
        currency_unit="employee",
        update_date=("updated_at", "completed_at"),
        duplicate_key=("employee_id", "course_id", "completed_at"),
    ),
    SourceSpec(
        kind="feedback_360",
        title="360 feedback",
        columns=(
            Column(
                "employee_id",
                "id",
                (
                    *EMPLOYEE_ALIASES,
                    "employee",
                    "subject_id",
                    "subject_employee_id",
                    "ratee_id",
                    "about_employee_id",
                    "recipient_id",
                ),
            ),
            Column(
                "rater_id",
                "id",
                ("rater_id", "rater_employee_id", "from_employee_id", "giver_id", "respondent_id", "rater"),
                distinctive=True,
            ),
            Column(
                "relationship",
                "enum",
                ("relationship", "rater_relationship", "rater_type", "perspective", "rater_role"),
                _enum(
                    "self",
                    "manager",
                    "peer",
                    "direct_report",
                    "report",
                    "skip_level",
                    "other",
                    "external",
                    "customer",
                    "stakeholder",
                ),
                distinctive=True,
            ),
            Column("competency", "code", ("competency", "competency_id", "skill_id", "skill", "question_id")),
            Column("rating", "rating", ("rating", "score", "response")),
            Column("comments", "text", ("comments", "comment", "feedback", "free_text", "verbatim")),
            Column("submitted_at", "date", ("submitted_at", "submitted", "response_date", "date", "completed_at")),
            _updated(),
        ),
        required=(("employee_id",),),
        key="employee_id",
        name_words=frozenset({"360", "multirater", "feedback"}),
        core=False,
        required_source=False,
        weight=0.3,
        currency_unit="employee",
        update_date=("updated_at", "submitted_at"),
    ),
    SourceSpec(
        kind="career_goals",
        title="Career goals",
        columns=(
            Column("employee_id", "id", (*EMPLOYEE_ALIASES, "employee")),
            Column(
                "goal",
                "text",
                ("goal", "goal_text", "career_goal", "aspiration", "aspirations", "description", "career_aspiration"),
                distinctive=True,
            ),
            Column(
                "target_role",
                "code",
                ("target_role", "target_role_id", "aspired_role", "next_role", "desired_role", "target_job_code"),
                distinctive=True,
            ),
            Column("target_skill", "code", ("target_skill", "target_skill_id", "focus_skill", "skill_id")),
            Column("target_level", "number", ("target_level", "desired_level", "target_stage_level")),
            Column("target_date", "date", ("target_date", "by_when", "due_date", "target_by")),
            Column(
                "status",
                "enum",
                ("status", "goal_status"),
                _enum(
                    "open",
                    "active",
                    "in_progress",
                    "on_track",
                    "achieved",
                    "done",
                    "completed",
                    "dropped",
                    "abandoned",
                    "not_started",
                    "on_hold",
                    "draft",
                ),
            ),
            Column("created_at", "date", ("created_at", "created", "set_on", "date_set", "created_on")),
            _updated(),
        ),
        required=(("employee_id",), ("goal", "target_role", "target_skill")),
        key="employee_id",
        name_words=frozenset({"career", "goal", "goals", "aspiration", "aspirations", "idp"}),
        core=False,
        required_source=False,
        weight=0.5,
        currency_unit="employee",
        update_date=("updated_at", "created_at"),
    ),
    SourceSpec(
        kind="requisitions",
        title="Requisitions",
        columns=(
            Column(
                "requisition_id",
                "code",
                ("requisition_id", "req_id", "requisition", "job_requisition_id", "opening_id", "vacancy_id"),
                distinctive=True,
            ),
            Column("job_code", "code", JOB_CODE_ALIASES),
            Column("career_stage", "code", ("career_stage", "stage", "grade", "job_level", "level")),
            Column("filled_at", "date", ("filled_at", "filled_date", "filled_on", "fill_date", "closed_at", "date")),
            Column(
                "filled_internally",
                "enum",
                ("filled_internally", "internal_hire", "internal_fill", "internal", "hire_source", "filled_by"),
                frozenset(YES_NO),
                distinctive=True,
            ),
            Column("hired_employee_id", "id", ("hired_employee_id", "hire_employee_id", "filled_by_employee_id")),
            _updated(),
        ),
        required=(("requisition_id",), ("filled_internally",)),
        key="requisition_id",
        name_words=frozenset({"requisition", "requisitions", "reqs", "vacancies", "openings", "recruiting", "ats"}),
        core=False,
        required_source=False,
        weight=0.3,
        currency_unit="record",
        update_date=("updated_at", "filled_at"),
        duplicate_key=("requisition_id",),
    ),
)

SPEC_BY_KIND: dict[str, SourceSpec] = {s.kind: s for s in SPECS}
KINDS: tuple[str, ...] = tuple(SPEC_BY_KIND)
# File-name words are tried from the most specific kind to the most general one.
NAME_ORDER: tuple[str, ...] = (
    "requisitions",
    "feedback_360",
    "career_goals",
    "skills_assessments",
    "learning_records",
    "performance_reviews",
    "job_architecture",
    "employees",
)
DATA_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
SKIPPED_NAMES = {n.lower() for n in CONFIG_NAMES} | {"readme.md", "readme.txt", "readme", ".ds_store", "thumbs.db"}


def normalise_header(name: str) -> str:
    """'Employee ID', 'employeeId', 'EMPLOYEE_ID' and 'employee-id' all become 'employee_id'."""
    text = name.replace("\ufeff", "").strip()
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower()
    text = re.sub(r"[^a-z0-9]+", "_", text)
    return text.strip("_")


def map_columns(spec: SourceSpec, headers: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """canonical column → original header, and the headers that matched nothing (or a column already taken)."""
    mapped: dict[str, str] = {}
    unmapped: list[str] = []
    for header in headers:
        norm = normalise_header(header)
        column = next((c for c in spec.columns if norm == c.name or norm in c.aliases), None)
        if column is None or column.name in mapped:
            unmapped.append(header)
        else:
            mapped[column.name] = header
    return mapped, unmapped


def kind_from_name(path: Path) -> str | None:
    words = set(re.split(r"[^a-z0-9]+", path.stem.lower())) - {""}
    joined = re.sub(r"[^a-z0-9]+", "_", path.stem.lower())
    for kind in NAME_ORDER:
        spec = SPEC_BY_KIND[kind]
        if words & spec.name_words or any("_" in w and w in joined for w in spec.name_words):
            return kind
    return None


def kind_from_headers(headers: list[str]) -> str | None:
    """The kind whose distinctive columns the header has most of (its key column must be there too)."""
    best: tuple[int, str] | None = None
    for kind in NAME_ORDER:
        spec = SPEC_BY_KIND[kind]
        mapped, _ = map_columns(spec, headers)
        if spec.key not in mapped:
            continue
        score = sum(1 for c in spec.columns if c.distinctive and c.name in mapped)
        if score and (best is None or score > best[0]):
            best = (score, kind)
    return best[1] if best else None


# --------------------------------------------------------------------------------------------------
# Loaded data
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    file: str
    line: int  # first line of the record in the file (1-based)
    values: dict[str, str]  # canonical column → value as text (stripped)

    @property
    def ref(self) -> str:
        return f"{self.file}:{self.line}"

    def get(self, column: str) -> str:
        value = self.values.get(column, "")
        return "" if is_blank(value) else value


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    reason: str

    @property
    def ref(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class LoadedFile:
    path: str  # relative to the export folder, with forward slashes
    format: str | None = None  # csv | json | jsonl
    kind: str | None = None
    recognised_by: str | None = None  # config | name | header
    encoding: str | None = None
    bom: bool = False
    delimiter: str | None = None
    headers: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # canonical → original header
    unmapped_columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    error: str | None = None  # the file could not be read at all
    system: str | None = None  # from a readiness.yaml files: entry

    @property
    def records(self) -> int:
        return len(self.rows) + len(self.bad_rows)


@dataclass
class Export:
    directory: str
    files: list[LoadedFile] = field(default_factory=list)

    def by_kind(self, kind: str) -> list[LoadedFile]:
        return [f for f in self.files if f.kind == kind]

    def rows(self, kind: str) -> list[Row]:
        return [row for f in self.by_kind(kind) for row in f.rows]

    @property
    def unknown(self) -> list[LoadedFile]:
        return [f for f in self.files if f.kind is None]


# --------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------


class UnreadableFile(Exception):
    pass


def decode(raw: bytes) -> tuple[str, str, bool]:
    """text, encoding, whether a byte-order mark was present."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8", True
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16", True
    if b"\x00" in raw[:4096]:
        raise UnreadableFile("binary content (is it a spreadsheet? save it as CSV)")
    try:
        return raw.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252", False


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: 0 for d in ",;\t|"}
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(text: str, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[BadRow], str]:
    delimiter = _delimiter(text.lstrip("\r\n"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    records: list[tuple[int, dict[str, str]]] = []
    bad: list[BadRow] = []
    previous = 0
    try:
        for cells in reader:
            line = previous + 1
            previous = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers = [c.replace("\ufeff", "").strip() for c in cells]
                continue
            if len(cells) > len(headers) and not any(c.strip() for c in cells[len(headers) :]):
                cells = cells[: len(headers)]  # trailing delimiters
            if len(cells) != len(headers):
                bad.append(BadRow(name, line, f"{len(cells)} fields where the header has {len(headers)}"))
                continue
            records.append((line, {h: c.strip() for h, c in zip(headers, cells, strict=True)}))
    except csv.Error as err:
        raise UnreadableFile(f"CSV error at line {reader.line_num}: {err}") from err
    if headers is None:
        raise UnreadableFile("empty file (no header row)")
    return headers, records, bad, delimiter


def _flatten(record: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix}_{key}" if prefix else str(key)
        if isinstance(value, dict) and depth < 2:
            out.update(_flatten(value, name, depth + 1))
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out[name] = "; ".join("" if v is None else str(v) for v in value)
            else:
                out[name] = json.dumps(value)
        elif value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value).strip()
    return out


RECORD_KEYS = ("records", "data", "items", "rows", "results", "value")


def _records_array(doc: Any, kind_hint: str | None) -> tuple[list[Any], str | None]:
    """The list of records in a JSON document and the key holding it (None for a top-level list)."""
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict):
        names = [*RECORD_KEYS, *(k for k in (kind_hint,) if k)]
        for key in doc:
            if normalise_header(str(key)) in names and isinstance(doc[key], list):
                return doc[key], str(key)
        lists = [k for k, v in doc.items() if isinstance(v, list)]
        if len(lists) == 1:
            return doc[lists[0]], str(lists[0])
    raise UnreadableFile('no list of records (expected [...] or {"records": [...]})')


def _element_lines(text: str, key: str | None, count: int) -> list[int] | None:
    """The line each element of the records array starts on; None if the layout defeats this scan."""
    if key is None:
        start = text.index("[")
    else:
        m = re.search(r'"' + re.escape(key) + r'"\s*:\s*\[', text)
        if m is None:
            return None
        start = m.end() - 1
    decoder = json.JSONDecoder()
    pos, line, counted = start + 1, 1 + text.count("\n", 0, start + 1), start + 1
    lines: list[int] = []
    for _ in range(count):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return None
    return lines


def read_json(
    text: str, name: str, kind_hint: str | None
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[BadRow]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise UnreadableFile(f"invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from err
    items, key = _records_array(doc, kind_hint)
    lines = _element_lines(text, key, len(items)) or [0] * len(items)
    return _collect(items, lines, name)


def read_jsonl(text: str, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[BadRow]]:
    items: list[Any] = []
    lines: list[int] = []
    bad: list[BadRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
            lines.append(number)
        except json.JSONDecodeError as err:
            bad.append(BadRow(name, number, f"invalid JSON: {err.msg}"))
    headers, records, more_bad = _collect(items, lines, name)
    return headers, records, bad + more_bad


def _collect(
    items: list[Any], lines: list[int], name: str
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[BadRow]]:
    headers: dict[str, None] = {}
    records: list[tuple[int, dict[str, str]]] = []
    bad: list[BadRow] = []
    for index, (item, line) in enumerate(zip(items, lines, strict=True)):
        where = line or index + 1
        if not isinstance(item, dict):
            bad.append(BadRow(name, where, f"record {index + 1} is not an object"))
            continue
        flat = _flatten(item)
        headers.update(dict.fromkeys(flat))
        records.append((where, flat))
    return list(headers), records, bad


def iter_export_files(directory: Path) -> list[Path]:
    out: list[Path] = []
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.name.lower() in SKIPPED_NAMES:
            continue
        out.append(path)
    return out


def _hint_for(rel: str, config: ReadinessConfig) -> FileHint | None:
    return config.files.get(rel) or config.files.get(Path(rel).name)


def load_file(path: Path, rel: str, config: ReadinessConfig) -> LoadedFile:
    loaded = LoadedFile(path=rel)
    hint = _hint_for(rel, config)
    fmt = DATA_SUFFIXES.get(path.suffix.lower())
    name_kind = hint.kind if hint else kind_from_name(path)
    if fmt is None:
        loaded.kind = name_kind if hint else None
        loaded.recognised_by = "config" if hint else None
        loaded.error = f"unsupported file type '{path.suffix or path.name}' (export CSV or JSON)"
        return loaded
    loaded.format = fmt
    try:
        text, loaded.encoding, loaded.bom = decode(path.read_bytes())
        if fmt == "csv":
            headers, records, bad, loaded.delimiter = read_csv(text, rel)
        elif fmt == "json":
            headers, records, bad = read_json(text, rel, name_kind)
        else:
            headers, records, bad = read_jsonl(text, rel)
    except (UnreadableFile, OSError, UnicodeDecodeError, ValueError) as err:
        loaded.kind = name_kind
        loaded.recognised_by = ("config" if hint else "name") if name_kind else None
        loaded.error = str(err)
        return loaded
    loaded.headers = headers
    if hint:
        loaded.kind, loaded.recognised_by, loaded.system = hint.kind, "config", hint.system
    elif name_kind:
        loaded.kind, loaded.recognised_by = name_kind, "name"
    else:
        loaded.kind = kind_from_headers(headers)
        loaded.recognised_by = "header" if loaded.kind else None
    loaded.bad_rows = bad
    if loaded.kind is None:
        loaded.bad_rows = []
        loaded.unmapped_columns = headers
        loaded.rows = [Row(rel, line, values) for line, values in records]  # kept only for the row count
        return loaded
    spec = SPEC_BY_KIND[loaded.kind]
    loaded.columns, loaded.unmapped_columns = map_columns(spec, headers)
    by_header = {header: canonical for canonical, header in loaded.columns.items()}
    for line, values in records:
        row = Row(rel, line, {by_header[h]: v for h, v in values.items() if h in by_header})
        if spec.key in loaded.columns and not row.get(spec.key):
            loaded.bad_rows.append(BadRow(rel, line, f"no {spec.key}"))
            continue
        loaded.rows.append(row)
    loaded.bad_rows.sort(key=lambda b: b.line)
    return loaded


def load_export(directory: Path, config: ReadinessConfig) -> Export:
    """Read every file under ``directory``; problems become part of the result, not exceptions."""
    export = Export(directory=str(directory))
    for path in iter_export_files(directory):
        rel = path.relative_to(directory).as_posix()
        export.files.append(load_file(path, rel, config))
    return export
