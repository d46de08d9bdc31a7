"""A route is a plain function of its path parameters and a RequestContext: callable alone, on in-memory ports,
without a resolver or a Lambda event of its own; and the one body parser names the field a caller got wrong."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from coachwire.api.app import ROUTE_MODULES, create_app
from coachwire.api.bodies import InvalidBody
from coachwire.api.request import RequestContext
from coachwire.api.routes import employees, plans, rights, triggers
from coachwire.errors import NotAllowed
from coachwire.models.cocreation import PlanPatch
from coachwire.ports import ProfileChange

from tests.factories import catalog, framework, profile
from tests.fakes import fake_dependencies


def event(subject: str, role: str = "employee", body: object = None, raw_body: str | None = None) -> dict:
    return {"version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "", "headers": {},
            "body": raw_body if raw_body is not None else (json.dumps(body) if body is not None else None),
            "isBase64Encoded": False,
            "requestContext": {"http": {"method": "GET", "path": "/", "sourceIp": "10.0.0.1"}, "stage": "$default",
                               "authorizer": {"jwt": {"claims": {"sub": subject, "coachwire_role": role},
                                                      "scopes": []}}}}


@pytest.fixture
def deps():
    made = fake_dependencies()
    made.catalog.publish(framework(), catalog())
    made.profiles.commit(ProfileChange(profile=profile({"design": 1}), expected_version=None))
    return made


def context(deps, subject: str, role: str = "employee", **kwargs) -> RequestContext:
    return RequestContext(deps=deps, event=APIGatewayProxyEventV2(event(subject, role, **kwargs)))


def test_a_route_called_alone_reads_through_the_ports_it_is_given(deps):
    view = employees.get_employee("emp-1", context(deps, "emp-1"))
    design = next(level for level in view.levels if level.skill_id == "design")
    assert (view.role_name, design.level, design.benchmark, design.gap) == ("Software Engineer", 1, 2, 1)
    assert view.open_gaps == 3  # review and comms are unassessed: level 0 against 2


def test_a_route_called_alone_still_checks_who_may_read(deps):
    with pytest.raises(NotAllowed):
        employees.get_employee("emp-1", context(deps, "emp-2"))
    manager_view = employees.get_employee("emp-1", context(deps, "emp-9", "manager"))
    assert manager_view.employee_id == "emp-1"
    with pytest.raises(NotAllowed):
        triggers.get_stats(context(deps, "emp-1"))


def test_the_body_parser_drops_the_union_tag_from_the_field_it_names(deps):
    too_long = {"changes": [{"op": "decline", "item_id": "design-l2", "reason": "x" * 501}]}
    with pytest.raises(InvalidBody) as bad:
        context(deps, "emp-1", body=too_long).body(PlanPatch)
    assert bad.value.field == "changes.0.reason"
    with pytest.raises(InvalidBody) as no_tag:
        context(deps, "emp-1", body={"changes": [{"item_id": "design-l2"}]}).body(PlanPatch)
    assert no_tag.value.field == "changes.0.op"


def test_the_body_parser_names_the_tag_field_of_a_top_level_union(deps):
    with pytest.raises(InvalidBody) as unknown_kind:
        rights.post_correction("emp-1", context(deps, "emp-1", body={"field": "salary"}))
    assert unknown_kind.value.field == "field"
    with pytest.raises(InvalidBody) as missing:
        rights.post_correction("emp-1", context(deps, "emp-1", body={"field": "skill_level", "skill_id": "design"}))
    assert missing.value.field == "proposed"  # not "skill_level.proposed": the tag is the caller's, not a path


def test_a_body_that_is_not_json_is_a_400_naming_body_through_the_app(deps):
    app = create_app(deps)
    raw = event("emp-1", raw_body="{not json")
    raw["rawPath"] = raw["requestContext"]["http"]["path"] = "/employees/emp-1/plan"
    raw["requestContext"]["http"]["method"] = "PATCH"
    answer = app.resolve(raw, {})
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"]) == {"message": "body is not valid JSON", "field": "body"}
    assert plans.get_plan("emp-1", context(deps, "emp-1")).plan is None  # nothing was stored


def test_two_apps_never_share_their_dependencies():
    first, second = fake_dependencies(), fake_dependencies()
    for made, stage in ((first, "mid"), (second, "senior")):
        made.catalog.publish(framework(), catalog())
        made.profiles.commit(ProfileChange(profile=profile(stage=stage), expected_version=None))
    apps = [create_app(first), create_app(second)]
    stages = []
    for app in apps:
        raw = event("emp-1")
        raw["rawPath"] = raw["requestContext"]["http"]["path"] = "/employees/emp-1"
        stages.append(json.loads(app.resolve(raw, {})["body"])["career_stage"])
    assert stages == ["mid", "senior"]


def test_every_route_module_is_included_and_every_route_is_a_module_function():
    app = create_app(fake_dependencies())
    included = {route.func.__module__ for route in app._static_routes + app._dynamic_routes}
    assert {module.__name__ for module in ROUTE_MODULES} <= included
    for module in ROUTE_MODULES:
        for (_rule, _method, *_rest), func in module.router._routes.items():
            assert getattr(module, func.__name__) is func, f"{module.__name__}.{func.__name__} is not findable"


def test_trigger_reliability_is_for_hr_admins_and_bounded(deps):
    from datetime import timedelta

    from coachwire.api.routes import reliability
    from coachwire.domain.reliability import AcceptedEvent

    now = deps.clock.now()
    deps.audit.mark_accepted(AcceptedEvent("msg_lost", "performance.checkin.submitted", now - timedelta(hours=2)))
    with pytest.raises(NotAllowed):
        reliability.get_reliability(context(deps, "emp-1"))
    view = reliability.get_reliability(context(deps, "hr-1", "hr_admin"))
    assert (view.accepted, view.accounted, [s.event_id for s in view.silent]) == (1, False, ["msg_lost"])
    assert view.totals["silent"] == 1
    too_long = reliability.get_reliability(context(deps, "hr-1", "hr_admin"), start=now - timedelta(days=32), end=now)
    assert too_long.status_code == 400
