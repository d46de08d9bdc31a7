"""Over real HTTP on the local stack: a person stores their preferences on DynamoDB, reads them back with what
applies, loses a race with a 409, and finds them in their data export; their manager may do none of it."""

from __future__ import annotations

from tests.integration.conftest import person


def test_a_person_sets_their_preferences_and_finds_them_in_their_export(stack, hris, api, deps):
    employee, manager = person(stack, hris)
    path = f"/people/{employee}/preferences"
    first = api.get(path, "employee", employee)
    assert first.status_code == 200, first.text
    assert (first.json()["stored"], first.json()["effective"]["channel"]) == (False, "email")
    assert api.get(path, "manager", manager).status_code == 403
    assert api.put(path, "manager", manager, {"version": 0}).status_code == 403

    choice = {"version": 0, "timezone": "America/New_York", "quiet_hours": {"start": "21:00", "end": "07:00"},
              "daily_cap": 1, "muted_kinds": ["next_step"]}
    bad = api.put(path, "employee", employee, {**choice, "timezone": "America/Atlantis"})
    assert bad.status_code == 400 and bad.json()["field"] == "timezone"
    stored = api.put(path, "employee", employee, choice)
    assert stored.status_code == 200, stored.text
    assert (stored.json()["version"], stored.json()["effective"]["quiet_hours"]) == (
        1, {"start": "21:00", "end": "07:00"})
    assert api.put(path, "employee", employee, choice).status_code == 409  # version 0 is gone
    assert deps.profiles.preferences(employee).muted_kinds == ["next_step"]

    export = api.get(f"/employees/{employee}/export", "employee", employee).json()
    assert export["preferences"]["timezone"] == "America/New_York" and export["other_records"] == {}
    audited = [r for r in deps.audit.for_subject(employee) if r.decision.get("action") == "preferences.changed"]
    assert [r.decision["fields"] for r in audited] == [["timezone", "quiet_hours", "daily_cap", "muted_kinds"]]
