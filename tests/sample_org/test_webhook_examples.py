"""examples/webhooks: valid payloads that name the sample org consistently, and a signing recipe that works."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from coachwire.models.events import DATA_MODELS, WebhookEnvelope
from coachwire_tools.sample_org import framework_for_role, load_catalogs
from coachwire_tools.sample_org.people import SAMPLE_PEOPLE_BY_ID
from coachwire_tools.webhook_client import sign
from standardwebhooks import Webhook

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "webhooks"
TYPES = ("employee.upserted", "performance.checkin.submitted", "employee.role.changed", "learning.activity.completed",
         "employee.left", "employee.demographics.upserted")


def example(event_type: str) -> dict:
    return json.loads((EXAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))


def benchmarks(role_id: str, stage: str) -> dict[str, int]:
    return framework_for_role(role_id).role(role_id).stage(stage).benchmarks  # type: ignore[union-attr]


@pytest.mark.parametrize("event_type", TYPES)
def test_example_validates_and_is_named_after_its_type(event_type: str) -> None:
    payload = example(event_type)
    envelope = WebhookEnvelope.model_validate(payload)
    assert envelope.type == event_type
    DATA_MODELS[event_type].model_validate(envelope.data)
    assert envelope.data["employee_id"] in SAMPLE_PEOPLE_BY_ID


def test_only_the_listed_examples_are_present() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(TYPES)


def test_upsert_matches_the_sample_record() -> None:
    data = example("employee.upserted")["data"]
    assert data == SAMPLE_PEOPLE_BY_ID[data["employee_id"]].upserted_data()


def test_checkin_comes_from_the_real_manager_and_flags_real_gaps() -> None:
    data = example("performance.checkin.submitted")["data"]
    person = SAMPLE_PEOPLE_BY_ID[data["employee_id"]]
    assert data["manager_id"] == person.manager_id
    bench = benchmarks(person.role_id, person.career_stage)
    for rating in data["skill_ratings"]:
        assert rating["skill_id"] in person.levels
        assert rating["level"] == person.levels[rating["skill_id"]]
        assert rating["gap_flagged"] == (rating["level"] < bench[rating["skill_id"]])
    assert any(r["gap_flagged"] for r in data["skill_ratings"])


def test_role_change_is_a_promotion_from_the_current_stage() -> None:
    data = example("employee.role.changed")["data"]
    person = SAMPLE_PEOPLE_BY_ID[data["employee_id"]]
    assert (data["previous_role_id"], data["previous_career_stage"]) == (person.role_id, person.career_stage)
    framework = framework_for_role(data["role_id"])
    assert framework == framework_for_role(person.role_id)
    role = framework.role(data["role_id"])
    assert role.stage(data["career_stage"]).order > role.stage(person.career_stage).order  # type: ignore[union-attr]
    assert data["effective_date"] > person.hire_date.isoformat()
    new_bench = benchmarks(data["role_id"], data["career_stage"])
    assert any(person.levels[s] < level for s, level in new_bench.items()), "the promotion should open gaps"


def test_learning_completion_is_a_catalog_item_for_a_gap_skill() -> None:
    data = example("learning.activity.completed")["data"]
    person = SAMPLE_PEOPLE_BY_ID[data["employee_id"]]
    framework = framework_for_role(person.role_id)
    item = next(i for i in load_catalogs()[framework.framework_id].items if i.item_id == data["activity_id"])
    bench = benchmarks(person.role_id, person.career_stage)
    assert person.levels[item.skill_id] < bench[item.skill_id]
    assert item.builds_level == person.levels[item.skill_id] + 1
    # It is the gap the check-in example flags.
    ratings = example("performance.checkin.submitted")["data"]["skill_ratings"]
    flagged = [r["skill_id"] for r in ratings if r["gap_flagged"]]
    assert item.skill_id in flagged


def test_leaver_example_leaves_after_it_was_sent() -> None:
    payload = example("employee.left")
    assert date.fromisoformat(payload["data"]["leaving_date"]) >= datetime.fromisoformat(payload["timestamp"]).date()
def test_demographics_example_answers_every_field_one_with_an_explicit_decline() -> None:
    data = example("employee.demographics.upserted")["data"]
    assert "declined_to_state" in data.values()
    assert set(data) == {"employee_id", "gender", "race_ethnicity", "birth_year_band", "geography"}


def test_signed_headers_verify_with_standard_webhooks() -> None:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = (EXAMPLES / "performance.checkin.submitted.json").read_bytes()
    headers = sign(secret, body, "msg_test_1", datetime.now(UTC))
    assert set(headers) >= {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b'"level": 1', b'"level": 2', 1), headers)


def test_readme_documents_signing_and_every_example() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for needle in (
        "from standardwebhooks import Webhook",
        "http://127.0.0.1:8787/webhooks/hris",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        *[f"{t}.json" for t in TYPES],
    ):
        assert needle in readme, needle
