"""Quarterly bias audit of development recommendations: inputs → outcomes → statistics → manifest, JSON, HTML.

Pure (no boto3): the audit function reads the population, demographics and the window's recommendations through
its adapters, builds `AuditInputs` and calls `run`. `rerun(manifest, inputs)` reproduces a stored audit byte for
byte after checking that the inputs are the ones the manifest was computed from. See docs/fairness-audit.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from typing import Any

import numpy as np

from coachwire.fairness import report
from coachwire.fairness.audit import (
    INTERSECTION_SEPARATOR,
    UNKNOWN,
    AuditResult,
    Cell,
    EmployeeRow,
    GroupTable,
    Verdict,
    audit_from_tables,
    dimensions,
    normalise_label,
    unknown_set,
)
from coachwire.fairness.records import (
    ATTRIBUTE_SOURCES,
    OUTCOME_ANY,
    OUTCOME_MEAN,
    AuditCounts,
    AuditInputs,
    AuditManifest,
    AuditRun,
    Flag,
    HighValueClass,
    InputMismatchError,
    PipelineConfig,
    PopulationMember,
    RecommendationFact,
    ReproducibilityError,
    canonical_json,
)
from coachwire.models.bias_audits import AuditWindow
from coachwire.models.demographics import DECLINED, DemographicRecord

# --------------------------------------------------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------------------------------------------------


def tenure_labels(edges: Sequence[int]) -> list[str]:
    """(1, 3, 5, 10) → ["0-1y", "1-3y", "3-5y", "5-10y", "10y+"]."""
    bounds = [0, *edges]
    return [f"{lo}-{hi}y" for lo, hi in zip(bounds, bounds[1:], strict=False)] + [f"{edges[-1]}y+"]


def whole_years(since: date, at: date) -> int:
    return at.year - since.year - ((at.month, at.day) < (since.month, since.day))


def tenure_band(hire_date: date | None, at: date, edges: Sequence[int]) -> str:
    if hire_date is None:
        return UNKNOWN
    years = whole_years(hire_date, at)
    labels = tenure_labels(edges)
    for edge, label in zip(edges, labels, strict=False):
        if years < edge:
            return label
    return labels[-1]


def age_band(birth_year_band: str | None, year: int) -> str:
    """Birth years "1980-1989" → the ages reached in `year`, "37-46" for 2026. "none" / declined → unknown."""
    if birth_year_band is None or "-" not in birth_year_band or birth_year_band == DECLINED:
        return UNKNOWN
    first, last = (int(part) for part in birth_year_band.split("-"))
    return f"{max(0, year - last)}-{max(0, year - first)}"


def _raw_attribute(record: DemographicRecord | None, attribute: str) -> str | None:
    if record is None:
        return None
    if attribute == "age_band":
        return record.birth_year_band
    return getattr(record, attribute)


def _derived(attribute: str, record: DemographicRecord | None, member: PopulationMember, window: AuditWindow,
             config: PipelineConfig, unknown: set[str]) -> str:
    """The audited label of one employee on one attribute (UNKNOWN when unknown or declined)."""
    if attribute == "tenure_band":
        return tenure_band(member.hire_date, window.last_day, config.tenure_edges_years)
    raw = _raw_attribute(record, attribute)
    if attribute == "age_band":
        return age_band(raw, window.last_day.year)
    return normalise_label(raw, unknown)


def _unknown_kind(record: DemographicRecord | None, attribute: str, label: str) -> str | None:
    """For an unknown label: "declined" when the employee said so, else "not_provided"."""
    if label != UNKNOWN:
        return None
    raw = None if attribute == "tenure_band" else _raw_attribute(record, attribute)
    return "declined" if raw is not None and raw.strip().casefold() == DECLINED else "not_provided"


def class_mask(item_id: str, item_kind: str, skill_id: str, classes: Sequence[HighValueClass]) -> int:
    """Bit i set when the item belongs to high-value class i (see HighValueClass)."""
    mask = 0
    for bit, cls in enumerate(classes):
        if cls.item_kinds and item_kind not in cls.item_kinds:
            continue
        patterns = cls.skill_id_patterns or cls.item_id_patterns
        if patterns and not (
            any(fnmatchcase(skill_id, p) for p in cls.skill_id_patterns)
            or any(fnmatchcase(item_id, p) for p in cls.item_id_patterns)
        ):
            continue
        mask |= 1 << bit
    return mask


# --------------------------------------------------------------------------------------------------------------------
# Columnar aggregation
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    """Per-employee columns for the audited population and everything the manifest and counts need."""

    attributes: dict[str, tuple[np.ndarray, list[str]]]  # attribute -> (code per audited employee, -1 unknown; labels)
    outcomes: dict[str, np.ndarray]  # outcome -> count per audited employee
    counts: AuditCounts
    model_versions: tuple[str, ...]
    framework_versions: tuple[str, ...]


def _prepare(inputs: AuditInputs, config: PipelineConfig) -> _Prepared:
    window = inputs.window
    last_day = window.last_day
    unknown = unknown_set(config.stats)
    suppress = config.stats.suppress_below

    members = sorted(inputs.population, key=lambda m: m.employee_id)
    index = {m.employee_id: i for i, m in enumerate(members)}
    employed = np.fromiter((m.hire_date is None or m.hire_date <= last_day for m in members), bool, len(members))
    enabled = np.fromiter((m.personalisation_enabled for m in members), bool, len(members))
    audited = employed & enabled
    opted_out = employed & ~enabled

    # Recommendations: one pass per column, then numpy.
    recs = inputs.recommendations
    total = len(recs)
    employee = np.fromiter((index.get(r.employee_id, -1) for r in recs), np.int64, total)
    start, end = window.start_at(), window.end_at()
    in_window = np.fromiter((start <= r.created_at < end for r in recs), bool, total)
    personalised = np.fromiter((r.basis == "personalised" for r in recs), bool, total)
    memo: dict[tuple[str, str, str], int] = {}

    def mask_of(r: RecommendationFact) -> int:
        key = (r.item_id, r.item_kind, r.skill_id)
        found = memo.get(key)
        if found is None:
            found = memo[key] = class_mask(*key, config.high_value_classes)
        return found

    classes = np.fromiter((mask_of(r) for r in recs), np.int64, total)
    in_window_idx = np.flatnonzero(in_window)
    model_versions = tuple(sorted({recs[i].model_version for i in in_window_idx}))
    framework_versions = tuple(sorted({recs[i].framework_version for i in in_window_idx}))

    known = employee >= 0
    safe = np.where(known, employee, 0)
    for_audited = in_window & known & audited[safe]
    for_opted_out = in_window & known & opted_out[safe]
    counted = for_audited & personalised

    # Outcome counts per audited employee (population order, then restricted to the audited).
    audited_idx = np.flatnonzero(audited)
    n_all = len(members)
    per_employee = employee[counted]
    per_class = classes[counted]
    outcomes: dict[str, np.ndarray] = {}
    all_recs = np.bincount(per_employee, minlength=n_all)[audited_idx]
    outcomes[OUTCOME_MEAN] = all_recs
    outcomes[OUTCOME_ANY] = all_recs
    for bit, cls in enumerate(config.high_value_classes):
        hit = (per_class >> bit) & 1 == 1
        outcomes[cls.name] = np.bincount(per_employee[hit], minlength=n_all)[audited_idx]

    # Attributes per audited employee, as integer codes into a sorted label list.
    records = {d.employee_id: d for d in inputs.demographics}
    audited_members = [members[i] for i in audited_idx]
    attributes: dict[str, tuple[np.ndarray, list[str]]] = {}
    unknown_by_attribute: dict[str, dict[str, int | None]] = {}
    for attribute in config.attributes:
        labels = []
        kinds = {"not_provided": 0, "declined": 0}
        for m in audited_members:
            record = records.get(m.employee_id)
            label = _derived(attribute, record, m, window, config, unknown)
            labels.append(label)
            kind = _unknown_kind(record, attribute, label)
            if kind:
                kinds[kind] += 1
        vocabulary = sorted({label for label in labels if label != UNKNOWN})
        position = {label: i for i, label in enumerate(vocabulary)}
        codes = np.fromiter((position.get(label, -1) for label in labels), np.int64, len(labels))
        attributes[attribute] = (codes, vocabulary)
        unknown_by_attribute[attribute] = {k: (v if v == 0 or v >= suppress else None) for k, v in kinds.items()}

    counts = AuditCounts(
        population=n_all,
        audited=int(audited.sum()),
        opted_out=int(opted_out.sum()),
        not_employed_in_window=int((~employed).sum()),
        recommendations=total,
        recommendations_outside_window=int(total - in_window.sum()),
        recommendations_audited=int(counted.sum()),
        recommendations_core_programme=int((for_audited & ~personalised).sum()),
        recommendations_opted_out=int(for_opted_out.sum()),
        recommendations_outside_population=int((in_window & ~for_audited & ~for_opted_out).sum()),
        demographics_missing=sum(1 for m in audited_members if m.employee_id not in records),
        unknown_by_attribute=unknown_by_attribute,
    )
    return _Prepared(attributes, outcomes, counts, model_versions, framework_versions)


def _tables(prepared: _Prepared, config: PipelineConfig) -> list[GroupTable]:
    """Group cells for every outcome x dimension with numpy bincounts (same order and cells as run_audit)."""
    tables: list[GroupTable] = []
    outcome_measures = config.outcomes()
    for outcome in sorted(outcome_measures):
        measure = outcome_measures[outcome]
        values = prepared.outcomes[outcome]
        for name, parts in dimensions(config.attributes, config.stats):
            codes, labels = prepared.attributes[parts[0]]
            for part in parts[1:]:
                more, more_labels = prepared.attributes[part]
                codes = np.where((codes >= 0) & (more >= 0), codes * len(more_labels) + more, -1)
                labels = [f"{a}{INTERSECTION_SEPARATOR}{b}" for a in labels for b in more_labels]
            table = GroupTable(outcome, name, measure)
            slots = len(labels) + 1  # the last slot collects unknowns
            slot = np.where(codes >= 0, codes, len(labels))
            n = np.bincount(slot, minlength=slots)
            if measure == "rate":
                recipients = np.bincount(slot[values > 0], minlength=slots)
                sums = squares = np.zeros(slots, np.int64)
            else:
                recipients = np.zeros(slots, np.int64)
                sums = np.bincount(slot, weights=values, minlength=slots).round().astype(np.int64)
                squares = np.bincount(slot, weights=values.astype(np.float64) ** 2, minlength=slots)
                squares = squares.round().astype(np.int64)
            for i in np.flatnonzero(n):
                label = labels[i] if i < len(labels) else UNKNOWN
                table.cells[label] = Cell(int(n[i]), int(recipients[i]), int(sums[i]), int(squares[i]))
            tables.append(table)
    return tables


def employee_rows(inputs: AuditInputs, config: PipelineConfig | None = None) -> list[EmployeeRow]:
    """The same audit population as plain `EmployeeRow`s, derived record by record (the slow reference path:
    `run_audit(employee_rows(...))` must equal the vectorised result; tests hold them together)."""
    cfg = config or PipelineConfig()
    window = inputs.window
    unknown = unknown_set(cfg.stats)
    records = {d.employee_id: d for d in inputs.demographics}
    members = {m.employee_id: m for m in inputs.population if m.hire_date is None or m.hire_date <= window.last_day}
    tallies: dict[str, dict[str, int]] = {e: {} for e in members}
    for r in inputs.recommendations:
        m = members.get(r.employee_id)
        if m is None or not m.personalisation_enabled or r.basis != "personalised" or not window.contains(r.created_at):
            continue
        tally = tallies[r.employee_id]
        tally[OUTCOME_ANY] = tally.get(OUTCOME_ANY, 0) + 1
        for cls in cfg.high_value_classes:
            if class_mask(r.item_id, r.item_kind, r.skill_id, (cls,)):
                tally[cls.name] = tally.get(cls.name, 0) + 1
    rows = []
    for employee_id in sorted(members):
        m = members[employee_id]
        record = records.get(employee_id)
        tally = tallies[employee_id]
        rows.append(EmployeeRow(
            attributes={a: _derived(a, record, m, window, cfg, unknown) for a in cfg.attributes},
            received={o: tally.get(o, 0) > 0 for o, measure in cfg.outcomes().items() if measure == "rate"},
            counts={OUTCOME_MEAN: tally.get(OUTCOME_ANY, 0)},
            opted_out=not m.personalisation_enabled,
        ))
    return rows


# --------------------------------------------------------------------------------------------------------------------
# Run and rerun
# --------------------------------------------------------------------------------------------------------------------


def _population_rules(window: AuditWindow) -> dict[str, str]:
    return {
        "population": f"every employee in the population snapshot hired on or before {window.last_day} "
        "(or with no hire date)",
        "audited": "personalisation enabled when the audit ran",
        "opted_out": "personalisation disabled: counted and reported, kept out of every outcome and group",
        "recommendations": f"created from {window.start} (inclusive) to {window.end} (exclusive), UTC, "
        "basis personalised, for an audited employee",
        "unknown": "no demographics record, a missing field, birth-year band 'none', or an unknown or declined "
        "label: disclosed per attribute, never compared",
        "small_categories": "known categories under the small-category share are disclosed with count and rate, "
        "not compared",
    }


def _category_mapping(window: AuditWindow, config: PipelineConfig) -> dict[str, Any]:
    year = window.last_day.year
    return {
        "attributes": {a: ATTRIBUTE_SOURCES[a] for a in config.attributes},
        "age_band": f"birth years F-L become ages {year}-L to {year}-F",
        "tenure_band": {
            "measured_at": window.last_day.isoformat(),
            "edges_years": list(config.tenure_edges_years),
            "labels": tenure_labels(config.tenure_edges_years),
        },
        "intersections": [INTERSECTION_SEPARATOR.join(p) for p in config.stats.intersections],
        "unknown_labels": list(config.stats.unknown_labels),
        "outcomes": {
            OUTCOME_ANY: "received at least one personalised recommendation (share of employees)",
            **{c.name: f"received at least one personalised {c.title} (share of employees)"
               for c in config.high_value_classes},
            OUTCOME_MEAN: "personalised recommendations per employee (mean, compared as a ratio of means)",
        },
        "high_value_classes": [c.model_dump(mode="json") for c in config.high_value_classes],
    }


def _flags(published: AuditResult) -> list[Flag]:
    flags = []
    for res in published.results:
        ref = next((g for g in res.groups if g.label == res.reference_group), None)
        for g in res.groups:
            if g.verdict is not Verdict.FLAGGED:
                continue
            value = g.rate if res.measure == "rate" else g.mean
            ref_value = None if ref is None else (ref.rate if res.measure == "rate" else ref.mean)
            flags.append(Flag(
                outcome=res.outcome, measure=res.measure, attribute=res.attribute, group=g.label,
                reference_group=res.reference_group, impact_ratio=g.impact_ratio, ci_low=g.ci_low,
                ci_high=g.ci_high, p_adjusted=g.p_adjusted, n=g.n, reference_n=None if ref is None else ref.n,
                group_value=value, reference_value=ref_value, suppressed=g.suppressed,
            ))
    return flags


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def run(
    inputs: AuditInputs,
    config: PipelineConfig | None,
    *,
    code_version: str,
    generated_at: datetime,
    audit_id: str | None = None,
) -> AuditRun:
    """Audit one window. Deterministic: the same inputs, config, code_version, generated_at and audit_id give
    byte-identical results_json, report_html and manifest."""
    return _run(inputs, config or PipelineConfig(), code_version, _utc(generated_at), audit_id, inputs.content_hash())


def _run(inputs: AuditInputs, cfg: PipelineConfig, code_version: str, generated_at: datetime, audit_id: str | None,
         input_hash: str) -> AuditRun:
    audit_id = audit_id or f"{inputs.window.label}-{generated_at:%Y%m%dT%H%M%SZ}-{input_hash[7:15]}"

    prepared = _prepare(inputs, cfg)
    result = audit_from_tables(
        _tables(prepared, cfg), population=prepared.counts.audited, opted_out=prepared.counts.opted_out,
        config=cfg.stats,
    )
    published = result.published()
    flags = _flags(published)
    results_json = canonical_json({
        "audit_id": audit_id,
        "window": inputs.window.model_dump(mode="json"),
        "generated_at": generated_at.isoformat(),
        "code_version": code_version,
        "input_content_hash": input_hash,
        "model_versions": list(prepared.model_versions),
        "counts": prepared.counts.model_dump(mode="json"),
        "flags": [f.model_dump(mode="json") for f in flags],
        "result": published.model_dump(mode="json"),
    })
    manifest = AuditManifest(
        audit_id=audit_id,
        window=inputs.window,
        population_rules=_population_rules(inputs.window),
        category_mapping=_category_mapping(inputs.window, cfg),
        input_content_hash=input_hash,
        model_versions=prepared.model_versions,
        framework_versions=prepared.framework_versions,
        config=cfg,
        code_version=code_version,
        generated_at=generated_at,
        results_sha256=f"sha256:{hashlib.sha256(results_json).hexdigest()}",
    )
    html = report.render(manifest=manifest, published=published, counts=prepared.counts, flags=flags)
    return AuditRun(
        audit_id=audit_id, manifest=manifest, result=result, published_result=published,
        results_json=results_json, report_html=html, flags=flags, counts=prepared.counts,
    )


def rerun(manifest: AuditManifest, inputs: AuditInputs) -> AuditRun:
    """Recompute a stored audit from its manifest. Raises InputMismatchError when `inputs` are not the ones the
    audit ran on, ReproducibilityError when the results differ from the recorded ones (e.g. other code)."""
    found = inputs.content_hash()
    if found != manifest.input_content_hash:
        raise InputMismatchError(
            f"inputs hash {found} differs from the manifest's {manifest.input_content_hash}: "
            f"these are not the inputs audit {manifest.audit_id} ran on"
        )
    again = _run(inputs, manifest.config, manifest.code_version, _utc(manifest.generated_at), manifest.audit_id,
                 found)
    if again.manifest.results_sha256 != manifest.results_sha256:
        raise ReproducibilityError(
            f"rerun of audit {manifest.audit_id} gave results {again.manifest.results_sha256}, the manifest "
            f"recorded {manifest.results_sha256}; run code version {manifest.code_version} to reproduce them"
        )
    return again
