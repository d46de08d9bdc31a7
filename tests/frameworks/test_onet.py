"""O*NET importer on real O*NET 29.3 rows (3 occupations x 35 skill elements, IM and LV; examples/reference/onet)."""

from __future__ import annotations

import csv
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from coachwire.models.framework import Framework
from coachwire_tools.frameworks.importers.common import band
from coachwire_tools.frameworks.importers.onet import criticality, import_onet, lv_to_level
from coachwire_tools.frameworks.interchange import ImportOptions

from tests.shared_data import shared_path

SKILLS_FILE = "Skills_excerpt.tsv"
CEO = "11-1011.00"  # Chief Executives
HR = "11-3121.00"  # Human Resources Managers
FINANCIAL = "11-3031.00"  # Financial Managers


@pytest.fixture(scope="module")
def onet_dir() -> Path:
    return shared_path(f"onet/{SKILLS_FILE}").parent


@pytest.fixture(scope="module")
def rows(onet_dir: Path) -> list[dict[str, str]]:
    with (onet_dir / SKILLS_FILE).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _ratings(rows: list[dict[str, str]], code: str) -> dict[str, dict[str, dict[str, str]]]:
    out: dict[str, dict[str, dict[str, str]]] = {}
    for row in rows:
        if row["O*NET-SOC Code"] == code:
            out.setdefault(row["Element ID"], {})[row["Scale ID"]] = row
    return out


@pytest.fixture(scope="module")
def ceo(onet_dir: Path):
    return import_onet(onet_dir, ImportOptions(occupation=CEO, scale_levels=None))


def test_the_excerpt_is_what_the_provenance_note_says(rows: list[dict[str, str]]) -> None:
    assert len(rows) == 3 * 35 * 2
    assert [code for code in dict.fromkeys(r["O*NET-SOC Code"] for r in rows)] == [CEO, FINANCIAL, HR]
    assert len({r["Element ID"] for r in rows}) == 35
    assert {r["Scale ID"] for r in rows} == {"IM", "LV"}


def test_level_mapping_formula() -> None:
    # ceil(LV / 7 * N) clipped to 1..N; anchors at LV 2, 4, 6 land on 1, 2, 3 of a 3-level scale.
    assert [lv_to_level(Fraction(v), 3) for v in (2, 4, 6)] == [1, 2, 3]
    assert [lv_to_level(Fraction(v), 4) for v in (2, 4, 6)] == [2, 3, 4]  # level 1 gets no anchor
    assert [lv_to_level(Fraction(v), 5) for v in (2, 4, 6)] == [2, 3, 5]  # levels 1 and 4 get none
    assert lv_to_level(Fraction(0), 3) == 1  # LV 0 clips to the bottom level
    assert lv_to_level(Fraction(7), 5) == 5
    assert lv_to_level(Fraction("3.5"), 4) == 2  # exactly on a band edge: the lower band, no float noise
    assert band(Fraction("4.67"), 0, 7, 3) == 3 and band(Fraction("4.66"), 0, 7, 3) == 2


def test_criticality_from_importance() -> None:
    assert [criticality(Fraction(v)) for v in ("1", "2.99", "3", "3.99", "4", "5")] == [1, 1, 2, 2, 3, 3]
    assert criticality(None) == 1


def test_chief_executives_map_to_a_valid_three_level_framework(ceo) -> None:
    assert ceo.framework is not None, [f.message for f in ceo.report.errors]
    assert Framework.model_validate(ceo.data) == ceo.framework
    assert not ceo.report.errors
    fw = ceo.framework
    assert fw.framework_id == f"onet.{CEO}" and fw.version == "29.3"
    assert [s.level for s in fw.scale] == [1, 2, 3]
    assert len(fw.skills) == 35
    role = fw.role(f"onet.{CEO}")
    assert role is not None and role.name == "Chief Executives" and role.family == "Management Occupations"
    assert [s.stage for s in role.stages] == ["expected"]
    assert ceo.report.mapped["skills"] == 35 and ceo.report.mapped["anchors"] == 105


def test_known_rows_map_as_documented(ceo) -> None:
    fw = ceo.framework
    benchmarks = fw.roles[0].stages[0].benchmarks
    # 2.A.1.a Reading Comprehension: IM 4.12, LV 4.62 → criticality 3, ceil(4.62 * 3 / 7) = ceil(1.98) = 2
    assert fw.skill("onet.2.A.1.a").criticality == 3 and benchmarks["onet.2.A.1.a"] == 2
    # 2.B.4.e Judgment and Decision Making: LV 5.38 → ceil(2.31) = 3
    assert benchmarks["onet.2.B.4.e"] == 3
    reading = fw.skill("onet.2.A.1.a")
    assert reading.category == "Basic skills: content"
    assert [(a.level, a.anchors) for a in reading.levels] == [
        (1, ["Read step-by-step instructions for completing a form"]),
        (2, ["Understand an email from management describing new personnel policies"]),
        (3, ["Read a scientific journal article describing surgical procedures"]),
    ]


