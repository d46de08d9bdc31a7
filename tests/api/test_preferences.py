"""GET/PUT /people/{id}/preferences on the fakes: the person or hr_admin only, the organisation's defaults when
nothing is stored, a whole replacement on the version read, a 400 naming the field, and an audit entry that names
the fields changed but never their values."""

from __future__ import annotations

import json

import pytest
from coachwire.api.app import create_app
from coachwire.api.bodies import InvalidBody
from coachwire.api.routes import preferences
from coachwire.errors import NotAllowed
from coachwire.ports import ProfileChange

from tests.api.test_routes_alone import context, event
from tests.factories import profile
from tests.fakes import FAKE_NOW, fake_dependencies

CHOICE = {"version": 0, "channel": "slack", "timezone": "Europe/Berlin",
          "quiet_hours": {"start": "21:00", "end": "07:30"}, "daily_cap": 2, "weekly_cap": 0, "digest": "weekly",
          "muted_kinds": ["nudge", "next_step", "nudge"]}


@pytest.fixture
def deps():
    made = fake_dependencies()
    made.profiles.commit(ProfileChange(profile=profile(), expected_version=None))  # emp-1, manager emp-9
    return made


def get(deps, person: str, subject: str, role: str = "employee") -> dict:
    answer = preferences.get_preferences(person, context(deps, subject, role))
    assert answer.status_code == 200
    return answer.body


def put(deps, person: str, subject: str, body: dict, role: str = "employee"):
    answer = preferences.put_preferences(person, context(deps, subject, role, body=body))
    return answer.status_code, answer.body


def test_nothing_stored_reads_as_the_organisations_defaults(deps):
    view = get(deps, "emp-1", "emp-1")
    assert (view["stored"], view["version"], view["channel"], view["quiet_hours"], view["muted_kinds"]) == (
        False, 0, None, None, [])
    assert view["effective"] == {"channel": "email", "timezone": "UTC",
                                 "quiet_hours": None, "daily_cap": 3,
                                 "weekly_cap": 10, "digest": "off", "muted_kinds": [], "next_digest_at": None}
    assert deps.profiles.preferences("emp-1") is None  # reading stores nothing


def test_the_person_stores_their_choice_and_reads_it_back_with_what_applies(deps):
    status, body = put(deps, "emp-1", "emp-1", CHOICE)
    assert status == 200, body
    assert (body["stored"], body["version"], body["channel"], body["muted_kinds"]) == (
        True, 1, "slack", ["next_step", "nudge"])
    assert body["changed_fields"] == ["channel", "timezone", "quiet_hours", "daily_cap", "weekly_cap", "digest",
                                      "muted_kinds"]
    view = get(deps, "emp-1", "emp-1")
    assert view["effective"]["timezone"] == "Europe/Berlin" and view["effective"]["weekly_cap"] == 0
    assert view["effective"]["next_digest_at"] == "2026-10-05T06:00:00Z"  # Monday 08:00 in Berlin (CEST)
    assert (view["updated_by"], view["updated_at"]) == ("emp-1", FAKE_NOW.isoformat().replace("+00:00", "Z"))
    stored = deps.profiles.preferences("emp-1")
    assert stored.version == 1 and stored.quiet_hours.start.hour == 21


def test_every_change_is_audited_with_field_names_and_never_values(deps):
    put(deps, "emp-1", "emp-1", CHOICE)
    put(deps, "emp-1", "emp-1", {**CHOICE, "version": 1})  # the same again: nothing changes
    records = [r for r in deps.audit.for_subject("emp-1") if r.decision.get("action") == "preferences.changed"]
    assert [(r.outcome, r.decision["fields"], r.decision["version"]) for r in records] == [
        ("succeeded", ["channel", "timezone", "quiet_hours", "daily_cap", "weekly_cap", "digest", "muted_kinds"], 1),
        ("no_action", [], 1)]
    logged = json.dumps([r.model_dump(mode="json") for r in records])
    assert "Berlin" not in logged and "slack" not in logged and "21:00" not in logged
    assert deps.profiles.preferences("emp-1").version == 1


def test_a_put_on_a_version_no_longer_stored_is_a_409_and_changes_nothing(deps):
    put(deps, "emp-1", "emp-1", CHOICE)
    assert put(deps, "emp-1", "emp-1", {**CHOICE, "channel": "email"})[0] == 409  # read before the first PUT
    assert put(deps, "emp-1", "emp-1", {**CHOICE, "channel": "email", "version": 7})[0] == 409
    assert put(deps, "emp-1", "emp-1", {"version": 3})[0] == 409
    assert deps.profiles.preferences("emp-1").channel == "slack"
    status, body = put(deps, "emp-1", "emp-1", {"version": 1})  # back to every default
    assert (status, body["version"], body["channel"], body["quiet_hours"]) == (200, 2, None, None)


