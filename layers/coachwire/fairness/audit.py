"""Bias audit of development recommendations: per-group rates, impact ratios, tests, Holm, verdicts.

Pure computation: rows in, a pydantic `AuditResult` out. Deterministic: groups, attributes and outcomes are
sorted, so a rerun on the same rows and config gives byte-identical `canonical_json()`.
See docs/fairness-statistics.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coachwire.fairness import stats

UNKNOWN = "unknown"
INTERSECTION_SEPARATOR = " × "

Measure = Literal["rate", "mean"]


class Verdict(StrEnum):
    REFERENCE = "reference"
    FLAGGED = "flagged"
    INSUFFICIENT_DATA = "insufficient_data"
    NO_EVIDENCE = "no_evidence"


class AuditConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alpha: float = Field(0.05, gt=0, lt=1)
    min_n: int = Field(10, ge=1, description="groups smaller than this are not tested: insufficient data")
    small_category_share: float = Field(0.02, ge=0, lt=1, description="categories below this share are excluded")
    suppress_below: int = Field(10, ge=1, description="published cells with fewer people are suppressed")
    power: float = Field(0.8, gt=0, lt=1)
    detect_ratio: float = Field(0.8, gt=0, lt=1, description="impact ratio threshold and the effect to detect")
    score_correction: bool = Field(True, description="Miettinen-Nurminen N/(N-1) variance factor (statsmodels)")
    intersections: tuple[tuple[str, str], ...] = (("sex", "race_ethnicity"),)
    unknown_labels: tuple[str, ...] = ("unknown", "declined to state", "declined_to_state", "not disclosed", "")


class EmployeeRow(BaseModel):
    """One in-scope employee: a label per attribute, whether they received each audited (binary) outcome and
    how many of each counted outcome (mean outcomes, e.g. recommendations per employee) they received."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attributes: dict[str, str]
    received: dict[str, bool]
    counts: dict[str, int] = Field(default_factory=dict)
    opted_out: bool = False


class GroupResult(BaseModel):
    label: str
    n: int | None
    recipients: int | None
    rate: float | None
    total: int | None = None  # mean outcomes: the count summed over the group (recipients / rate stay None)
    mean: float | None = None
    impact_ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    test: str | None = None  # "fisher_exact" | "score_z" | "mean_ratio_robust_z"
    p_value: float | None = None
    p_adjusted: float | None = None
    power: float | None = None
    verdict: Verdict
    additional_people_needed: int | None = None
    suppressed: bool = False


class CategoryDisclosure(BaseModel):
    """A category kept out of the ratios (small-category rule, or unknown / declined): count and rate disclosed."""

    label: str
    n: int | None
    recipients: int | None
    rate: float | None
    share: float | None
    total: int | None = None
    mean: float | None = None
    suppressed: bool = False


class OmnibusResult(BaseModel):
    statistic: float
    df: int
    p_value: float
    p_adjusted: float | None = None


class AttributeResult(BaseModel):
    outcome: str
    attribute: str
    measure: Measure = "rate"
    n: int | None  # None in a published view when it would reveal a suppressed cell
    unknown: CategoryDisclosure
    reference_group: str | None
    groups: list[GroupResult]
    excluded_small_categories: list[CategoryDisclosure]
    omnibus: OmnibusResult | None
    note: str | None = None


class AuditResult(BaseModel):
    config: AuditConfig
    population: int
    opted_out: int
    outcomes: list[str]
    results: list[AttributeResult]
    holm_family_size: int
    published_view: bool = False

    def canonical_json(self) -> str:
        """Byte-stable JSON: sorted keys, no whitespace, ASCII only."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def published(self) -> AuditResult:
        """The publishable view: every cell describing fewer than `suppress_below` people is blanked, and when that
        leaves exactly one blank cell in an attribute, the next-smallest group is blanked too (complementary
        suppression), so the hidden one cannot be recovered by subtracting the others from the attribute's total."""
        k = self.config.suppress_below
        out = self.model_copy(deep=True)
        out.published_view = True
        for res in out.results:
            hidden = 0
            for disc in [res.unknown, *res.excluded_small_categories]:
                if disc.n is not None and disc.n < k:
                    _blank_disclosure(disc)
                    hidden += 1
            for g in res.groups:
                if g.n is not None and g.n < k:
                    _blank_group(g)
                    hidden += 1
            if hidden == 1:
                others = [g for g in res.groups if not g.suppressed and g.label != res.reference_group
                          and g.verdict != Verdict.FLAGGED]
                reference = next((g for g in res.groups if g.label == res.reference_group), None)
                if others:
                    _blank_group(min(others, key=lambda g: (g.n or 0, g.label)))
                elif reference is not None:
                    # Never hide a finding: hide the reference group's head count instead (its rate stays, so
                    # every ratio can still be read against it).
                    reference.n = reference.recipients = reference.total = None
                # The audited total is the same for every attribute, so blanking it would not help.
        return out


