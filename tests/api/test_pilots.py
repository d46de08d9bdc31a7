"""The pilot routes called alone on the fakes: hr_admin only, registering (cohorts resolved against the profiles,
clear 4xx naming the field), freezing at the start on any read, edits before and amendments after, and an audit
log of ids and codes only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from coachwire import spine
from coachwire.api.app import create_app
from coachwire.api.bodies import InvalidBody
from coachwire.api.request import RequestContext
from coachwire.api.routes import pilots as routes
from coachwire.clock import FixedClock
from coachwire.domain.pilots import criteria_hash, criteria_of_record
from coachwire.domain.reliability import AcceptedEvent
from coachwire.errors import NotAllowed
from coachwire.models.coaching import AlertDecision, AuditRecord, ManagerAlert
from coachwire.models.pilots import Pilot
from coachwire.ports import ProfileChange

from tests.api.test_routes_alone import event
from tests.fakes import FAKE_NOW, fake_dependencies
from tests.pilot_org import ENGINEERS, PRODUCT, pilot_body, seed

TODAY = FAKE_NOW.date()
START = TODAY + timedelta(days=10)
HR = "hr-1"


@pytest.fixture
def deps():
    made = fake_dependencies(clock=FixedClock(FAKE_NOW))
    seed(made)
    return made


def ctx(deps, body=None, subject: str = HR, role: str = "hr_admin") -> RequestContext:
    return RequestContext(deps=deps, event=APIGatewayProxyEventV2(event(subject, role, body=body)))


def answer(response) -> tuple[int, dict]:
    return response.status_code, response.body if isinstance(response.body, dict) else json.loads(response.body)


def register(deps, **changes) -> Pilot:
    response = routes.post_pilot(ctx(deps, pilot_body(START, **changes)))
    status, body = answer(response)
    assert status == 201, body
    assert response.headers["Location"] == f"/pilots/{body['pilot_id']}"
    return Pilot.model_validate(body)


def move_to(deps, day) -> None:
    deps.clock.set(FAKE_NOW + (day - TODAY))


def test_registering_resolves_the_cohort_and_the_comparison_and_nothing_is_frozen_yet(deps):
    pilot = register(deps, comparison_cohort={"employee_ids": PRODUCT[:55]})
    assert pilot.members == sorted(ENGINEERS)
    assert pilot.comparison_members == sorted(PRODUCT[:55])
    assert (pilot.status, pilot.registered, pilot.created_by) == ("registered", None, HR)
    status, listed = answer(routes.list_pilots(ctx(deps)))
    assert status == 200 and [p["pilot_id"] for p in listed["pilots"]] == [pilot.pilot_id]


def test_role_families_match_whatever_their_case(deps):
    assert register(deps, cohort={"role_families": ["product"]}).members == sorted(PRODUCT)


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"cohort": {"employee_ids": ENGINEERS[:49]}}, "cohort", "resolves to 49"),
    ({"cohort": {"employee_ids": [*ENGINEERS[:55], "ghost-1"]}}, "cohort", "ghost-1"),
    ({"cohort": {"role_families": ["Sales"]}}, "cohort", "'Sales'"),
    ({"comparison_cohort": {"employee_ids": ENGINEERS[:50]}}, "comparison_cohort", "50 people are in the cohort"),
    ({"comparison_cohort": {"employee_ids": PRODUCT[:10]}}, "comparison_cohort", "resolves to 10"),
])
def test_a_cohort_that_does_not_resolve_to_50_to_200_known_people_is_a_422_naming_it(deps, changes, field, says):
    status, body = answer(routes.post_pilot(ctx(deps, pilot_body(START, **changes))))
    assert (status, body["field"]) == (422, field)
    assert says in body["message"]
    assert deps.pilots.all() == []


def test_more_than_200_people_is_a_422_too(deps):
    seed(deps, suffix="x", framework_id="eng2")
    cohort = {"role_families": ["Engineering", "Engineeringx", "Product", "Productx"]}
    status, body = answer(routes.post_pilot(ctx(deps, pilot_body(START, cohort=cohort))))
    assert (status, body["field"]) == (422, "cohort") and "resolves to 240" in body["message"]


def test_a_leaver_is_not_a_current_employee(deps):
    leaver = deps.profiles.get(ENGINEERS[0])

    deps.profiles.commit(ProfileChange(profile=leaver.model_copy(update={"leaving_date": TODAY}),
                                       expected_version=leaver.version))
    status, body = answer(routes.post_pilot(ctx(deps, pilot_body(START, cohort={"employee_ids": ENGINEERS[:55]}))))
    assert (status, body["field"]) == (422, "cohort") and ENGINEERS[0] in body["message"]
    assert ENGINEERS[0] not in register(deps).members


def test_bad_bodies_and_past_starts_are_400s_naming_the_field(deps):
    with pytest.raises(InvalidBody) as short:
        routes.post_pilot(ctx(deps, pilot_body(START, days=59)))
    assert short.value.field == "end"
    status, body = answer(routes.post_pilot(ctx(deps, pilot_body(TODAY - timedelta(days=2)))))
    assert (status, body["field"]) == (400, "start")
    assert answer(routes.post_pilot(ctx(deps, pilot_body(TODAY - timedelta(days=1)))))[0] == 201


def test_only_hr_admins_may_read_or_write_pilots(deps):
    pilot = register(deps)
    for role in ("manager", "employee"):
        caller = ctx(deps, pilot_body(START), subject="emp-9", role=role)
        for call in (lambda c: routes.post_pilot(c), lambda c: routes.list_pilots(c),
                     lambda c: routes.get_pilot(pilot.pilot_id, c),
                     lambda c: routes.put_criteria(pilot.pilot_id, c),
                     lambda c: routes.post_amendment(pilot.pilot_id, c)):
            with pytest.raises(NotAllowed):
                call(caller)


def test_before_the_start_criteria_are_edited_freely_and_attributed(deps):
    pilot = register(deps)
    new = {"criteria": [{"key": "adoption", "comparator": ">=", "threshold": 60, "unit": "percent"}]}
    status, body = answer(routes.put_criteria(pilot.pilot_id, ctx(deps, new, subject="hr-2")))
    assert status == 200
    edited = Pilot.model_validate(body)
    assert [c.threshold for c in edited.request.criteria] == [60.0]
    assert [(e.by, e.at) for e in edited.edits] == [("hr-2", FAKE_NOW)]
    status, body = answer(routes.post_amendment(pilot.pilot_id, ctx(deps, {"reason": "early", **new})))
    assert status == 409 and "PUT" in body["message"]


def test_at_the_start_a_read_freezes_the_criteria_and_after_it_only_amendments_go(deps):
    pilot = register(deps)
    move_to(deps, START)
    status, body = answer(routes.get_pilot(pilot.pilot_id, ctx(deps)))
    frozen = Pilot.model_validate(body)
    assert (status, frozen.status) == (200, "running")
    record = criteria_of_record(frozen)
    assert record is not None and record.sha256 == criteria_hash(pilot.request.criteria)
    assert deps.pilots.get(pilot.pilot_id).registered == record  # persisted, not only shown

    lower = {"criteria": [{"key": "adoption", "comparator": ">=", "threshold": 40, "unit": "percent"}]}
    status, body = answer(routes.put_criteria(pilot.pilot_id, ctx(deps, lower)))
    assert status == 409 and f"/pilots/{pilot.pilot_id}/amendments" in body["message"]
    status, body = answer(routes.post_amendment(pilot.pilot_id, ctx(deps, {"reason": "too ambitious", **lower},
                                                                    subject="hr-2")))
    amended = Pilot.model_validate(body)
    assert status == 201
    assert [(a.by, a.reason, a.criteria[0].threshold) for a in amended.amendments] == [("hr-2", "too ambitious",
                                                                                        40.0)]
    assert criteria_of_record(amended) == record
    assert amended.request.criteria == pilot.request.criteria


def test_a_pilot_starting_today_is_frozen_as_it_is_registered(deps):
    status, body = answer(routes.post_pilot(ctx(deps, pilot_body(TODAY))))
    assert status == 201 and Pilot.model_validate(body).registered is not None


def test_an_unknown_or_odd_pilot_id_is_a_404(deps):
    for pilot_id in ("pil-none", "ünïcode", "x" * 300):
        status, body = answer(routes.get_pilot(pilot_id, ctx(deps)))
        assert (status, body["field"]) == (404, "pilot_id")
    status, _ = answer(routes.put_criteria("pil-none", ctx(deps, {"criteria": pilot_body(START)["criteria"]})))
    assert status == 404


def test_the_audit_log_gets_ids_and_codes_never_the_name_or_the_reason(deps):
    pilot = register(deps, name="Secret project Falcon")
    move_to(deps, START)
    routes.post_amendment(pilot.pilot_id, ctx(deps, {"reason": "private reasoning here",
                                                     "criteria": pilot_body(START)["criteria"]}))
    actions = [r.decision["action"] for r in deps.audit.records if r.subject_id == f"pilot:{pilot.pilot_id}"]
    assert actions == ["pilot.registered", "pilot.frozen", "pilot.amended"]
    logged = json.dumps([r.model_dump(mode="json") for r in deps.audit.records])
    assert "Falcon" not in logged and "private reasoning" not in logged


def test_through_the_app_post_answers_201_with_location_and_bad_json_is_a_400(deps):
    app = create_app(deps)
    raw = event(HR, "hr_admin", body=pilot_body(START))
    raw["rawPath"] = raw["requestContext"]["http"]["path"] = "/pilots"
    raw["requestContext"]["http"]["method"] = "POST"
    made = app.resolve(raw, {})
    assert made["statusCode"] == 201
    assert made["headers"]["Location"] == f"/pilots/{json.loads(made['body'])['pilot_id']}"
    raw["body"] = "{not json"
    assert app.resolve(raw, {})["statusCode"] == 400


# -- the scorecard --------------------------------------------------------------------------------------------------


ALL_CRITERIA = [{"key": "adoption", "comparator": ">=", "threshold": 70, "unit": "percent"},
                {"key": "manager_utilisation", "comparator": ">=", "threshold": 60, "unit": "percent"},
                {"key": "skill_progression", "comparator": ">=", "threshold": 50, "unit": "percent"},
                {"key": "trigger_reliability", "comparator": ">=", "threshold": 100, "unit": "percent"},
                {"key": "employee_sentiment", "comparator": ">=", "threshold": 10, "unit": "enps"}]


def test_only_hr_admins_read_a_scorecard(deps):
    pilot = register(deps)
    move_to(deps, START)
    for role in ("manager", "employee"):
        with pytest.raises(NotAllowed):
            routes.get_scorecard(pilot.pilot_id, ctx(deps, subject="emp-9", role=role))


def test_before_the_start_there_is_no_scorecard_and_an_unknown_pilot_is_a_404(deps):
    pilot = register(deps)
    status, body = answer(routes.get_scorecard(pilot.pilot_id, ctx(deps)))
    assert status == 409 and "not started" in body["message"]
    status, body = answer(routes.get_scorecard("pil-nope", ctx(deps)))
    assert (status, body["field"]) == (404, "pilot_id")
    move_to(deps, START)
    status, body = answer(routes.get_scorecard(pilot.pilot_id, ctx(deps), as_of=START - timedelta(days=1)))
    assert (status, body["field"]) == (400, "as_of")


def _plant(deps, pilot: Pilot) -> None:
    def at(day, hour=12):
        return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)

    day30, day60 = START + timedelta(days=29), START + timedelta(days=59)
    # adoption: 45 of the 60 engineers pressed a button in the 30 days up to day 30 (75 %); only 30 did by day 60
    for i, employee in enumerate(pilot.members[:45]):
        for when in (at(START + timedelta(days=5)), at(day60)) if i < 30 else (at(day30),):
            deps.audit.append(AuditRecord(event_id=f"chat-{employee}-{when.date()}", trigger="chat_action",
                                          subject_id=employee, outcome="succeeded", recorded_at=when,
                                          decision={"action": "engagement.done", "chat": "slack"}))
    # manager utilisation: 5 managers alerted about their reports, 4 acted (80 %)
    for m in range(5):
        employee = pilot.members[m]
        stored = deps.profiles.get(employee)
        decided = AlertDecision(status="discussed", by=f"mgr-{m}", at=at(START + timedelta(days=3))) if m else None
        alert = ManagerAlert(alert_id=f"al-{m}", manager_id=f"mgr-{m}", employee_id=employee, employee_name="x",
                             as_of=START, reasons=[], talking_points=[], open_gaps={},
                             created_at=at(START + timedelta(days=2)), source_event_id="ev", decision=decided)
        deps.profiles.commit(ProfileChange(profile=stored.model_copy(update={"manager_id": f"mgr-{m}"}),
                                           expected_version=stored.version, alert=alert))
    # trigger reliability: one event accounted for before day 30, one silent between day 30 and day 60
    deps.audit.mark_accepted(AcceptedEvent("ev-ok", spine.CHECKIN_SUBMITTED, at(START + timedelta(days=1))))
    deps.audit.append(AuditRecord(event_id="ev-ok", trigger="checkin_gap_nudge", subject_id=pilot.members[0],
                                  outcome="succeeded", recorded_at=at(START + timedelta(days=1), 13),
                                  decision={"applied_ratings": 1, "flagged_skills": []}))
    deps.audit.mark_accepted(AcceptedEvent("ev-lost", spine.CHECKIN_SUBMITTED, at(START + timedelta(days=40))))


def test_a_full_scorecard_over_the_fakes_at_day_30_and_day_60(deps):
    pilot = register(deps, criteria=ALL_CRITERIA)
    move_to(deps, START)
    pilot = Pilot.model_validate(answer(routes.get_pilot(pilot.pilot_id, ctx(deps)))[1])
    _plant(deps, pilot)
    move_to(deps, START + timedelta(days=61))
    status, body = answer(routes.get_scorecard(pilot.pilot_id, ctx(deps)))
    assert status == 200
    assert body["criteria_sha256"] == pilot.registered.sha256
    assert [(p["label"], p["as_of"]) for p in body["points"]] == [
        ("day_30", (START + timedelta(days=29)).isoformat()), ("day_60", (START + timedelta(days=59)).isoformat())]
    day30, day60 = ({c["key"]: c for c in point["criteria"]} for point in body["points"])
    assert [c["key"] for c in body["points"][0]["criteria"]] == [c["key"] for c in ALL_CRITERIA]
    assert (day30["adoption"]["status"], day30["adoption"]["value"], day30["adoption"]["n"]) == ("met", 75.0, 60)
    assert day30["adoption"]["interval"]["method"] == "wilson"
    assert (day60["adoption"]["status"], day60["adoption"]["value"]) == ("not_met", 50.0)
    utilisation = day30["manager_utilisation"]
    assert (utilisation["status"], utilisation["value"], utilisation["n"]) == ("met", 80.0, 5)
    assert "no manager survey yet" in utilisation["reason"]
    assert day30["skill_progression"]["status"] == "not_measurable"
    assert (day30["trigger_reliability"]["status"], day30["trigger_reliability"]["value"]) == ("met", 100.0)
    assert (day60["trigger_reliability"]["status"], day60["trigger_reliability"]["details"]["silent"]) == (
        "not_met", 1)
    assert day60["employee_sentiment"] == {**day60["employee_sentiment"], "status": "not_measurable",
                                           "reason": "no pulse survey yet", "definition": "employee_sentiment@1"}
    assert {c["definition"] for c in day30.values()} == {f"{c['key']}@1" for c in ALL_CRITERIA}

    status, body = answer(routes.get_scorecard(pilot.pilot_id, ctx(deps), as_of=START + timedelta(days=400)))
    assert status == 200 and [(p["label"], p["as_of"]) for p in body["points"]] == [
        ("as_of", pilot.request.end.isoformat())]


def test_a_checkpoint_not_reached_yet_is_not_measurable(deps):
    pilot = register(deps, criteria=ALL_CRITERIA)
    move_to(deps, START + timedelta(days=35))
    status, body = answer(routes.get_scorecard(pilot.pilot_id, ctx(deps)))
    assert status == 200
    later = body["points"][1]["criteria"]
    assert {c["status"] for c in later} == {"not_measurable"} and "has not come yet" in later[0]["reason"]
