"""1EdTech CASE 1.1: export validates against the official CFPackage schema and round-trips; real OpenSALT
packages import with a report and no invented anchors; rubrics become levels with anchors."""

from __future__ import annotations

import copy
import importlib
import json
import uuid
from pathlib import Path

import pytest
from coachwire.models.framework import Framework
from coachwire_tools.frameworks.exporters.case import COACHWIRE_CASE_NAMESPACE, case_uuid, export_case
from coachwire_tools.frameworks.importers.case import import_case, parse_anchors, render_anchors
from coachwire_tools.frameworks.interchange import EXPORTERS, IMPORTERS, ImportOptions, ImportResult
from coachwire_tools.sample_org import load_frameworks

from tests.shared_data import shared_json, shared_path

SCHEMA = "case/1edtech_case-v1p1-cfpackage.schema.json"
ACT = "opensalt_ACT_Holistic_Framework_Math_Ordering.json"
CCSS = "opensalt_sample_CCSS_what_standards_could_be.json"
SMART = "opensalt_SmartLevelFramework.json"
SAMPLES = {f.framework_id: f for f in load_frameworks()}


@pytest.fixture(scope="module")
def case_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = shared_json(SCHEMA)
    validator = jsonschema.validators.validator_for(schema)  # Draft 2019-09, from "$schema"
    validator.check_schema(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


def schema_errors(validator, package: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(package)]


def sample(name: str) -> Path:
    return shared_path(f"case/{name}")


def write(tmp_path: Path, package: dict | list | str, name: str = "package.json") -> Path:
    path = tmp_path / name
    path.write_text(package if isinstance(package, str) else json.dumps(package, ensure_ascii=False), encoding="utf-8")
    return path


def reimport(tmp_path: Path, framework: Framework) -> ImportResult:
    return import_case(write(tmp_path, export_case(framework)), ImportOptions())


def messages(result: ImportResult, severity: str | None = None) -> list[str]:
    return [f"{f.where}: {f.message}" for f in result.report.findings if severity in (None, f.severity)]


def edge_framework(levels: int) -> Framework:
    """A sample framework bent into the corners: another scale size, prerequisites, odd text."""
    data = copy.deepcopy(SAMPLES["software_engineering"].model_dump(mode="json"))
    names = ["Foundation", "Developing", "Practising", "Accomplished", "Leading"][-levels:]
    data["scale"] = [{"level": n, "name": name} for n, name in enumerate(names, start=1)]
    for skill in data["skills"]:
        kept = [level for level in skill["levels"] if level["level"] <= levels]
        while len(kept) < levels:
            kept.append({"level": len(kept) + 1, "anchors": [f"Shows {skill['name']} at level {len(kept) + 1}."]})
        skill["levels"] = kept
    first, second, third = data["skills"][:3]
    first["description"] = ""
    second["description"] = second["name"]  # equal to the name: must not come back empty
    third["levels"][0]["anchors"] = ["Line one\nline two", "- starts like a bullet", "Ünïcödé — “quoted”"]
    third["prerequisites"] = [{"skill_id": first["skill_id"], "level": 2}, {"skill_id": second["skill_id"], "level": 1}]
    second["prerequisites"] = [{"skill_id": first["skill_id"], "level": levels}]
    for role in data["roles"]:
        for stage in role["stages"]:
            stage["benchmarks"] = {k: min(v, levels) for k, v in stage["benchmarks"].items()}
    return Framework.model_validate(data)


# ---- export ----------------------------------------------------------------------------------------------


def test_the_cli_registry_resolves_to_these_functions() -> None:
    for registry, name, function in ((IMPORTERS, "case", import_case), (EXPORTERS, "case", export_case)):
        module, attribute = registry[name].split(":")
        assert getattr(importlib.import_module(module), attribute) is function


@pytest.mark.parametrize("framework_id", sorted(SAMPLES))
def test_export_validates_against_the_official_case_1_1_schema(case_schema, framework_id: str) -> None:
    package = export_case(SAMPLES[framework_id])
    assert schema_errors(case_schema, package) == []
    assert package["CFDocument"]["caseVersion"] == "1.1"


@pytest.mark.parametrize("levels", [3, 5])
def test_export_of_other_scale_sizes_and_prerequisites_validates(case_schema, levels: int) -> None:
    assert schema_errors(case_schema, export_case(edge_framework(levels))) == []


def test_export_shape_skills_categories_rubrics_and_extensions() -> None:
    framework = SAMPLES["software_engineering"]
    package = export_case(framework)
    categories = list(dict.fromkeys(s.category for s in framework.skills))
    items = package["CFItems"]
    assert len(items) == len(framework.skills) + len(categories)
    skill_items = [i for i in items if i["CFItemType"] == "Competency"]
    assert [i["humanCodingScheme"] for i in skill_items] == [s.skill_id for s in framework.skills]
    assert [i["abbreviatedStatement"] for i in skill_items] == [s.name for s in framework.skills]
    kinds = [a["associationType"] for a in package["CFAssociations"]]
    assert kinds.count("isChildOf") == len(items)  # categories under the document, skills under a category
    assert len(package["CFRubrics"]) == len(framework.skills)

    rubric = package["CFRubrics"][0]
    (criterion,) = rubric["CFRubricCriteria"]
    skill = framework.skills[0]
    assert criterion["CFItemURI"]["identifier"] == case_uuid(framework.framework_id, "skill", skill.skill_id)
    levels = criterion["CFRubricCriterionLevels"]
    assert [lv["quality"] for lv in levels] == [s.name for s in framework.scale]
    assert [lv["score"] for lv in levels] == [lv["position"] for lv in levels] == [1, 2, 3, 4]
    assert parse_anchors(levels[0]["description"]) == skill.levels[0].anchors
    assert "extensions" not in levels[0]  # plain anchors need no copy in an extension

    extension = package["CFDocument"]["extensions"]["coachwire"]
    assert extension["framework_id"] == framework.framework_id
    assert [r["role_id"] for r in extension["roles"]] == [r.role_id for r in framework.roles]
    assert skill_items[0]["extensions"]["coachwire"]["criticality"] == skill.criticality


def test_export_is_deterministic_with_unique_uuid5_identifiers() -> None:
    framework = SAMPLES["people_partnering"]
    package = export_case(framework)
    assert export_case(framework) == package
    identifiers: list[str] = [package["CFDocument"]["identifier"]]
    identifiers += [x["identifier"] for x in package["CFItems"] + package["CFAssociations"] + package["CFRubrics"]]
    for rubric in package["CFRubrics"]:
        for criterion in rubric["CFRubricCriteria"]:
            identifiers += [criterion["identifier"]] + [lv["identifier"] for lv in criterion["CFRubricCriterionLevels"]]
    assert len(identifiers) == len(set(identifiers))
    assert all(uuid.UUID(i).version == 5 for i in identifiers)
    expected = uuid.uuid5(COACHWIRE_CASE_NAMESPACE, "people_partnering/document")
    assert package["CFDocument"]["identifier"] == str(expected)
    # other frameworks never collide
    others = {i["identifier"] for i in export_case(SAMPLES["product_management"])["CFItems"]}
    assert not others & set(identifiers)


# ---- round trip ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("framework_id", sorted(SAMPLES))
def test_round_trip_restores_the_same_framework(tmp_path: Path, framework_id: str) -> None:
    framework = SAMPLES[framework_id]
    result = reimport(tmp_path, framework)
    assert result.report.errors == []
    assert result.framework == framework
    assert Framework.model_validate(result.data) == framework  # `data` is the file to write
    assert result.report.mapped["valid"] == 1
    mapped = result.report.mapped
    assert mapped["skills"] == len(framework.skills)
    assert mapped["roles"] == len(framework.roles)
    assert mapped["anchors"] == sum(len(lv.anchors) for s in framework.skills for lv in s.levels)
    # nothing was defaulted: no warnings about criticality, levels or prerequisites
    assert [f for f in result.report.findings if f.severity == "warning"] == []
    assert not any("criticality" in m for m in messages(result))


@pytest.mark.parametrize("levels", [3, 5])
def test_round_trip_keeps_prerequisites_scale_size_and_odd_text(tmp_path: Path, levels: int) -> None:
    framework = edge_framework(levels)
    result = reimport(tmp_path, framework)
    assert result.report.errors == [], messages(result, "error")
    assert result.framework == framework
    assert result.report.mapped["prerequisites"] == 3


def test_standard_fields_win_over_a_stale_extension(tmp_path: Path) -> None:
    """Edited in a CASE tool after export: the standard fields are the truth, the extension only fills gaps."""
    framework = SAMPLES["software_engineering"]
    package = export_case(framework)
    skill = framework.skills[0]
    item = next(i for i in package["CFItems"] if i.get("humanCodingScheme") == skill.skill_id)
    item["humanCodingScheme"] = "eng.craft"  # renamed in the CASE editor
    level = package["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0]
    level["description"] = "- Opens small pull requests."
    level["extensions"] = [{"coachwire": {"anchors": ["stale anchor"]}}]

    result = import_case(write(tmp_path, package), ImportOptions())
    assert result.framework is not None, messages(result, "error")
    renamed = result.framework.skill("eng.craft")
    assert renamed is not None and result.framework.skill(skill.skill_id) is None
    assert renamed.levels[0].anchors == ["Opens small pull requests."]
    assert any("changed after export" in m for m in messages(result))
    # benchmarks follow the rename instead of pointing at a skill that no longer exists
    for role in result.framework.roles:
        for stage in role.stages:
            assert skill.skill_id not in stage.benchmarks
            assert "eng.craft" in stage.benchmarks


def test_a_skill_deleted_in_a_case_tool_drops_its_benchmarks_with_a_warning(tmp_path: Path) -> None:
    framework = SAMPLES["product_management"]
    gone = framework.skills[-1]
    package = export_case(framework)
    item_id = case_uuid(framework.framework_id, "skill", gone.skill_id)
    package["CFItems"] = [i for i in package["CFItems"] if i["identifier"] != item_id]
    package["CFAssociations"] = [a for a in package["CFAssociations"] if item_id not in json.dumps(a)]
    package["CFRubrics"] = [r for r in package["CFRubrics"] if item_id not in json.dumps(r)]
    result = import_case(write(tmp_path, package), ImportOptions())
    assert result.framework is not None, messages(result, "error")
    assert result.framework.skill(gone.skill_id) is None
    assert any(f"unknown skill {gone.skill_id}" in m for m in messages(result, "warning"))


def test_options_override_framework_id_and_version(tmp_path: Path) -> None:
    path = write(tmp_path, export_case(SAMPLES["product_management"]))
    result = import_case(path, ImportOptions(framework_id="pm.2027", version="2027.1"))
    assert result.framework is not None
    assert (result.framework.framework_id, result.framework.version) == ("pm.2027", "2027.1")


# ---- real OpenSALT packages (no rubrics) ------------------------------------------------------------------


def _no_rubric_errors(result: ImportResult) -> list[str]:
    return [f.where for f in result.report.errors if "no CFRubric criterion points at this item" in f.message]


def test_act_holistic_framework_math(tmp_path: Path) -> None:
    result = import_case(sample(ACT), ImportOptions())
    mapped = result.report.mapped
    # 28 CFItems: the 24 leaves under H.A.MATH.GM.PF.2DFP.L1 are skills, the chain GM > PF > 2DFP > L1 groups them
    assert mapped["cf_items"] == 28
    assert (mapped["skills"], mapped["category_items"], mapped["categories"]) == (24, 4, 1)
    assert (mapped["skill_levels"], mapped["anchors"], mapped["roles"]) == (0, 0, 0)
    skills = result.data["skills"]
    assert {s["category"] for s in skills} == {"Level 1"}  # abbreviatedStatement of H.A.MATH.GM.PF.2DFP.L1
    assert all(s["skill_id"].startswith("H.A.MATH.GM.PF.2DFP.L1.") for s in skills)
    # never invented: no anchors at all, one error per skill naming the CFItem
    assert all(s["levels"] == [] for s in skills)
    assert len(_no_rubric_errors(result)) == 24
    assert "CFItems/e4a5a9af-95bf-415c-8519-80257993319d" in _no_rubric_errors(result)
    assert result.framework is None and mapped["valid"] == 0
    assert any("CASE has no roles" in m for m in messages(result, "error"))
    data = result.data
    assert (data["framework_id"], data["name"], data["owner"]) == (
        "act_holistic_framework_math",
        "ACT Holistic Framework, Math",
        "ACT, Inc.",
    )
    assert data["effective_date"] == "2017-10-18" and data["version"] == "2017-10-18"
    long_names = [s for s in skills if len(s["description"]) > 120]
    assert len(long_names) == 5 and all(len(s["name"]) <= 120 for s in skills)
    # the document is written even though it does not validate: fix it, then `validate`
    json.dumps(result.data)


def test_ccss_draft_shape_precedes_and_unmapped_associations() -> None:
    result = import_case(sample(CCSS), ImportOptions())  # CFPackageURI and CFDocumentURI are plain strings
    mapped = result.report.mapped
    # clusters 6.RP.A and 7.RP.A and the standards 6.RP.A.3 and 7.RP.A.2 have children: 4 groupings, 12 skills
    assert (mapped["cf_items"], mapped["skills"], mapped["category_items"], mapped["categories"]) == (16, 12, 4, 4)
    assert len(_no_rubric_errors(result)) == 12
    skills = {s["skill_id"]: s for s in result.data["skills"]}
    assert "CCSS.Math.Content.6.RP.A.3" not in skills and "CCSS.Math.Content.6.RP.A.3a" in skills
    # of the 3 precedes, only 6.RP.A.1 → 6.RP.A.2 joins two skills (one ends outside, one starts at a grouping)
    assert mapped["prerequisites"] == 1
    assert skills["CCSS.Math.Content.6.RP.A.2"]["prerequisites"] == [
        {"skill_id": "CCSS.Math.Content.6.RP.A.1", "level": 1}
    ]
    warnings = messages(result, "warning")
    assert sum("precedes not mapped" in w for w in warnings) == 2
    assert any("CASE gives no level" in w for w in warnings)
    infos = messages(result, "info")
    assert any(m.startswith("CFAssociations.exactMatchOf: 16 exactMatchOf") for m in infos)
    assert all(s["levels"] == [] for s in skills.values())


def test_smartlevel_hierarchy_without_coding_scheme() -> None:
    result = import_case(sample(SMART), ImportOptions())
    mapped = result.report.mapped
    assert (mapped["cf_items"], mapped["skills"], mapped["category_items"]) == (14, 12, 2)
    skills = result.data["skills"]
    assert [s["category"] for s in skills].count("Item 1") == 10
    assert [s["category"] for s in skills].count("Item 2") == 2
    assert skills[0]["skill_id"] == "00000000-0000-0000-0000-000000000003"  # no humanCodingScheme: the UUID
    assert any("no humanCodingScheme" in m for m in messages(result, "info"))
    assert result.data["framework_id"] == "smartlevel_test"


# ---- a package with rubrics (CASE 1.1, hand-made: no public package has CFRubrics) ------------------------

STAMP = "2025-03-01T09:00:00+00:00"
DOC = "11111111-1111-4111-8111-111111111111"


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _link(identifier: str, title: str = "x") -> dict:
    return {"title": title, "identifier": identifier, "uri": f"https://case.example/{identifier}"}


def _item(n: int, statement: str, code: str | None = None) -> dict:
    item = {"identifier": _uuid(n), "uri": f"https://case.example/{_uuid(n)}", "fullStatement": statement}
    if code:
        item["humanCodingScheme"] = code
    return {**item, "lastChangeDateTime": STAMP}


def _child(n: int, child: str, parent: str, kind: str = "isChildOf") -> dict:
    return {
        "identifier": _uuid(900 + n),
        "associationType": kind,
        "uri": f"https://case.example/{_uuid(900 + n)}",
        "originNodeURI": _link(child),
        "destinationNodeURI": _link(parent),
        "lastChangeDateTime": STAMP,
    }


def _criterion(n: int, item: str, levels: list[tuple[float, int, str, str]]) -> dict:
    return {
        "identifier": _uuid(500 + n),
        "uri": f"https://case.example/{_uuid(500 + n)}",
        "CFItemURI": _link(item),
        "lastChangeDateTime": STAMP,
        "CFRubricCriterionLevels": [
            {
                "identifier": _uuid(600 + 10 * n + i),
                "uri": f"https://case.example/{_uuid(600 + 10 * n + i)}",
                "score": score,
                "position": position,
                "quality": quality,
                "description": description,
                "feedback": "Ask your coach for a stretch task.",
                "lastChangeDateTime": STAMP,
            }
            for i, (score, position, quality, description) in enumerate(levels)
        ],
    }


FOUR = ["Beginning", "Developing", "Proficient", "Expert"]


def rubric_package() -> dict:
    # Listed best first, as tabular rubrics often are: score decides the order, not the list.
    four = [(4 - i, i + 1, FOUR[3 - i], f"- Does {FOUR[3 - i].lower()} thing A\n- and thing B") for i in range(4)]
    six = [(s, s, f"Q{s}", f"Six-level behaviour {s}.") for s in range(1, 7)]
    two = [(1, 1, "Novice", "Two-level low."), (2, 2, "Master", "Two-level high.")]
    return {
        "CFDocument": {
            "identifier": DOC,
            "uri": f"https://case.example/{DOC}",
            "caseVersion": "1.1",
            "creator": "Example Guild",
            "title": "Facilitation Competencies",
            "version": "3.0",
            "statusStartDate": "2025-01-15",
            "lastChangeDateTime": STAMP,
        },
        "CFItems": [
            _item(1, "Facilitation"),
            _item(2, "Runs workshops that end with decisions.", "FAC.1"),
            _item(3, "Handles conflict in the room.", "FAC 2 (conflict)"),
            _item(4, "Designs agendas.", "FAC.3"),
            _item(5, "Writes up outcomes.", "FAC.4"),
            _item(6, "Four levels too.", "FAC.5"),
        ],
        "CFAssociations": [
            _child(1, _uuid(1), DOC),
            *(_child(n, _uuid(n), _uuid(1)) for n in range(2, 7)),
            _child(7, _uuid(2), _uuid(4), kind="precedes"),
        ],
        "CFRubrics": [
            {
                "identifier": _uuid(400),
                "uri": f"https://case.example/{_uuid(400)}",
                "title": "Facilitation rubric",
                "lastChangeDateTime": STAMP,
                "CFRubricCriteria": [
                    _criterion(1, _uuid(2), four),
                    _criterion(2, _uuid(3), six),
                    _criterion(3, _uuid(4), two),
                    _criterion(4, _uuid(6), four),
                ],
            }
        ],
    }


def test_the_rubric_fixture_is_valid_case_1_1(case_schema) -> None:
    assert schema_errors(case_schema, rubric_package()) == []


def test_rubric_levels_become_levels_with_anchors(tmp_path: Path) -> None:
    result = import_case(write(tmp_path, rubric_package()), ImportOptions())
    data = result.data
    assert data["scale"] == [{"level": n, "name": name} for n, name in enumerate(FOUR, start=1)]
    skills = {s["skill_id"]: s for s in data["skills"]}
    assert list(skills) == ["FAC.1", "FAC_2_conflict", "FAC.3", "FAC.4", "FAC.5"]
    assert {s["category"] for s in skills.values()} == {"Facilitation"}
    # ordered by score although listed best first; bullets split into anchors
    assert skills["FAC.1"]["levels"][0] == {"level": 1, "anchors": ["Does beginning thing A", "and thing B"]}
    assert [lv["level"] for lv in skills["FAC.1"]["levels"]] == [1, 2, 3, 4]
    # six levels onto four: ends stay ends, neighbours merge, nothing dropped
    six = skills["FAC_2_conflict"]["levels"]
    assert [lv["anchors"] for lv in six] == [
        ["Six-level behaviour 1."],
        ["Six-level behaviour 2.", "Six-level behaviour 3."],
        ["Six-level behaviour 4.", "Six-level behaviour 5."],
        ["Six-level behaviour 6."],
    ]
    assert any("6 rubric levels mapped onto 1-4: 1→1, 2→2, 3→2, 4→3, 5→3, 6→4" in m for m in messages(result))
    # two levels onto four: levels 2 and 3 are reported missing, not filled in
    assert skills["FAC.3"]["levels"] == [
        {"level": 1, "anchors": ["Two-level low."]},
        {"level": 4, "anchors": ["Two-level high."]},
    ]
    assert any("FAC.3: no behavioural anchors in the source for level(s) 2, 3" in m for m in messages(result, "error"))
    assert skills["FAC.4"]["levels"] == []
    assert any("FAC.4: no CFRubric criterion" in m for m in messages(result, "error"))
    assert skills["FAC.3"]["prerequisites"] == [{"skill_id": "FAC.1", "level": 1}]
    assert any("feedback (" in m and "not mapped" in m for m in messages(result, "info"))
    assert any("FAC 2 (conflict)" in m for m in messages(result, "info"))  # the derived skill_id is reported
    assert (data["framework_id"], data["version"], data["effective_date"]) == (
        "facilitation_competencies",
        "3.0",
        "2025-01-15",
    )
    assert result.report.mapped["rubric_criteria"] == 4
    assert result.framework is None


def test_only_roles_are_missing_when_every_skill_has_a_full_rubric(tmp_path: Path) -> None:
    package = rubric_package()
    package["CFItems"] = [i for i in package["CFItems"] if i["identifier"] in (_uuid(1), _uuid(2), _uuid(6))]
    package["CFAssociations"] = [_child(1, _uuid(1), DOC), _child(2, _uuid(2), _uuid(1)), _child(6, _uuid(6), _uuid(1))]
    package["CFRubrics"][0]["CFRubricCriteria"] = [
        c for c in package["CFRubrics"][0]["CFRubricCriteria"] if c["CFItemURI"]["identifier"] in (_uuid(2), _uuid(6))
    ]
    result = import_case(write(tmp_path, package), ImportOptions())
    own_errors = [f for f in result.report.errors if f.where != "framework"]
    assert [f.message[:21] for f in own_errors] == ["CASE has no roles, ca"]
    data = copy.deepcopy(result.data)
    data["roles"] = [
        {"role_id": "facilitator", "name": "Facilitator", "family": "Delivery", "stages": [
            {"stage": "junior", "order": 0, "benchmarks": {"FAC.1": 1, "FAC.5": 1}},
            {"stage": "senior", "order": 1, "benchmarks": {"FAC.1": 3, "FAC.5": 2}},
        ]}
    ]  # fmt: skip
    framework = Framework.model_validate(data)
    assert framework.skill("FAC.1").criticality == 2  # the reported default


def test_same_named_groupings_are_told_apart_and_top_level_skills_use_the_title(tmp_path: Path) -> None:
    package = rubric_package()
    package["CFRubrics"] = []
    package["CFItems"] = [
        _item(1, "Strand A"),
        _item(2, "Strand B"),
        _item(3, "Level 1"),
        _item(4, "Level 1"),
        _item(5, "A skill", "A.1"),
        _item(6, "B skill", "B.1"),
        _item(7, "Loose skill", "L.1"),
    ]
    package["CFAssociations"] = [
        _child(1, _uuid(1), DOC),
        _child(2, _uuid(2), DOC),
        _child(3, _uuid(3), _uuid(1)),
        _child(4, _uuid(4), _uuid(2)),
        _child(5, _uuid(5), _uuid(3)),
        _child(6, _uuid(6), _uuid(4)),
        _child(7, _uuid(7), DOC),
    ]
    result = import_case(write(tmp_path, package), ImportOptions())
    categories = {s["skill_id"]: s["category"] for s in result.data["skills"]}
    assert categories == {"A.1": "Strand A / Level 1", "B.1": "Strand B / Level 1", "L.1": "Facilitation Competencies"}
    assert result.report.mapped["category_items"] == 4


# ---- malformed input never crashes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not a JSON CASE package"),
        ("[1, 2]", "top level is not an object"),
        ('{"CFItems": []}', "no CFDocument"),
    ],
)
def test_unreadable_sources_are_reported(tmp_path: Path, content: str, expected: str) -> None:
    result = import_case(write(tmp_path, content), ImportOptions())
    assert result.framework is None and result.data == {}
    assert expected in result.report.errors[0].message