_GROUP_CELLS = ("n", "recipients", "rate", "total", "mean", "impact_ratio", "ci_low", "ci_high", "p_value",
                "p_adjusted", "power", "additional_people_needed")


def _blank_group(g: GroupResult) -> None:
    for name in _GROUP_CELLS:
        setattr(g, name, None)
    g.suppressed = True


def _blank_disclosure(disc: CategoryDisclosure) -> None:
    disc.n = disc.recipients = disc.rate = disc.share = disc.total = disc.mean = None
    disc.suppressed = True


def _split_categories(counts: dict, cfg: AuditConfig) -> tuple[dict, int, dict, list[str]]:
    """(known categories, their total, those compared, those excluded by the small-category rule), sorted."""
    known = {k: v for k, v in counts.items() if k != UNKNOWN}
    known_total = sum(c.n for c in known.values())
    excluded = sorted(k for k, c in known.items() if known_total and c.n / known_total < cfg.small_category_share)
    return known, known_total, {k: known[k] for k in sorted(known) if k not in excluded}, excluded


def _fnum(x: float) -> float:
    """Round floats to 12 significant digits so results do not depend on last-bit platform noise."""
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.12g}")


def _finite_or_none(x: float) -> float | None:
    """An unbounded interval end is published as null (JSON has no infinity)."""
    return _fnum(x) if math.isfinite(x) else None


@dataclass(slots=True)
class Cell:
    """Counts of one group: people, and either recipients (rate outcomes) or the summed count and summed squared
    count per person (mean outcomes). Integers, so any way of counting gives bit-identical statistics."""

    n: int = 0
    recipients: int = 0
    total: int = 0
    total_sq: int = 0


@dataclass
class GroupTable:
    """The cells of one outcome over one attribute or intersection; UNKNOWN holds the unknown / declined."""

    outcome: str
    attribute: str
    measure: Measure
    cells: dict[str, Cell] = field(default_factory=dict)


def unknown_set(config: AuditConfig) -> set[str]:
    return {u.casefold() for u in config.unknown_labels}


def normalise_label(raw: str | None, unknown: set[str]) -> str:
    """A category label as audited: stripped; missing or an unknown / declined label becomes UNKNOWN."""
    if raw is None or raw.strip().casefold() in unknown:
        return UNKNOWN
    return raw.strip()


def dimensions(attributes: Iterable[str], config: AuditConfig) -> list[tuple[str, tuple[str, ...]]]:
    """The audited dimensions in canonical order: attributes sorted, then the configured intersections."""
    dims: list[tuple[str, tuple[str, ...]]] = [(a, (a,)) for a in sorted(set(attributes))]
    for left, right in config.intersections:
        dims.append((f"{left}{INTERSECTION_SEPARATOR}{right}", (left, right)))
    return dims


def run_audit(rows: Iterable[EmployeeRow], config: AuditConfig | None = None) -> AuditResult:
    """Compute the full audit from one row per employee (the reference path; `audit_from_tables` takes counts
    aggregated any other way). Holm correction runs over every omnibus and pairwise test in the result."""
    cfg = config or AuditConfig()
    unknown = unknown_set(cfg)
    all_rows = list(rows)
    in_scope = [r for r in all_rows if not r.opted_out]
    measures: dict[str, Measure] = {o: "rate" for r in in_scope for o in r.received}
    measures.update({o: "mean" for r in in_scope for o in r.counts})
    attributes = {a for r in in_scope for a in r.attributes}

    tables: list[GroupTable] = []
    for outcome in sorted(measures):
        for name, parts in dimensions(attributes, cfg):
            table = GroupTable(outcome, name, measures[outcome])
            for r in in_scope:
                labels = [normalise_label(r.attributes.get(p), unknown) for p in parts]
                key = UNKNOWN if UNKNOWN in labels else INTERSECTION_SEPARATOR.join(labels)
                c = table.cells.setdefault(key, Cell())
                c.n += 1
                if table.measure == "rate":
                    c.recipients += int(r.received.get(outcome, False))
                else:
                    k = r.counts.get(outcome, 0)
                    c.total += k
                    c.total_sq += k * k
            tables.append(table)
    return audit_from_tables(tables, population=len(in_scope), opted_out=len(all_rows) - len(in_scope), config=cfg)


