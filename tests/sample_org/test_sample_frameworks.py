"""The sample competency frameworks: valid, consistent across families, and written as observable anchors."""

from __future__ import annotations

import copy
from importlib.resources import files

import pytest
import yaml
from coachwire.models.framework import Framework
from coachwire_tools.sample_org import framework_for_role, load_frameworks
from pydantic import ValidationError

PREFIX = {"software_engineering": "eng.", "people_partnering": "ppl.", "product_management": "pm."}


def raw_frameworks() -> dict[str, dict]:
    folder = files("coachwire_tools.sample_org").joinpath("frameworks")
    raw = {}
    for f in folder.iterdir():
        if f.name.endswith(".yaml"):
            data = yaml.safe_load(f.read_text(encoding="utf-8"))
            raw[data["framework_id"]] = data
    return raw


def test_three_frameworks_each_validates_from_raw_yaml() -> None:
    raw = raw_frameworks()
    assert set(raw) == set(PREFIX)
    for data in raw.values():
        framework = Framework.model_validate(data)
        assert framework.version == "2026.1"
        assert framework.owner and framework.name
    assert [f.framework_id for f in load_frameworks()] == sorted(PREFIX)


def test_scale_has_four_named_levels() -> None:
    for framework in load_frameworks():
        assert [(s.level, s.name) for s in framework.scale] == [
            (1, "Developing"),
            (2, "Practising"),
            (3, "Accomplished"),
            (4, "Leading"),
        ]


def test_skills_have_ids_categories_and_criticality() -> None:
    all_ids: list[str] = []
    for framework in load_frameworks():
        assert 6 <= len(framework.skills) <= 8, framework.framework_id
        criticalities = {s.criticality for s in framework.skills}
        assert criticalities <= {1, 2, 3} and 3 in criticalities, framework.framework_id
        for skill in framework.skills:
            assert skill.skill_id.startswith(PREFIX[framework.framework_id])
            assert skill.skill_id == skill.skill_id.lower()
            assert skill.description and skill.category
        all_ids += [s.skill_id for s in framework.skills]
    assert len(all_ids) == len(set(all_ids)), "skill ids must be unique across frameworks"


def test_every_level_has_two_or_three_observable_anchors() -> None:
    seen: set[str] = set()
    for framework in load_frameworks():
        for skill in framework.skills:
            assert [a.level for a in skill.levels] == [1, 2, 3, 4], skill.skill_id
            for level in skill.levels:
                assert 2 <= len(level.anchors) <= 3, f"{skill.skill_id} level {level.level}"
                for anchor in level.anchors:
                    # A behaviour, not a label: a full sentence of some length.
                    assert anchor.endswith("."), anchor
                    assert len(anchor.split()) >= 7, anchor
                    assert anchor not in seen, f"anchor repeated: {anchor}"
                    seen.add(anchor)


def test_roles_unique_across_frameworks_with_three_ordered_stages() -> None:
    role_ids: list[str] = []
    for framework in load_frameworks():
        assert 1 <= len(framework.roles) <= 2
        skill_ids = {s.skill_id for s in framework.skills}
        for role in framework.roles:
            assert role.role_id.startswith(PREFIX[framework.framework_id])
            assert framework_for_role(role.role_id).framework_id == framework.framework_id
            stages = sorted(role.stages, key=lambda s: s.order)
            assert [s.order for s in stages] == [0, 1, 2]
            for lower, higher in zip(stages, stages[1:], strict=False):
                assert set(lower.benchmarks) == set(higher.benchmarks) == skill_ids
                for skill_id, level in lower.benchmarks.items():
                    assert higher.benchmarks[skill_id] >= level, f"{role.role_id}.{higher.stage}.{skill_id}"
            # Each step up asks for something more.
            assert all(
                sum(h.benchmarks.values()) > sum(lo.benchmarks.values())
                for lo, h in zip(stages, stages[1:], strict=False)
            )
        role_ids += [r.role_id for r in framework.roles]
    assert len(role_ids) == len(set(role_ids))
    with pytest.raises(KeyError):
        framework_for_role("eng.astronaut")


def test_validator_rejects_a_dropping_benchmark() -> None:
    """Guards the guard: the model really rejects a broken copy of the sample data."""
    data = copy.deepcopy(raw_frameworks()["software_engineering"])
    senior = next(s for s in data["roles"][0]["stages"] if s["stage"] == "senior")
    senior["benchmarks"]["eng.code_quality"] = 1
    with pytest.raises(ValidationError, match="drops"):
        Framework.model_validate(data)
    data = copy.deepcopy(raw_frameworks()["product_management"])
    data["skills"][0]["levels"].pop()
    with pytest.raises(ValidationError, match="anchors"):
        Framework.model_validate(data)
