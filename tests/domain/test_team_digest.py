"""messages.team_digest: pure, deterministic, one item per alert by name, one recipient."""

from __future__ import annotations

import pytest
from coachwire.domain import messages

from tests.channels import teams_notes
from tests.factories import T0

META = {"source_event_id": "digest:emp-9:2026-W40:ntf_a", "trigger": "held_release", "created_at": T0}


def test_the_same_alerts_give_the_same_digest_and_id():
    alert = teams_notes.manager_alert()
    first, again = messages.team_digest([alert], **META), messages.team_digest([alert], **META)
    assert first == again
    assert first.notification_id == messages.notification_id("emp-9", "team_digest", META["source_event_id"])
    assert first.content.lead == "This week's 1:1 prompts for your team (1 person):"
    assert (first.kind, first.about_id, first.recipient_email) == ("team_digest", None, "grace@example.com")


def test_items_are_by_name_and_carry_each_alerts_id():
    digest = teams_notes.team_digest()
    assert [(i.title, i.item_id) for i in digest.content.items] == [
        ("Ada Example", teams_notes.manager_alert().notification_id), ("Bo Two", "ntf_alert_2")]


def test_a_digest_needs_alerts_for_one_recipient():
    alert = teams_notes.manager_alert()
    with pytest.raises(ValueError, match="at least one"):
        messages.team_digest([], **META)
    with pytest.raises(ValueError, match="one recipient"):
        messages.team_digest([alert, alert.model_copy(update={"recipient_id": "emp-8"})], **META)