def audit_from_tables(
    tables: Sequence[GroupTable], *, population: int, opted_out: int, config: AuditConfig | None = None
) -> AuditResult:
    """Statistics, Holm and verdicts over already-counted tables (kept in the order given)."""
    cfg = config or AuditConfig()
    results = [
        _analyse(t.outcome, t.attribute, t.cells, cfg) if t.measure == "rate" else _analyse_mean(t, cfg)
        for t in tables
    ]

    # Holm across all tests of the audit (deterministic family order: result order, omnibus then groups)
    slots: list[tuple[OmnibusResult | GroupResult, float]] = []
    for res in results:
        if res.omnibus is not None:
            slots.append((res.omnibus, res.omnibus.p_value))
        for g in res.groups:
            if g.p_value is not None:
                slots.append((g, g.p_value))
    adjusted = stats.holm([p for _, p in slots])
    for (obj, _), adj in zip(slots, adjusted, strict=True):
        obj.p_adjusted = _fnum(adj)
    for res in results:
        for g in res.groups:
            g.verdict = _verdict(g, cfg)
            if g.verdict is not Verdict.INSUFFICIENT_DATA and g.verdict is not Verdict.REFERENCE:
                g.additional_people_needed = None
    return AuditResult(
        config=cfg,
        population=population,
        opted_out=opted_out,
        outcomes=sorted({t.outcome for t in tables}),
        results=results,
        holm_family_size=len(slots),
    )


def _verdict(g: GroupResult, cfg: AuditConfig) -> Verdict:
    if g.verdict is Verdict.REFERENCE:
        return Verdict.REFERENCE
    if (
        g.impact_ratio is not None
        and g.p_adjusted is not None
        and g.impact_ratio < cfg.detect_ratio
        and g.p_adjusted < cfg.alpha
    ):
        return Verdict.FLAGGED
    if g.p_value is None or g.power is None or g.power < cfg.power:
        return Verdict.INSUFFICIENT_DATA
    return Verdict.NO_EVIDENCE


def _reference(kept: dict[str, Cell], cfg: AuditConfig, value: Callable[[Cell], float]) -> str | None:
    """The best-served group: highest rate (or mean) among groups of at least `min_n` people (among all groups
    if none is that large, so that a handful of people cannot become everyone's yardstick); ties -> larger n,
    then label."""
    sized = {k: c for k, c in kept.items() if c.n >= cfg.min_n} or kept
    return min(sized, key=lambda k: (-value(sized[k]), -sized[k].n, k)) if sized else None


def _disclosure(label: str, c: Cell, total: int) -> CategoryDisclosure:
    return CategoryDisclosure(
        label=label,
        n=c.n,
        recipients=c.recipients,
        rate=_fnum(c.recipients / c.n) if c.n else None,
        share=_fnum(c.n / total) if total else None,
    )


def _analyse(outcome: str, name: str, counts: dict[str, Cell], cfg: AuditConfig) -> AttributeResult:
    total = sum(c.n for c in counts.values())
    unknown_disc = _disclosure(UNKNOWN, counts.get(UNKNOWN, Cell()), total)
    known, known_total, kept, excluded = _split_categories(counts, cfg)
    disclosures = [_disclosure(k, known[k], known_total) for k in excluded]

    ref = _reference(kept, cfg, lambda c: c.recipients / c.n)
    omni = stats.chi2_omnibus([[c.recipients, c.n - c.recipients] for c in kept.values()])
    omnibus = OmnibusResult(statistic=_fnum(omni[0]), df=omni[1], p_value=_fnum(omni[2])) if omni else None

    groups: list[GroupResult] = []
    note = None
    ref_c = kept[ref] if ref is not None else None
    if ref_c is not None and ref_c.recipients == 0:
        note = "no recipients in any compared group: impact ratios undefined"
    for label, c in kept.items():
        g = GroupResult(
            label=label,
            n=c.n,
            recipients=c.recipients,
            rate=_fnum(c.recipients / c.n),
            verdict=Verdict.INSUFFICIENT_DATA,
        )
        if label == ref:
            g.verdict = Verdict.REFERENCE
            g.impact_ratio = 1.0 if c.recipients else None
        elif ref_c is not None and ref_c.recipients > 0:
            _compare(g, c, ref_c, cfg)
        groups.append(g)
    return AttributeResult(
        outcome=outcome,
        attribute=name,
        n=total,
        unknown=unknown_disc,
        reference_group=ref,
        groups=groups,
        excluded_small_categories=disclosures,
        omnibus=omnibus,
        note=note,
    )


