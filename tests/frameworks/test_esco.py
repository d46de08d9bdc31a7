"""ESCO importer on real ESCO v1.1.1 rows (3 occupations, 189 relations, 160 skills; examples/reference/esco)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from coachwire.models.framework import Framework
from coachwire_tools.frameworks.importers.esco import essential_level, import_esco, read_csv
from coachwire_tools.frameworks.interchange import ImportOptions
from pydantic import ValidationError

from tests.shared_data import shared_path

SOFTWARE_DEVELOPER = "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"


@pytest.fixture(scope="module")
def esco_dir() -> Path:
    return shared_path("esco/occupationSkillRelations_excerpt.csv").parent


def _relations(esco_dir: Path, occupation_uri: str) -> dict[str, set[str]]:
    """Independent count straight from the relations CSV: relationType → skill URIs."""
    out: dict[str, set[str]] = {"essential": set(), "optional": set()}
    with (esco_dir / "occupationSkillRelations_excerpt.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["occupationUri"] == occupation_uri:
                out[row["relationType"]].add(row["skillUri"])
    return out


def _skill_id(uri: str) -> str:
    return "esco." + uri.rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def developer(esco_dir: Path):
    return import_esco(esco_dir, ImportOptions(occupation="2512.4"))


def test_the_csv_reader_handles_crlf_records_with_multiline_fields(esco_dir: Path) -> None:
    skills = read_csv(esco_dir / "skills_en_excerpt.csv")
    relations = read_csv(esco_dir / "occupationSkillRelations_excerpt.csv")
    occupations = read_csv(esco_dir / "occupations_en_excerpt.csv")
    assert (len(occupations), len(relations), len(skills)) == (3, 189, 160)
    kinds = [row["relationType"] for _line, row in relations]
    assert (kinds.count("essential"), kinds.count("optional")) == (64, 125)
    # multi-line quoted fields keep their LFs and do not break records
    assert any("\n" in row["altLabels"] for _line, row in skills)
    assert all(row["conceptUri"].startswith("http://data.europa.eu/esco/skill/") for _line, row in skills)
    # line numbers are physical lines, so findings point at the right place in the file
    lines = (esco_dir / "skills_en_excerpt.csv").read_bytes().split(b"\n")
    line, row = skills[100]
    assert lines[line - 1].decode().startswith(f"KnowledgeSkillCompetence,{row['conceptUri']},")


def test_software_developer_essential_skills_become_the_benchmark(developer, esco_dir: Path) -> None:
    expected = _relations(esco_dir, SOFTWARE_DEVELOPER)
    assert (len(expected["essential"]), len(expected["optional"])) == (24, 80)
    report = developer.report
    assert report.mapped["essential"] == 24 and report.mapped["optional"] == 80
    assert report.mapped["skills"] == 104 and report.mapped["benchmarks"] == 24
    [role] = developer.data["roles"]
    assert role["role_id"] == "esco.2512.4" and role["name"] == "software developer"
    assert role["family"] == "ISCO-08 2512"
    [stage] = role["stages"]
    assert set(stage["benchmarks"]) == {_skill_id(u) for u in expected["essential"]}
    assert set(stage["benchmarks"].values()) == {2}  # level 2 of 4, "Practising": a documented default
    criticality = {s["skill_id"]: s["criticality"] for s in developer.data["skills"]}
    assert {criticality[_skill_id(u)] for u in expected["essential"]} == {2}
    assert {criticality[_skill_id(u)] for u in expected["optional"]} == {1}


def test_names_descriptions_and_categories_come_from_skills_en(developer) -> None:
    by_name = {s["name"]: s for s in developer.data["skills"]}
    programming = by_name["computer programming"]
    assert programming["category"] == "knowledge (cross-sector)"
    assert programming["description"].startswith("The techniques and principles of software development")
    assert {s["category"] for s in developer.data["skills"]} <= {
        f"{kind} ({reuse})"
        for kind in ("knowledge", "skill/competence")
        for reuse in ("cross-sector", "sector-specific", "occupation-specific", "transversal")
    }


def test_without_anchors_the_result_cannot_validate_and_the_report_says_why(developer) -> None:
    assert developer.framework is None
    assert developer.report.mapped["anchors"] == 0 and developer.report.mapped["valid"] == 0
    missing = [f for f in developer.report.errors if "without behavioural anchors" in f.message]
    assert len(missing) == 104
    assert all(f.where.startswith("skills_en_excerpt.csv:") and "levels 1-4" in f.message for f in missing)
    assert {f.where.split("(")[1].split()[0] for f in missing} == {s["skill_id"] for s in developer.data["skills"]}
    assert any(f.where == "framework" and "does not validate" in f.message for f in developer.report.errors)
    with pytest.raises(ValidationError):
        Framework.model_validate(developer.data)


def test_adding_the_missing_anchors_is_all_it_takes(developer) -> None:
    """The report's diagnosis is complete: fill in anchors (as a person would) and the document validates."""
    written = [{"level": n, "anchors": [f"written by a person for level {n}"]} for n in range(1, 5)]
    data = {**developer.data, "skills": [{**s, "levels": written} for s in developer.data["skills"]]}
    assert Framework.model_validate(data).role("esco.2512.4") is not None


def test_optional_skills_can_be_omitted(esco_dir: Path) -> None:
    result = import_esco(esco_dir, ImportOptions(occupation="software developer", extra={"optional": "omit"}))
    assert len(result.data["skills"]) == 24 and result.report.mapped["optional_omitted"] == 80


def test_essential_level_default_and_scale_size(esco_dir: Path) -> None:
    assert [essential_level(n) for n in (3, 4, 5)] == [2, 2, 3]
    result = import_esco(esco_dir, ImportOptions(occupation=SOFTWARE_DEVELOPER, scale_levels=5))
    assert [s["name"] for s in result.data["scale"]][2] == "Practising"
    assert set(result.data["roles"][0]["stages"][0]["benchmarks"].values()) == {3}


@pytest.mark.parametrize(
    ("occupation", "needle"),
    [
        (None, "needs --occupation"),
        ("9999.9", "unknown ESCO occupation"),
        ("2423", "ambiguous: 2423.3 human resources officer; 2423.6 recruitment consultant"),
    ],
)
def test_missing_unknown_or_ambiguous_occupation_is_a_report_error(
    esco_dir: Path, occupation: str | None, needle: str
) -> None:
    result = import_esco(esco_dir, ImportOptions(occupation=occupation))
    assert result.framework is None and result.data == {}
    [error] = result.report.errors
    assert error.where == "options.occupation" and needle in error.message


def test_an_isco_group_naming_one_occupation_resolves(esco_dir: Path) -> None:
    result = import_esco(esco_dir, ImportOptions(occupation="2512"))
    assert result.data["roles"][0]["name"] == "software developer"
    assert result.report.mapped["essential"] == 24 and result.report.mapped["optional"] == 80
