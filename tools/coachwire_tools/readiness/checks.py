"""The readiness checks: pure functions of the loaded export, the configuration, the frameworks and a date.

Four dimensions per source (structured, current, accessible, coverage) plus integrity problems found while
reading. Every finding names its source, the measured value, the threshold and its severity; the report ranks
them (see ``model.rank``) and derives the verdict. Formulas and thresholds: docs/data-readiness.md.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coachwire_tools.readiness.config import Band, ReadinessConfig, Scale, Severity
from coachwire_tools.readiness.model import (
    EXPORT_SOURCE,
    AuditReport,
    FileSummary,
    Finding,
    SourceSummary,
    rank,
    verdict_for,
)
from coachwire_tools.readiness.sources import (
    KINDS,
    LEAVING_REASON_CLASS,
    MOVE_KIND_CLASS,
    QUARTILE_VALUE,
    SPEC_BY_KIND,
    YES_NO,
    Column,
    Export,
    Row,
)
from coachwire_tools.readiness.values import (
    infer_date_order,
    is_email,
    is_identifier,
    is_number,
    is_period,
    is_structured_rating,
    parse_date,
    period_key,
    read_level,
)

INACTIVE = frozenset({"inactive", "terminated", "leaver", "left", "no", "false", "n", "0"})
RECOMMENDED: dict[str, tuple[str, ...]] = {
    "employees": ("updated_at", "status", "hire_date"),
    "job_architecture": ("updated_at",),
    "performance_reviews": ("cycle", "updated_at"),
    "skills_assessments": ("assessed_at", "updated_at"),
    "learning_records": ("system", "completed_at", "updated_at"),
    "feedback_360": ("updated_at",),
    "career_goals": ("updated_at",),
    "requisitions": ("filled_at", "job_code"),
}
UNIT_LABEL = {"record": "records", "employee": "employees", "employee_skill": "employee-skill pairs"}
UNIT_NOTE = {
    "record": "",
    "employee": " Each employee counts once, by their latest record.",
    "employee_skill": " Each employee-skill pair counts once, by its latest assessment.",
}
EXPORT_WEIGHT = 0.2
# Outcome-metric findings weigh less than coaching ones: they prove a pilot, they do not stop coaching.
OUTCOME_WEIGHT = 0.5
MAX_DETAILS = 12


@dataclass(frozen=True)
class FrameworkFacts:
    """What the audit needs from the competency frameworks."""

    framework_ids: tuple[str, ...]
    role_ids: frozenset[str]
    skill_ids: frozenset[str]
    scale: Scale
    level_names: tuple[str, ...] = ()

    @classmethod
    def from_frameworks(cls, frameworks: Iterable[Any]) -> FrameworkFacts:
        frameworks = list(frameworks)
        if not frameworks:
            raise ValueError("no frameworks: the audit needs at least one to check role mapping and scales")
        top = max(f.top_level for f in frameworks)
        names: list[str] = []
        for f in frameworks:
            names.extend(level.name for level in f.scale if level.name not in names)
        return cls(
            framework_ids=tuple(f.framework_id for f in frameworks),
            role_ids=frozenset(r.role_id for f in frameworks for r in f.roles),
            skill_ids=frozenset(s.skill_id for f in frameworks for s in f.skills),
            scale=Scale(1, top),
            level_names=tuple(names),
        )


def months_before(day: date, months: int) -> date:
    years, month_index = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    shown = round(value * 100)
    if shown == 100 and value < 1:
        return ">99%"
    if shown == 0 and value > 0:
        return "<1%"
    return f"{shown}%"


def share_text(part: int, whole: int, what: str = "", unit: str = "") -> str:
    """'41% with ≥2 cycles (13 of 32 eligible employees)'."""
    head = pct(part / whole if whole else None) + (f" {what}" if what else "")
    return f"{head} ({part} of {whole}{' ' + unit if unit else ''})"


def _norm(value: str) -> str:
    return value.strip().lower()


def _enum_value(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


@dataclass
class _ColumnStats:
    checked: int = 0
    readable: int = 0
    examples: list[tuple[str, str]] = field(default_factory=list)  # (value, file:line) that did not read

    @property
    def share(self) -> float:
        return self.readable / self.checked if self.checked else 1.0


@dataclass
class _Person:
    employee_id: str
    job_code: str
    active: bool
    hire_date: date | None
    updated: date | None
    ref: str
    leaving_reason: str = ""
    leaving_date: date | None = None
    move_kind: str = ""
    move_date: date | None = None


class _Audit:
    def __init__(self, export: Export, config: ReadinessConfig, facts: FrameworkFacts, as_of: date) -> None:
        self.export = export
        self.config = config
        self.th = config.thresholds
        self.facts = facts
        self.as_of = as_of
        self.findings: list[Finding] = []
        self.rows: dict[str, list[Row]] = {kind: export.rows(kind) for kind in KINDS}
        self.summaries: dict[str, SourceSummary] = {
            kind: SourceSummary(kind=kind, title=spec.title, core=spec.core) for kind, spec in SPEC_BY_KIND.items()
        }
        self.orders = {kind: self._date_order(kind) for kind in KINDS}
        self.people = self._people()
        self.jobs = self._jobs()

    # -- helpers -----------------------------------------------------------------------------------

    def emit(
        self,
        finding_id: str,
        source: str,
        severity: Severity,
        measured: str,
        threshold: str,
        *,
        value: float | None = None,
        shortfall: float = 1.0,
        details: Iterable[str] = (),
        note: str = "",
        weight: float | None = None,
    ) -> None:
        spec = SPEC_BY_KIND.get(source)
        if spec is not None and not spec.core and severity == "blocking":
            severity = "warning"
            note = (note + " " if note else "") + "Supporting source: reported as a warning, never blocking."
        if weight is None:
            weight = spec.weight if spec is not None else EXPORT_WEIGHT
        shortfall = max(0.0, min(1.0, shortfall))
        impact = 0.0 if severity == "info" else weight * shortfall
        self.findings.append(
            Finding(
                id=finding_id,
                source=source,
                severity=severity,
                measured=measured,
                threshold=threshold,
                value=value,
                shortfall=round(shortfall, 4),
                impact=impact,
                details=tuple(_cap(list(details))),
                note=note,
            )
        )

    def banded(
        self,
        finding_id: str,
        source: str,
        band: Band,
        value: float,
        measured: str,
        details: Iterable[str] = (),
        note: str = "",
    ) -> None:
        severity = band.severity(value)
        if severity is not None:
            self.emit(
                finding_id,
                source,
                severity,
                measured,
                band.describe(),
                value=round(value, 4),
                shortfall=band.shortfall(value),
                details=details,
                note=note,
            )

    def _date_order(self, kind: str) -> str | None:
        declared = self.config.source(kind).date_order
        if declared:
            return declared
        spec = SPEC_BY_KIND[kind]
        date_columns = [c.name for c in spec.columns if c.type == "date"]
        return infer_date_order(row.get(c) for row in self.rows[kind] for c in date_columns if row.get(c))

    def parse(self, kind: str, value: str) -> date | None:
        return parse_date(value, self.orders[kind]).value if value else None

    def row_date(self, kind: str, row: Row) -> date | None:
        for column in SPEC_BY_KIND[kind].update_date:
            parsed = self.parse(kind, row.get(column))
            if parsed is not None:
                return parsed
        return None

    def scale_for(self, kind: str) -> Scale:
        return self.config.source(kind).scale or self.facts.scale

    def headers(self, kind: str, column: str) -> str:
        names = sorted({f.columns[column] for f in self.export.by_kind(kind) if column in f.columns})
        return " / ".join(f"'{n}'" for n in names) or column

    def _people(self) -> dict[str, _Person]:
        people: dict[str, _Person] = {}
        for row in self.rows["employees"]:
            key = _norm(row.get("employee_id"))
            updated = self.row_date("employees", row)
            person = _Person(
                employee_id=row.get("employee_id"),
                job_code=row.get("job_code"),
                active=_enum_value(row.get("status")) not in INACTIVE,
                hire_date=self.parse("employees", row.get("hire_date")),
                updated=updated,
                ref=row.ref,
                leaving_reason=row.get("leaving_reason"),
                leaving_date=self.parse("employees", row.get("leaving_date")),
                move_kind=row.get("move_kind"),
                move_date=self.parse("employees", row.get("move_date")),
            )
            previous = people.get(key)
            # Of duplicate rows, the most recently updated one describes the person today.
            if previous is None or (updated or date.min) >= (previous.updated or date.min):
                people[key] = person
        return people

    def _jobs(self) -> dict[str, tuple[str, str, str]]:
        """job code (lower case) → (job code, framework role, file:line)."""
        return {
            _norm(row.get("job_code")): (row.get("job_code"), row.get("framework_role"), row.ref)
            for row in self.rows["job_architecture"]
        }

    def resolve_role(self, code: str) -> tuple[str | None, str]:
        """The framework role a job code or role id stands for, or None and the reason."""
        if not code:
            return None, "no job code"
        if code in self.facts.role_ids:
            return code, ""
        job = self.jobs.get(_norm(code))
        if job is None:
            return None, "not in the job architecture" if self.rows["job_architecture"] else "not a framework role id"
        role = job[1]
        if not role:
            return None, "no framework role in the job architecture"
        if role not in self.facts.role_ids:
            return None, f"maps to '{role}', which no framework defines"
        return role, ""

    @property
    def active_people(self) -> list[_Person]:
        return [p for p in self.people.values() if p.active]

    # -- run ---------------------------------------------------------------------------------------

    def run(self) -> None:
        self.check_files()
        for kind in KINDS:
            summary = self.summaries[kind]
            files = self.export.by_kind(kind)
            summary.files = [f.path for f in files]
            summary.records = len(self.rows[kind])
            summary.bad_rows = sum(len(f.bad_rows) for f in files)
            self.check_columns(kind)
            self.check_bad_rows(kind)
            if not self.rows[kind]:
                self.check_missing_source(kind)
                continue
            self.check_duplicates(kind)
            self.check_orphans(kind)
            self.check_structured(kind)
            self.check_current(kind)
            self.check_accessible(kind)
        self.check_roles()
        self.check_performance_cycles()
        self.check_skills()
        self.check_learning_systems()
        self.check_career_goals()
        self.check_feedback_coverage()
        self.check_outcome_retention()
        self.check_outcome_mobility()
        for finding in self.findings:
            summary = self.summaries.get(finding.source)
            if summary is not None:
                summary.blocking += finding.severity == "blocking"
                summary.warnings += finding.severity == "warning"

    # -- integrity ---------------------------------------------------------------------------------

    def check_files(self) -> None:
        unknown = []
        for f in self.export.files:
            if f.kind is None:
                if f.error:
                    unknown.append(f"{f.path}: {f.error}")
                else:
                    heads = ", ".join(f.headers[:6]) + (", …" if len(f.headers) > 6 else "")
                    unknown.append(f"{f.path}: neither its name nor its columns ({heads}) match a source")
            elif f.error:
                others = [o for o in self.export.by_kind(f.kind) if o is not f and o.rows]
                self.emit(
                    "integrity.unreadable_file",
                    f.kind,
                    "warning",
                    f"{f.path} cannot be read",
                    "every file readable",
                    shortfall=0.5 if others else 1.0,
                    details=[f"{f.path}: {f.error}"],
                )
        if unknown:
            self.emit(
                "integrity.unknown_file",
                EXPORT_SOURCE,
                "warning",
                f"{len(unknown)} file{'s' if len(unknown) > 1 else ''} not recognised",
                "every file recognised",
                value=len(unknown),
                details=unknown,
            )

    def check_missing_source(self, kind: str) -> None:
        spec = SPEC_BY_KIND[kind]
        files = self.export.by_kind(kind)
        found = f"found {', '.join(f.path for f in files)} but no usable rows" if files else "no file found"
        self.emit(
            "integrity.missing_source",
            kind,
            "blocking" if spec.required_source else "warning",
            found,
            "required" if spec.required_source else "recommended",
            note=f"{spec.title}: {found}.",
        )

    def check_columns(self, kind: str) -> None:
        spec = SPEC_BY_KIND[kind]
        details: list[str] = []
        required_missing = False
        for f in self.export.by_kind(kind):
            if f.error:
                continue
            for group in spec.required:
                if not any(c in f.columns for c in group):
                    required_missing = True
                    details.append(
                        f"{f.path}: no {' or '.join(group)} (required; accepted headers: "
                        f"{_aliases(spec.column(group[0]))})"
                    )
            for name in RECOMMENDED[kind]:
                if name not in f.columns:
                    details.append(
                        f"{f.path}: no {name} (recommended; accepted headers: {_aliases(spec.column(name))})"
                    )
        if details:
            self.emit(
                "integrity.missing_columns",
                kind,
                "blocking" if required_missing else "info",
                f"{len(details)} column{'s' if len(details) > 1 else ''} missing",
                "required and recommended columns present",
                value=len(details),
                shortfall=1.0 if required_missing else 0.0,
                details=details,
            )

    def check_bad_rows(self, kind: str) -> None:
        bad = [b for f in self.export.by_kind(kind) for b in f.bad_rows]
        total = len(bad) + len(self.rows[kind])
        if not bad:
            return
        details = [f"{b.ref}: {b.reason}" for b in bad]
        self.banded(
            "integrity.bad_rows",
            kind,
            self.th.bad_rows,
            len(bad) / total,
            share_text(len(bad), total, "bad", "rows"),
            details,
        )

    def check_duplicates(self, kind: str) -> None:
        spec = SPEC_BY_KIND[kind]
        if not spec.duplicate_key:
            return
        seen: dict[tuple[str, ...], str] = {}
        dupes: list[str] = []
        keyed = 0
        for row in self.rows[kind]:
            parts = [row.get(c) for c in spec.duplicate_key]
            if not all(parts):
                continue
            keyed += 1
            key = tuple(
                period_key(p) if c == "cycle" else _norm(p) for c, p in zip(spec.duplicate_key, parts, strict=True)
            )
            if key in seen:
                dupes.append(f"{' / '.join(parts)} at {row.ref} (first at {seen[key]})")
            else:
                seen[key] = row.ref
        if dupes:
            label = " + ".join(spec.duplicate_key)
            self.banded(
                "integrity.duplicate_ids",
                kind,
                self.th.duplicate_ids,
                len(dupes) / keyed,
                share_text(len(dupes), keyed, "repeated", "rows"),
                dupes,
                note=f"Key: {label}.",
            )

    def check_orphans(self, kind: str) -> None:
        if kind == "employees" or not self.people:
            return
        rows = [r for r in self.rows[kind] if r.get("employee_id")]
        orphans = [r for r in rows if _norm(r.get("employee_id")) not in self.people]
        if not orphans:
            return
        first: dict[str, str] = {}
        for r in orphans:
            first.setdefault(r.get("employee_id"), r.ref)
        details = [f"{emp} (first at {ref})" for emp, ref in first.items()]
        self.banded(
            "integrity.orphan_records",
            kind,
            self.th.orphan_records,
            len(orphans) / len(rows),
            share_text(len(orphans), len(rows), "orphaned", "records"),
            details,
        )

    # -- structured --------------------------------------------------------------------------------

    def readable(
        self, kind: str, column: Column, value: str, formats: Counter, examples: dict[str, str], ref: str
    ) -> bool:
        kind_of = column.type
        if kind_of in ("id", "code"):
            return is_identifier(value)
        if kind_of == "date":
            reading = parse_date(value, self.orders[kind])
            if reading.fmt:
                formats[reading.fmt] += 1
                examples.setdefault(reading.fmt, f"'{value}' at {ref}")
            return reading.value is not None
        if kind_of == "enum":
            return _enum_value(value) in column.values
        if kind_of == "number":
            return is_number(value)
        if kind_of == "rating":
            return is_structured_rating(value, self.config.source(kind).rating_labels)
        if kind_of == "level":
            scale = self.scale_for(kind)
            return read_level(value, scale.low, scale.high, self.facts.level_names).kind == "on_scale"
        if kind_of == "email":
            return is_email(value)
        if kind_of == "period":
            return is_period(value)
        return True

    def column_stats(self, kind: str) -> tuple[dict[str, _ColumnStats], Counter, dict[str, str]]:
        spec = SPEC_BY_KIND[kind]
        stats: dict[str, _ColumnStats] = defaultdict(_ColumnStats)
        formats: Counter = Counter()
        examples: dict[str, str] = {}
        for row in self.rows[kind]:
            for column in spec.columns:
                if column.type == "text":
                    continue
                value = row.get(column.name)
                if not value:
                    continue
                s = stats[column.name]
                s.checked += 1
                if self.readable(kind, column, value, formats, examples, row.ref):
                    s.readable += 1
                elif len(s.examples) < 3:
                    s.examples.append((value, row.ref))
        return stats, formats, examples

    def check_structured(self, kind: str) -> None:
        stats, formats, examples = self.column_stats(kind)
        checked = sum(s.checked for s in stats.values())
        readable = sum(s.readable for s in stats.values())
        summary = self.summaries[kind]
        summary.structured_checked = checked
        if checked:
            summary.structured = readable / checked
            details = []
            for name, s in sorted(stats.items(), key=lambda item: item[1].share):
                if s.share < 1:
                    value, ref = s.examples[0]
                    details.append(
                        f"{self.headers(kind, name)}: {share_text(s.readable, s.checked)} readable, "
                        f"e.g. '{value}' at {ref}"
                    )
            self.banded(
                "structured.machine_readable",
                kind,
                self.th.machine_readable,
                readable / checked,
                share_text(readable, checked, "readable", "typed values"),
                details,
            )
        rating = stats.get("rating")
        if rating and rating.checked and SPEC_BY_KIND[kind].column("rating"):
            free = [(v, r) for v, r in self._unreadable(kind, "rating")]
            details = [f"'{v}' at {r}" for v, r in free]
            self.banded(
                "structured.free_text_ratings",
                kind,
                self.th.ratings_structured,
                rating.share,
                share_text(rating.readable, rating.checked, "structured", "ratings"),
                details,
            )
        if len(formats) > 1:
            total = sum(formats.values())
            main = formats.most_common(1)[0][1]
            details = [f"{fmt}: {n}, e.g. {examples[fmt]}" for fmt, n in formats.most_common()]
            order = self.orders[kind]
            note = f"Day/month order read as {order} from the data." if order else ""
            self.emit(
                "structured.mixed_date_formats",
                kind,
                "warning",
                f"{len(formats)} date formats in {total} dates",
                "1 format (ISO 8601)",
                value=len(formats),
                shortfall=1 - main / total,
                details=details,
                note=note,
            )

    def _unreadable(self, kind: str, column_name: str) -> list[tuple[str, str]]:
        spec = SPEC_BY_KIND[kind]
        column = spec.column(column_name)
        assert column is not None
        out = []
        for row in self.rows[kind]:
            value = row.get(column_name)
            if value and not self.readable(kind, column, value, Counter(), {}, row.ref):
                out.append((value, row.ref))
        return out

    def check_skills(self) -> None:
        kind = "skills_assessments"
        rows = [r for r in self.rows[kind] if r.get("proficiency")]
        people = self.active_people
        assessed = {_norm(r.get("employee_id")) for r in self.rows[kind]}
        if people and self.rows[kind]:
            covered = sum(1 for p in people if _norm(p.employee_id) in assessed)
            self.summaries[kind].coverage = covered / len(people)
            self.summaries[kind].coverage_label = "assessed"
        if not rows:
            return
        scale = self.scale_for(kind)
        framework = self.facts.scale
        on = 0
        labels: Counter = Counter()
        off: Counter = Counter()
        outside_framework = 0
        numbers: list[float] = []
        refs: dict[str, str] = {}
        for row in rows:
            value = row.get("proficiency")
            reading = read_level(value, scale.low, scale.high, self.facts.level_names)
            if reading.number is not None:
                numbers.append(reading.number)
                if not framework.low <= reading.number <= framework.high:
                    outside_framework += 1
            if reading.kind == "on_scale":
                on += 1
            else:
                (labels if reading.kind == "label" else off)[value] += 1
                refs.setdefault(value, row.ref)
        details = [f"label '{v}' ×{n} (first at {refs[v]})" for v, n in labels.most_common()]
        details += [f"number {v} ×{n} (first at {refs[v]})" for v, n in off.most_common()]
        self.banded(
            "structured.proficiency_off_scale",
            kind,
            self.th.proficiency_on_scale,
            on / len(rows),
            share_text(on, len(rows), f"on the {scale} scale", "values"),
            details,
        )
        declared = self.config.source(kind).scale
        if (declared and declared != framework) or outside_framework:
            observed = f"{_num(min(numbers))}–{_num(max(numbers))}" if numbers else "none"
            measured = f"values {observed} observed"
            if declared and declared != framework:
                measured += f"; readiness.yaml declares {declared}"
            self.emit(
                "structured.scale_mismatch",
                kind,
                "blocking",
                measured,
                f"framework scale {framework}",
                value=round(outside_framework / len(rows), 4),
                shortfall=1.0,  # every value of the source is in doubt, not only those outside the range
                details=[f"{outside_framework} of {len(rows)} values lie outside {framework}"]
                + [f"number {v} ×{n} (first at {refs[v]})" for v, n in off.most_common()],
            )

    # -- current -----------------------------------------------------------------------------------

    def check_current(self, kind: str) -> None:
        spec = SPEC_BY_KIND[kind]
        cutoff = months_before(self.as_of, self.th.fresh_months)
        units: dict[Any, tuple[date | None, str, str]] = {}
        for row in self.rows[kind]:
            if spec.currency_unit == "record":
                key: Any = (row.file, row.line)
            elif spec.currency_unit == "employee":
                key = _norm(row.get("employee_id"))
            else:
                key = (_norm(row.get("employee_id")), _norm(row.get("skill_id")))
            when = self.row_date(kind, row)
            if spec.currency_unit == "employee_skill":
                label = f"{row.get('employee_id')} / {row.get('skill_id')}"
            else:
                label = row.get(spec.key if spec.currency_unit == "record" else "employee_id")
            previous = units.get(key)
            if previous is None or (when is not None and (previous[0] is None or when > previous[0])):
                units[key] = (when, row.ref, label)
        dated = [(when, ref, label) for when, ref, label in units.values() if when is not None]
        undated = [u for u in units.values() if u[0] is None]
        current = [u for u in dated if u[0] >= cutoff]
        summary = self.summaries[kind]
        summary.units, summary.dated, summary.undated = len(units), len(dated), len(undated)
        unit = UNIT_LABEL[spec.currency_unit]
        if dated:
            summary.current = len(current) / len(dated)
            stale = sorted((u for u in dated if u[0] < cutoff), key=lambda u: u[0])
            future = [u for u in dated if u[0] > self.as_of]
            details = [f"{label}: last updated {when.isoformat()} ({ref})" for when, ref, label in stale]
            note = (
                f"Current means updated on or after {cutoff.isoformat()} ({self.th.fresh_months} months before "
                f"{self.as_of.isoformat()}).{UNIT_NOTE[spec.currency_unit]}"
            )
            if future:
                note += f" {len(future)} dated after {self.as_of.isoformat()} (counted as current)."
            self.banded(
                "current.stale",
                kind,
                self.th.current,
                len(current) / len(dated),
                share_text(len(current), len(dated), "current", f"dated {unit}"),
                details,
                note,
            )
        if units:
            files_without = [
                f.path
                for f in self.export.by_kind(kind)
                if f.rows and not any(c in f.columns for c in spec.update_date)
            ]
            details = [f"{f}: no {' or '.join(spec.update_date)} column" for f in files_without]
            details += [f"{label} ({ref})" for _, ref, label in undated]
            self.banded(
                "current.undated",
                kind,
                self.th.undated,
                len(undated) / len(units),
                share_text(len(undated), len(units), "undated", unit),
                details,
            )

    # -- accessible --------------------------------------------------------------------------------

    def check_accessible(self, kind: str) -> None:
        source = self.config.source(kind)
        summary = self.summaries[kind]
        summary.access, summary.system = source.access, source.system
        system = f" ({source.system})" if source.system else ""
        # Shortfall: no access loses the source for good (1.0); a manual export or an undeclared route still
        # delivers data, late or unplanned (0.5).
        if source.access is None:
            where = "readiness.yaml" if self.config.path else "readiness.yaml (no such file in the folder)"
            self.emit(
                "accessible.undeclared", kind, "warning", "access not declared", f"declared in {where}", shortfall=0.5
            )
        elif source.access == "manual_export":
            self.emit(
                "accessible.manual_export", kind, "warning", f"manual export{system}", "api or webhook", shortfall=0.5
            )
        elif source.access == "none":
            self.emit("accessible.no_access", kind, "blocking", f"no ongoing access{system}", "api or webhook")

    # -- coverage ----------------------------------------------------------------------------------

    def check_roles(self) -> None:
        people = self.active_people
        unmapped: dict[str, list[_Person]] = defaultdict(list)
        reasons: dict[str, str] = {}
        for person in people:
            role, reason = self.resolve_role(person.job_code)
            if role is None:
                unmapped[person.job_code or "(none)"].append(person)
                reasons[person.job_code or "(none)"] = reason
        job_rows = self.rows["job_architecture"]
        jobs_unmapped = []
        for row in job_rows:
            role, reason = self.resolve_role(row.get("job_code"))
            if role is None:
                jobs_unmapped.append(row)
                reasons.setdefault(row.get("job_code"), reason)
        if job_rows:
            s = self.summaries["job_architecture"]
            s.coverage, s.coverage_label = 1 - len(jobs_unmapped) / len(job_rows), "jobs mapped"
        if not people and not job_rows:
            return
        source = "job_architecture" if job_rows else "employees"
        mapped = len(people) - sum(len(v) for v in unmapped.values())
        share = mapped / len(people) if people else 1.0
        if people:
            s = self.summaries["employees"]
            s.coverage, s.coverage_label = share, "in mapped roles"
        details = []
        for code, holders in sorted(unmapped.items(), key=lambda item: -len(item[1])):
            examples = ", ".join(p.employee_id for p in holders[:3]) + (", …" if len(holders) > 3 else "")
            details.append(
                f"{code}: {len(holders)} active employee{'s' if len(holders) > 1 else ''} ({examples}), {reasons[code]}"
            )
        for row in jobs_unmapped:
            code = row.get("job_code")
            if code not in unmapped:
                details.append(f"{code}: in the job architecture ({row.ref}), no active employees, {reasons[code]}")
        severity = self.th.roles_mapped.severity(share)
        if severity is None and jobs_unmapped:
            severity = "warning"
        if severity is not None:
            self.emit(
                "coverage.unmapped_roles",
                source,
                severity,
                share_text(mapped, len(people), "mapped", "active employees"),
                self.th.roles_mapped.describe(),
                value=round(share, 4),
                shortfall=max(self.th.roles_mapped.shortfall(share), 0.1 if jobs_unmapped else 0.0),
                details=details,
                note=f"{len(unmapped) + len([r for r in jobs_unmapped if r.get('job_code') not in unmapped])} "
                f"role(s) without a framework role.",
            )

    def check_performance_cycles(self) -> None:
        kind = "performance_reviews"
        rows = self.rows[kind]
        if not rows:
            return
        labels = self.config.source(kind).rating_labels
        has_cycle = any("cycle" in f.columns for f in self.export.by_kind(kind))
        cycles: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            rating = row.get("rating")
            if not rating or not is_structured_rating(rating, labels):
                continue
            cycle = row.get("cycle")
            if has_cycle and cycle and is_period(cycle):
                cycles[_norm(row.get("employee_id"))].add(period_key(cycle))
            elif not has_cycle:
                when = self.parse(kind, row.get("review_date"))
                if when is not None:
                    cycles[_norm(row.get("employee_id"))].add(str(when.year))
        joined_before = months_before(self.as_of, self.th.new_joiner_months)
        if self.people:
            population = self.active_people
            eligible = [p for p in population if p.hire_date is None or p.hire_date <= joined_before]
            ids = [_norm(p.employee_id) for p in eligible]
            new_joiners = len(population) - len(eligible)
        else:
            ids = sorted({_norm(r.get("employee_id")) for r in rows})
            new_joiners = 0
        if not ids:
            return
        counts = Counter(min(len(cycles.get(i, ())), self.th.min_cycles) for i in ids)
        enough = counts[self.th.min_cycles]
        share = enough / len(ids)
        summary = self.summaries[kind]
        summary.coverage, summary.coverage_label = share, f"≥{self.th.min_cycles} cycles"
        details = [f"{counts.get(n, 0)} employee(s) with {n} structured cycle(s)" for n in range(self.th.min_cycles)]
        one = [i for i in ids if len(cycles.get(i, ())) == 1][:8]
        if one:
            details.append(
                "one cycle only, e.g. " + ", ".join(self.people[i].employee_id if i in self.people else i for i in one)
            )
        if new_joiners:
            details.append(f"{new_joiners} active employee(s) hired after {joined_before.isoformat()} not counted")
        if not has_cycle:
            details.append("no cycle column: the review date's year is used as the cycle")
        self.banded(
            "coverage.performance_cycles",
            kind,
            self.th.performance_cycles,
            share,
            share_text(enough, len(ids), f"with ≥{self.th.min_cycles} cycles", "eligible employees"),
            details,
        )

    def check_learning_systems(self) -> None:
        kind = "learning_records"
        if not self.rows[kind]:
            return
        declared = self.config.source(kind).system
        systems: Counter = Counter()
        spelling: dict[str, str] = {}
        where: dict[str, str] = {}
        for f in self.export.by_kind(kind):
            fallback = f.system or (declared if "system" not in f.columns else None)
            for row in f.rows:
                name = row.get("system") or fallback or ""
                key = _norm(name) or "(unknown)"
                systems[key] += 1
                spelling.setdefault(key, name or "(unknown)")
                where.setdefault(key, row.ref)
        total = sum(systems.values())
        known = [k for k in systems if k != "(unknown)"]
        unknown = systems.get("(unknown)", 0)
        main = systems.most_common(1)[0]
        summary = self.summaries[kind]
        summary.coverage = max(systems[k] for k in known) / total if known else 0.0
        summary.coverage_label = "in main system"
        if len(known) > self.th.max_learning_systems or unknown:
            parts = [f"{spelling[k]} {pct(n / total)}" for k, n in systems.most_common() if k != "(unknown)"]
            measured = f"{len(known)} system{'s' if len(known) != 1 else ''} ({', '.join(parts)})"
            if unknown:
                measured += f", {pct(unknown / total)} with no system"
            details = [f"{spelling[k]}: {n} records, first at {where[k]}" for k, n in systems.most_common()]
            self.emit(
                "coverage.learning_systems",
                kind,
                "warning",
                measured,
                f"{self.th.max_learning_systems} system of record, every record attributed",
                value=len(known),
                shortfall=1 - main[1] / total if main[0] != "(unknown)" else 1.0,
                details=details,
            )

    def check_career_goals(self) -> None:
        kind = "career_goals"
        rows = self.rows[kind]
        if not rows:
            return
        structured = 0
        examples: list[str] = []
        for row in rows:
            target = row.get("target_role")
            skill, level = row.get("target_skill"), row.get("target_level")
            ok_role = (
                bool(target)
                and is_identifier(target)
                and (self.resolve_role(target)[0] is not None or _norm(target) in self.jobs)
            )
            ok_skill = bool(skill) and is_identifier(skill) and bool(level) and is_number(level)
            if ok_role or ok_skill:
                structured += 1
            else:
                text = row.get("goal") or target or "(empty)"
                examples.append(f"'{_clip(text)}' at {row.ref}")
        share = structured / len(rows)
        summary = self.summaries[kind]
        summary.coverage, summary.coverage_label = share, "structured goals"
        self.banded(
            "coverage.career_goals_free_text",
            kind,
            self.th.career_goals_structured,
            share,
            share_text(structured, len(rows), "structured", "goals"),
            examples,
        )

    def check_feedback_coverage(self) -> None:
        kind = "feedback_360"
        people = self.active_people
        if not people or not self.rows[kind]:
            return
        covered = {_norm(r.get("employee_id")) for r in self.rows[kind]}
        s = self.summaries[kind]
        s.coverage = sum(1 for p in people if _norm(p.employee_id) in covered) / len(people)
        s.coverage_label = "with feedback"

    # -- outcome metrics (docs/metrics.md): whether the pilot's results can be computed -------------------

    def has_column(self, kind: str, column: str) -> bool:
        return any(column in f.columns for f in self.export.by_kind(kind))

    def outcome_finding(self, finding_id: str, parts: list[tuple[float, str]], details: list[str]) -> None:
        """One finding from (share, how it reads) parts: the weakest share decides, never blocking."""
        if not parts:
            return
        value = min(share for share, _ in parts)
        severity = self.th.outcome_data.severity(value)
        if severity is None:
            return
        self.emit(
            finding_id,
            "employees",
            "warning" if severity == "blocking" else severity,
            "; ".join(text for _, text in parts),
            self.th.outcome_data.describe(),
            value=round(value, 4),
            shortfall=self.th.outcome_data.shortfall(value),
            details=details,
            note="Needed for the outcome metrics, not for coaching: never blocking.",
            weight=OUTCOME_WEIGHT,
        )

    def check_outcome_retention(self) -> None:
        """High-performer retention: leavers need a leaving reason, employees a quartile or a rating to rank."""
        if not self.people:
            return
        details: list[str] = []
        leavers = [
            p for p in self.people.values()
            if not p.active or (p.leaving_date is not None and p.leaving_date <= self.as_of)
        ]
        if not self.has_column("employees", "leaving_reason"):
            accepted = _aliases(SPEC_BY_KIND["employees"].column("leaving_reason"))
            details.append(f"no leaving reason column (accepted: {accepted})")
        reasoned = [p for p in leavers if _enum_value(p.leaving_reason) in LEAVING_REASON_CLASS]
        unknown = [p for p in leavers if _enum_value(p.leaving_reason) not in LEAVING_REASON_CLASS]
        if unknown:
            details.append("leavers without a usable reason, e.g. " + ", ".join(
                f"{p.employee_id} ({p.ref})" for p in unknown[:6]))
        labels = self.config.source("performance_reviews").rating_labels
        ranked: set[str] = set()
        quartiles = 0
        for row in self.rows["performance_reviews"]:
            if _enum_value(row.get("quartile")) in QUARTILE_VALUE:
                quartiles += 1
                ranked.add(_norm(row.get("employee_id")))
            elif row.get("rating") and is_structured_rating(row.get("rating"), labels):
                ranked.add(_norm(row.get("employee_id")))
        active = self.active_people
        with_rank = sum(1 for p in active if _norm(p.employee_id) in ranked)
        if not quartiles:
            details.append("no performance quartiles: quartiles would be derived per cycle from the ratings")
        parts = [(n / whole, share_text(n, whole, what, unit)) for n, whole, what, unit in (
            (len(reasoned), len(leavers), "with a leaving reason", "leavers"),
            (with_rank, len(active), "with a quartile or rating", "active employees")) if whole]
        self.outcome_finding("coverage.outcome_retention", parts, details)

    def check_outcome_mobility(self) -> None:
        """Internal mobility: role moves need their kind, filled requisitions whether they were filled internally."""
        if not self.people:
            return
        details: list[str] = []
        parts: list[tuple[float, str]] = []
        people = list(self.people.values())
        if self.has_column("employees", "move_kind"):
            moved = [p for p in people if p.move_kind or p.move_date is not None]
            kinds = [p for p in moved if _enum_value(p.move_kind) in MOVE_KIND_CLASS]
            if moved:
                parts.append((len(kinds) / len(moved), share_text(len(kinds), len(moved), "with a kind", "role moves")))
            unknown = [p for p in moved if _enum_value(p.move_kind) not in MOVE_KIND_CLASS]
            if unknown:
                details.append("moves without a usable kind, e.g. " + ", ".join(
                    f"{p.employee_id} ({p.ref})" for p in unknown[:6]))
        else:
            parts.append((0.0, "no move kinds"))
            accepted = _aliases(SPEC_BY_KIND["employees"].column("move_kind"))
            details.append(f"no move kind column (accepted: {accepted})")
        requisitions = self.rows["requisitions"]
        if requisitions:
            known = sum(1 for r in requisitions if _enum_value(r.get("filled_internally")) in YES_NO)
            parts.append((known / len(requisitions),
                          share_text(known, len(requisitions), "internal or external", "requisitions")))
            summary = self.summaries["requisitions"]
            summary.coverage, summary.coverage_label = known / len(requisitions), "fill source known"
        else:
            parts.append((0.0, "no requisitions"))
            details.append("no requisitions export: the share of positions filled internally cannot be computed")
        self.outcome_finding("coverage.outcome_mobility", parts, details)


def _aliases(column: Column | None) -> str:
    if column is None:
        return "-"
    names = [column.name, *[a for a in column.aliases if a != column.name]]
    return ", ".join(names[:5]) + (", …" if len(names) > 5 else "")


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _clip(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cap(details: list[str]) -> list[str]:
    if len(details) <= MAX_DETAILS:
        return details
    return [*details[:MAX_DETAILS], f"… and {len(details) - MAX_DETAILS} more"]


def run_checks(export: Export, config: ReadinessConfig, facts: FrameworkFacts, as_of: date) -> AuditReport:
    """Audit a loaded export. Pure: the same inputs always give the same report."""
    audit = _Audit(export, config, facts, as_of)
    audit.run()
    source_order = {kind: i for i, kind in enumerate(KINDS)}
    findings = rank(audit.findings, source_order)
    return AuditReport(
        directory=export.directory,
        as_of=as_of,
        verdict=verdict_for(findings),
        findings=findings,
        sources=list(audit.summaries.values()),
        files=[
            FileSummary(
                path=f.path,
                kind=f.kind,
                recognised_by=f.recognised_by,
                format=f.format,
                rows=f.records,
                bad_rows=len(f.bad_rows),
                encoding=f.encoding,
                bom=f.bom,
                delimiter=f.delimiter,
                unmapped_columns=list(f.unmapped_columns) if f.kind else [],
                error=f.error,
            )
            for f in export.files
        ],
        thresholds=config.thresholds.as_dict(),
        frameworks=list(facts.framework_ids),
        framework_scale=str(facts.scale),
        config=config.path,
        organisation=config.organisation,
    )


__all__ = ["FrameworkFacts", "months_before", "run_checks"]