def _compare(g: GroupResult, c: Cell, ref: Cell, cfg: AuditConfig) -> None:
    x1, n1, x0, n0 = c.recipients, c.n, ref.recipients, ref.n
    p_ref = x0 / n0
    g.impact_ratio = _fnum((x1 / n1) / p_ref)
    lo, hi = stats.ratio_score_ci(x1, n1, x0, n0, alpha=cfg.alpha, correction=cfg.score_correction)
    g.ci_low, g.ci_high = _fnum(lo), _finite_or_none(hi)
    g.power = _fnum(stats.power_2prop(p_ref, p_ref * cfg.detect_ratio, n0, n1, cfg.alpha))
    needed = stats.additional_people_needed(p_ref, n0, n1, cfg.detect_ratio, cfg.alpha, cfg.power)
    if n1 < cfg.min_n or n0 < cfg.min_n:
        g.additional_people_needed = max(needed, cfg.min_n - n1, 0) + max(cfg.min_n - n0, 0) or None
        return  # not tested: too small
    g.additional_people_needed = needed or None
    if min(stats.expected_counts_2x2(x1, n1, x0, n0)) < 5:
        g.test = "fisher_exact"
        g.p_value = _fnum(stats.fisher_exact_2x2(x1, n1 - x1, x0, n0 - x0))
    else:
        g.test = "score_z"
        g.p_value = _fnum(stats.score_test_2prop(x1, n1, x0, n0, correction=cfg.score_correction)[1])


def _mean_disclosure(label: str, c: Cell, total: int) -> CategoryDisclosure:
    return CategoryDisclosure(
        label=label,
        n=c.n,
        recipients=None,
        rate=None,
        total=c.total,
        mean=_fnum(c.total / c.n) if c.n else None,
        share=_fnum(c.n / total) if total else None,
    )


def _analyse_mean(table: GroupTable, cfg: AuditConfig) -> AttributeResult:
    """A mean outcome (count per person): same disclosure, reference and verdict rules as rates, with the ratio
    of means, its robust log-scale interval and Wald tests (stats.mean_ratio_test / log_mean_omnibus)."""
    counts = table.cells
    total = sum(c.n for c in counts.values())
    unknown_disc = _mean_disclosure(UNKNOWN, counts.get(UNKNOWN, Cell()), total)
    known, known_total, kept, excluded = _split_categories(counts, cfg)
    disclosures = [_mean_disclosure(k, known[k], known_total) for k in excluded]

    ref = _reference(kept, cfg, lambda c: c.total / c.n)
    omni = stats.log_mean_omnibus([(c.n, c.total, c.total_sq) for c in kept.values()])
    omnibus = OmnibusResult(statistic=_fnum(omni[0]), df=omni[1], p_value=_fnum(omni[2])) if omni else None

    groups: list[GroupResult] = []
    note = None
    ref_c = kept[ref] if ref is not None else None
    if ref_c is not None and ref_c.total == 0:
        note = "no recommendations in any compared group: ratios undefined"
    for label, c in kept.items():
        g = GroupResult(
            label=label,
            n=c.n,
            recipients=None,
            rate=None,
            total=c.total,
            mean=_fnum(c.total / c.n),
            verdict=Verdict.INSUFFICIENT_DATA,
        )
        if label == ref:
            g.verdict = Verdict.REFERENCE
            g.impact_ratio = 1.0 if c.total else None
        elif ref_c is not None and ref_c.total > 0:
            _compare_mean(g, c, ref_c, cfg)
        groups.append(g)
    return AttributeResult(
        outcome=table.outcome,
        attribute=table.attribute,
        measure="mean",
        n=total,
        unknown=unknown_disc,
        reference_group=ref,
        groups=groups,
        excluded_small_categories=disclosures,
        omnibus=omnibus,
        note=note,
    )


def _compare_mean(g: GroupResult, c: Cell, ref: Cell, cfg: AuditConfig) -> None:
    n1, n0 = c.n, ref.n
    m_ref = ref.total / n0
    ratio, lo, hi, p = stats.mean_ratio_test(n1, c.total, c.total_sq, n0, ref.total, ref.total_sq, alpha=cfg.alpha)
    g.impact_ratio = _fnum(ratio)
    g.ci_low, g.ci_high = _fnum(lo), _finite_or_none(hi)
    dispersion = stats.dispersion_index([(n1, c.total, c.total_sq), (n0, ref.total, ref.total_sq)])
    g.power = _fnum(stats.power_mean_ratio(m_ref, n0, n1, dispersion, cfg.detect_ratio, cfg.alpha))
    needed = stats.additional_people_needed_mean(m_ref, n0, n1, dispersion, cfg.detect_ratio, cfg.alpha, cfg.power)
    if n1 < cfg.min_n or n0 < cfg.min_n:
        g.additional_people_needed = max(needed, cfg.min_n - n1, 0) + max(cfg.min_n - n0, 0) or None
        return  # not tested: too small
    g.additional_people_needed = needed or None
    g.test = "mean_ratio_robust_z"
    g.p_value = _fnum(p)
