"""500 signed webhooks of every type sent at once, in shuffled order, to the local stack: each accepted one ends
in exactly one terminal outcome, nothing is lost or dead-lettered, no e-mail goes twice. The 5,000-event run with
throughput and time to terminal is `python -m bench.burst` (make bench)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from coachwire_tools.local.burst import burst_steps, run_burst
from coachwire_tools.local.stack import LocalStack
from coachwire_tools.sample_org.pilot import PilotStep

EVENTS = 500


@pytest.fixture(scope="module")
def burst():
    steps = burst_steps(EVENTS, datetime.now(UTC).date())
    with LocalStack(seed="sample") as stack:
        yield steps, run_burst(stack, steps, timeout=600)


def test_every_webhook_of_a_concurrent_burst_is_accepted_and_ends_once(burst) -> None:
    steps, result = burst
    assert result.sent == EVENTS and not result.unexpected_refusals, result.refused
    reconciliation = result.reconciliation
    assert reconciliation.clean, reconciliation.summary()
    assert reconciliation.accepted == reconciliation.terminal == result.statuses[202] > 0.95 * EVENTS
    assert reconciliation.time_to_terminal.keys() == {s.webhook_id for s in steps} - result.refused_ids


def test_the_burst_mixes_every_event_type_and_really_races(burst) -> None:
    steps, result = burst
    assert set(result.types) >= {"employee.upserted", "performance.checkin.submitted",
                                 "learning.activity.completed", "employee.role.changed"}
    # Shuffled, some events overtook their employee's upsert: parked, then replayed (or refused, audited).
    assert result.reconciliation.parked, "no event overtook its employee: the burst tested no race"
    assert sum(result.reconciliation.notifications.values()) > 0, "the burst queued no notification"


def test_a_burst_is_repeatable_from_its_seed() -> None:
    today = datetime.now(UTC).date()
    first: list[PilotStep] = burst_steps(50, today, seed=3)
    assert [s.webhook_id for s in first] == [s.webhook_id for s in burst_steps(50, today, seed=3)]
    assert len(first) == 50 and len({s.webhook_id for s in first}) == 50
