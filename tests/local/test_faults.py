"""A short sample pilot replayed through the local stack while AWS misbehaves and handlers die mid-batch, and a
burst of concurrent signed webhooks: afterwards nothing is lost, nothing is done twice, no e-mail goes twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from coachwire_tools.local.faults import FaultInjector, FaultRates
from coachwire_tools.local.reconcile import reconcile, shorten_visibility
from coachwire_tools.local.stack import LocalStack
from coachwire_tools.sample_org.pilot import PILOT_DAYS, build_pilot, replay_days
from coachwire_tools.webhook_client import WebhookClient

START = date(2026, 9, 28)
VISIBILITY_SECONDS = 2


@pytest.fixture
def stack(monkeypatch):
    # A killed sender's lease must run out before its notification's retries do.
    monkeypatch.setenv("COACHWIRE_DELIVERY_LEASE_SECONDS", str(VISIBILITY_SECONDS))
    with LocalStack(seed="sample") as running:
        shorten_visibility(running.provisioned.queue_urls, VISIBILITY_SECONDS)
        yield running


def send_all(stack: LocalStack, steps, workers: int) -> dict[str, tuple[str, datetime]]:
    hris = WebhookClient(stack.base_url, stack.webhook_secrets[0])

    def send(step):
        started = datetime.now(UTC)
        delivery = hris.send(step.payload, webhook_id=step.webhook_id, body=step.body.encode())
        return step, delivery, started

    with ThreadPoolExecutor(workers) as pool:
        sent = list(pool.map(send, steps))
    assert {d.status for _, d, _ in sent} == {202}, [d.body for _, d, _ in sent if d.status != 202]
    return {d.webhook_id: (step.type, at) for step, d, at in sent}


def test_a_pilot_replayed_under_faults_loses_nothing_and_sends_no_email_twice(stack) -> None:
    pilot = build_pilot(START, n=10, seed=7)
    rates = FaultRates(dynamodb_throttle=0.02, transaction_conflict=0.05, ses_throttle=0.2, ses_unavailable=0.2,
                       put_events_partial=0.2, kill=0.15)
    accepted: dict[str, tuple[str, datetime]] = {}
    with FaultInjector(rates, seed=11).install(stack.handlers) as faults:
        # Day by day, as an HRIS sends them: a check-in's employee and ratings exist before it is processed.
        for steps in replay_days(pilot.steps).values():
            if steps:
                accepted |= send_all(stack, steps, workers=4)
                stack.wait_until_idle(timeout=60)
    # The stall job makes hundreds of calls per run, and injected errors skip the SDK's own retries, so under
    # these rates nearly every attempt would fail somewhere: it runs once the faults are off.
    stack.fire_schedule("stall_detection", as_of=START + timedelta(days=PILOT_DAYS))
    stack.wait_until_idle(timeout=60)
    result = reconcile(stack.settings, accepted, stack.provisioned.dlq_urls)
    assert result.clean, str(result.summary())
    assert result.accepted == len(pilot.steps) == result.terminal
    assert sum(result.notifications.values()) > 0, "the replay queued no notification: it proves nothing"
    # Faults really fired (which kinds varies with thread timing), and a handler really died mid-batch.
    assert len(set(faults.injected) - {"kill_armed"}) >= 4 and faults.injected["kill"] >= 1, faults.injected
    assert sum(stack.dispatcher.killed_batches.values()) >= 1