def test_only_the_person_or_hr_admin_and_never_the_manager(deps):
    for subject, role in (("emp-9", "manager"), ("emp-2", "employee"), ("emp-2", "manager")):
        with pytest.raises(NotAllowed):
            preferences.get_preferences("emp-1", context(deps, subject, role))
        with pytest.raises(NotAllowed):
            preferences.put_preferences("emp-1", context(deps, subject, role, body=CHOICE))
    assert put(deps, "emp-1", "hr-1", CHOICE, role="hr_admin")[0] == 200
    assert get(deps, "emp-1", "hr-1", "hr_admin")["updated_by"] == "hr-1"


def test_someone_without_an_employee_record_reads_the_defaults_but_stores_nothing(deps):
    with pytest.raises(NotAllowed, match="no readable employee 'nobody'"):  # the same answer as not yours
        preferences.get_preferences("nobody", context(deps, "hr-1", "hr_admin"))
    assert get(deps, "hr-1", "hr-1", "hr_admin")["stored"] is False  # their own: the defaults
    with pytest.raises(NotAllowed, match="no employee record"):
        preferences.put_preferences("hr-1", context(deps, "hr-1", "hr_admin", body=CHOICE))
    assert deps.profiles.preferences("hr-1") is None


def test_the_teams_webhook_is_hrs_to_set_and_the_person_keeps_it_by_sending_it_back(deps):
    with pytest.raises(NotAllowed, match="set by hr_admin"):
        preferences.put_preferences("emp-1", context(deps, "emp-1", body={**CHOICE, "teams_webhook_ref": "x"}))
    assert put(deps, "emp-1", "hr-1", {**CHOICE, "teams_webhook_ref": "team-platform"}, role="hr_admin")[0] == 200
    status, body = put(deps, "emp-1", "emp-1", {**CHOICE, "version": 1, "teams_webhook_ref": "team-platform",
                                                "channel": "teams"})
    assert (status, body["teams_webhook_ref"], body["changed_fields"]) == (200, "team-platform", ["channel"])
    with pytest.raises(NotAllowed):  # leaving it out would clear it: also HR's
        preferences.put_preferences("emp-1", context(deps, "emp-1", body={"version": 2}))


@pytest.mark.parametrize("body, field", [
    ({**CHOICE, "timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({**CHOICE, "timezone": "../../etc/passwd"}, "timezone"),
    ({**CHOICE, "quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
    ({**CHOICE, "quiet_hours": {"start": "22:00+01:00", "end": "07:00"}}, "quiet_hours.start"),
    ({**CHOICE, "quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
    ({**CHOICE, "quiet_hours": "sometimes"}, "quiet_hours"),
    ({**CHOICE, "daily_cap": -1}, "daily_cap"),
    ({**CHOICE, "channel": "pager"}, "channel"),
    ({**CHOICE, "digest": "daily"}, "digest"),
    ({**CHOICE, "muted_kinds": ["nudge", "spam"]}, "muted_kinds.1"),
    ({**CHOICE, "muted_kinds": ["audit_flag"]}, "muted_kinds"),
    ({**CHOICE, "teams_webhook_ref": "https://example.com/hook"}, "teams_webhook_ref"),
    ({**CHOICE, "quiet": True}, "quiet"),
    ({k: v for k, v in CHOICE.items() if k != "version"}, "version"),
])
def test_a_bad_body_is_a_400_naming_the_field_and_stores_nothing(deps, body, field):
    with pytest.raises(InvalidBody) as bad:
        preferences.put_preferences("emp-1", context(deps, "emp-1", body=body))
    assert bad.value.field == field
    assert deps.profiles.preferences("emp-1") is None


def test_through_the_app_the_route_answers_as_documented(deps):
    app = create_app(deps)

    def call(method: str, body: object = None) -> tuple[int, dict]:
        raw = event("emp-1", body=body)
        raw["rawPath"] = raw["requestContext"]["http"]["path"] = "/people/emp-1/preferences"
        raw["requestContext"]["http"]["method"] = method
        answer = app.resolve(raw, {})
        return answer["statusCode"], json.loads(answer["body"])

    assert call("PUT", {**CHOICE, "timezone": "Nowhere/Else"}) == (400, {
        "message": "timezone: Value error, unknown time zone 'Nowhere/Else': use an IANA name such as "
                   "'Europe/Berlin'", "field": "timezone"})
    assert call("PUT", CHOICE)[0] == 200
    assert call("PUT", CHOICE) == (409, {"message": "the preferences changed since you read them; read them again",
                                         "field": "version"})
    assert call("GET")[1]["version"] == 1
