"""Pilots over real HTTP on the local stack (moto server, the API function, the governance table): registering
against the stored profiles, frozen at the start, edits before and amendments after, hr_admin only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from coachwire.adapters.pilots import PILOTS_PK
from coachwire.domain.pilots import criteria_hash
from coachwire.models.pilots import Pilot

from tests.pilot_org import pilot_body, seed

SUFFIX = "-pilot"
NEW_CRITERIA = {"criteria": [{"key": "employee_sentiment", "comparator": ">=", "threshold": 3.5, "unit": "score"}]}


@pytest.fixture(scope="module")
def people(deps):
    return seed(deps, suffix=SUFFIX, framework_id="pilotfw")


def body(start, **changes) -> dict:
    return pilot_body(start, cohort={"role_families": [f"Engineering{SUFFIX}"]}, **changes)


def test_a_pilot_registered_for_later_is_edited_and_may_not_be_amended_yet(api, stack, people):
    engineers, product = people
    today = datetime.now(UTC).date()
    made = api.post("/pilots", "hr_admin", "hr-1",
                    body(today + timedelta(days=10), comparison_cohort={"employee_ids": product[:50]}))
    assert made.status_code == 201, made.text
    pilot = Pilot.model_validate(made.json())
    assert made.headers["Location"] == f"/pilots/{pilot.pilot_id}"
    assert pilot.members == sorted(engineers) and pilot.registered is None

    edited = api.put(f"/pilots/{pilot.pilot_id}/criteria", "hr_admin", "hr-2", NEW_CRITERIA)
    assert edited.status_code == 200, edited.text
    assert edited.json()["edits"][0]["by"] == "hr-2"
    early = api.post(f"/pilots/{pilot.pilot_id}/amendments", "hr_admin", "hr-1", {"reason": "x", **NEW_CRITERIA})
    assert early.status_code == 409

    stored = boto3.client("dynamodb").get_item(TableName=stack.settings.governance_table,
                                               Key={"pk": {"S": PILOTS_PK}, "sk": {"S": pilot.pilot_id}})["Item"]
    assert stored["version"]["N"] == "1"


def test_a_pilot_starting_today_is_frozen_and_takes_amendments_only(api, people):
    today = datetime.now(UTC).date()
    made = api.post("/pilots", "hr_admin", "hr-1", body(today))
    assert made.status_code == 201, made.text
    pilot = Pilot.model_validate(made.json())
    assert pilot.registered is not None and pilot.registered.sha256 == criteria_hash(pilot.request.criteria)

    assert api.put(f"/pilots/{pilot.pilot_id}/criteria", "hr_admin", "hr-1", NEW_CRITERIA).status_code == 409
    amended = api.post(f"/pilots/{pilot.pilot_id}/amendments", "hr_admin", "hr-2",
                       {"reason": "sentiment added", **NEW_CRITERIA})
    assert amended.status_code == 201, amended.text
    read = Pilot.model_validate(api.get(f"/pilots/{pilot.pilot_id}", "hr_admin", "hr-1").json())
    assert read.registered == pilot.registered
    assert [(a.by, a.reason) for a in read.amendments] == [("hr-2", "sentiment added")]
    listed = api.get("/pilots", "hr_admin", "hr-1").json()["pilots"]
    assert pilot.pilot_id in [p["pilot_id"] for p in listed]


def test_bad_cohorts_are_422s_and_only_hr_admins_get_in(api, people):
    engineers, _ = people
    start = datetime.now(UTC).date() + timedelta(days=3)
    small = api.post("/pilots", "hr_admin", "hr-1", pilot_body(start, cohort={"employee_ids": engineers[:20]}))
    assert (small.status_code, small.json()["field"]) == (422, "cohort")
    unknown = api.post("/pilots", "hr_admin", "hr-1",
                       pilot_body(start, cohort={"employee_ids": [*engineers[:50], "nobody-here"]}))
    assert unknown.status_code == 422 and "nobody-here" in unknown.json()["message"]
    for role in ("manager", "employee"):
        assert api.get("/pilots", role, engineers[0]).status_code == 403
        assert api.post("/pilots", role, engineers[0], body(start)).status_code == 403
