"""The audit's result: findings, per-source summaries, the verdict, and the catalogue that explains each
finding in plain language (why it matters for AI coaching, what to fix)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from coachwire_tools.readiness.config import Severity

Dimension = Literal["structured", "current", "accessible", "coverage", "integrity"]
Verdict = Literal["ready", "ready_with_warnings", "not_ready"]
SCHEMA = "coachwire_tools.readiness.audit/v1"
SEVERITY_ORDER: dict[str, int] = {"blocking": 0, "warning": 1, "info": 2}
DIMENSIONS: tuple[str, ...] = ("structured", "current", "accessible", "coverage", "integrity")
EXPORT_SOURCE = "export"  # findings about the folder rather than one source


@dataclass(frozen=True)
class FindingInfo:
    dimension: Dimension
    title: str
    why: str
    fix: str


CATALOGUE: dict[str, FindingInfo] = {
    # -- integrity: problems found while reading the files --------------------------------------------
    "integrity.missing_source": FindingInfo(
        "integrity",
        "A source is missing from the export",
        "Employees, performance reviews and skills assessments are what the coach reasons from: without them it "
        "cannot say where anyone stands. The other sources make its advice sharper.",
        "Add the export to the folder; the file names and columns the audit recognises are in docs/data-readiness.md.",
    ),
    "integrity.unknown_file": FindingInfo(
        "integrity",
        "Files the audit could not place",
        "A file nobody can identify is ignored: if it holds skills, reviews or goals, coaching runs without them.",
        "Name the file after what it holds (e.g. learning_records.csv), map it under `files:` in readiness.yaml, "
        "or take it out of the export.",
    ),
    "integrity.unreadable_file": FindingInfo(
        "integrity",
        "A file could not be read",
        "Every record in an unreadable file is missing from the audit and from coaching. A cut-off file usually "
        "means the export hit a time or size limit.",
        "Export the file again and check it opens; JSON must be complete, CSV must be text rather than a spreadsheet.",
    ),
    "integrity.bad_rows": FindingInfo(
        "integrity",
        "Rows that do not fit or have no id",
        "A row with shifted columns puts values under the wrong heading (a rating read as a date); a row without "
        "an id cannot be linked to a person.",
        "Quote fields that contain the delimiter and fill in or drop rows without an id; each row is listed as "
        "file:line.",
    ),
    "integrity.missing_columns": FindingInfo(
        "integrity",
        "Expected columns are missing",
        "Every record has to be linked to a person and dated. Without a key column the source cannot be used; "
        "without an update date nobody can tell how current it is.",
        "Add the column to the export, or rename the header to one of the accepted names in docs/data-readiness.md.",
    ),
    "integrity.duplicate_ids": FindingInfo(
        "integrity",
        "Duplicate ids",
        "Two records with the same id are two people merged or one person counted twice: reviews, skills and "
        "goals attach to the wrong record and the coach could quote someone else's data.",
        "Remove the duplicates in the source system (rehires and transfers often create a second row); every "
        "person, job and review needs one stable id.",
    ),
    "integrity.orphan_records": FindingInfo(
        "integrity",
        "Records for unknown employees",
        "Records that point at unknown employee ids are dropped from coaching; they are usually leavers or ids "
        "from another system.",
        "Export the same population from every system and use the HRIS employee id everywhere.",
    ),
    # -- structured ------------------------------------------------------------------------------------
    "structured.machine_readable": FindingInfo(
        "structured",
        "Free text in structured fields",
        "A model can only compare, filter and trend values it can read; free text in a structured field becomes "
        "noise or, worse, a guess.",
        "Use the system's pick-lists, ids and date fields instead of free text; the weakest columns are listed "
        "with an example.",
    ),
    "structured.free_text_ratings": FindingInfo(
        "structured",
        "Ratings written as free text",
        "The coach compares ratings across cycles and people; 'strong year, see comments' cannot be compared with a 4.",
        "Record the calibrated rating in its own field (a number or a label from the rating scale) and keep the "
        "narrative in the comments.",
    ),
    "structured.proficiency_off_scale": FindingInfo(
        "structured",
        "Proficiency values off the scale",
        "A skill gap is the distance between a person's level and the role's benchmark; 'good' or 2.5 has no "
        "distance to measure.",
        "Assess on the framework's scale; translate legacy labels once, in the skills system, not in the export.",
    ),
    "structured.scale_mismatch": FindingInfo(
        "structured",
        "Proficiency on a different scale",
        "A 4 on a 1–5 scale is not a 4 on a 1–4 scale: gaps, strengths and promotion readiness would be wrong "
        "for everyone assessed on it.",
        "Agree a mapping between the two scales and apply it in the skills system, or re-assess on the "
        "framework's scale; declare the source's scale in readiness.yaml.",
    ),
    "structured.mixed_date_formats": FindingInfo(
        "structured",
        "Dates written in several formats",
        "03/04/2025 is 3 April or 4 March; mixed formats silently move review dates, break the order of "
        "cycles and make freshness unreliable.",
        "Export dates as ISO 8601 (2025-04-03). If the system cannot, declare `date_order: dmy` or `mdy` for the "
        "source in readiness.yaml.",
    ),
    # -- current ---------------------------------------------------------------------------------------
    "current.stale": FindingInfo(
        "current",
        "Records not updated recently",
        "Coaching on last year's role, levels or goals gives confident advice to a person who has moved on.",
        "Refresh the source (a new assessment round, a job-architecture review) and connect it by API or "
        "webhook so changes keep flowing.",
    ),
    "current.undated": FindingInfo(
        "current",
        "Records without a usable date",
        "Without a date a current record cannot be told from a five-year-old one, so the coach has to treat it "
        "as unreliable.",
        "Include the last-updated timestamp the system keeps for every record (accepted column names are in "
        "docs/data-readiness.md).",
    ),
    # -- accessible ------------------------------------------------------------------------------------
    "accessible.manual_export": FindingInfo(
        "accessible",
        "Only available as a manual export",
        "A manual export is as old as the last time someone ran it: coaching drifts between exports and nobody "
        "notices.",
        "Connect the system by API or webhook (Coachwire receives signed HRIS webhooks), or at least schedule "
        "the export.",
    ),
    "accessible.no_access": FindingInfo(
        "accessible",
        "No ongoing access to the source",
        "Data that cannot be received again is a one-off snapshot: it ages and can never be corrected.",
        "Agree access (API or webhook) with the system's owner, or take the source out of scope.",
    ),
    "accessible.undeclared": FindingInfo(
        "accessible",
        "Access route not declared",
        "Nobody has said how this data will arrive after today, so its freshness cannot be planned.",
        "Add the source to readiness.yaml with `access: api | webhook | manual_export | none` and its `system`.",
    ),
    # -- coverage --------------------------------------------------------------------------------------
    "coverage.performance_cycles": FindingInfo(
        "coverage",
        "Too few employees with two review cycles",
        "A trend needs two points: with one cycle the coach cannot tell steady improvement from a one-off.",
        "Load earlier cycles from the previous system, or rely on trends only after the next cycle; new joiners "
        "are not counted.",
    ),
    "coverage.learning_systems": FindingInfo(
        "coverage",
        "Learning history split across systems",
        "When completions live in several systems (or the system is unknown), the coach may recommend a course "
        "someone already finished elsewhere.",
        "Name one system of record for completions, or export every system with a `system` column so records "
        "can be merged.",
    ),
    "coverage.career_goals_free_text": FindingInfo(
        "coverage",
        "Career goals only in free text",
        "A structured target (a role, or a skill and level) lets the coach plan towards it; a sentence cannot be "
        "benchmarked.",
        "Add target role (or target skill and level) fields to the goal form and keep the narrative as context.",
    ),
    "coverage.unmapped_roles": FindingInfo(
        "coverage",
        "Roles not mapped to a framework",
        "Without a framework role there is no benchmark: people in these roles get no gap analysis and no "
        "development plan.",
        "Map every job code to a framework role (the `framework_role` column of the job architecture), or add "
        "the role to a framework.",
    ),
    "coverage.outcome_retention": FindingInfo(
        "coverage",
        "High-performer retention not measurable",
        "Not needed to coach, needed to prove it worked: voluntary leavers among top-quartile performers can only "
        "be counted when leavers carry a leaving reason (voluntary or involuntary) and employees a performance "
        "quartile or a rating to rank.",
        "Export the leaving reason (voluntary / involuntary / other) for every leaver and a performance quartile "
        "(1-4, 4 = top) or a rating per review cycle; send them on employee.left and employee.upserted.",
    ),
    "coverage.outcome_mobility": FindingInfo(
        "coverage",
        "Internal mobility not measurable",
        "Not needed to coach, needed to prove it worked: the internal mobility rate counts promotions and lateral "
        "moves, and the share of positions filled internally needs every filled requisition marked internal or "
        "external.",
        "Export the kind of each role move (promotion / lateral / demotion / correction) with its date, and the "
        "filled requisitions with whether each was filled internally; send them on employee.role.changed.",
    ),
}
FINDING_IDS: tuple[str, ...] = tuple(CATALOGUE)


@dataclass(frozen=True)
class Finding:
    id: str
    source: str
    severity: Severity
    measured: str  # for people: "62% (31 of 50)"
    threshold: str  # for people: "≥ 80% (blocking below 50%)"
    value: float | None = None  # the measured number, when there is one (shares are 0..1)
    shortfall: float = 1.0  # 0..1: how far the source misses the target (see docs: ranking)
    impact: float = 0.0  # source weight × shortfall
    details: tuple[str, ...] = ()
    note: str = ""  # a sentence specific to this instance

    @property
    def info(self) -> FindingInfo:
        return CATALOGUE[self.id]

    @property
    def dimension(self) -> str:
        return self.info.dimension

    @property
    def title(self) -> str:
        return self.info.title

    def as_dict(self, rank: int | None = None) -> dict[str, Any]:
        return {
            "rank": rank,
            "id": self.id,
            "source": self.source,
            "dimension": self.dimension,
            "severity": self.severity,
            "title": self.title,
            "measured": {"value": self.value, "display": self.measured},
            "threshold": self.threshold,
            "impact": round(self.impact, 4),
            "note": self.note,
            "why": self.info.why,
            "fix": self.info.fix,
            "details": list(self.details),
        }


@dataclass
class SourceSummary:
    kind: str
    title: str
    core: bool
    files: list[str] = field(default_factory=list)
    records: int = 0
    bad_rows: int = 0
    structured: float | None = None  # share of typed values that are machine-readable
    structured_checked: int = 0
    current: float | None = None  # share of dated units updated within fresh_months
    units: int = 0
    dated: int = 0
    undated: int = 0
    access: str | None = None  # api | webhook | manual_export | none | None (undeclared)
    system: str | None = None
    coverage: float | None = None
    coverage_label: str = ""
    blocking: int = 0
    warnings: int = 0

    @property
    def present(self) -> bool:
        return self.records > 0


@dataclass
class FileSummary:
    path: str
    kind: str | None
    recognised_by: str | None
    format: str | None
    rows: int
    bad_rows: int
    encoding: str | None = None
    bom: bool = False
    delimiter: str | None = None
    unmapped_columns: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class AuditReport:
    directory: str
    as_of: date
    verdict: Verdict
    findings: list[Finding]  # ranked: blocking first, then warnings, then info; by impact within each
    sources: list[SourceSummary]
    files: list[FileSummary]
    thresholds: dict[str, Any]
    frameworks: list[str]
    framework_scale: str
    config: str | None = None
    organisation: str | None = None

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "blocking"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def infos(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "info"]

    @property
    def exit_code(self) -> int:
        return 1 if self.verdict == "not_ready" else 0

    def as_dict(self) -> dict[str, Any]:
        ranked = [f.as_dict(rank=i) for i, f in enumerate(self.findings, start=1)]
        return {
            "schema": SCHEMA,
            "directory": self.directory,
            "as_of": self.as_of.isoformat(),
            "organisation": self.organisation,
            "config": self.config,
            "frameworks": self.frameworks,
            "framework_scale": self.framework_scale,
            "verdict": self.verdict,
            "summary": {
                "blocking": len(self.blocking),
                "warnings": len(self.warnings),
                "info": len(self.infos),
                "sources_present": [s.kind for s in self.sources if s.present],
                "files": len(self.files),
            },
            "blocking_gaps": [f for f in ranked if f["severity"] == "blocking"],
            "findings": ranked,
            "sources": [{**_rounded(asdict(s)), "present": s.present} for s in self.sources],
            "files": [asdict(f) for f in self.files],
            "thresholds": self.thresholds,
        }


def _rounded(data: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}


VERDICT_LABEL: dict[str, str] = {
    "ready": "Ready",
    "ready_with_warnings": "Ready with warnings",
    "not_ready": "Not ready",
}
VERDICT_TEXT: dict[str, str] = {
    "ready": "The export supports AI coaching as it is.",
    "ready_with_warnings": "Coaching can start; fixing the warnings will make it better.",
    "not_ready": "Fix the blocking gaps before relying on AI coaching.",
}


def verdict_for(findings: list[Finding]) -> Verdict:
    if any(f.severity == "blocking" for f in findings):
        return "not_ready"
    if any(f.severity == "warning" for f in findings):
        return "ready_with_warnings"
    return "ready"


def rank(findings: list[Finding], source_order: dict[str, int]) -> list[Finding]:
    """Severity first (blocking, warning, info), then impact (highest first), then source order and id."""
    return sorted(
        findings,
        key=lambda f: (SEVERITY_ORDER[f.severity], -round(f.impact, 6), source_order.get(f.source, 99), f.id),
    )
