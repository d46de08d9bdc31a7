"""The audit's configuration: typed thresholds with documented defaults, and the export's `readiness.yaml`.

`readiness.yaml` sits in the export folder and says what the files cannot: how each source reaches Coachwire
(API, webhook, manual export or not at all), which system it comes from, optional reading hints (date order,
proficiency scale, rating labels), file-name overrides and threshold overrides. Every key is optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

Severity = Literal["blocking", "warning", "info"]
Access = Literal["api", "webhook", "manual_export", "none"]
ACCESS_VALUES: tuple[str, ...] = ("api", "webhook", "manual_export", "none")
DATE_ORDERS: tuple[str, ...] = ("dmy", "mdy")
CONFIG_NAMES: tuple[str, ...] = ("readiness.yaml", "readiness.yml")


class ConfigError(ValueError):
    """The configuration cannot be used: a usage error (exit 2), not a readiness finding."""


@dataclass(frozen=True)
class Band:
    """Where a measured value turns into a warning or a blocking gap.

    With ``higher_is_better`` (shares that should be high): warning below ``warn``, blocking below ``block``.
    Otherwise (shares that should be low): warning above ``warn``, blocking above ``block``.
    ``block=None`` means the measure can warn but never block.
    """

    warn: float
    block: float | None = None
    higher_is_better: bool = True

    def severity(self, value: float) -> Severity | None:
        if self.higher_is_better:
            if self.block is not None and value < self.block:
                return "blocking"
            return "warning" if value < self.warn else None
        if self.block is not None and value > self.block:
            return "blocking"
        return "warning" if value > self.warn else None

    def shortfall(self, value: float) -> float:
        """How far the value misses the warning line, 0..1 (used to rank gaps)."""
        if self.higher_is_better:
            gap = (self.warn - value) / self.warn if self.warn > 0 else 0.0
        else:
            gap = (value - self.warn) / (1.0 - self.warn) if self.warn < 1 else 0.0
        return max(0.0, min(1.0, gap))

    def describe(self) -> str:
        if self.higher_is_better:
            text = f"≥ {_pct(self.warn)}"
            return text + (f" (blocking below {_pct(self.block)})" if self.block is not None else " (never blocking)")
        text = "0" if self.warn == 0 else f"≤ {_pct(self.warn)}"
        return text + (f" (blocking above {_pct(self.block)})" if self.block is not None else " (never blocking)")

    def as_dict(self) -> dict[str, Any]:
        return {"warn": self.warn, "block": self.block, "higher_is_better": self.higher_is_better}


def _pct(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.0f}%" if value * 100 == round(value * 100) else f"{value * 100:.1f}%"


@dataclass(frozen=True)
class Thresholds:
    """Defaults (documented in docs/data-readiness.md). Shares are 0..1."""

    # structured
    machine_readable: Band = Band(warn=0.90, block=0.70)  # typed values that parse
    ratings_structured: Band = Band(warn=0.95, block=0.80)  # ratings numeric or a calibrated label
    proficiency_on_scale: Band = Band(warn=0.95, block=0.80)  # proficiency an integer on the framework scale
    # current
    current: Band = Band(warn=0.80, block=0.50)  # dated units updated within `fresh_months`
    undated: Band = Band(warn=0.10, block=0.50, higher_is_better=False)  # units with no usable date
    # coverage
    performance_cycles: Band = Band(warn=0.80, block=0.50)  # eligible employees with >= min_cycles cycles
    career_goals_structured: Band = Band(warn=0.80, block=0.50)  # goals with a structured target
    roles_mapped: Band = Band(warn=1.00, block=0.90)  # active employees whose role maps to a framework role
    # outcome metrics (proving a pilot, not coaching): never blocking
    outcome_data: Band = Band(warn=0.80)  # leavers with a reason, employees with a quartile, moves with a kind...
    # integrity
    bad_rows: Band = Band(warn=0.0, block=0.05, higher_is_better=False)
    duplicate_ids: Band = Band(warn=0.0, block=0.02, higher_is_better=False)
    orphan_records: Band = Band(warn=0.0, block=0.10, higher_is_better=False)
    # plain numbers
    fresh_months: int = 12  # "current" means updated within this many months before as_of
    min_cycles: int = 2  # structured performance cycles an employee needs
    new_joiner_months: int = 12  # employees hired more recently are not expected to have min_cycles yet
    max_learning_systems: int = 1  # learning history should come from one system of record

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.as_dict() if isinstance(value, Band) else value
        return out

    def with_overrides(self, overrides: dict[str, Any]) -> Thresholds:
        """Apply ``thresholds:`` from readiness.yaml; unknown names or bad values are a ConfigError."""
        changes: dict[str, Any] = {}
        known = {f.name: f for f in fields(self)}
        for name, value in overrides.items():
            if name not in known:
                raise ConfigError(f"thresholds.{name}: unknown threshold (known: {', '.join(known)})")
            current = getattr(self, name)
            if isinstance(current, Band):
                if not isinstance(value, dict) or not set(value) <= {"warn", "block"}:
                    raise ConfigError(f"thresholds.{name}: expected a mapping with 'warn' and/or 'block'")
                try:
                    warn = float(value.get("warn", current.warn))
                    block = value.get("block", current.block)
                    block = None if block is None else float(block)
                except (TypeError, ValueError) as err:
                    raise ConfigError(f"thresholds.{name}: warn/block must be numbers between 0 and 1") from err
                if not 0 <= warn <= 1 or (block is not None and not 0 <= block <= 1):
                    raise ConfigError(f"thresholds.{name}: warn/block must be between 0 and 1")
                changes[name] = replace(current, warn=warn, block=block)
            else:
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ConfigError(f"thresholds.{name}: expected a positive whole number")
                changes[name] = value
        return replace(self, **changes)


@dataclass(frozen=True)
class Scale:
    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class SourceConfig:
    access: Access | None = None
    system: str | None = None
    date_order: str | None = None  # "dmy" | "mdy": how to read 03/04/2025 when the data does not say
    scale: Scale | None = None  # the proficiency scale this source declares
    rating_labels: tuple[str, ...] = ()  # extra rating labels that count as structured


@dataclass(frozen=True)
class FileHint:
    kind: str
    system: str | None = None


@dataclass(frozen=True)
class ReadinessConfig:
    path: str | None = None  # the file it was read from, None when there is none
    organisation: str | None = None
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    files: dict[str, FileHint] = field(default_factory=dict)  # file name or relative path → kind
    thresholds: Thresholds = field(default_factory=Thresholds)

    def source(self, kind: str) -> SourceConfig:
        return self.sources.get(kind, SourceConfig())


def find_config(directory: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def load_config(directory: Path, kinds: tuple[str, ...], base: Thresholds | None = None) -> ReadinessConfig:
    """Read ``readiness.yaml`` from ``directory`` (an absent file gives the defaults)."""
    import yaml

    path = find_config(directory)
    thresholds = base or Thresholds()
    if path is None:
        return ReadinessConfig(thresholds=thresholds)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"{path.name}: cannot read it: {err}") from err
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a mapping at the top level")
    return parse_config(data, kinds, name=path.name, base=thresholds)


def parse_config(
    data: dict[str, Any], kinds: tuple[str, ...], name: str = "readiness.yaml", base: Thresholds | None = None
) -> ReadinessConfig:
    unknown = set(data) - {"organisation", "organization", "sources", "files", "thresholds"}
    if unknown:
        raise ConfigError(f"{name}: unknown keys {', '.join(sorted(unknown))}")
    sources: dict[str, SourceConfig] = {}
    for kind, entry in (data.get("sources") or {}).items():
        if kind not in kinds:
            raise ConfigError(f"{name}: sources.{kind}: unknown source (known: {', '.join(kinds)})")
        sources[kind] = _source_config(entry or {}, f"{name}: sources.{kind}")
    files: dict[str, FileHint] = {}
    for file_name, entry in (data.get("files") or {}).items():
        where = f"{name}: files.{file_name}"
        if isinstance(entry, str):
            entry = {"kind": entry}
        if not isinstance(entry, dict) or entry.get("kind") not in kinds or not set(entry) <= {"kind", "system"}:
            raise ConfigError(f"{where}: expected a source kind ({', '.join(kinds)}) or {{kind, system}}")
        files[str(file_name)] = FileHint(kind=entry["kind"], system=_opt_str(entry.get("system")))
    thresholds = base or Thresholds()
    overrides = data.get("thresholds") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"{name}: thresholds: expected a mapping")
    organisation = data.get("organisation", data.get("organization"))
    return ReadinessConfig(
        path=name,
        organisation=_opt_str(organisation),
        sources=sources,
        files=files,
        thresholds=thresholds.with_overrides(overrides),
    )


def _source_config(entry: Any, where: str) -> SourceConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = set(entry) - {"access", "system", "date_order", "scale", "rating_labels"}
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    access = entry.get("access")
    if access is not None and access not in ACCESS_VALUES:
        raise ConfigError(f"{where}.access: '{access}' is not one of {', '.join(ACCESS_VALUES)}")
    date_order = entry.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ConfigError(f"{where}.date_order: '{date_order}' is not one of {', '.join(DATE_ORDERS)}")
    scale = None
    if entry.get("scale") is not None:
        raw = entry["scale"]
        try:
            scale = Scale(int(raw["min"]), int(raw["max"]))
        except (TypeError, KeyError, ValueError) as err:
            raise ConfigError(f"{where}.scale: expected {{min: 1, max: 4}}") from err
        if scale.low >= scale.high:
            raise ConfigError(f"{where}.scale: min must be below max")
    labels = entry.get("rating_labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ConfigError(f"{where}.rating_labels: expected a list of labels")
    return SourceConfig(
        access=access,
        system=_opt_str(entry.get("system")),
        date_order=date_order,
        scale=scale,
        rating_labels=tuple(x.strip().lower() for x in labels),
    )


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
