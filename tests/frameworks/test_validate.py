"""Framework validation: every problem class with its code and path, all problems at once, the model and
the validator agreeing, the committed JSON Schema, and property tests on generated frameworks."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
from coachwire.frameworks import format as fmt
from coachwire.frameworks.validate import CODES, Problem, render_path, validate_document, validate_file
from coachwire.models.framework import SKIP_CONSISTENCY, Framework
from coachwire_tools.frameworks.schema import COMMITTED_PATH, framework_schema, schema_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "tools/coachwire_tools/sample_org/frameworks").glob("*.yaml"))
EXAMPLES = sorted((REPO / "examples/frameworks").glob("*.yaml"))
BROKEN = REPO / "examples/frameworks/broken/support_engineering.yaml"


def base() -> dict:
    """A small valid framework: 4 levels, 3 skills (one prerequisite), one role with 3 stages."""

    def levels(skill: str) -> list[dict]:
        return [
            {"level": n, "anchors": [f"Does {skill} work of scope {n} and shows it in reviews."]} for n in (1, 2, 3, 4)
        ]

    return {
        "framework_id": "fw",
        "version": "1",
        "name": "Test framework",
        "owner": "Test team",
        "effective_date": "2026-01-01",
        "scale": [{"level": n, "name": name} for n, name in enumerate(["Novice", "Practising", "Senior", "Lead"], 1)],
        "skills": [
            {"skill_id": "design", "name": "Design", "category": "Tech", "criticality": 3, "levels": levels("design")},
            {"skill_id": "review", "name": "Review", "category": "Tech", "criticality": 2, "levels": levels("review")},
            {
                "skill_id": "comms",
                "name": "Communication",
                "category": "People",
                "criticality": 1,
                "levels": levels("comms"),
                "prerequisites": [{"skill_id": "review", "level": 2}],
            },
        ],
        "roles": [
            {
                "role_id": "swe",
                "name": "Software Engineer",
                "family": "Engineering",
                "stages": [
                    {"stage": "junior", "order": 0, "benchmarks": {"design": 1, "review": 1, "comms": 1}},
                    {"stage": "mid", "order": 1, "benchmarks": {"design": 2, "review": 2, "comms": 2}},
                    {"stage": "senior", "order": 2, "benchmarks": {"design": 3, "review": 3, "comms": 3}},
                ],
            }
        ],
    }


def model_accepts(data: dict) -> bool:
    try:
        Framework.model_validate(data)
    except ValidationError:
        return False
    return True


def shape_is_valid(data: dict) -> bool:
    try:
        Framework.model_validate(data, context={SKIP_CONSISTENCY: True})
    except ValidationError:
        return False
    return True


def codes_and_paths(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in problems]


def write(tmp_path: Path, data: dict, name: str = "framework.yaml") -> Path:
    path = tmp_path / name
    fmt.dump(data, path)
    return path


# -- the sample frameworks ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_frameworks_validate(path: Path) -> None:
    assert validate_file(path) == []


def test_examples_are_the_sample_frameworks() -> None:
    assert [p.name for p in EXAMPLES] == [p.name for p in SAMPLES]
    for example, sample in zip(EXAMPLES, SAMPLES, strict=True):
        assert example.read_bytes() == sample.read_bytes()
        assert validate_file(example) == []


def test_base_is_valid(tmp_path: Path) -> None:
    assert validate_file(write(tmp_path, base())) == []
    assert validate_file(write(tmp_path, base(), "framework.json")) == []
    assert model_accepts(base())


# -- one test per problem class ------------------------------------------------------------------------


def _drop_level(d: dict) -> None:
    d["skills"][1]["levels"] = [lv for lv in d["skills"][1]["levels"] if lv["level"] != 3]


def _empty_anchors(d: dict) -> None:
    d["skills"][0]["levels"][1]["anchors"] = []


def _blank_anchor(d: dict) -> None:
    d["skills"][0]["levels"][1]["anchors"].append("   ")


def _label_anchor(d: dict) -> None:
    d["skills"][2]["levels"][0]["anchors"] = ["Novice"]


def _level_label_anchor(d: dict) -> None:
    d["skills"][2]["levels"][0]["anchors"] = ["Level 1."]


def _anchor_beyond_scale(d: dict) -> None:
    d["skills"][0]["levels"].append({"level": 5, "anchors": ["Sets the design direction for the company."]})


def _unknown_benchmark(d: dict) -> None:
    d["roles"][0]["stages"][1]["benchmarks"]["desing"] = 2


def _unknown_prerequisite(d: dict) -> None:
    d["skills"][2]["prerequisites"].append({"skill_id": "ghost", "level": 1})


def _benchmark_beyond(d: dict) -> None:
    d["roles"][0]["stages"][2]["benchmarks"]["review"] = 5


def _benchmark_zero(d: dict) -> None:
    d["roles"][0]["stages"][0]["benchmarks"]["review"] = 0


def _prerequisite_beyond(d: dict) -> None:
    d["skills"][2]["prerequisites"][0]["level"] = 5


def _drops(d: dict) -> None:
    d["roles"][0]["stages"][2]["benchmarks"]["design"] = 1


def _drops_by_order(d: dict) -> None:  # the order decides, not the position in the file
    stages = d["roles"][0]["stages"]
    stages[0]["order"], stages[2]["order"] = 2, 0


def _duplicate_skill(d: dict) -> None:
    d["skills"].append(copy.deepcopy(d["skills"][0]))


def _duplicate_role(d: dict) -> None:
    d["roles"].append(copy.deepcopy(d["roles"][0]))


def _duplicate_stage(d: dict) -> None:
    d["roles"][0]["stages"][2]["stage"] = "mid"


def _duplicate_anchor_level(d: dict) -> None:
    d["skills"][0]["levels"][3]["level"] = 3


def _duplicate_prerequisite(d: dict) -> None:
    d["skills"][2]["prerequisites"].append({"skill_id": "review", "level": 3})


def _duplicate_order(d: dict) -> None:
    d["roles"][0]["stages"][2]["order"] = 1


def _cycle(d: dict) -> None:
    d["skills"][1]["prerequisites"] = [{"skill_id": "design", "level": 1}]
    d["skills"][0]["prerequisites"] = [{"skill_id": "comms", "level": 1}]


def _self_cycle(d: dict) -> None:
    d["skills"][0]["prerequisites"] = [{"skill_id": "design", "level": 1}]


def _scale_gap(d: dict) -> None:
    d["scale"][2]["level"] = 4
    d["scale"].pop()


def _scale_order(d: dict) -> None:
    d["scale"][1], d["scale"][2] = d["scale"][2], d["scale"][1]


def _scale_duplicate(d: dict) -> None:
    d["scale"][3]["level"] = 3


def _scale_too_short(d: dict) -> None:
    d["scale"] = d["scale"][:2]
    for skill in d["skills"]:
        skill["levels"] = skill["levels"][:2]
    for stage in d["roles"][0]["stages"]:
        stage["benchmarks"] = {k: min(v, 2) for k, v in stage["benchmarks"].items()}
    d["skills"][2]["prerequisites"][0]["level"] = 1


def _typo(d: dict) -> None:
    d["skills"][1]["categroy"] = d["skills"][1].pop("category")


def _bad_id(d: dict) -> None:
    d["roles"][0]["role_id"] = "software engineer"


def _unquoted_version(d: dict) -> None:
    d["version"] = 2026.1


def _criticality(d: dict) -> None:
    d["skills"][0]["criticality"] = 4


CASES = {
    "missing level": (_drop_level, [("missing_anchors", "skills[review].levels[3]")]),
    "empty anchors": (_empty_anchors, [("missing_anchors", "skills[design].levels[2].anchors")]),
    "blank anchor": (_blank_anchor, [("missing_anchors", "skills[design].levels[2].anchors[#1]")]),
    "label anchor": (_label_anchor, [("label_anchor", "skills[comms].levels[1].anchors[#0]")]),
    "level label anchor": (_level_label_anchor, [("label_anchor", "skills[comms].levels[1].anchors[#0]")]),
    "anchor beyond scale": (_anchor_beyond_scale, [("level_outside_scale", "skills[design].levels[5].level")]),
    "unknown benchmark skill": (_unknown_benchmark, [("unknown_skill", "roles[swe].stages[mid].benchmarks[desing]")]),
    "unknown prerequisite": (_unknown_prerequisite, [("unknown_skill", "skills[comms].prerequisites[ghost].skill_id")]),
    "benchmark beyond scale": (
        _benchmark_beyond,
        [("level_outside_scale", "roles[swe].stages[senior].benchmarks[review]")],
    ),
    "benchmark zero": (_benchmark_zero, [("level_outside_scale", "roles[swe].stages[junior].benchmarks[review]")]),
    "prerequisite beyond scale": (
        _prerequisite_beyond,
        [("level_outside_scale", "skills[comms].prerequisites[review].level")],
    ),
    "benchmark drops": (_drops, [("benchmark_drops", "roles[swe].stages[senior].benchmarks[design]")]),
    "drops by order": (
        _drops_by_order,
        [
            ("benchmark_drops", "roles[swe].stages[mid].benchmarks[design]"),
            ("benchmark_drops", "roles[swe].stages[mid].benchmarks[review]"),
            ("benchmark_drops", "roles[swe].stages[mid].benchmarks[comms]"),
            ("benchmark_drops", "roles[swe].stages[junior].benchmarks[design]"),
            ("benchmark_drops", "roles[swe].stages[junior].benchmarks[review]"),
            ("benchmark_drops", "roles[swe].stages[junior].benchmarks[comms]"),
        ],
    ),
    "duplicate skill": (_duplicate_skill, [("duplicate_id", "skills[#3].skill_id")]),
    "duplicate role": (_duplicate_role, [("duplicate_id", "roles[#1].role_id")]),
    "duplicate stage": (_duplicate_stage, [("duplicate_id", "roles[swe].stages[#2].stage")]),
    "duplicate anchor level": (
        _duplicate_anchor_level,
        [("duplicate_id", "skills[design].levels[#3].level"), ("missing_anchors", "skills[design].levels[4]")],
    ),
    "duplicate prerequisite": (_duplicate_prerequisite, [("duplicate_id", "skills[comms].prerequisites[#1].skill_id")]),
    "duplicate order": (_duplicate_order, [("duplicate_order", "roles[swe].stages[senior].order")]),
    "prerequisite cycle": (_cycle, [("prerequisite_cycle", "skills[design].prerequisites[comms].skill_id")]),
    "self prerequisite": (_self_cycle, [("prerequisite_cycle", "skills[design].prerequisites[design].skill_id")]),
    "scale gap": (_scale_gap, [("scale_levels", "scale")]),
    "scale order": (_scale_order, [("scale_levels", "scale[3].level")]),
    "scale duplicate": (
        _scale_duplicate,
        [("duplicate_id", "scale[#3].level")]
        + [("level_outside_scale", f"skills[{s}].levels[4].level") for s in ("design", "review", "comms")],
    ),
    "scale too short": (_scale_too_short, [("schema", "scale")]),
    "field typo": (_typo, [("schema", "skills[review].category"), ("schema", "skills[review].categroy")]),
    "invalid id": (_bad_id, [("schema", "roles[#0].role_id")]),
    "unquoted version": (_unquoted_version, [("schema", "version")]),
    "criticality": (_criticality, [("schema", "skills[design].criticality")]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_problem_class_has_its_code_and_path(case: str, tmp_path: Path) -> None:
    mutate, expected = CASES[case]
    data = base()
    mutate(data)
    path = write(tmp_path, data)
    problems = validate_file(path)
    assert sorted(codes_and_paths(problems)) == sorted(expected)
    assert all(p.file == str(path) and p.line is not None and p.code in CODES for p in problems)
    # The model agrees, and names the first problem the validator reports.
    assert not model_accepts(data)
    with pytest.raises(ValidationError) as raised:
        Framework.model_validate(data)
    if shape_is_valid(data):  # then the model's own validator raised: with the validator's first problem
        code, where = codes_and_paths(validate_document(data, "x"))[0]
        assert f"{where}: " in str(raised.value) and f"[{code}]" in str(raised.value)


def test_messages_say_why(tmp_path: Path) -> None:
    data = base()
    _drops(data)
    _unknown_benchmark(data)
    _cycle(data)
    _typo(data)
    messages = {p.code + " " + p.path: p.message for p in validate_file(write(tmp_path, data))}
    assert messages["benchmark_drops roles[swe].stages[senior].benchmarks[design]"] == (
        "drops from level 2 at stage 'mid' to 1 at 'senior': a benchmark must not drop as the career stage rises"
    )
    assert "did you mean 'design'?" in messages["unknown_skill roles[swe].stages[mid].benchmarks[desing]"]
    assert (
        "design → comms → review → design"
        in messages["prerequisite_cycle skills[design].prerequisites[comms].skill_id"]
    )
    assert "did you mean 'category'?" in messages["schema skills[review].categroy"]


def test_all_problems_are_reported_even_when_the_shape_is_wrong(tmp_path: Path) -> None:
    data = base()
    for mutate in (_typo, _drop_level, _unknown_benchmark, _drops, _cycle, _duplicate_order, _criticality):
        mutate(data)
    problems = validate_file(write(tmp_path, data))
    assert {p.code for p in problems} == {
        "schema",
        "missing_anchors",
        "unknown_skill",
        "benchmark_drops",
        "prerequisite_cycle",
        "duplicate_order",
    }
    assert [p.line for p in problems] == sorted(p.line for p in problems)  # in file order
    assert not model_accepts(data)


def test_lines_point_into_the_file(tmp_path: Path) -> None:
    path = tmp_path / "fw.yaml"
    text = fmt.dumps(base())
    path.write_text(text.replace("review: 2\n", "review: 2\n      desing: 2\n", 1))
    (problem,) = validate_file(path)
    assert problem.line == text.splitlines().index("      review: 2") + 2
    assert path.read_text().splitlines()[problem.line - 1].strip() == "desing: 2"
    assert problem.pointer == "/roles/0/stages/1/benchmarks/desing"
    assert problem.text() == (
        f"{path}:{problem.line}: roles[swe].stages[mid].benchmarks[desing]: benchmark skill 'desing' is not a skill "
        "of this framework (did you mean 'design'?) [unknown_skill]"
    )


def test_syntax_errors_and_duplicate_keys(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("framework_id: x\nscale: [1, 2\nname: y\n")
    (problem,) = validate_file(bad)
    assert (problem.code, problem.path, problem.line, problem.column) == ("syntax", "(document)", 3, 5)
    text = fmt.dumps(base()).replace("name: Test framework\n", "name: Test framework\nname: Again\n")
    twice = tmp_path / "twice.yaml"
    twice.write_text(text)
    (problem,) = validate_file(twice)
    assert (problem.code, problem.path, problem.line) == ("duplicate_key", "name", 4)
    as_json = tmp_path / "twice.json"
    as_json.write_text(fmt.dumps(base(), as_json=True).replace('"version": "1",', '"version": "1",\n  "version": "2",'))
    (problem,) = validate_file(as_json)
    assert (problem.code, problem.path, problem.line) == ("duplicate_key", "version", 4)


@pytest.mark.parametrize(
    ("data", "message"),
    [(None, "the document is empty"), ([1], "found a list"), ("framework", "found a str")],
)
def test_a_document_that_is_not_a_mapping(data: object, message: str) -> None:
    (problem,) = validate_document(data, "f.yaml")
    assert (problem.code, problem.path, problem.pointer) == ("schema", "(document)", "")
    assert message in problem.message


def test_path_style() -> None:
    data = base()
    assert render_path(data, ("roles", 0, "stages", 2, "benchmarks", "design")) == (
        "roles[swe].stages[senior].benchmarks[design]"
    )
    assert render_path(data, ("skills", 1, "levels", 2, "anchors", 0)) == "skills[review].levels[3].anchors[#0]"
    assert render_path(data, ("scale", 0, "name")) == "scale[1].name"
    assert render_path(data, ("skills", 7, "name")) == "skills[#7].name"  # no such item: by position
    assert render_path(data, ()) == "(document)"
    data["skills"][0]["skill_id"] = "a[b]"  # not usable in a path
    assert render_path(data, ("skills", 0)) == "skills[#0]"


def test_codes_are_documented() -> None:
    docs = (REPO / "docs/frameworks.md").read_text()
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", docs.split("### Error codes", 1)[1], re.M))
    assert set(table) == set(CODES)


def test_the_documented_example_is_valid() -> None:
    docs = (REPO / "docs/frameworks.md").read_text()
    example = docs.split("### A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert validate_document(fmt.loads(example).data, "docs") == []


# -- the JSON Schema -----------------------------------------------------------------------------------


def test_committed_schema_is_the_generated_one() -> None:
    committed = (REPO / COMMITTED_PATH).read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "regenerate: .venv/bin/coachwire framework schema -o schemas/framework.schema.json"
    )


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_frameworks_match_the_json_schema(path: Path) -> None:
    schema = json.loads((REPO / COMMITTED_PATH).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert list(validator.iter_errors(fmt.load(path).data)) == []


def test_the_json_schema_checks_shape_only() -> None:
    validator = jsonschema.Draft202012Validator(framework_schema(), format_checker=jsonschema.FormatChecker())
    data = fmt.load(BROKEN).data
    errors = sorted(e.message for e in validator.iter_errors(data))
    assert len(errors) == 2 and "'category' is a required property" in errors  # the typo; the rest needs validate
    assert len(validate_document(data, "broken")) == 9


# -- property tests ------------------------------------------------------------------------------------

BEHAVIOURS = [
    "Writes acceptance criteria that others can test against.",
    "Reviews a colleague's work and explains each requested change.",
    "Runs the weekly planning session and records the decisions.",
    "Mentors a new joiner through their first release.",
    "Spots a recurring incident and proposes a fix to the team.",
]
# Ids in the format's alphabet (letters, digits, _ . : -); sampled, which is much faster than from_regex.
IDS = st.builds(
    str.__add__,
    st.sampled_from(["a", "b", "eng", "pm", "x1", "q_9"]),
    st.sampled_from(["", ".design", ".x-y", ":z", "_2"]),
)
UNKNOWN = "Unknown.Skill"  # capitals: never generated
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def frameworks(draw: st.DrawFn, min_skills: int = 1, min_stages: int = 1) -> dict:
    n = draw(st.integers(3, 5))
    skill_ids = draw(st.lists(IDS, min_size=min_skills, max_size=6, unique=True))
    skills = []
    for j, sid in enumerate(skill_ids):
        skill = {
            "skill_id": sid,
            "name": f"Skill {sid}",
            "category": draw(st.sampled_from(["Delivery", "People", "Craft"])),
            "criticality": draw(st.integers(1, 3)),
            "levels": [
                {"level": level, "anchors": draw(st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=2))}
                for level in draw(st.permutations(range(1, n + 1)))
            ],
        }
        earlier = draw(st.lists(st.sampled_from(skill_ids[:j]), unique=True, max_size=2)) if j else []
        if earlier:  # only on skills listed before: acyclic
            skill["prerequisites"] = [{"skill_id": p, "level": draw(st.integers(1, n))} for p in earlier]
        skills.append(skill)
    roles = []
    for r, rid in enumerate(draw(st.lists(IDS, min_size=1, max_size=3, unique=True))):
        k = draw(st.integers(min_stages if r == 0 else 1, 4))
        names = draw(st.lists(IDS, min_size=k, max_size=k, unique=True))
        orders = sorted(draw(st.lists(st.integers(0, 20), min_size=k, max_size=k, unique=True)))
        stages = [{"stage": name, "order": order, "benchmarks": {}} for name, order in zip(names, orders, strict=True)]
        for i, sid in enumerate(skill_ids):
            levels = sorted(draw(st.lists(st.integers(1, n), min_size=k, max_size=k)))
            listed = [True] * k if i == 0 else draw(st.lists(st.booleans(), min_size=k, max_size=k))
            for stage, level, keep in zip(stages, levels, listed, strict=True):
                if keep:
                    stage["benchmarks"][sid] = level
        roles.append(
            {"role_id": rid, "name": f"Role {rid}", "family": "Family", "stages": draw(st.permutations(stages))}
        )
    return {
        "framework_id": "generated",
        "version": "1",
        "name": "Generated",
        "owner": "Hypothesis",
        "effective_date": "2026-01-01",
        "scale": [{"level": i, "name": f"Level name {i}"} for i in range(1, n + 1)],
        "skills": skills,
        "roles": roles,
    }


def assert_fails_with(data: dict, code: str, path: str) -> None:
    assert codes_and_paths(validate_document(data, "generated")) == [(code, path)]
    assert not model_accepts(data)
    if shape_is_valid(data):  # the model's own validator raised, with the same first problem
        with pytest.raises(ValidationError, match=re.escape(f"{path}: ")):
            Framework.model_validate(data)


@PROPERTY
@given(frameworks())
def test_generated_frameworks_validate(data: dict) -> None:
    assert validate_document(data, "generated") == []
    assert model_accepts(data)
    for as_json in (False, True):  # and survive a trip through a file
        assert validate_document(fmt.loads(fmt.dumps(data, as_json=as_json), as_json=as_json).data, "f") == []


@PROPERTY
@given(frameworks(), st.data())
def test_dropping_an_anchor_level_fails(data: dict, draw: st.DataObject) -> None:
    skill = draw.draw(st.sampled_from(data["skills"]))
    level = draw.draw(st.integers(1, len(data["scale"])))
    skill["levels"] = [entry for entry in skill["levels"] if entry["level"] != level]
    assert_fails_with(data, "missing_anchors", f"skills[{skill['skill_id']}].levels[{level}]")


@PROPERTY
@given(frameworks(), st.data())
def test_an_unknown_skill_in_a_benchmark_fails(data: dict, draw: st.DataObject) -> None:
    role = draw.draw(st.sampled_from(data["roles"]))
    stage = draw.draw(st.sampled_from(role["stages"]))
    stage["benchmarks"][UNKNOWN] = 1
    assert_fails_with(data, "unknown_skill", f"roles[{role['role_id']}].stages[{stage['stage']}].benchmarks[{UNKNOWN}]")


@PROPERTY
@given(frameworks(min_stages=2))
def test_lowering_a_later_stage_benchmark_fails(data: dict) -> None:
    role = data["roles"][0]
    first, second, *later = sorted(role["stages"], key=lambda s: s["order"])
    sid = data["skills"][0]["skill_id"]  # listed at every stage
    top = len(data["scale"])
    first["benchmarks"][sid], second["benchmarks"][sid] = top, top - 1
    for stage in later:
        del stage["benchmarks"][sid]
    assert_fails_with(data, "benchmark_drops", f"roles[{role['role_id']}].stages[{second['stage']}].benchmarks[{sid}]")


@PROPERTY
@given(frameworks(), st.data())
def test_duplicating_a_skill_id_fails(data: dict, draw: st.DataObject) -> None:
    data["skills"].append(copy.deepcopy(draw.draw(st.sampled_from(data["skills"]))))
    assert_fails_with(data, "duplicate_id", f"skills[#{len(data['skills']) - 1}].skill_id")


@PROPERTY
@given(frameworks(), st.data())
def test_a_prerequisite_cycle_fails(data: dict, draw: st.DataObject) -> None:
    skills = data["skills"]
    i = draw.draw(st.integers(0, len(skills) - 1))
    j = draw.draw(st.integers(i, len(skills) - 1))
    first, other = skills[i], skills[j]
    if i != j and all(p["skill_id"] != first["skill_id"] for p in other.get("prerequisites", [])):
        other.setdefault("prerequisites", []).append({"skill_id": first["skill_id"], "level": 1})
    first.setdefault("prerequisites", []).append({"skill_id": other["skill_id"], "level": 1})
    expected = f"skills[{first['skill_id']}].prerequisites[{other['skill_id']}].skill_id"
    assert_fails_with(data, "prerequisite_cycle", expected)


@PROPERTY
@given(frameworks(), st.data())
def test_a_benchmark_beyond_the_scale_fails(data: dict, draw: st.DataObject) -> None:
    role = draw.draw(st.sampled_from(data["roles"]))
    stage = draw.draw(st.sampled_from(role["stages"]))
    sid = draw.draw(st.sampled_from(sorted(stage["benchmarks"])))
    stage["benchmarks"][sid] = len(data["scale"]) + 1
    assert_fails_with(
        data, "level_outside_scale", f"roles[{role['role_id']}].stages[{stage['stage']}].benchmarks[{sid}]"
    )


@PROPERTY
@given(frameworks(), st.data())
def test_an_anchor_level_beyond_the_scale_fails(data: dict, draw: st.DataObject) -> None:
    skill = draw.draw(st.sampled_from(data["skills"]))
    top = len(data["scale"])
    entry = next(e for e in skill["levels"] if e["level"] == top)
    entry["level"] = top + 1
    sid = skill["skill_id"]
    problems = codes_and_paths(validate_document(data, "generated"))
    assert sorted(problems) == sorted(
        [
            ("level_outside_scale", f"skills[{sid}].levels[{top + 1}].level"),
            ("missing_anchors", f"skills[{sid}].levels[{top}]"),
        ]
    )
    assert not model_accepts(data)


def _locations(value: object, loc: tuple = ()) -> list[tuple]:
    found = [loc]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _locations(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _locations(item, (*loc, index))
    return found


JUNK = st.sampled_from([None, 0, 1, 6, -1, True, "", " ", "x", "Level 2", UNKNOWN, [], {}, [1], {"level": 1}])


@PROPERTY
@given(frameworks(), st.data())
def test_model_and_validator_never_disagree(data: dict, draw: st.DataObject) -> None:
    for _ in range(draw.draw(st.integers(1, 3))):
        loc = draw.draw(st.sampled_from(_locations(data)[1:]))
        *parents, last = loc
        parent = data
        for seg in parents:
            parent = parent[seg]
        if draw.draw(st.booleans()) and isinstance(parent, dict):
            del parent[last]
        else:
            parent[last] = draw.draw(JUNK)
    assert (validate_document(data, "mutated") == []) == model_accepts(data)
