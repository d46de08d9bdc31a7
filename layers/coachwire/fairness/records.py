"""The bias audit's records: its inputs, configuration, flags, counts, manifest and run, shared by the pipeline
that computes them and the report that renders them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from coachwire.fairness.audit import (
    AuditConfig,
    AuditResult,
    Measure,
)
from coachwire.models.bias_audits import AuditWindow
from coachwire.models.demographics import DemographicRecord


class InputMismatchError(ValueError):
    """The inputs given to `rerun` are not the ones the manifest was computed from."""


class ReproducibilityError(RuntimeError):
    """A rerun produced results that differ from the ones the manifest recorded."""


class PopulationMember(BaseModel):
    """An employee in the population snapshot the audit runs over (from the profiles table)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    employee_id: str = Field(min_length=1)
    role_id: str
    career_stage: str
    hire_date: date | None = None
    personalisation_enabled: bool = True


Basis = Literal["personalised", "core_programme"]


class RecommendationFact(BaseModel):
    """The audit-relevant part of a stored `Recommendation` (model_version = its recommender_version)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    employee_id: str = Field(min_length=1)
    recommendation_id: str = Field(min_length=1)
    item_id: str
    item_kind: str
    skill_id: str
    basis: Basis = "personalised"
    model_version: str
    framework_version: str
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # One representation per instant, so equal inputs always hash equally.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class HighValueClass(BaseModel):
    """A high-value recommendation class. An item belongs to it when its kind is in `item_kinds` (empty: any kind)
    AND, if any patterns are given, its skill_id matches one of `skill_id_patterns` or its item_id one of
    `item_id_patterns` (shell-style, case-sensitive, `fnmatch.fnmatchcase`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    item_kinds: tuple[str, ...] = ()
    skill_id_patterns: tuple[str, ...] = ()
    item_id_patterns: tuple[str, ...] = ()


DEFAULT_HIGH_VALUE_CLASSES: tuple[HighValueClass, ...] = (
    HighValueClass(name="stretch_assignment", title="stretch assignment", item_kinds=("stretch_assignment",)),
    # The catalog has no "leadership programme" kind: any item building a leadership skill, or whose id names
    # leadership, counts (e.g. pm.product_leadership.first-time-manager). Organisations list their own patterns.
    HighValueClass(
        name="leadership_programme",
        title="leadership programme",
        skill_id_patterns=("*leadership*",),
        item_id_patterns=("*leadership*",),
    ),
    HighValueClass(name="mentoring", title="mentoring", item_kinds=("mentoring",)),
)

# Tenure band edges in whole years of service at the window's last day: [0,1) [1,3) [3,5) [5,10) [10,∞).
DEFAULT_TENURE_EDGES: tuple[int, ...] = (1, 3, 5, 10)

OUTCOME_ANY = "any_personalised"
OUTCOME_MEAN = "recommendations_per_employee"


# Audited attributes and where each comes from.
ATTRIBUTE_SOURCES: dict[str, str] = {
    "age_band": "demographics.birth_year_band, as the ages reached in the window's year",
    "gender": "demographics.gender, as sent by the HRIS",
    "geography": "demographics.geography, as sent by the HRIS",
    "race_ethnicity": "demographics.race_ethnicity, as sent by the HRIS",
    "tenure_band": "profile hire_date, whole years of service at the window's last day",
}


class PipelineConfig(BaseModel):
    """Everything that decides an audit's numbers; recorded whole in the manifest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stats: AuditConfig = AuditConfig(intersections=(("gender", "race_ethnicity"),))
    high_value_classes: tuple[HighValueClass, ...] = DEFAULT_HIGH_VALUE_CLASSES
    tenure_edges_years: tuple[int, ...] = DEFAULT_TENURE_EDGES
    attributes: tuple[str, ...] = tuple(ATTRIBUTE_SOURCES)

    @model_validator(mode="after")
    def _coherent(self) -> PipelineConfig:
        unknown = sorted(set(self.attributes) - set(ATTRIBUTE_SOURCES))
        if unknown:
            raise ValueError(f"attributes: unknown {unknown}; choose from {sorted(ATTRIBUTE_SOURCES)}")
        for pair in self.stats.intersections:
            missing = [a for a in pair if a not in self.attributes]
            if missing:
                raise ValueError(f"stats.intersections: {pair} names {missing}, not among attributes")
        names = [c.name for c in self.high_value_classes]
        if len(set(names)) != len(names) or {OUTCOME_ANY, OUTCOME_MEAN} & set(names):
            raise ValueError(f"high_value_classes: names must be unique and not {OUTCOME_ANY}/{OUTCOME_MEAN}")
        edges = self.tenure_edges_years
        if not edges or any(e <= 0 for e in edges) or list(edges) != sorted(set(edges)):
            raise ValueError("tenure_edges_years: strictly increasing positive whole years, e.g. (1, 3, 5, 10)")
        return self

    def outcomes(self) -> dict[str, Measure]:
        out: dict[str, Measure] = {OUTCOME_ANY: "rate", OUTCOME_MEAN: "mean"}
        out.update({c.name: "rate" for c in self.high_value_classes})
        return out



_POPULATION = TypeAdapter(tuple[PopulationMember, ...])
_DEMOGRAPHICS = TypeAdapter(tuple[DemographicRecord, ...])
_RECOMMENDATIONS = TypeAdapter(tuple[RecommendationFact, ...])
_CHUNK = 20_000  # records serialised per call while streaming the canonical JSON


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _duplicates(ids: Iterator[str]) -> list[str]:
    seen: set[str] = set()
    dupes: set[str] = set()
    for i in ids:
        if i in seen:
            dupes.add(i)
        seen.add(i)
    return sorted(dupes)


class AuditInputs(BaseModel):
    """Everything an audit reads. Record order does not matter: `to_json()` is canonical (records sorted by id,
    fixed field order, no whitespace) and `content_hash()` is the SHA-256 of exactly those bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window: AuditWindow
    population: tuple[PopulationMember, ...]
    demographics: tuple[DemographicRecord, ...] = ()
    recommendations: tuple[RecommendationFact, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> AuditInputs:
        for name, ids in (
            ("population", (m.employee_id for m in self.population)),
            ("demographics", (d.employee_id for d in self.demographics)),
            ("recommendations", (r.recommendation_id for r in self.recommendations)),
        ):
            dupes = _duplicates(ids)
            if dupes:
                raise ValueError(f"{name}: duplicate ids {', '.join(dupes[:5])}{' ...' if len(dupes) > 5 else ''}")
        return self

    def _chunks(self) -> Iterator[bytes]:
        """The canonical JSON in pieces (streams 1M recommendations without one giant string)."""
        sections: tuple[tuple[str, TypeAdapter[Any], list[Any]], ...] = (
            ("demographics", _DEMOGRAPHICS, sorted(self.demographics, key=lambda d: d.employee_id)),
            ("population", _POPULATION, sorted(self.population, key=lambda m: m.employee_id)),
            ("recommendations", _RECOMMENDATIONS, sorted(self.recommendations, key=lambda r: r.recommendation_id)),
        )
        yield b"{"
        for name, adapter, records in sections:
            yield b'"' + name.encode() + b'":['
            for i in range(0, len(records), _CHUNK):
                if i:
                    yield b","
                yield adapter.dump_json(tuple(records[i : i + _CHUNK]))[1:-1]
            yield b"],"
        yield b'"window":' + self.window.model_dump_json().encode() + b"}"

    def to_json(self) -> bytes:
        return b"".join(self._chunks())

    @classmethod
    def from_json(cls, data: bytes | str) -> AuditInputs:
        return cls.model_validate_json(data)

    def content_hash(self) -> str:
        """"sha256:<hex>" of `to_json()`, streamed. Not cached: demographics records are mutable models."""
        digest = hashlib.sha256()
        for chunk in self._chunks():
            digest.update(chunk)
        return f"sha256:{digest.hexdigest()}"


class Flag(BaseModel):
    """A flagged comparison, as published (a suppressed cell stays blank and says so)."""

    outcome: str
    measure: Measure
    attribute: str
    group: str
    reference_group: str | None
    impact_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_adjusted: float | None
    n: int | None
    reference_n: int | None
    group_value: float | None = Field(description="the group's rate (or mean, for a mean outcome)")
    reference_value: float | None
    suppressed: bool = False


def review_id_for(audit_id: str, flag: Flag) -> str:
    """The review case a flag opens: deterministic, so the report can name it and a redelivered audit opens it
    once."""
    digest = hashlib.sha256("\x1f".join((flag.outcome, flag.attribute, flag.group)).encode()).hexdigest()[:10]
    return f"rev-{audit_id.removeprefix('aud-')}-{digest}"


class AuditCounts(BaseModel):
    """Who and what the audit covered. Recommendations in the window split into the last four fields."""

    population: int = Field(description="members in the population snapshot")
    audited: int = Field(description="employed in the window with personalisation on: the audited population")
    opted_out: int = Field(description="employed in the window with personalisation off: reported, never audited")
    not_employed_in_window: int = Field(description="hired after the window's last day")
    recommendations: int = Field(description="recommendation records given")
    recommendations_outside_window: int
    recommendations_audited: int = Field(description="personalised, for an audited employee")
    recommendations_core_programme: int = Field(description="for an audited employee, chosen by the core programme")
    recommendations_opted_out: int = Field(description="for an opted-out employee (not audited)")
    recommendations_outside_population: int = Field(description="for someone not in the audited population")
    demographics_missing: int = Field(description="audited employees without a demographics record")
    unknown_by_attribute: dict[str, dict[str, int | None]] = Field(
        description="audited employees per attribute: not_provided / declined (None: fewer than the suppression "
        "threshold, suppressed)"
    )


class AuditManifest(BaseModel):
    """What an audit ran on and with: enough to rerun it and to check the rerun matches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    audit_id: str
    window: AuditWindow
    population_rules: dict[str, str]
    category_mapping: dict[str, Any]
    input_content_hash: str
    model_versions: tuple[str, ...] = Field(description="every recommender version seen in the window")
    framework_versions: tuple[str, ...]
    config: PipelineConfig
    code_version: str
    generated_at: datetime
    results_sha256: str = Field(description="sha256 of results_json: a rerun must match it")

    def to_json(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, data: bytes | str) -> AuditManifest:
        return cls.model_validate_json(data)


class AuditRun(BaseModel):
    """One audit. `result` holds every cell, including those under the suppression threshold: keep it inside
    the audit function. Publish `results_json` and `report_html` (built from `published_result`)."""

    model_config = ConfigDict(frozen=True)

    audit_id: str
    manifest: AuditManifest
    result: AuditResult
    published_result: AuditResult
    results_json: bytes
    report_html: bytes
    flags: list[Flag]
    counts: AuditCounts

    @property
    def manifest_json(self) -> bytes:
        return self.manifest.to_json()

    @property
    def flagged(self) -> bool:
        return bool(self.flags)
