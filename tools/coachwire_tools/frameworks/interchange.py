"""What every importer returns and every exporter takes, so the CLI treats them alike.

An importer reads a source in a standard's format and returns the framework it could build plus a
report of what mapped, what did not, and why. It never invents data: a skill without anchors in the
source is reported, not filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from coachwire.models.framework import Framework

Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    where: str  # a path in the source (file, element id, row number) or in the framework
    message: str


@dataclass
class ImportReport:
    source: str
    standard: str
    mapped: dict[str, int] = field(default_factory=dict)  # e.g. {"skills": 28, "roles": 1}
    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: Severity, where: str, message: str) -> None:
        self.findings.append(Finding(severity, where, message))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


@dataclass
class ImportResult:
    """`data` is the framework document (a dict in the file format) even when it does not validate;
    `framework` is set only when it does."""

    data: dict
    report: ImportReport
    framework: Framework | None = None


@dataclass(frozen=True)
class ImportOptions:
    occupation: str | None = None  # O*NET-SOC code or ESCO occupation URI/code
    framework_id: str | None = None
    version: str | None = None
    # The 3-5 level scale imported levels are mapped onto; None lets each source use its natural size
    # (O*NET 3, the anchors it has; ESCO 4; a progression framework its own levels up to 5).
    scale_levels: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Importer(Protocol):
    def __call__(self, source: Path, options: ImportOptions) -> ImportResult: ...


class Exporter(Protocol):
    def __call__(self, framework: Framework) -> dict: ...


# --from NAME → "module:function"; imported lazily by the CLI so one broken importer breaks only itself.
IMPORTERS: dict[str, str] = {
    "case": "coachwire_tools.frameworks.importers.case:import_case",
    "onet": "coachwire_tools.frameworks.importers.onet:import_onet",
    "esco": "coachwire_tools.frameworks.importers.esco:import_esco",
    "progression": "coachwire_tools.frameworks.importers.progression:import_progression",
}
EXPORTERS: dict[str, str] = {
    "case": "coachwire_tools.frameworks.exporters.case:export_case",
}
