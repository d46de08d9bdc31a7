"""The bridge from the engine's scores to recommendations: exclusions, picking, explanations that cite the data."""

from datetime import date, timedelta

from coachwire.domain.recommender import (
    explain_evidence,
    pick,
    recommendation_id,
    to_recommendation,
)
from coachwire.engine.efficacy import CompletionLog, CompletionRecord, fit_efficacy
from coachwire.engine.model import ModelConfig, ModelVersion

from tests.factories import T0, framework, profile, ranked_items


def trained(n: int, successes: int, item: str = "design-l2", level: int = 1) -> ModelVersion:
    """A model fitted on n completions of `item` at `level`, `successes` of which rose a level within 90 days."""
    start = date(2026, 1, 5)
    records = [CompletionRecord(employee_id=f"e{i}", item_id=item, skill_id=item.split("-")[0],
                                level_at_completion=level, completed_at=start,
                                later_assessments=((start + timedelta(days=40), level + 1),) if i < successes else ())
               for i in range(n)]
    table = fit_efficacy(CompletionLog.from_records(records), window_days=90, prior_strength=20, as_of=date(2026, 6, 1))
    return ModelVersion(config=ModelConfig(), efficacy=table)


def test_every_item_carries_the_models_factor_table_and_its_exact_total():
    for s in ranked_items({"design": 1, "review": 2}, flagged=("review",)):
        assert s.score == round(sum(f.contribution for f in s.factors), 4)
        assert [f.name for f in s.factors][:3] == ["gap_priority", "level_fit", "efficacy"]
        assert s.model_version.startswith("engine-default.")


def test_exclusions_and_skill_filter_are_hard_rules_on_top_of_the_scores():
    ids = [s.item.item_id for s in ranked_items({"design": 1}, exclude=frozenset({"design-l2"}))]
    assert "design-l2" not in ids and "design-l2-practice" in ids
    only = ranked_items({"design": 1, "review": 1}, only_skills={"review"})
    assert only and {s.item.skill_id for s in only} == {"review"}


def test_a_flagged_skill_at_its_benchmark_still_gets_a_next_step():
    at_benchmark = {"design": 3, "review": 3, "comms": 3}
    assert ranked_items(at_benchmark) == []
    flagged = ranked_items(at_benchmark, flagged=("comms",))
    assert flagged[0].item.item_id == "comms-l4"


def test_pick_caps_items_per_skill():
    chosen = pick(ranked_items({"design": 1, "review": 3, "comms": 3}), 3, per_skill=2)
    assert [c.item.skill_id for c in chosen] == ["design", "design"]


def test_explanation_cites_the_check_in_the_benchmark_and_the_efficacy_evidence():
    model = trained(140, 90)
    person = profile({"design": 1}, stage="senior", flagged_skills=["design"])
    best = next(s for s in ranked_items({"design": 1}, flagged=("design",), model=model)
                if s.item.item_id == "design-l2")
    rec = to_recommendation(best, person, framework(), trigger="checkin_gap_nudge", source_event_id="msg_1",
                            created_at=T0)
    assert "2026-09-01 check-in put System design at level 1" in rec.explanation
    assert "the Software Engineer benchmark at the senior stage is level 3" in rec.explanation
    assert "64% of 140 colleagues at level 1 who completed this reached level 2 in System design within 90 days" \
        in rec.explanation
    assert rec.recommender_version == model.version and rec.framework_version == "2026.1"
    efficacy = next(f for f in rec.factors if f.name == "efficacy")
    assert efficacy.value == round((90 + 20 * 90 / 140) / 160, 4)  # shrunk toward the skill's pooled rate


def test_thin_or_missing_evidence_is_said_plainly():
    few = next(s for s in ranked_items({"design": 1}, model=trained(4, 3)) if s.item.item_id == "design-l2")
    assert few.evidence.n == 4
    assert "Only 4 colleagues at level 1 completed it so far, too few to judge alone" in explain_evidence(
        few.evidence, "System design")
    none = next(s for s in ranked_items({"design": 1}, model=trained(4, 3)) if s.item.item_id == "design-l3")
    assert "No colleague at level 1 has completed it yet" in explain_evidence(none.evidence, "System design")


def test_an_untrained_model_says_efficacy_did_not_count():
    untrained = next(s for s in ranked_items({"design": 1}) if s.item.item_id == "design-l2")
    assert not untrained.evidence.trained
    assert explain_evidence(untrained.evidence, "System design").startswith(
        "The model in use has not learned from completion history yet")


def test_recommendation_ids_are_stable_per_event_and_item_and_distinct_for_a_shadow_model():
    assert recommendation_id("e", "i", "msg", "t") == recommendation_id("e", "i", "msg", "t")
    assert recommendation_id("e", "i", "msg", "t") != recommendation_id("e", "i", "msg2", "t")
    assert recommendation_id("e", "i", "msg", "t") != recommendation_id("e", "i", "msg", "t", "engine@x")
