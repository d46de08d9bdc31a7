from dataclasses import replace

import pytest
from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.recommender import (
    WEIGHTS,
    level_fit,
    pick,
    recommendation_id,
    score_candidates,
    to_recommendation,
)

from tests.factories import T0, catalog, framework, profile


def scored_for(levels, flagged=frozenset(), exclude=frozenset(), weights=WEIGHTS):
    index = FrameworkIndex.of(framework())
    gaps = index.gaps(levels, "swe", "senior")
    return score_candidates(gaps, catalog(), flagged_skills=set(flagged), exclude_items=set(exclude),
                            weights=weights)


def test_contributions_sum_exactly_to_the_score():
    for s in scored_for({"design": 1, "review": 2}, flagged={"review"}):
        assert s.score == round(sum(f.contribution for f in s.factors), 4)
        for f in s.factors:
            assert f.contribution == round(f.value * f.weight, 4)


def test_next_level_up_beats_two_levels_up_and_lower_levels_never_appear():
    scored = scored_for({"design": 1, "review": 3, "comms": 3})
    ids = [s.item.item_id for s in scored]
    assert ids.index("design-l2") < ids.index("design-l3")
    assert "design-l1" not in ids  # at the current level: nothing to build
    assert level_fit(1, 2) == 1.0 and level_fit(1, 3) == 0.5 and level_fit(1, 1) == 0.0


def test_flag_adds_exactly_its_weighted_contribution():
    plain = {s.item.item_id: s.score for s in scored_for({"design": 1, "review": 1})}
    flagged = {s.item.item_id: s.score for s in scored_for({"design": 1, "review": 1}, flagged={"review"})}
    assert flagged["review-l2"] == pytest.approx(plain["review-l2"] + WEIGHTS.flagged_in_checkin)
    assert flagged["design-l2"] == plain["design-l2"]


def test_changing_a_weight_moves_the_score_by_that_factor_alone():
    base = {s.item.item_id: s for s in scored_for({"design": 1})}
    heavier = {s.item.item_id: s for s in scored_for({"design": 1}, weights=replace(WEIGHTS, level_fit=0.6))}
    item = "design-l2"
    fit = next(f for f in base[item].factors if f.name == "level_fit")
    assert heavier[item].score == pytest.approx(base[item].score + fit.value * 0.3)


def test_completed_items_are_never_recommended_again():
    ids = [s.item.item_id for s in scored_for({"design": 1}, exclude={"design-l2"})]
    assert "design-l2" not in ids and "design-l2-practice" in ids


def test_pick_spreads_across_skills_before_doubling_up():
    chosen = pick(scored_for({"design": 1, "review": 1, "comms": 1}), 3)
    assert len({c.item.skill_id for c in chosen}) == 3
    two_per_skill = pick(scored_for({"design": 1, "review": 3, "comms": 3}), 2, per_skill=2)
    assert [c.item.skill_id for c in two_per_skill] == ["design", "design"]


def test_explanation_cites_the_data_behind_the_suggestion():
    person = profile({"design": 1}, stage="senior", flagged_skills=["design"])
    best = scored_for({"design": 1}, flagged={"design"})[0]
    rec = to_recommendation(best, person, framework(), trigger="checkin_gap_nudge", source_event_id="msg_1",
                            created_at=T0)
    assert "2026-09-01 check-in put System design at level 1" in rec.explanation
    assert "the Software Engineer benchmark at the senior stage is level 3" in rec.explanation
    assert "flagged" in rec.explanation
    assert rec.framework_version == "2026.1" and rec.recommender_version
    assert {f.name for f in rec.factors} == {"gap_priority", "level_fit", "flagged_in_checkin"}


def test_recommendation_ids_are_stable_per_event_and_item():
    assert recommendation_id("e", "i", "msg", "t") == recommendation_id("e", "i", "msg", "t")
    assert recommendation_id("e", "i", "msg", "t") != recommendation_id("e", "i", "msg2", "t")
