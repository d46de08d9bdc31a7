from datetime import UTC, date, datetime, timedelta

from coachwire.domain import stall
from coachwire.domain.gaps import FrameworkIndex
from coachwire.domain.plans import transition_plan
from coachwire.models.coaching import SkillAssessment
from coachwire.settings import StallRules

from tests.factories import T0, catalog, framework, profile, ranked_items

RULES = StallRules(window_days=30, min_activities=1, cooldown_days=14)
AS_OF = date(2026, 11, 1)


def test_transition_plan_orders_milestones_and_spaces_target_dates():
    fw = framework()
    person = profile({"design": 1, "review": 2, "comms": 3}, stage="senior")
    gaps = FrameworkIndex.of(fw).gaps({"design": 1, "review": 2, "comms": 3}, "swe", "senior")
    scored = ranked_items({"design": 1, "review": 2, "comms": 3}, only_skills={g.skill_id for g in gaps})
    plan = transition_plan(person, ("swe", "mid"), gaps, fw, scored, recommender_version=scored[0].model_version,
                           effective_date=date(2026, 10, 1), days_per_level=45, source_event_id="msg_1",
                           created_at=T0)
    assert [m.skill_id for m in plan.milestones] == ["design", "review"]
    first, second = plan.milestones
    assert (first.current_level, first.target_level) == (1, 3)
    assert first.target_date == date(2026, 10, 1) + timedelta(days=90)
    assert second.target_date == first.target_date + timedelta(days=45)
    assert first.recommended_item_ids[0] == "design-l2"
    assert plan.from_stage == "mid" and plan.to_stage == "senior"


def assess(person, as_of=AS_OF):
    fw = framework()
    index = FrameworkIndex.of(fw)
    levels = {k: v.level for k, v in person.levels.items()}
    gaps = index.gaps(levels, person.role_id, person.career_stage)
    bench = {s: int(v) for s, v in zip(index.skill_ids, index.benchmark_vector(person.role_id,
                                                                               person.career_stage), strict=True)}
    return stall.assess(person, gaps, bench, as_of, RULES), gaps


def test_open_gaps_and_no_recent_activity_is_a_stall():
    finding, _ = assess(profile({"design": 1}))
    assert [r.code for r in finding.reasons] == ["low_activity"] and not finding.in_cooldown


def test_recent_activity_is_not_a_stall():
    person = profile({"design": 1}, activity_dates=[datetime(2026, 10, 20, tzinfo=UTC)])
    assert assess(person)[0].reasons == []


def test_no_open_gaps_is_never_a_stall():
    assert assess(profile({"design": 3, "review": 3, "comms": 3}))[0].reasons == []


def test_a_dropped_rating_and_a_raised_benchmark_are_reasons_even_with_activity():
    person = profile({"design": 1}, activity_dates=[datetime(2026, 10, 20, tzinfo=UTC)],
                     benchmark_snapshot={"review": 1})
    person.levels["design"] = SkillAssessment(level=1, previous_level=2, assessed_at=datetime(2026, 10, 15, tzinfo=UTC),
                                              source="checkin", evidence_id="ci-2")
    finding, _ = assess(person)
    assert sorted(r.code for r in finding.reasons) == ["benchmark_raised", "rating_dropped"]


def test_cooldown_blocks_a_repeat_alert_for_fourteen_days():
    person = profile({"design": 1}, last_stall_alert_at=datetime(2026, 10, 25, tzinfo=UTC))
    assert assess(person)[0].in_cooldown
    assert not assess(person, as_of=date(2026, 11, 8))[0].in_cooldown


def test_talking_points_are_concrete_and_supportive():
    fw = framework()
    person = profile({"design": 1})
    finding, gaps = assess(person)
    steps = ranked_items({"design": 1}, stage="mid")
    points = stall.talking_points(person, finding, gaps, fw, steps, AS_OF)
    text = " ".join(points)
    assert "Ask Ada what has got in the way" in text
    assert "Stakeholder communication" in text or "System design" in text
    assert "level 1 against a mid-stage benchmark of 2" in text
    assert "Code review: not yet rated against a mid-stage benchmark of 2" in text
    # The quickest item for the next level: the 60-minute course, not the 240-minute practice task.
    assert ("System design: level 1 against a mid-stage benchmark of 2. "
            "A small next step: \u201cDesign level 2\u201d (60 min)") in text
    for word in ("underperform", "fail", "warning", "disciplin"):
        assert word not in text.lower()


def test_the_suggested_next_step_is_the_quickest_item_for_the_next_level():
    fw = framework()
    gaps = FrameworkIndex.of(fw).gaps({"design": 1}, "swe", "senior")
    items = catalog().model_copy(deep=True)
    practice = next(i for i in items.items if i.item_id == "design-l2-practice")
    quick = practice.model_copy(update={"duration_minutes": 20})
    items.items[:] = [quick if i.item_id == quick.item_id else i for i in items.items]
    scored = ranked_items({"design": 1}, items=items)
    design_gap = next(g for g in gaps if g.skill_id == "design")
    assert scored[0].item.item_id == "design-l2"  # ranks first (tie broken by id) but takes 60 minutes
    assert stall.smallest_next_step(scored, design_gap).item.item_id == "design-l2-practice"
    assert stall.smallest_next_step([], design_gap) is None



def test_a_steps_effort_reads_in_minutes_or_hours() -> None:
    from coachwire.domain.stall import effort

    assert [effort(m) for m in (60, 119, 120, 150, 600, 2400)] == ["60 min", "119 min", "2 h", "2.5 h", "10 h", "40 h"]