def test_missing_file_is_reported(tmp_path: Path) -> None:
    result = import_case(tmp_path / "absent.json", ImportOptions())
    assert "cannot read the file" in result.report.errors[0].message


def test_junk_inside_a_package_is_reported_not_raised(tmp_path: Path) -> None:
    package = {
        "CFDocument": {"title": "Junk"},
        "CFItems": [None, {"fullStatement": "no id"}, {"identifier": "abc", "fullStatement": "A"}, "x"],
        "CFAssociations": [
            7,
            {"associationType": "isChildOf", "originNodeURI": "nowhere", "destinationNodeURI": None},
            {"associationType": "precedes", "originNodeURI": {"identifier": "abc"}, "destinationNodeURI": {}},
        ],
        "CFRubrics": [{"CFRubricCriteria": [{"CFItemURI": {"identifier": "abc"}, "CFRubricCriterionLevels": [5]}]}],
        "Surprise": True,
    }
    result = import_case(write(tmp_path, package), ImportOptions(scale_levels=9))
    assert result.framework is None
    assert result.report.mapped["skills"] == 1
    assert result.data["skills"][0]["levels"] == []
    text = "\n".join(messages(result))
    for expected in ("not an object", "without an identifier", "no creator", "scale_levels 9", "Surprise"):
        assert expected in text


def test_anchor_text_helpers() -> None:
    assert parse_anchors(render_anchors(["a", "b"])) == ["a", "b"]
    assert parse_anchors("One paragraph,\nwrapped.") == ["One paragraph,\nwrapped."]
    assert parse_anchors("* star\n• dot") == ["star", "dot"]
    assert parse_anchors("  ") == []