def test_every_benchmark_and_criticality_matches_the_file(ceo, rows: list[dict[str, str]]) -> None:
    """Recompute the whole mapping from the raw rows with Decimal arithmetic, independently of the importer."""
    expected_benchmarks: dict[str, int] = {}
    expected_criticality: dict[str, int] = {}
    for element_id, r in _ratings(rows, CEO).items():
        im, lv = Decimal(r["IM"]["Data Value"]), r["LV"]
        expected_criticality[f"onet.{element_id}"] = 3 if im >= 4 else 2 if im >= 3 else 1
        if im >= 3 and lv["Not Relevant"] != "Y" and lv["Recommend Suppress"] != "Y":
            level = math.ceil(Decimal(lv["Data Value"]) * 3 / 7)
            expected_benchmarks[f"onet.{element_id}"] = min(3, max(1, level))
    assert ceo.framework.roles[0].stages[0].benchmarks == expected_benchmarks
    assert {s.skill_id: s.criticality for s in ceo.framework.skills} == expected_criticality
    assert ceo.report.mapped["benchmarks"] == len(expected_benchmarks)


def test_not_relevant_and_low_importance_are_left_out_of_the_benchmark_and_reported(
    onet_dir: Path, rows: list[dict[str, str]]
) -> None:
    result = import_onet(onet_dir, ImportOptions(occupation=HR, scale_levels=None))
    ratings = _ratings(rows, HR)
    not_relevant = {e for e, r in ratings.items() if r["LV"]["Not Relevant"] == "Y"}
    low = {e for e, r in ratings.items() if Decimal(r["IM"]["Data Value"]) < 3} - not_relevant
    assert len(not_relevant) == 6 and len(low) == 9
    benchmarks = result.framework.roles[0].stages[0].benchmarks
    assert not {f"onet.{e}" for e in not_relevant | low} & set(benchmarks)
    assert len(benchmarks) == 35 - 15
    assert result.report.mapped["excluded_not_relevant"] == 6
    assert result.report.mapped["excluded_low_importance"] == 9
    messages = {f.where.split("(")[-1]: f.message for f in result.report.findings if "no benchmark" in f.message}
    assert "Not Relevant" in messages["2.B.3.c Equipment Selection)"]
    assert "IM 2.62 < 3" in messages["2.A.1.e Mathematics)"]


def test_recommend_suppress_rows_are_not_used(onet_dir: Path, rows: list[dict[str, str]]) -> None:
    code = FINANCIAL  # 2.B.4.g and 2.B.4.h (IM 3) have low-precision LV rows
    suppressed = {
        e
        for e, r in _ratings(rows, code).items()
        if r["LV"]["Recommend Suppress"] == "Y"
        and r["LV"]["Not Relevant"] != "Y"
        and Decimal(r["IM"]["Data Value"]) >= 3
    }
    result = import_onet(onet_dir, ImportOptions(occupation=code, scale_levels=None))
    assert suppressed == {"2.B.4.g", "2.B.4.h"}
    assert result.report.mapped["excluded_suppressed"] == 2
    assert not {f"onet.{e}" for e in suppressed} & set(result.data["roles"][0]["stages"][0]["benchmarks"])
    assert any("suppressing" in f.message and f.severity == "warning" for f in result.report.findings)


def test_a_four_level_scale_leaves_level_one_unanchored_and_says_so(onet_dir: Path) -> None:
    result = import_onet(onet_dir, ImportOptions(occupation=CEO, scale_levels=4))
    assert result.framework is None
    anchor_errors = [f for f in result.report.errors if f.where.startswith("Level Scale Anchors.txt")]
    assert len(anchor_errors) == 35
    assert all("level(s) [1] have no source anchor" in f.message for f in anchor_errors)
    assert any(f.where == "framework" and "does not validate" in f.message for f in result.report.errors)
    # nothing invented: the three O*NET anchors sit on levels 2, 3, 4
    reading = next(s for s in result.data["skills"] if s["skill_id"] == "onet.2.A.1.a")
    assert [entry["level"] for entry in reading["levels"]] == [2, 3, 4]
    assert result.data["roles"][0]["stages"][0]["benchmarks"]["onet.2.A.1.a"] == 3  # ceil(4.62 * 4 / 7) = 3


@pytest.mark.parametrize("occupation", [None, "99-9999.00", "Astronaut"])
def test_missing_or_unknown_occupation_is_a_clear_report_error(onet_dir: Path, occupation: str | None) -> None:
    result = import_onet(onet_dir, ImportOptions(occupation=occupation))
    assert result.framework is None and result.data == {}
    [error] = result.report.errors
    assert error.where == "options.occupation"
    assert "3 occupations" in error.message and "11-1011.00 Chief Executives" in error.message


def test_occupation_by_short_code_or_title(onet_dir: Path) -> None:
    by_short = import_onet(onet_dir, ImportOptions(occupation="11-3121", scale_levels=None))
    by_title = import_onet(onet_dir, ImportOptions(occupation="human resources managers", scale_levels=None))
    assert by_short.framework is not None and by_title.framework is not None
    assert by_short.framework.roles[0].role_id == by_title.framework.roles[0].role_id == f"onet.{HR}"


def test_a_missing_source_is_reported(tmp_path: Path) -> None:
    result = import_onet(tmp_path, ImportOptions(occupation=CEO))
    assert result.framework is None and "no O*NET skills file" in result.report.errors[0].message
