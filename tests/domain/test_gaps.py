import numpy as np
import pytest
from coachwire.domain.gaps import FrameworkIndex
from coachwire.errors import UnknownReference

from tests.factories import framework


def test_gaps_are_ordered_by_gap_times_criticality():
    index = FrameworkIndex.of(framework())
    gaps = index.gaps({"design": 1, "review": 0, "comms": 0}, "swe", "mid")
    # design: gap 1 × crit 3 = 3; review: gap 2 × crit 2 = 4; comms: gap 2 × crit 1 = 2
    assert [(g.skill_id, g.gap, g.weighted_gap) for g in gaps] == [
        ("review", 2, 4.0), ("design", 1, 3.0), ("comms", 2, 2.0)]
    assert gaps[0].target_level == 2 and gaps[0].current_level == 0


def test_skills_at_or_above_benchmark_have_no_gap():
    index = FrameworkIndex.of(framework())
    assert index.gaps({"design": 3, "review": 2, "comms": 4}, "swe", "mid") == []


def test_matrix_form_matches_one_employee_at_a_time():
    index = FrameworkIndex.of(framework())
    people = [{"design": 1}, {"review": 3, "comms": 1}, {}]
    bench = index.benchmark_vector("swe", "senior")
    gap_m, weighted_m = index.weighted_gaps(index.level_matrix(people), bench)
    for row, levels in enumerate(people):
        gap, weighted = index.weighted_gaps(index.level_vector(levels), bench)
        np.testing.assert_array_equal(gap_m[row], gap)
        np.testing.assert_array_equal(weighted_m[row], weighted)


@pytest.mark.parametrize(("role", "stage", "field"), [("pm", "mid", "role_id"), ("swe", "principal", "career_stage")])
def test_unknown_role_or_stage_names_the_field(role, stage, field):
    with pytest.raises(UnknownReference) as err:
        FrameworkIndex.of(framework()).gaps({}, role, stage)
    assert err.value.field == field


def test_framework_diff_names_every_change():
    from coachwire.domain.framework_diff import diff

    before = framework()
    data = before.model_dump(mode="json")
    data["version"] = "2026.2"
    data["skills"] = [s for s in data["skills"] if s["skill_id"] != "comms"]
    data["skills"][0]["criticality"] = 2
    data["skills"].append({"skill_id": "ops", "name": "Operations", "category": "Technical", "criticality": 2,
                           "levels": data["skills"][0]["levels"]})
    for stage in data["roles"][0]["stages"]:
        stage["benchmarks"].pop("comms")
    data["roles"][0]["stages"][2]["benchmarks"]["design"] = 4
    after = type(before).model_validate(data)
    d = diff(before, after)
    assert (d.from_version, d.to_version) == ("2026.1", "2026.2")
    assert d.skills_added == ["ops"] and d.skills_removed == ["comms"]
    assert d.skills_changed == {"design": ["criticality"]}
    assert [(c.stage, c.skill_id, c.before, c.after) for c in d.raised_benchmarks] == [("senior", "design", 3, 4)]
    assert {(c.skill_id, c.after) for c in d.benchmarks_changed if c.after is None} == {("comms", None)}
    assert diff(before, before).benchmarks_changed == [] and not diff(before, before).scale_changed
