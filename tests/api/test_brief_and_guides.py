"""GET /guides/{reason_code} and GET /managers/{manager_id}/brief/{employee_id}, called alone on the fakes and
through the app: who may read the brief (the manager, the employee, hr_admin; the same 403 for absent and not
yours), and the guide as JSON or HTML."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from coachwire.api.app import create_app
from coachwire.api.routes import guides, managers
from coachwire.errors import NotAllowed
from coachwire.models.coaching import ManagerAlert, StallReason
from coachwire.ports import ProfileChange

from tests.api.test_routes_alone import context, deps, event  # noqa: F401 (deps is a fixture)
from tests.factories import T0, profile


def _with_alert(deps) -> None:  # noqa: F811
    ada = deps.profiles.get("emp-1")
    stall = ManagerAlert(alert_id="alert-1", manager_id="emp-9", employee_id="emp-1", employee_name="Ada Example",
                         as_of=T0.date(), reasons=[StallReason(code="benchmark_raised", skill_id="design", level=2,
                                                               detail="benchmark raised from 1 to 2")],
                         talking_points=["Walk through what good looks like now."], open_gaps={"design": 1},
                         created_at=T0, source_event_id="ev-1")
    deps.profiles.commit(ProfileChange(profile=ada, expected_version=ada.version, alert=stall))


def test_the_manager_the_employee_and_hr_admin_read_the_brief(deps):  # noqa: F811
    _with_alert(deps)
    for subject, role in (("emp-9", "manager"), ("emp-1", "employee"), ("emp-0", "hr_admin")):
        brief = managers.get_brief("emp-9", "emp-1", context(deps, subject, role))
        assert brief.employee_id == "emp-1" and brief.manager_id == "emp-9"
        assert [g.skill_id for g in brief.open_gaps] == ["review", "design", "comms"]  # gap × criticality
        assert brief.last_alert is not None and brief.last_alert.guides[0].path == "/guides/benchmark_raised"


def test_anyone_else_gets_the_same_403_as_for_an_absent_employee(deps):  # noqa: F811
    deps.profiles.commit(ProfileChange(profile=profile(employee_id="emp-2", manager_id="emp-8"),
                                       expected_version=None))
    refusals = []
    for manager_id, employee_id, subject, role in (
            ("emp-8", "emp-1", "emp-8", "manager"),    # a manager, but of someone else
            ("emp-9", "emp-1", "emp-8", "manager"),    # another manager reading emp-9's brief
            ("emp-9", "emp-1", "emp-2", "employee"),   # a colleague
            ("emp-8", "emp-1", "emp-0", "hr_admin"),   # not a current manager and report, even for hr_admin
            ("emp-9", "emp-404", "emp-9", "manager")):  # no such employee
        with pytest.raises(NotAllowed) as refused:
            managers.get_brief(manager_id, employee_id, context(deps, subject, role))
        refusals.append(str(refused.value).replace(employee_id, "<id>"))
    assert set(refusals) == {"no readable brief for '<id>'"}


def test_the_brief_and_a_guide_through_the_app(deps):  # noqa: F811
    _with_alert(deps)
    app = create_app(deps)

    def get(path: str, subject: str, role: str, query: str = "", accept: str = "") -> dict:
        raw = event(subject, role)
        raw["rawPath"] = raw["requestContext"]["http"]["path"] = path
        raw["rawQueryString"] = query
        raw["queryStringParameters"] = dict(p.split("=") for p in query.split("&")) if query else None
        raw["headers"] = {"accept": accept} if accept else {}
        return app.resolve(raw, {})

    answer = get("/managers/emp-9/brief/emp-1", "emp-9", "manager", "days=7")
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["activity"]["days"] == 7
    assert get("/managers/emp-9/brief/emp-1", "emp-8", "manager")["statusCode"] == 403
    assert get("/managers/emp-9/brief/emp-1", "emp-9", "manager", "days=0")["statusCode"] == 400

    as_json = get("/guides/low_activity", "emp-1", "employee")
    assert as_json["statusCode"] == 200 and json.loads(as_json["body"])["reason_code"] == "low_activity"
    for query, accept in (("format=html", ""), ("", "text/html,application/xhtml+xml")):
        page = get("/guides/rating_dropped", "emp-9", "manager", query, accept)
        assert page["statusCode"] == 200 and page["headers"]["Content-Type"].startswith("text/html")
        assert "<h2>Questions to ask</h2>" in page["body"]
    missing = get("/guides/on_leave", "emp-9", "manager")
    assert missing["statusCode"] == 404 and "no conversation guide for 'on_leave'" in missing["body"]
    assert get("/guides/low_activity", "emp-9", "manager", "format=pdf")["statusCode"] == 400


def test_a_guide_route_called_alone(deps):  # noqa: F811
    answer = guides.get_guide("benchmark_raised", context(deps, "emp-1"))
    assert json.loads(answer.body)["version"] == "2026.1"
    with pytest.raises(NotFoundError):
        guides.get_guide("nope", context(deps, "emp-1"))
