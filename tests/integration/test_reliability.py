"""Trigger reliability on the local stack: real webhooks, real triggers, the hourly check fired as its schedule fires
it and the API's report; then an accepted event nobody processes is reported silent, logged and listed."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime, timedelta

import pytest
from coachwire import spine
from coachwire.adapters.aws import reset_clients
from coachwire.adapters.dynamo import DynamoCatalogStore
from coachwire.domain.reliability import AcceptedEvent
from coachwire.settings import env_var
from coachwire_tools.local.stack import LocalStack, new_webhook_secret

from tests.factories import catalog, framework
from tests.integration.conftest import checkin, person

SILENT_AFTER = env_var("reliability_silent_after_minutes")


@pytest.fixture(scope="module")
def stack():
    """A stack of its own whose silent threshold is 0: what has no outcome once the stack is idle is silent."""
    saved = os.environ.get(SILENT_AFTER)
    os.environ[SILENT_AFTER] = "0"
    try:
        with LocalStack(webhook_secrets=[new_webhook_secret()]) as running:
            reset_clients()
            DynamoCatalogStore(running.settings.catalog_table).put_framework(framework(), catalog())
            yield running
    finally:
        if saved is None:
            os.environ.pop(SILENT_AFTER, None)
        else:
            os.environ[SILENT_AFTER] = saved


def check_now(stack, deps) -> tuple[str, dict]:
    """Fire the hourly schedule's event; the run's record carries its EventBridge id (the local scheduler may
    also fire it on the hour: that run has an id of its own)."""
    run_id = stack.fire_schedule("reliability_check")
    stack.wait_until_idle()
    (run,) = [r for r in deps.audit.for_event(run_id) if r.trigger == "reliability_check"]
    assert run.subject_id == "job:reliability_check"
    return run_id, run.decision


def silent_logged(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == spine.SILENT_EVENT_LOG]


def test_every_accepted_event_is_accounted_then_a_lost_one_is_silent_logged_and_listed(stack, hris, api, deps,
                                                                                        caplog):
    caplog.set_level(logging.INFO)
    employee, manager = person(stack, hris)
    rating = [{"skill_id": "design", "level": 1}]
    sent = hris.send(checkin(employee, manager, rating))
    assert sent.status == 202
    assert hris.send(checkin(employee, manager, rating, at="2026-09-30T10:00:00Z")).status == 202
    stack.wait_until_idle()

    clean_run, decision = check_now(stack, deps)
    assert decision["accepted"] == 4 and decision["silent"] == 0, decision
    assert decision["profile_sync.succeeded"] == 2
    # The second check-in is older news than the first: stale (and the first may find no gap to act on).
    assert sum(decision.get(f"checkin_gap_nudge.{fate}", 0) for fate in ("succeeded", "no_action", "stale")) == 2
    assert not silent_logged(caplog)
    window = {"from": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "to": datetime.now(UTC).isoformat()}
    report = api.get("/triggers/reliability", "hr_admin", "hr-1", **window)
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["accepted"], body["accounted"], body["silent"]) == (4, True, [])
    assert api.get("/triggers/reliability", "manager", manager).status_code == 403

    # Accepted by ingest, never processed by any trigger (as if its publication had been lost).
    lost = AcceptedEvent("msg_lost_reliability", spine.CHECKIN_SUBMITTED, datetime.now(UTC))
    deps.audit.mark_accepted(lost)
    lost_run, decision = check_now(stack, deps)
    assert decision["silent"] == 1 and decision["silent_events"] == [f"{lost.event_id}#checkin_gap_nudge"]
    (line,) = [r for r in silent_logged(caplog) if getattr(r, "run", None) == lost_run]
    assert (line.event_id, line.trigger, line.event_type) == (lost.event_id, "checkin_gap_nudge", lost.event_type)
    body = api.get("/triggers/reliability", "hr_admin", "hr-1").json()
    assert not body["accounted"]
    assert [(s["event_id"], s["trigger"]) for s in body["silent"]] == [(lost.event_id, "checkin_gap_nudge")]
    assert body["totals"]["silent"] == 1 and sum(body["totals"].values()) == 5
    assert employee not in json.dumps(body)  # ids of events only, never of people
    # The scheduled runs' own reports sit beside it: the clean one, then the one that found the lost event.
    checks = {c["run_id"]: c for c in body["checks"]}
    assert [(checks[r]["accepted"], checks[r]["silent"]) for r in (clean_run, lost_run)] == [(4, 0), (5, 1)]
    assert checks[lost_run]["silent_events"] == [f"{lost.event_id}#checkin_gap_nudge"]
