"""ESCO occupation → a Coachwire framework: essential skills become the role's required skills.

Source: a folder with ESCO's CSV export: `occupations_<lang>*.csv`, `skills_<lang>*.csv` and
`occupationSkillRelations*.csv` (CRLF records, LF inside quoted multi-line fields: read with the csv module).

Mapping (justified in docs/import-onet-esco-progression.md):
- `--occupation`: the concept URI, its UUID, the ESCO code (e.g. 2512.4), the preferred label, or an ISCO group
  that names exactly one occupation in the source;
- essential skills → skills `esco.<uuid>` with criticality 2 and a benchmark at level ceil(N / 2) in a single
  "expected" stage (ESCO gives no proficiency levels: this default is reported);
- optional skills → skills with criticality 1 and no benchmark (extra optional=omit leaves them out);
- category from skillType and reuseLevel; name/description from skills_en;
- behavioural anchors: ESCO has none, so every skill is reported as missing anchors for every level and the
  result does not validate until someone writes them. Nothing is invented.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from coachwire_tools.frameworks.importers.common import (
    DEFAULT_SCALE_NAMES,
    chosen_levels,
    finish,
    parse_source_date,
    scale,
)
from coachwire_tools.frameworks.interchange import ImportOptions, ImportReport, ImportResult

NATURAL_LEVELS = 4  # ESCO has no levels; 4 matches the ImportOptions default and the sample-org frameworks
CRITICALITY = {"essential": 2, "optional": 1}
FILES = {
    "occupations": ("occupations_*.csv", ("conceptUri", "preferredLabel", "code")),
    "skills": ("skills_*.csv", ("conceptUri", "preferredLabel", "skillType", "reuseLevel")),
    "relations": ("occupationSkillRelations*.csv", ("occupationUri", "relationType", "skillUri")),
}


def essential_level(levels: int) -> int:
    """The default benchmark of an essential skill: the middle of the scale, rounded up (2 of 3, 2 of 4, 3 of 5)."""
    return math.ceil(levels / 2)


def read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows with the physical line each starts on (multi-line quoted fields span several lines)."""
    rows: list[tuple[int, dict[str, str]]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        _ = reader.fieldnames  # reads the header, so line_num counts from it
        start = reader.line_num + 1
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    return rows


def import_esco(source: Path, options: ImportOptions) -> ImportResult:
    source = Path(source)
    report = ImportReport(source=str(source), standard="esco")
    tables = _read_tables(source, report)
    if tables is None:
        return ImportResult(data={}, report=report)
    occupations, skills_rows, relations = tables["occupations"], tables["skills"], tables["relations"]
    names = {key: _path.name for key, _path in tables["paths"].items()}

    occupation = _resolve_occupation(options.occupation, occupations, report)
    if occupation is None:
        return ImportResult(data={}, report=report)
    levels = chosen_levels(options, NATURAL_LEVELS, report, "ESCO defines no proficiency levels")
    if levels is None:
        return ImportResult(data={}, report=report)
    default_level = essential_level(levels)
    if "essential_level" in options.extra:
        try:
            default_level = int(options.extra["essential_level"])
        except ValueError:
            default_level = 0
        if not 1 <= default_level <= levels:
            report.add("error", "options.extra.essential_level", f"essential_level must be 1..{levels}")
            return ImportResult(data={}, report=report)
    keep_optional = options.extra.get("optional", "include") != "omit"

    by_uri = {row["conceptUri"].strip(): (line, row) for line, row in skills_rows}
    occupation_uri = occupation["conceptUri"].strip()
    skills: list[dict[str, Any]] = []
    benchmarks: dict[str, int] = {}
    seen: dict[str, str] = {}
    counts: Counter[str] = Counter()
    dates = [d for d in [parse_source_date(occupation.get("modifiedDate", ""))] if d]
    for line, relation in relations:
        if relation["occupationUri"].strip() != occupation_uri:
            continue
        where = f"{names['relations']}:{line}"
        kind = relation["relationType"].strip().lower()
        skill_uri = relation["skillUri"].strip()
        if kind not in CRITICALITY:
            report.add("warning", where, f"relation type {kind!r} is neither essential nor optional: skipped")
            counts["skipped"] += 1
            continue
        counts[kind] += 1
        if kind == "optional" and not keep_optional:
            counts["optional_omitted"] += 1
            continue
        found = by_uri.get(skill_uri)
        if found is None:
            report.add("error", where, f"{kind} skill {skill_uri} is not in {names['skills']}: skipped")
            counts["missing"] += 1
            continue
        skill_line, skill = found
        skill_id = "esco." + skill_uri.rstrip("/").rsplit("/", 1)[-1]
        if skill_id in seen:
            report.add("warning", where, f"{skill_id} related twice ({seen[skill_id]}, {kind}): first kept")
            continue
        seen[skill_id] = kind
        if skill.get("status", "released").strip() not in ("released", ""):
            report.add("warning", f"{names['skills']}:{skill_line}", f"{skill_id} status is {skill['status']!r}")
        modified = parse_source_date(skill.get("modifiedDate", ""))
        if modified:
            dates.append(modified)
        skills.append(
            {
                "skill_id": skill_id,
                "name": skill["preferredLabel"].strip()[:120],
                "description": (skill.get("description") or skill.get("definition") or "").strip(),
                "category": _category(skill),
                "criticality": CRITICALITY[kind],
                "levels": [],
            }
        )
        report.add(
            "error",
            f"{names['skills']}:{skill_line} ({skill_id} {skill['preferredLabel'].strip()})",
            f"{kind} skill without behavioural anchors: ESCO defines none; write anchors for levels 1-{levels}",
        )
        if kind == "essential":
            benchmarks[skill_id] = default_level

    label = occupation["preferredLabel"].strip()
    code = occupation.get("code", "").strip() or occupation_uri.rsplit("/", 1)[-1]
    if counts["essential"]:
        report.add(
            "info",
            f"roles.esco.{code}",
            f"{counts['essential']} essential skills benchmarked at level {default_level} of {levels} "
            f"({DEFAULT_SCALE_NAMES[levels][default_level - 1]}): ESCO gives no proficiency levels, so this is a "
            "default to review, not a source value",
        )
    else:
        report.add("error", f"roles.esco.{code}", "the occupation has no essential skills: the role has no benchmarks")
    if counts["optional"]:
        report.add(
            "info",
            f"roles.esco.{code}",
            f"{counts['optional']} optional skills "
            + ("kept as skills without a benchmark" if keep_optional else "omitted (extra optional=omit)"),
        )
    report.add("info", "scale", "scale names are Coachwire defaults: ESCO defines no proficiency levels")
    if not options.version:
        report.add("info", "version", "the ESCO CSV files carry no dataset version: pass --version (e.g. v1.1.1)")

    isco = occupation.get("iscoGroup", "").strip()
    data: dict[str, Any] = {
        "framework_id": options.framework_id or f"esco.{code}",
        "version": options.version or "unversioned",
        "name": f"{label} (ESCO)",
        "owner": options.extra.get("owner", "European Commission, ESCO (reused with attribution)"),
        "effective_date": (max(dates) if dates else date.today()).isoformat(),
        "scale": scale(DEFAULT_SCALE_NAMES[levels]),
        "skills": skills,
        "roles": [
            {
                "role_id": f"esco.{code}",
                "name": label,
                "family": f"ISCO-08 {isco}" if isco else "ESCO occupations",
                "stages": [{"stage": "expected", "order": 0, "benchmarks": benchmarks}],
            }
        ],
    }
    report.mapped.update(
        {
            "skills": len(skills),
            "essential": counts["essential"],
            "optional": counts["optional"],
            "optional_omitted": counts["optional_omitted"],
            "missing_skills": counts["missing"],
            "benchmarks": len(benchmarks),
            "anchors": 0,
            "skills_without_anchors": len(skills),
            "roles": 1,
            "stages": 1,
        }
    )
    return finish(data, report)


def _read_tables(source: Path, report: ImportReport) -> dict[str, Any] | None:
    if not source.is_dir():
        report.add(
            "error", str(source), "source must be the folder holding ESCO's occupations, skills and relations CSVs"
        )
        return None
    tables: dict[str, Any] = {"paths": {}}
    for key, (pattern, required) in FILES.items():
        found = sorted(source.glob(pattern))
        if not found:
            report.add("error", str(source), f"no {pattern} in the folder")
            return None
        if len(found) > 1:
            report.add("warning", str(source), f"several {pattern} files; using {found[0].name}")
        path = found[0]
        try:
            rows = read_csv(path)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            report.add("error", path.name, f"cannot read: {exc}")
            return None
        columns = set(rows[0][1]) if rows else set()
        missing = [c for c in required if c not in columns]
        if missing:
            report.add("error", f"{path.name}:1", f"missing column(s) {', '.join(missing)} (or no rows)")
            return None
        tables[key] = rows
        tables["paths"][key] = path
    tables["occupations"] = [row for _line, row in tables["occupations"]]
    return tables


def _resolve_occupation(wanted: str | None, occupations: list[dict[str, str]], report: ImportReport) -> dict | None:
    listing = "; ".join(f"{o['code'].strip()} {o['preferredLabel'].strip()}" for o in occupations[:6])
    hint = f"{len(occupations)} occupations in the source, e.g. {listing}"
    if not wanted:
        report.add("error", "options.occupation", f"ESCO import needs --occupation (URI or ESCO code; {hint})")
        return None
    wanted = wanted.strip()
    folded = wanted.lower()
    for test in (
        lambda o: o["conceptUri"].strip() == wanted,
        lambda o: o["conceptUri"].strip().rsplit("/", 1)[-1] == wanted,
        lambda o: o["code"].strip() == wanted,
        lambda o: o["preferredLabel"].strip().lower() == folded,
        lambda o: o.get("iscoGroup", "").strip() == wanted,
    ):
        matches = [o for o in occupations if test(o)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = "; ".join(f"{o['code'].strip()} {o['preferredLabel'].strip()}" for o in matches)
            report.add("error", "options.occupation", f"{wanted!r} is ambiguous: {names}; give the ESCO code or URI")
            return None
    report.add("error", "options.occupation", f"unknown ESCO occupation {wanted!r} ({hint})")
    return None


def _category(skill: dict[str, str]) -> str:
    kind = (skill.get("skillType") or "").strip() or "skill"
    reuse = (skill.get("reuseLevel") or "").strip()
    return (f"{kind} ({reuse})" if reuse else kind)[:80]
