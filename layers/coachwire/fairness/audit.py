"""Bias audit of development recommendations: per-group rates, impact ratios, tests, Holm, verdicts.

Pure computation: rows in, a pydantic `AuditResult` out. Deterministic: groups, attributes and outcomes are
sorted, so a rerun on the same rows and config gives byte-identical `canonical_json()`.
See docs/fairness-statistics.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from coachwire.fairness import stats

UNKNOWN = "unknown"
INTERSECTION_SEPARATOR = " × "


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
    """One in-scope employee: a label per attribute and whether they received each audited outcome."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attributes: dict[str, str]
    received: dict[str, bool]
    opted_out: bool = False


class GroupResult(BaseModel):
    label: str
    n: int | None
    recipients: int | None
    rate: float | None
    impact_ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    test: str | None = None  # "fisher_exact" | "score_z"
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
    suppressed: bool = False


class OmnibusResult(BaseModel):
    statistic: float
    df: int
    p_value: float
    p_adjusted: float | None = None


class AttributeResult(BaseModel):
    outcome: str
    attribute: str
    n: int
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
        """The publishable view: every cell describing fewer than `suppress_below` people is blanked."""
        k = self.config.suppress_below
        out = self.model_copy(deep=True)
        out.published_view = True
        for res in out.results:
            for disc in [res.unknown, *res.excluded_small_categories]:
                if disc.n is not None and disc.n < k:
                    disc.n = disc.recipients = disc.rate = disc.share = None
                    disc.suppressed = True
            for g in res.groups:
                if g.n is not None and g.n < k:
                    for name in (
                        "n",
                        "recipients",
                        "rate",
                        "impact_ratio",
                        "ci_low",
                        "ci_high",
                        "p_value",
                        "p_adjusted",
                        "power",
                    ):
                        setattr(g, name, None)
                    g.suppressed = True
        return out


def _fnum(x: float) -> float:
    """Round floats to 12 significant digits so results do not depend on last-bit platform noise."""
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.12g}")


class _Counts:
    __slots__ = ("n", "recipients")

    def __init__(self) -> None:
        self.n = 0
        self.recipients = 0


def _label(row: EmployeeRow, attribute: str, unknown: set[str]) -> str:
    raw = row.attributes.get(attribute)
    if raw is None or raw.strip().casefold() in unknown:
        return UNKNOWN
    return raw.strip()


def run_audit(rows: Iterable[EmployeeRow], config: AuditConfig | None = None) -> AuditResult:
    """Compute the full audit. Holm correction runs over every omnibus and pairwise test in the result."""
    cfg = config or AuditConfig()
    unknown = {u.casefold() for u in cfg.unknown_labels}
    all_rows = list(rows)
    in_scope = [r for r in all_rows if not r.opted_out]
    outcomes = sorted({o for r in in_scope for o in r.received})
    attributes = sorted({a for r in in_scope for a in r.attributes})
    dimensions: list[tuple[str, tuple[str, ...]]] = [(a, (a,)) for a in attributes]
    for left, right in cfg.intersections:
        dimensions.append((f"{left}{INTERSECTION_SEPARATOR}{right}", (left, right)))

    results: list[AttributeResult] = []
    for outcome in outcomes:
        for name, parts in dimensions:
            counts: dict[str, _Counts] = {}
            for r in in_scope:
                labels = [_label(r, p, unknown) for p in parts]
                key = UNKNOWN if UNKNOWN in labels else INTERSECTION_SEPARATOR.join(labels)
                c = counts.setdefault(key, _Counts())
                c.n += 1
                c.recipients += int(r.received.get(outcome, False))
            results.append(_analyse(outcome, name, counts, cfg))

    # Holm across all tests of the audit (deterministic family order: result order, omnibus then groups)
    slots: list[tuple[object, float]] = []
    for res in results:
        if res.omnibus is not None:
            slots.append((res.omnibus, res.omnibus.p_value))
        for g in res.groups:
            if g.p_value is not None:
                slots.append((g, g.p_value))
    adjusted = stats.holm([p for _, p in slots])
    for (obj, _), adj in zip(slots, adjusted, strict=True):
        obj.p_adjusted = _fnum(adj)  # type: ignore[attr-defined]
    for res in results:
        for g in res.groups:
            g.verdict = _verdict(g, cfg)
            if g.verdict is not Verdict.INSUFFICIENT_DATA and g.verdict is not Verdict.REFERENCE:
                g.additional_people_needed = None
    return AuditResult(
        config=cfg,
        population=len(in_scope),
        opted_out=len(all_rows) - len(in_scope),
        outcomes=outcomes,
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


def _disclosure(label: str, c: _Counts, total: int) -> CategoryDisclosure:
    return CategoryDisclosure(
        label=label,
        n=c.n,
        recipients=c.recipients,
        rate=_fnum(c.recipients / c.n) if c.n else None,
        share=_fnum(c.n / total) if total else None,
    )


def _analyse(outcome: str, name: str, counts: dict[str, _Counts], cfg: AuditConfig) -> AttributeResult:
    total = sum(c.n for c in counts.values())
    unknown_disc = _disclosure(UNKNOWN, counts.get(UNKNOWN, _Counts()), total)
    known = {k: v for k, v in counts.items() if k != UNKNOWN}
    known_total = sum(c.n for c in known.values())
    excluded = sorted(
        (k for k, c in known.items() if known_total and c.n / known_total < cfg.small_category_share),
    )
    kept = {k: known[k] for k in sorted(known) if k not in excluded}
    disclosures = [_disclosure(k, known[k], known_total) for k in excluded]

    # reference = highest rate; ties -> larger n, then label
    ref = None
    if kept:
        ref = min(kept, key=lambda k: (-(kept[k].recipients / kept[k].n), -kept[k].n, k))
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


def _compare(g: GroupResult, c: _Counts, ref: _Counts, cfg: AuditConfig) -> None:
    x1, n1, x0, n0 = c.recipients, c.n, ref.recipients, ref.n
    p_ref = x0 / n0
    g.impact_ratio = _fnum((x1 / n1) / p_ref)
    lo, hi = stats.ratio_score_ci(x1, n1, x0, n0, alpha=cfg.alpha, correction=cfg.score_correction)
    g.ci_low, g.ci_high = _fnum(lo), _fnum(hi)
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
