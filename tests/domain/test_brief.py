"""The 1:1 brief, built from the records alone: gaps against the benchmark, the window's activity, plan decisions,
the last alert about the person with its guides, and its chat text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from coachwire.domain.brief import brief_as_text, build_brief, last_alert_about
from coachwire.domain.guides import shipped_guides
from coachwire.models.coaching import (
    AgreedAction,
    AlertDecision,
    Attribution,
    DevelopmentPlan,
    ItemDecision,
    ManagerAlert,
    PlanChange,
    SkillAssessment,
    StallReason,
)

from tests.factories import framework, profile

AS_OF = date(2026, 10, 1)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


def by(role: str, day: str) -> Attribution:
    return Attribution(subject="emp-1" if role == "employee" else "emp-9", role=role, at=at(day))  # type: ignore[arg-type]


def plan() -> DevelopmentPlan:
    return DevelopmentPlan(
        plan_id="plan-1", employee_id="emp-1", kind="agreed", from_role_id=None, from_stage=None, to_role_id="swe",
        to_stage="mid", effective_date=date(2026, 6, 1), milestones=[], framework_id="eng",
        framework_version="2026.1", recommender_version="r1", source_event_id="ev-1", created_at=at("2026-06-01"),
        item_decisions={
            "design-l2": ItemDecision(item_id="design-l2", status="accepted", decided=by("employee", "2026-09-20")),
            "review-l1": ItemDecision(item_id="review-l1", status="declined", decided=by("employee", "2026-09-21"),
                                      reason="I review daily already"),
            "comms-l1": ItemDecision(item_id="comms-l1", status="snoozed", decided=by("employee", "2026-09-22"),
                                     until=date(2026, 11, 1)),
            "design-l1": ItemDecision(item_id="design-l1", status="done", decided=by("employee", "2026-07-01"))},
        agreed_actions=[AgreedAction(action_id="act-1", title="Pair on the queue design", skill_id="design",
                                     due_date=date(2026, 10, 15), added_by=by("manager", "2026-09-23"))],
        agreed_priorities=["design"],
        changes=[PlanChange(op="done", by=by("employee", "2026-07-01"), item_id="design-l1"),
                 PlanChange(op="accept", by=by("employee", "2026-09-20"), item_id="design-l2"),
                 PlanChange(op="add", by=by("manager", "2026-09-23"), action_id="act-1", skill_ids=["design"])])


def alert(as_of: date, *, decided: bool = False) -> ManagerAlert:
    return ManagerAlert(
        alert_id=f"alert-{as_of}", manager_id="emp-9", employee_id="emp-1", employee_name="Ada Example", as_of=as_of,
        reasons=[StallReason(code="rating_dropped", skill_id="design", level=1, detail="rated 2 before, 1"),
                 StallReason(code="low_activity", detail="0 activities")],
        talking_points=["Ask Ada what has got in the way."], open_gaps={"design": 1}, created_at=at(str(as_of)),
        source_event_id="ev-2",
        decision=AlertDecision(status="discussed", by="emp-9", at=at("2026-09-29")) if decided else None)


def person():
    ada = profile({"design": 1, "review": 2})
    levels = dict(ada.levels)
    levels["design"] = SkillAssessment(level=1, previous_level=2, assessed_at=at("2026-09-10"), source="checkin",
                                       evidence_id="ci-9")
    return ada.model_copy(update={"levels": levels, "activity_dates": [at("2026-06-01"), at("2026-09-15")]})


def test_the_brief_holds_gaps_activity_decisions_and_the_last_alert():
    alerts = [alert(date(2026, 8, 1)), alert(date(2026, 9, 28), decided=True)]
    brief = build_brief(person(), framework(), plan(), last_alert_about(alerts, "emp-1"), shipped_guides(),
                        manager_id="emp-9", as_of=AS_OF, days=30, item_titles={"design-l2": "Design level 2"})
    # design: 1 of 2 (criticality 3) before comms: unrated, 0 of 2 (criticality 1); review is at the benchmark.
    assert [(g.skill_id, g.level, g.benchmark, g.gap) for g in brief.open_gaps] == [("design", 1, 2, 1),
                                                                                    ("comms", 0, 2, 2)]
    act = brief.activity
    assert (act.since, act.learning_completions, act.last_activity_at) == (date(2026, 9, 2), 1, at("2026-09-15"))
    assert [(r.skill_id, r.previous_level, r.level) for r in act.rating_changes] == [("design", 2, 1)]
    assert [(c.op, c.by_role, c.item_title) for c in act.plan_changes] == [("accept", "employee", "Design level 2"),
                                                                           ("add", "manager", None)]
    decisions = brief.plan
    assert [d.item_id for d in decisions.accepted] == ["design-l2"]
    assert [(d.item_id, d.reason) for d in decisions.declined] == [("review-l1", "I review daily already")]
    assert [(d.item_id, d.until) for d in decisions.not_now] == [("comms-l1", date(2026, 11, 1))]
    assert [d.item_id for d in decisions.done] == ["design-l1"]
    assert [a.action_id for a in decisions.agreed_actions] == ["act-1"] and decisions.agreed_priorities == ["design"]
    last = brief.last_alert
    assert last is not None and last.as_of == date(2026, 9, 28) and last.decision is not None
    assert last.talking_points == ["Ask Ada what has got in the way."]
    assert [(g.reason_code, g.path) for g in last.guides] == [("rating_dropped", "/guides/rating_dropped"),
                                                             ("low_activity", "/guides/low_activity")]


def test_no_plan_and_no_alert_is_a_brief_too():
    brief = build_brief(profile({"design": 2}), framework(), None, None, shipped_guides(), manager_id="emp-9",
                        as_of=AS_OF)
    assert brief.plan.plan_id is None and brief.plan.accepted == [] and brief.last_alert is None
    assert brief.activity.days == 30 and brief.activity.plan_changes == []
    text = brief_as_text(brief)
    assert "- no plan yet" in text and "No stall alert about them for you." in text


def test_another_managers_alert_or_another_persons_is_not_the_last_alert():
    other = alert(date(2026, 9, 30)).model_copy(update={"employee_id": "emp-2"})
    assert last_alert_about([alert(date(2026, 9, 1)), other], "emp-1").as_of == date(2026, 9, 1)
    assert last_alert_about([other], "emp-1") is None


def test_the_chat_text_is_short_and_names_the_guide():
    brief = build_brief(person(), framework(), plan(), alert(date(2026, 9, 28), decided=True), shipped_guides(),
                        manager_id="emp-9", as_of=AS_OF, item_titles={"design-l2": "Design level 2"})
    text = brief_as_text(brief)
    assert text.startswith("1:1 brief: Ada Example, Software Engineer (mid), as of 2026-10-01")
    assert "- System design: level 1 of 2" in text and "- Stakeholder communication: level not rated of 2" in text
    assert "- System design rated 2 → 1 on 2026-09-10" in text
    assert "- Accepted: Design level 2" in text and "Pair on the queue design (due 2026-10-15)" in text
    assert "(you marked it discussed)" in text and "Guide: /guides/rating_dropped" in text
    assert len(text.splitlines()) < 40
