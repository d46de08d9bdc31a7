"""O*NET skills → a Coachwire framework for one occupation.

Source: a folder with the O*NET database's `Skills.txt` (or an Excel-derived `Skills*.tsv`/`Skills*.txt` excerpt
with extra Title / Scale Name columns), `Level Scale Anchors.txt`, and optionally `Scales Reference.txt`,
`Occupation Data.txt`, `Content Model Reference.txt` and `Read Me.txt`. A path to the skills file itself works too.

Mapping (justified in docs/import-onet-esco-progression.md):
- every skill element rated for the occupation → a skill `onet.<Element ID>`;
- criticality from importance IM (1-5): IM >= 4 → 3, 3 <= IM < 4 → 2, IM < 3 → 1;
- benchmark from level LV (0-7): ceil(LV / 7 * N) clipped to 1..N, only for elements with IM >= 3 whose LV
  row is neither "Not Relevant" nor "Recommend Suppress";
- behavioural anchors: each LV anchor of the element lands on level ceil(anchor / 7 * N); O*NET anchors sit at
  LV 2, 4 and 6, so N = 3 maps them one-to-one and is the natural scale. With N = 4 or 5 some levels get no
  anchor: reported, never invented.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from coachwire_tools.frameworks.importers.common import (
    band,
    chosen_levels,
    finish,
    missing_anchor_levels,
    number,
    parse_source_date,
)
from coachwire_tools.frameworks.interchange import ImportOptions, ImportReport, ImportResult

NATURAL_LEVELS = 3  # anchors at LV 2, 4, 6 → one per level
DEFAULT_MIN_IMPORTANCE = Fraction(3)  # IM 3 = "Important" on the O*NET questionnaire
LV_RANGE = (Fraction(0), Fraction(7))  # overridden by Scales Reference.txt when present

# O*NET Content Model outline positions of the skill groups (2.A Basic Skills, 2.B Cross-Functional Skills).
CATEGORIES = {
    "2.A.1": "Basic skills: content",
    "2.A.2": "Basic skills: process",
    "2.B.1": "Social skills",
    "2.B.2": "Complex problem solving skills",
    "2.B.3": "Technical skills",
    "2.B.4": "Systems skills",
    "2.B.5": "Resource management skills",
}
# SOC 2018 major groups: the role family is the occupation's major group.
SOC_MAJOR_GROUPS = {
    "11": "Management",
    "13": "Business and Financial Operations",
    "15": "Computer and Mathematical",
    "17": "Architecture and Engineering",
    "19": "Life, Physical, and Social Science",
    "21": "Community and Social Service",
    "23": "Legal",
    "25": "Educational Instruction and Library",
    "27": "Arts, Design, Entertainment, Sports, and Media",
    "29": "Healthcare Practitioners and Technical",
    "31": "Healthcare Support",
    "33": "Protective Service",
    "35": "Food Preparation and Serving Related",
    "37": "Building and Grounds Cleaning and Maintenance",
    "39": "Personal Care and Service",
    "41": "Sales and Related",
    "43": "Office and Administrative Support",
    "45": "Farming, Fishing, and Forestry",
    "47": "Construction and Extraction",
    "49": "Installation, Maintenance, and Repair",
    "51": "Production",
    "53": "Transportation and Material Moving",
    "55": "Military Specific",
}
SKILL_COLUMNS = ("O*NET-SOC Code", "Element ID", "Element Name", "Scale ID", "Data Value")
ANCHOR_COLUMNS = ("Element ID", "Scale ID", "Anchor Value", "Anchor Description")


@dataclass
class _Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


@dataclass
class _Element:
    element_id: str
    name: str
    ratings: dict[str, _Row] = field(default_factory=dict)  # scale id (IM, LV) → row


def criticality(importance: Fraction | None) -> int:
    """IM >= 4 ('Very'/'Extremely important') → 3; IM >= 3 ('Important') → 2; lower or unknown → 1."""
    if importance is None:
        return 1
    if importance >= 4:
        return 3
    if importance >= 3:
        return 2
    return 1


def lv_to_level(value: Fraction, levels: int, lv_range: tuple[Fraction, Fraction] = LV_RANGE) -> int:
    """O*NET LV (0-7) → Coachwire level: ceil(LV / 7 * N), clipped to 1..N."""
    return band(value, lv_range[0], lv_range[1], levels)


def import_onet(source: Path, options: ImportOptions) -> ImportResult:
    source = Path(source)
    report = ImportReport(source=str(source), standard="onet")
    skills_path, folder = _locate_skills(source, report)
    if skills_path is None:
        return ImportResult(data={}, report=report)
    rows = _read_tsv(skills_path, SKILL_COLUMNS, report)
    if rows is None:
        return ImportResult(data={}, report=report)
    skills_name = skills_path.name

    titles = _titles(rows, folder, report)
    code = _resolve_occupation(options.occupation, titles, report)
    if code is None:
        return ImportResult(data={}, report=report)
    levels = chosen_levels(
        options, NATURAL_LEVELS, report, "O*NET anchors each skill at LV 2, 4 and 6: three anchored levels"
    )
    if levels is None:
        return ImportResult(data={}, report=report)
    try:
        min_importance = number(options.extra.get("min_importance", str(DEFAULT_MIN_IMPORTANCE)))
    except ValueError:
        report.add("error", "options.extra.min_importance", "min_importance must be a number on the IM scale 1-5")
        return ImportResult(data={}, report=report)

    lv_range = _lv_range(folder, report)
    anchors = _anchors(folder, report)
    descriptions = _descriptions(folder)
    elements = _elements(rows, code, report, skills_name)
    dates = [d for d in (parse_source_date(r.get("Date")) for r in rows if r.get("O*NET-SOC Code") == code) if d]

    skills: list[dict[str, Any]] = []
    benchmarks: dict[str, int] = {}
    counts = {"anchors": 0, "excluded_not_relevant": 0, "excluded_low_importance": 0, "excluded_suppressed": 0}
    for element in elements:
        skill_id = f"onet.{element.element_id}"
        where = f"{skills_name}:{_lines(element)} ({element.element_id} {element.name})"
        importance = _value(element, "IM", report, where)
        skill_levels = _skill_levels(element, anchors, levels, lv_range, report)
        counts["anchors"] += sum(len(entry["anchors"]) for entry in skill_levels)
        skills.append(
            {
                "skill_id": skill_id,
                "name": element.name[:120],
                "description": descriptions.get(element.element_id, ""),
                "category": _category(element.element_id),
                "criticality": criticality(importance),
                "levels": skill_levels,
            }
        )
        benchmark = _benchmark(element, importance, min_importance, levels, lv_range, report, where, counts)
        if benchmark is not None:
            benchmarks[skill_id] = benchmark

    title = titles[code]
    data: dict[str, Any] = {
        "framework_id": options.framework_id or f"onet.{code}",
        "version": options.version or _release(folder) or "unversioned",
        "name": f"{title} (O*NET skills)",
        "owner": options.extra.get("owner", "National Center for O*NET Development (O*NET, CC BY 4.0)"),
        "effective_date": (max(dates) if dates else date.today()).isoformat(),
        "scale": [{"level": i, "name": _scale_name(i, levels, lv_range)} for i in range(1, levels + 1)],
        "skills": skills,
        "roles": [
            {
                "role_id": f"onet.{code}",
                "name": title,
                "family": SOC_MAJOR_GROUPS.get(code[:2], f"SOC {code[:2]}") + " Occupations",
                "stages": [{"stage": "expected", "order": 0, "benchmarks": benchmarks}],
            }
        ],
    }
    if not dates:
        report.add("warning", skills_name, "no Date column for the occupation: effective_date is today")
    if not benchmarks:
        report.add("error", f"roles.onet.{code}", "no element qualifies for the benchmark: the role has no benchmarks")
    report.mapped.update(
        {
            "skills": len(skills),
            "roles": 1,
            "stages": 1,
            "benchmarks": len(benchmarks),
            "anchors": counts["anchors"],
            "skills_fully_anchored": sum(1 for s in skills if not missing_anchor_levels(s["levels"], levels)),
            "excluded_not_relevant": counts["excluded_not_relevant"],
            "excluded_low_importance": counts["excluded_low_importance"],
            "excluded_suppressed": counts["excluded_suppressed"],
        }
    )
    report.add(
        "info",
        f"roles.onet.{code}",
        f"{title}: {len(skills)} skill elements, {len(benchmarks)} benchmarked on a {levels}-level scale "
        f"(LV → ceil(LV/7*{levels}); IM >= {min_importance} required)",
    )
    return finish(data, report)


# --- reading ------------------------------------------------------------------------------------------------------


def _locate_skills(source: Path, report: ImportReport) -> tuple[Path | None, Path]:
    if source.is_file():
        return source, source.parent
    if not source.is_dir():
        report.add("error", str(source), "source not found: give the folder holding Skills.txt and its anchors")
        return None, source
    for pattern in ("Skills.txt", "Skills*.tsv", "Skills*.txt"):
        found = sorted(source.glob(pattern))
        if found:
            if len(found) > 1:
                report.add("warning", str(source), f"several skills files; using {found[0].name}")
            return found[0], source
    report.add("error", str(source), "no O*NET skills file (Skills.txt or Skills*.tsv) in the folder")
    return None, source


def _read_tsv(path: Path, required: tuple[str, ...], report: ImportReport) -> list[_Row] | None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                report.add("error", f"{path.name}:1", f"missing column(s) {', '.join(missing)}")
                return None
            rows: list[_Row] = []
            for values in reader:
                rows.append(_Row(reader.line_num, values))
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        report.add("error", path.name, f"cannot read: {exc}")
        return None


def _titles(rows: list[_Row], folder: Path, report: ImportReport) -> dict[str, str]:
    titles: dict[str, str] = {}
    for row in rows:
        code = row.get("O*NET-SOC Code")
        if code and code not in titles:
            titles[code] = row.get("Title")
    occupation_data = folder / "Occupation Data.txt"
    if any(not t for t in titles.values()) and occupation_data.is_file():
        extra = _read_tsv(occupation_data, ("O*NET-SOC Code", "Title"), report) or []
        known = {r.get("O*NET-SOC Code"): r.get("Title") for r in extra}
        for code, title in titles.items():
            titles[code] = title or known.get(code, "")
    return {code: title or code for code, title in titles.items()}


def _resolve_occupation(wanted: str | None, titles: dict[str, str], report: ImportReport) -> str | None:
    examples = "; ".join(f"{code} {title}" for code, title in list(titles.items())[:5])
    hint = f"{len(titles)} occupations in the source, e.g. {examples}"
    if not wanted:
        report.add("error", "options.occupation", f"O*NET import needs --occupation O*NET-SOC code ({hint})")
        return None
    wanted = wanted.strip()
    if wanted in titles:
        return wanted
    if re.fullmatch(r"\d{2}-\d{4}", wanted) and f"{wanted}.00" in titles:
        report.add("info", "options.occupation", f"{wanted} read as {wanted}.00")
        return f"{wanted}.00"
    by_title = [code for code, title in titles.items() if title.lower() == wanted.lower()]
    if len(by_title) == 1:
        return by_title[0]
    report.add("error", "options.occupation", f"unknown O*NET-SOC code {wanted!r} ({hint})")
    return None


def _lv_range(folder: Path, report: ImportReport) -> tuple[Fraction, Fraction]:
    path = folder / "Scales Reference.txt"
    if not path.is_file():
        report.add("info", "Scales Reference.txt", "not in the source: LV taken as the documented 0-7 scale")
        return LV_RANGE
    for row in _read_tsv(path, ("Scale ID", "Minimum", "Maximum"), report) or []:
        if row.get("Scale ID") == "LV":
            try:
                return number(row.get("Minimum")), number(row.get("Maximum"))
            except ValueError:
                break
    report.add("warning", path.name, "no usable LV row: LV taken as the documented 0-7 scale")
    return LV_RANGE


def _anchors(folder: Path, report: ImportReport) -> dict[str, list[tuple[Fraction, str, int]]]:
    path = folder / "Level Scale Anchors.txt"
    anchors: dict[str, list[tuple[Fraction, str, int]]] = {}
    if not path.is_file():
        report.add("error", "Level Scale Anchors.txt", "not in the source: no skill can get behavioural anchors")
        return anchors
    for row in _read_tsv(path, ANCHOR_COLUMNS, report) or []:
        if row.get("Scale ID") != "LV":
            continue
        try:
            value = number(row.get("Anchor Value"))
        except ValueError:
            report.add(
                "warning", f"{path.name}:{row.line}", f"anchor value {row.get('Anchor Value')!r} is not a number"
            )
            continue
        text = row.get("Anchor Description")
        if text:
            anchors.setdefault(row.get("Element ID"), []).append((value, text, row.line))
    return anchors


def _descriptions(folder: Path) -> dict[str, str]:
    path = folder / "Content Model Reference.txt"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {(r.get("Element ID") or "").strip(): (r.get("Description") or "").strip() for r in reader}


def _release(folder: Path) -> str | None:
    path = folder / "Read Me.txt"
    if path.is_file():
        match = re.search(r"O\*NET\s+(\d+\.\d+)\s+Database", path.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(1)
    return None


def _elements(rows: list[_Row], code: str, report: ImportReport, skills_name: str) -> list[_Element]:
    elements: dict[str, _Element] = {}
    for row in rows:
        if row.get("O*NET-SOC Code") != code:
            continue
        element_id, scale_id = row.get("Element ID"), row.get("Scale ID")
        element = elements.setdefault(element_id, _Element(element_id, row.get("Element Name")))
        if scale_id in element.ratings:
            report.add("warning", f"{skills_name}:{row.line}", f"{element_id} {scale_id}: duplicate row, first kept")
        elif scale_id in ("IM", "LV"):
            element.ratings[scale_id] = row
        else:
            report.add("info", f"{skills_name}:{row.line}", f"{element_id}: scale {scale_id!r} is not used")
    return list(elements.values())


# --- mapping ------------------------------------------------------------------------------------------------------


def _lines(element: _Element) -> str:
    return ",".join(str(element.ratings[s].line) for s in ("IM", "LV") if s in element.ratings) or "?"


def _value(element: _Element, scale_id: str, report: ImportReport, where: str) -> Fraction | None:
    row = element.ratings.get(scale_id)
    if row is None:
        report.add("warning", where, f"no {scale_id} rating")
        return None
    try:
        return number(row.get("Data Value"))
    except ValueError:
        report.add("warning", where, f"{scale_id} value {row.get('Data Value')!r} is not a number")
        return None


def _skill_levels(
    element: _Element,
    anchors: dict[str, list[tuple[Fraction, str, int]]],
    levels: int,
    lv_range: tuple[Fraction, Fraction],
    report: ImportReport,
) -> list[dict[str, Any]]:
    by_level: dict[int, list[str]] = {}
    for value, text, _line in sorted(anchors.get(element.element_id, []), key=lambda a: a[0]):
        by_level.setdefault(lv_to_level(value, levels, lv_range), []).append(text)
    where = f"Level Scale Anchors.txt ({element.element_id} {element.name})"
    source_points = ", ".join(f"{float(v):g}" for v, _t, _l in sorted(anchors.get(element.element_id, [])))
    missing = [level for level in range(1, levels + 1) if level not in by_level]
    if not anchors.get(element.element_id):
        report.add("error", where, f"no LV anchors in the source: levels 1-{levels} need anchors written by hand")
    elif missing:
        report.add(
            "error",
            where,
            f"O*NET anchors at LV {source_points} fill levels {sorted(by_level)} of {levels}; level(s) "
            f"{missing} have no source anchor (not invented): write them or import with scale_levels=3",
        )
    return [{"level": level, "anchors": by_level[level]} for level in sorted(by_level)]


def _benchmark(
    element: _Element,
    importance: Fraction | None,
    min_importance: Fraction,
    levels: int,
    lv_range: tuple[Fraction, Fraction],
    report: ImportReport,
    where: str,
    counts: dict[str, int],
) -> int | None:
    lv_row = element.ratings.get("LV")
    if lv_row is None:
        report.add("warning", where, "no LV rating: no benchmark")
        return None
    if lv_row.get("Not Relevant").upper() == "Y":
        counts["excluded_not_relevant"] += 1
        report.add("info", where, "O*NET marks the level Not Relevant for this occupation: no benchmark")
        return None
    if importance is None or importance < min_importance:
        counts["excluded_low_importance"] += 1
        report.add("info", where, f"importance IM {_fmt(importance)} < {_fmt(min_importance)}: no benchmark")
        return None
    if lv_row.get("Recommend Suppress").upper() == "Y":
        counts["excluded_suppressed"] += 1
        report.add(
            "warning",
            where,
            f"O*NET recommends suppressing LV {lv_row.get('Data Value')} (low precision: N={lv_row.get('N')}, "
            f"SE={lv_row.get('Standard Error')}): no benchmark; set one by hand if the level is known",
        )
        return None
    value = _value(element, "LV", report, where)
    if value is None:
        return None
    return lv_to_level(value, levels, lv_range)


def _category(element_id: str) -> str:
    parts = element_id.split(".")
    return CATEGORIES.get(".".join(parts[:3]), "O*NET skills")


def _scale_name(level: int, levels: int, lv_range: tuple[Fraction, Fraction]) -> str:
    low, high = lv_range
    width = (high - low) / levels
    return f"O*NET LV {float(low + width * (level - 1)):.3g}-{float(low + width * level):.3g}"


def _fmt(value: Fraction | None) -> str:
    return "missing" if value is None else f"{float(value):g}"
