"""Progression-framework importer on Monzo's real frameworks (product: 4 levels, backend: 6, people: 7 + a TAB)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from coachwire.models.framework import Framework
from coachwire_tools.frameworks.importers.progression import import_progression, map_level
from coachwire_tools.frameworks.interchange import ImportOptions

from tests.shared_data import shared_path

DEFAULT = ImportOptions(scale_levels=None)  # the source decides the scale size


@pytest.fixture(scope="module")
def monzo() -> Path:
    return shared_path("progression/product.md").parent


def _front_matter(path: Path, *, fix_tabs: bool = False) -> dict:
    text = path.read_text(encoding="utf-8")
    block = text.split("\n---", 1)[0].removeprefix("---\n")
    if fix_tabs:
        block = block.replace("-\t", "- ")
    return yaml.safe_load(block)


def _criteria_count(meta: dict, level: int | None = None) -> int:
    return sum(
        len(entry.get("criteria") or []) + len(entry.get("exampleCriteria") or [])
        for topic in meta["topics"]
        for entry in topic["content"]
        if level is None or entry["level"] == level
    )


def test_level_grouping_formula() -> None:
    assert [map_level(lv, 4, 4) for lv in range(1, 5)] == [1, 2, 3, 4]
    assert [map_level(lv, 6, 5) for lv in range(1, 7)] == [1, 2, 3, 4, 5, 5]
    assert [map_level(lv, 7, 5) for lv in range(1, 8)] == [1, 2, 3, 3, 4, 5, 5]
    assert [map_level(lv, 7, 4) for lv in range(1, 8)] == [1, 2, 2, 3, 3, 4, 4]


def test_product_imports_to_a_valid_framework(monzo: Path) -> None:
    result = import_progression(monzo / "product.md", DEFAULT)
    assert result.framework is not None, [f.message for f in result.report.errors]
    assert Framework.model_validate(result.data) == result.framework
    assert not result.report.errors
    fw = result.framework
    meta = _front_matter(monzo / "product.md")
    assert [s.name for s in fw.scale] == ["Level 1", "Level 2", "Level 3", "Level 4"]
    assert [s.skill_id for s in fw.skills] == [
        "product.problem_solving",
        "product.user_centricity",
        "product.data_skills",
        "product.domain_knowledge",
        "product.execution",
        "product.works_through_others",
        "product.feedback",
    ]
    assert fw.skill("product.feedback").name == "Communication and Feedback"  # title, emoji stripped
    assert result.report.mapped["anchors"] == _criteria_count(meta) == 70
    # criteria become the anchors of their level, verbatim
    first = meta["topics"][0]["content"][2]
    assert fw.skill("product.problem_solving").levels[2].anchors == first["criteria"]
    [role] = fw.roles
    assert role.role_id == "product" and role.family == "Product"
    assert [(s.stage, s.order) for s in role.stages] == [("level-1", 1), ("level-2", 2), ("level-3", 3), ("level-4", 4)]
    for stage in role.stages:
        assert stage.benchmarks == {s.skill_id: stage.order for s in fw.skills}


def test_people_tab_is_recovered_and_reported(monzo: Path) -> None:
    path = monzo / "people.md"
    with pytest.raises(yaml.YAMLError):  # the real-world edge case: strict YAML fails
        _front_matter(path)
    assert path.read_text(encoding="utf-8").splitlines()[204].lstrip().startswith("-\t")

    result = import_progression(path, DEFAULT)
    warnings = [f for f in result.report.findings if f.severity == "warning"]
    assert any(f.where == "people.md:205" and "strict YAML parsing failed" in f.message for f in warnings)
    assert any(f.where == "people.md:205" and "TAB after '-'" in f.message for f in warnings)
    assert result.report.mapped["recovered_lines"] == 1
    # the recovered criterion is imported: conduct & culture, level 1
    conduct = result.framework.skill("people.conduct_culture")
    assert conduct.levels[0].anchors[0].startswith("Understands people risk and conduct policies")
    assert conduct.name == "Conduct & culture"
    assert conduct.description == "level of risk & compliance knowledge and ownership; professional conduct"


def test_people_seven_levels_group_onto_five_and_validate(monzo: Path) -> None:
    result = import_progression(monzo / "people.md", DEFAULT)
    assert result.framework is not None, [f.message for f in result.report.errors]
    fw = result.framework
    meta = _front_matter(monzo / "people.md", fix_tabs=True)
    assert [s.name for s in fw.scale] == ["Level 1", "Level 2", "Levels 3-4", "Level 5", "Levels 6-7"]
    assert result.report.mapped["anchors"] == _criteria_count(meta) == 146
    grouping = [f for f in result.report.findings if "grouped onto a 5-level scale" in f.message]
    assert len(grouping) == 1 and "3 ← 3+4" in grouping[0].message and grouping[0].where == "people.md:7"
    # a grouped level's anchors are both source levels' criteria, lower level first
    communication = meta["topics"][0]["content"]
    assert fw.skills[0].levels[2].anchors == communication[2]["criteria"] + communication[3]["criteria"]
    # the career keeps all 7 source levels; benchmarks follow ceil(l * 5 / 7)
    [role] = fw.roles
    assert [s.order for s in role.stages] == list(range(1, 8))
    assert [role.stages[i].benchmarks["people.communication"] for i in range(7)] == [1, 2, 3, 3, 4, 5, 5]


def test_people_on_a_requested_four_level_scale(monzo: Path) -> None:
    result = import_progression(monzo / "people.md", ImportOptions(scale_levels=4))
    assert result.framework is not None
    assert [s.name for s in result.framework.scale] == ["Level 1", "Levels 2-3", "Levels 4-5", "Levels 6-7"]


def test_backend_imports_and_reports_the_leadership_gap(monzo: Path) -> None:
    result = import_progression(monzo / "engineering_backend.md", DEFAULT)
    assert result.framework is None  # leadership starts at level 3 in the source: levels 1-2 have no criteria
    data = result.data
    assert [s["name"] for s in data["scale"]] == ["Level 1", "Level 2", "Level 3", "Level 4", "Levels 5-6"]
    assert [s["skill_id"] for s in data["skills"]] == [
        "engineering.backend.communication",
        "engineering.backend.impact",
        "engineering.backend.leadership",
        "engineering.backend.influence",
        "engineering.backend.mastery",
    ]
    gaps = [f for f in result.report.errors if "leadership" in f.message and "no criteria at source level" in f.message]
    assert [f.where for f in gaps] == ["engineering_backend.md:92", "engineering_backend.md:92"]
    assert "scale level 1 " in gaps[0].message and "scale level 2 " in gaps[1].message
    assert any(f.where == "framework" and "does not validate" in f.message for f in result.report.errors)
    assert result.report.mapped["skills_fully_anchored"] == 4
    # example criteria are anchors too, with their examples
    meta = _front_matter(monzo / "engineering_backend.md")
    assert result.report.mapped["anchors"] == _criteria_count(meta)
    level2 = data["skills"][0]["levels"][1]["anchors"]
    assert level2[-1].startswith("Writes PR descriptions that provide context") and "(e.g. I decided to X" in level2[-1]
    # no benchmark before the first leadership criteria; never dropping afterwards
    stages = data["roles"][0]["stages"]
    assert ["engineering.backend.leadership" in s["benchmarks"] for s in stages] == [False, False] + [True] * 4
    assert [s["benchmarks"]["engineering.backend.mastery"] for s in stages] == [1, 2, 3, 4, 5, 5]


def test_a_file_without_front_matter_is_a_report_error(tmp_path: Path) -> None:
    path = tmp_path / "plain.md"
    path.write_text("# Just prose\n", encoding="utf-8")
    result = import_progression(path, DEFAULT)
    assert result.framework is None and result.data == {}
    assert result.report.errors[0].where == "plain.md:1" and "front matter" in result.report.errors[0].message


def test_an_unrecoverable_yaml_error_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\nlevels: 3\ntopics:\n  - name: [unclosed\n---\n", encoding="utf-8")
    result = import_progression(path, DEFAULT)
    assert result.data == {}
    [error] = result.report.errors
    assert error.where.startswith("broken.md:") and "YAML error" in error.message


def test_too_few_levels_is_a_report_error(tmp_path: Path) -> None:
    path = tmp_path / "two.md"
    path.write_text(
        "---\nlevels: 2\ntopics:\n  - name: x\n    content:\n      - level: 1\n        criteria: [a]\n---\n"
    )
    result = import_progression(path, DEFAULT)
    assert result.data == {} and "needs 3-5" in result.report.errors[0].message
