"""Helpers the O*NET, ESCO and progression importers share: level mapping, scale choice, identifiers and the
final validation step that turns a built document into an ImportResult.

Level mapping is one formula everywhere (documented in docs/import-onet-esco-progression.md): a source value v
on a scale [low, high] lands on Coachwire level ceil((v - low) / (high - low) * N), clipped to 1..N. The N
equal-width bands partition the source scale; the level is the band that contains the value.
"""

from __future__ import annotations

import math
import re
from datetime import date
from fractions import Fraction
from typing import Any

from coachwire.models.framework import Framework
from pydantic import ValidationError

from coachwire_tools.frameworks.interchange import ImportOptions, ImportReport, ImportResult

MIN_LEVELS, MAX_LEVELS = 3, 5

# Used only where the source names no levels (ESCO). Same words as the sample-org frameworks for N = 4.
DEFAULT_SCALE_NAMES: dict[int, list[str]] = {
    3: ["Developing", "Practising", "Leading"],
    4: ["Developing", "Practising", "Accomplished", "Leading"],
    5: ["Foundation", "Developing", "Practising", "Accomplished", "Leading"],
}

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]+")


def band(value: Fraction | int, low: Fraction | int, high: Fraction | int, levels: int) -> int:
    """The Coachwire level (1..levels) whose equal-width band of [low, high] contains `value`.

    Exact arithmetic (Fractions), so values on a band edge (e.g. LV 3.5 on a 4-level scale) are stable."""
    if high <= low:
        raise ValueError("band: empty source scale")
    position = Fraction(value - low) / Fraction(high - low) * levels
    return min(levels, max(1, math.ceil(position)))


def number(text: str) -> Fraction:
    """A decimal from a data file as an exact Fraction ('4.62' → 231/50). Raises ValueError when not a number."""
    return Fraction(text.strip())


def chosen_levels(options: ImportOptions, natural: int, report: ImportReport, why: str) -> int | None:
    """The scale size: `options.scale_levels` when given (3..5), otherwise the importer's natural size.

    Returns None (and reports an error) when the requested size is outside 3..5."""
    requested = options.scale_levels
    if requested is None:
        report.add("info", "options.scale_levels", f"no scale size requested: using {natural} levels ({why})")
        return natural
    if not MIN_LEVELS <= requested <= MAX_LEVELS:
        report.add(
            "error",
            "options.scale_levels",
            f"scale_levels={requested}: a Coachwire scale has {MIN_LEVELS}-{MAX_LEVELS} levels",
        )
        return None
    if requested != natural:
        report.add(
            "info",
            "options.scale_levels",
            f"mapping onto the requested {requested}-level scale; the source's natural size is {natural} ({why})",
        )
    return requested


def identifier(text: str) -> str:
    """A string made safe for an Identifier (letters, digits, _ . : -), lower case, at most 128 characters."""
    cleaned = _ID_UNSAFE.sub("-", text.strip().lower()).strip("-._:")
    return cleaned[:128] or "x"


def plain_title(text: str | None) -> str:
    """A display title without leading emoji/symbols ('🚀 Product Framework' → 'Product Framework')."""
    if not text:
        return ""
    return re.sub(r"^[^\w(]+", "", str(text).strip()).strip()


def scale(names: list[str]) -> list[dict[str, Any]]:
    return [{"level": i, "name": name[:60]} for i, name in enumerate(names, start=1)]


def missing_anchor_levels(levels: list[dict[str, Any]], top: int) -> list[int]:
    anchored = {entry["level"] for entry in levels if entry["anchors"]}
    return [level for level in range(1, top + 1) if level not in anchored]


def finish(data: dict[str, Any], report: ImportReport) -> ImportResult:
    """Validate the built document; the report says exactly why it does not validate if it does not."""
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "framework"
            message = str(problem.get("msg", "invalid"))
            report.add("error", where, f"the framework does not validate: {message}")
        report.mapped["valid"] = 0
        return ImportResult(data=data, report=report, framework=None)
    report.mapped["valid"] = 1
    return ImportResult(data=data, report=report, framework=framework)


def parse_source_date(text: str) -> date | None:
    """O*NET dates come as '08/2023' (Excel/text files) or '2023-08-01' (SQL); ESCO as ISO timestamps."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if match:
        return date(int(match.group(2)), int(match.group(1)), 1)
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        return date(int(match.group(3)), int(match.group(1)), int(match.group(2)))
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return None
