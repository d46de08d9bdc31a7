"""Co-created plans and opt-out: decisions feed the recommender; opted out, nothing personal does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from coachwire.domain import cocreation
from coachwire.domain.plans import transition_plan
from coachwire.domain.recommender import (
    CORE_FACTOR,
    CORE_PROGRAMME_VERSION,
    core_curriculum,
    core_gaps,
    to_recommendation,
)
from coachwire.engine.model import FactorWeights
from coachwire.errors import DomainError, UnknownReference
from coachwire.models.coaching import Attribution, EmployeeProfile
from coachwire.models.cocreation import PlanPatch
from pydantic import ValidationError

from tests.factories import T0, catalog, framework, profile, ranked_items

WEIGHTS = FactorWeights()


def scored(levels, priorities=(), exclude=frozenset()):
    return ranked_items(levels, priorities=tuple(priorities), exclude=frozenset(exclude))


def test_agreed_priority_is_a_named_factor_and_contributions_still_sum_exactly():
    for s in scored({"design": 1, "review": 1, "comms": 1}, priorities=("comms", "review")):
        assert "agreed_priority" in [f.name for f in s.factors]
        assert s.score == round(sum(f.contribution for f in s.factors), 4)
        assert all(f.contribution == round(f.value * f.weight, 4) for f in s.factors)
    by_item = {s.item.item_id: s for s in scored({"design": 1, "review": 1, "comms": 1}, ("comms", "review"))}
    value = {i: next(f.value for f in s.factors if f.name == "agreed_priority") for i, s in by_item.items()}
    assert value["comms-l2"] == 1.0 and value["review-l2"] == 0.5 and value["design-l2"] == 0.0


def test_without_agreed_priorities_the_factor_contributes_nothing():
    assert all(next(f.contribution for f in s.factors if f.name == "agreed_priority") == 0
               for s in scored({"design": 1}))


def test_agreed_priorities_reorder_the_next_recommendations():
    levels = {"design": 2, "review": 1, "comms": 1}
    plain = [s.item.skill_id for s in scored(levels)]
    assert plain[0] == "review"  # largest weighted gap
    prioritised = scored(levels, priorities=("comms",))
    assert prioritised[0].item.item_id == "comms-l2"
    plus = {s.item.item_id: s.score for s in prioritised}
    base = {s.item.item_id: s.score for s in scored(levels)}
    assert plus["comms-l2"] == pytest.approx(base["comms-l2"] + WEIGHTS.agreed_priority)


def test_explanation_mentions_the_agreement():
    person = profile({"comms": 1}, stage="senior", agreed_priorities=["comms"])
    best = scored({"design": 3, "review": 3, "comms": 1}, priorities=("comms",))[0]
    rec = to_recommendation(best, person, framework(), trigger="t", source_event_id="e", created_at=T0)
    assert "You and your manager agreed to prioritise Stakeholder communication." in rec.explanation
    assert rec.basis == "personalised"


def test_declines_are_left_out_for_the_cooldown_and_return_when_it_ends():
    declined_on = date(2026, 10, 1)
    person = profile(declined_items={"design-l2": declined_on})
    assert cocreation.declined_in_cooldown(person, declined_on, 90) == {"design-l2"}
    assert cocreation.declined_in_cooldown(person, declined_on + timedelta(days=89), 90) == {"design-l2"}
    assert cocreation.declined_in_cooldown(person, declined_on + timedelta(days=90), 90) == frozenset()
    inputs = cocreation.decision_inputs(person, declined_on, 90)
    assert "design-l2" not in [s.item.item_id for s in scored({"design": 1}, exclude=inputs.declined)]


def test_opted_out_decisions_are_not_used():
    person = profile(declined_items={"design-l2": date(2026, 10, 1)}, agreed_priorities=["comms"],
                     personalisation_enabled=False)
    assert cocreation.decision_inputs(person, date(2026, 10, 2), 90) == cocreation.DecisionInputs(frozenset(), ())


def test_core_curriculum_orders_by_benchmark_then_criticality_in_catalog_order():
    fw = framework(roles=[{"role_id": "swe", "name": "Software Engineer", "family": "Engineering", "stages": [
        {"stage": "mid", "order": 1, "benchmarks": {"design": 2, "review": 3, "comms": 2}}]}])
    assert [g.skill_id for g in core_gaps(fw, "swe", "mid")] == ["review", "design", "comms"]
    ids = [s.item.item_id for s in core_curriculum(fw, catalog(), "swe", "mid", skip_items=set())]
    assert ids == ["review-l1", "review-l2", "review-l3", "design-l1", "design-l2", "design-l2-practice",
                   "comms-l1", "comms-l2"]
    skipped = core_curriculum(fw, catalog(), "swe", "mid", skip_items={"review-l1"})
    assert skipped[0].item.item_id == "review-l2"
    for s in skipped:
        assert [f.name for f in s.factors] == [CORE_FACTOR] and s.score == s.factors[0].contribution


def test_core_recommendation_says_personalisation_is_off_and_cites_no_ratings():
    person = profile({"design": 1}, personalisation_enabled=False, flagged_skills=["design"])
    first = core_curriculum(framework(), catalog(), "swe", "mid", skip_items=set())[0]
    rec = to_recommendation(first, person, framework(), trigger="t", source_event_id="e", created_at=T0)
    assert rec.basis == "core_programme"
    assert "Personalisation is off" in rec.explanation and "core learning programme" in rec.explanation
    assert "check-in put" not in rec.explanation and "flagged" not in rec.explanation


def test_core_plan_ignores_ratings_and_flags():
    person = profile({"design": 4, "review": 4}, stage="senior", personalisation_enabled=False,
                     flagged_skills=["comms"])
    fw = framework()
    core = core_curriculum(fw, catalog(), "swe", "senior", skip_items=set(person.completed_items))
    plan = transition_plan(person, ("swe", "mid"), core_gaps(fw, "swe", "senior"), fw, core,
                           recommender_version=CORE_PROGRAMME_VERSION, effective_date=date(2026, 10, 1),
                           days_per_level=10, source_event_id="e", created_at=T0)
    assert [m.skill_id for m in plan.milestones] == ["design", "review", "comms"]
    assert plan.milestones[0].recommended_item_ids == ["design-l1", "design-l2"]


def _patch(*changes):
    return PlanPatch.model_validate({"changes": list(changes)})


def _apply(person: EmployeeProfile, *changes, role="employee"):
    fw = framework()
    plan = cocreation.empty_plan(person, fw, "v", T0.date(), "req", T0)
    by = Attribution(subject=person.employee_id if role == "employee" else "emp-9", role=role, at=T0)
    return cocreation.apply_changes(person, plan, list(_patch(*changes).changes), by, fw, catalog(), "req")


def test_plan_changes_are_attributed_and_recorded():
    done = _apply(profile(), {"op": "decline", "item_id": "design-l2", "reason": "Did this at my last job"},
                  {"op": "accept", "item_id": "review-l2"}, {"op": "reorder", "skill_ids": ["review", "design"]},
                  {"op": "add", "title": "Shadow an architecture review", "skill_id": "design",
                   "due_date": "2026-12-01"}, role="manager")
    assert done.profile.declined_items == {"design-l2": T0.date()}
    assert done.profile.agreed_priorities == ["review", "design"]
    decision = done.plan.item_decisions["design-l2"]
    assert decision.status == "declined" and decision.reason == "Did this at my last job"
    assert decision.decided.subject == "emp-9" and decision.decided.role == "manager"
    assert done.plan.item_status("review-l2") == "accepted" and done.plan.item_status("comms-l1") == "proposed"
    assert [c.op for c in done.plan.changes] == ["decline", "accept", "reorder", "add"]
    assert done.plan.agreed_actions[0].due_date == date(2026, 12, 1)
    assert "Did this" not in str(done.summary) and "Shadow" not in str(done.summary)
    accepted_again = _apply(done.profile, {"op": "accept", "item_id": "design-l2"})
    assert accepted_again.profile.declined_items == {}


@pytest.mark.parametrize("change, field", [
    ({"op": "accept", "item_id": "nope"}, "changes.0.item_id"),
    ({"op": "reorder", "skill_ids": ["design", "juggling"]}, "changes.0.skill_ids.1"),
    ({"op": "reorder", "skill_ids": ["design", "design"]}, "changes.0.skill_ids"),
    ({"op": "add", "title": "x", "skill_id": "design", "due_date": "2020-01-01"}, "changes.0.due_date"),
])
def test_unknown_references_name_the_field(change, field):
    with pytest.raises((UnknownReference, DomainError)) as err:
        _apply(profile(), change)
    assert err.value.field == field


@pytest.mark.parametrize("body", [
    {"changes": []},
    {"changes": [{"op": "delete", "item_id": "x"}]},
    {"changes": [{"op": "decline", "item_id": "x", "reason": "r" * 501}]},
    {"changes": [{"op": "add", "title": "t" * 201, "skill_id": "design", "due_date": "2027-01-01"}]},
    {"changes": [{"op": "accept", "item_id": "x", "extra": 1}]},
])
def test_requests_are_strict(body):
    with pytest.raises(ValidationError):
        PlanPatch.model_validate(body)


def test_stored_profiles_without_the_new_fields_still_parse():
    stored = profile().model_dump(mode="json")
    for name in ("personalisation_enabled", "personalisation_changed_at", "declined_items", "agreed_priorities"):
        stored.pop(name)
    parsed = EmployeeProfile.model_validate(stored)
    assert parsed.personalisation_enabled and parsed.declined_items == {} and parsed.agreed_priorities == []


def test_done_and_not_now_are_recorded_and_leave_the_item_out_of_recommendations():
    applied = _apply(profile(), {"op": "done", "item_id": "design-l2"}, {"op": "snooze", "item_id": "review-l2",
                                                                          "days": 14})
    person, plan = applied.profile, applied.plan
    assert person.done_items == ["design-l2"] and person.snoozed_items == {"review-l2": T0.date() + timedelta(14)}
    assert plan.item_decisions["review-l2"].until == T0.date() + timedelta(14)
    assert (plan.item_status("design-l2"), plan.item_status("review-l2")) == ("done", "snoozed")
    assert applied.summary["done"] == ["design-l2"] and applied.summary["snoozed"] == ["review-l2"]
    left_out = cocreation.decision_inputs(person, T0.date() + timedelta(13), 90).declined
    assert {"design-l2", "review-l2"} <= left_out
    back = cocreation.decision_inputs(person, T0.date() + timedelta(14), 90).declined
    assert "review-l2" not in back and "design-l2" in back  # not now ends; done stays done
    assert _apply(person, {"op": "accept", "item_id": "review-l2"}).profile.snoozed_items == {}


def test_a_snooze_longer_than_ninety_days_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        _patch({"op": "snooze", "item_id": "review-l2", "days": 365})
    assert refused.value.errors()[0]["loc"][-1] == "days"
