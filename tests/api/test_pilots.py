"""The pilot routes called alone on the fakes: hr_admin only, registering (cohorts resolved against the profiles,
clear 4xx naming the field), freezing at the start on any read, edits before and amendments after, and an audit
log of ids and codes only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from coachwire.api.app import create_app
from coachwire.api.bodies import InvalidBody
from coachwire.api.request import RequestContext
from coachwire.api.routes import pilots as routes
from coachwire.clock import FixedClock
from coachwire.domain.pilots import criteria_hash, criteria_of_record
from coachwire.errors import NotAllowed
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
