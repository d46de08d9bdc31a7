"""held_release: held messages due again are queued for delivery (and delivered once); a manager's held stall
alerts become one weekly digest, crash-safe."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from coachwire import spine
from coachwire.clock import FixedClock
from coachwire.domain import messages
from coachwire.models.coaching import Hold, ManagerAlert, Notification, StallReason
from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.delivery import notification_delivery
from coachwire.services.held_release import held_release, release_detail

from tests.factories import profile
from tests.fakes import FAKE_NOW
from tests.services.events import change_profile, hire

JOB = {"job": "held_release", "requested_by": "schedule"}
LATER = FAKE_NOW + timedelta(hours=1)


def at(deps, when=LATER):
    return replace(deps, clock=FixedClock(when))


def nudge(deps, nid="ntf_1", recipient="emp-1") -> str:
    deps.outbox.add(Notification(notification_id=nid, recipient_id=recipient,
                                 recipient_email=f"{recipient}@example.com", kind="nudge", subject="Your next step",
                                 body="Hi", created_at=FAKE_NOW, source_event_id="msg_1",
                                 trigger="checkin_gap_nudge"))
    return nid


def alert(deps, employee="emp-1", name="Ada Example", manager="mgr-1", point="Ask what got in the way") -> str:
    manager_profile = profile(employee_id=manager, display_name="Grace Manager", email=f"{manager}@example.com")
    found = ManagerAlert(alert_id=f"alert-{employee}", manager_id=manager, employee_id=employee, employee_name=name,
                         as_of=date(2026, 9, 30), reasons=[StallReason(code="low_activity", detail="Quiet")],
                         talking_points=[point, "Agree one small next step"], open_gaps={"design": 1},
                         created_at=FAKE_NOW, source_event_id="job-1")
    note = messages.manager_alert(manager_profile, found, source_event_id=f"job-1:{employee}",
                                  trigger="stall_detection", created_at=FAKE_NOW)
    deps.outbox.add(note)
    return note.notification_id


def held(deps, nid, reason="rate_limited", until=FAKE_NOW + timedelta(minutes=30), earlier=()) -> str:
    """Claimed by a delivery that held it (as services/delivery does) until `until`."""
    assert deps.outbox.claim(nid, FAKE_NOW, 120, claimed_by="evt-first") is not None
    deps.outbox.hold(nid, [*earlier, Hold(reason=reason, at=FAKE_NOW, until=until)])
    return nid


def record(detail: dict, bus_id: str) -> SQSRecord:
    return SQSRecord({"messageId": f"sqs-{bus_id}", "body": json.dumps({"id": bus_id, "detail": detail}),
                      "attributes": {"ApproximateReceiveCount": "1"}})


def run(deps, bus_id="sched-1"):
    """One scheduled run through the real handler (audit, stats, publishing)."""
    TriggerHandler("held_release", job=held_release, deps=deps).process_record(record(JOB, bus_id))
    (entry,) = [r for r in deps.audit.for_event(bus_id) if r.subject_id == "job:held_release"]
    return entry


def queued_events(deps) -> list[dict]:
    return deps.events.details(spine.NOTIFICATION_QUEUED)


def deliver_all(deps, details: list[dict]) -> list[str]:
    handler = TriggerHandler("notification_delivery", delivery_aware=notification_delivery, deps=deps)
    for n, detail in enumerate(details):
        handler.process_record(record(detail, f"bus-delivery-{n}"))
    return [m.to for m in deps.email.sent]


def test_a_due_message_is_queued_again_with_a_release_event_id_and_delivered_once(deps):
    nid = held(deps, nudge(deps))
    d = at(deps)
    entry = run(d)
    assert (entry.outcome, entry.decision["released"], entry.decision["digests"]) == ("succeeded", 1, 0)
    assert queued_events(d) == [{"notification_id": nid, "event_id": f"{nid}#release1"}]
    assert d.outbox.get(nid).status == "held"  # releasing changes nothing: the delivery's claim takes it

    assert deliver_all(d, queued_events(d) * 2) == ["emp-1@example.com"]  # a second copy sends nothing
    sent = d.outbox.get(nid)
    assert (sent.status, sent.attempts, [h.reason for h in sent.holds]) == ("sent", 2, ["rate_limited"])
    # The release's delivery is a firing of its own in the audit log.
    assert [r.outcome for r in d.audit.for_event(f"{nid}#release1")] == ["succeeded", "duplicate"]
    assert run(d, "sched-2").outcome == "no_action" and len(queued_events(d)) == 1  # sent: never listed again


def test_each_release_of_a_message_held_again_has_its_own_event_id(deps):
    first = Hold(reason="quiet_hours", at=FAKE_NOW - timedelta(hours=9), until=FAKE_NOW - timedelta(hours=1))
    nid = held(deps, nudge(deps), reason="daily_cap", earlier=[first])
    assert release_detail(deps.outbox.get(nid)) == {"notification_id": nid, "event_id": f"{nid}#release2"}


def test_a_message_not_yet_due_is_left_held(deps):
    nid = held(deps, nudge(deps), until=LATER + timedelta(minutes=1))
    d = at(deps)
    entry = run(d)
    assert (entry.outcome, entry.decision["due"], entry.decision["released"]) == ("no_action", 0, 0)
    assert queued_events(d) == [] and d.outbox.get(nid).status == "held"


def digest_alerts(deps, until=FAKE_NOW + timedelta(minutes=45)) -> list[str]:
    people = [("emp-1", "Ada Example", "Ask what got in the way"), ("emp-2", "Bob Builder", "Ask about the course"),
              ("emp-3", "Cy Coder", "Offer a mentor")]
    return [held(deps, alert(deps, e, n, point=p), reason="digest", until=until) for e, n, p in people]


def test_a_managers_digest_alerts_become_one_message_and_are_suppressed_as_merged(deps):
    ids = digest_alerts(deps)
    other = held(deps, alert(deps, "emp-4", "Di Other", manager="mgr-2"), reason="digest")
    d = at(deps)
    entry = run(d)
    assert {k: entry.decision[k] for k in ("due", "released", "digests", "merged")} == {
        "due": 4, "released": 0, "digests": 2, "merged": 4}

    (digest,) = [n for n in d.outbox.for_recipient("mgr-1") if n.kind == "team_digest"]
    assert (digest.status, digest.recipient_email, digest.trigger) == ("pending", "mgr-1@example.com", "held_release")
    assert digest.content.greeting == "Hi Grace,"
    assert digest.content.lead == "This week's 1:1 prompts for your team (3 people):"
    assert [(i.item_id, i.title, i.detail) for i in digest.content.items] == [
        (ids[0], "Ada Example", "Ask what got in the way"), (ids[1], "Bob Builder", "Ask about the course"),
        (ids[2], "Cy Coder", "Offer a mentor")]
    assert digest.content.links == {"preferences": "/people/mgr-1/preferences"}
    assert "- Bob Builder: Ask about the course" in digest.body
    for nid in ids:
        gone = d.outbox.get(nid)
        assert (gone.status, gone.suppressed_reason) == ("suppressed", f"merged_into:{digest.notification_id}")
    assert d.outbox.get(other).suppressed_reason.startswith("merged_into:")
    # Each digest is announced once (by the handler, from its per-manager result) and audited under the manager.
    digest_ids = {n.notification_id for r in ("mgr-1", "mgr-2") for n in d.outbox.for_recipient(r)
                  if n.kind == "team_digest"}
    assert sorted(e["notification_id"] for e in queued_events(d)) == sorted(digest_ids)
    (per_manager,) = [r for r in d.audit.for_event("sched-1") if r.subject_id == "mgr-1"]
    assert per_manager.decision == {"notification_id": digest.notification_id, "merged": 3, "alert_ids": sorted(ids)}

    assert deliver_all(d, queued_events(d)) == ["mgr-1@example.com", "mgr-2@example.com"]
    second = run(d, "sched-2")
    assert (second.outcome, second.decision["due"], second.decision["digests"]) == ("no_action", 0, 0)
    assert len(queued_events(d)) == 2 and len(d.email.sent) == 2


def test_an_alert_about_someone_who_has_left_is_left_out_of_the_digest(deps):
    hire(deps, "emp-2", "mgr-1")
    change_profile(deps, "emp-2", leaving_date=date(2026, 9, 30))
    ids = digest_alerts(deps)
    d = at(deps)
    entry = run(d)
    assert (entry.decision["merged"], entry.decision["subject_left"]) == (2, 1)
    (digest,) = [n for n in d.outbox.for_recipient("mgr-1") if n.kind == "team_digest"]
    assert [i.title for i in digest.content.items] == ["Ada Example", "Cy Coder"] and "Bob" not in digest.body
    assert d.outbox.get(ids[1]).suppressed_reason == "subject_left"


class Crash(RuntimeError):
    pass


def crashing_outbox(outbox, method: str, after: int):
    """The outbox whose `method` raises Crash once it has been called `after` times (the process died)."""
    calls = {"n": 0}
    real = getattr(outbox, method)

    def dying(*args, **kwargs):
        if calls["n"] >= after:
            raise Crash(method)
        calls["n"] += 1
        return real(*args, **kwargs)

    class Dying:
        def __getattr__(self, name):
            return dying if name == method else getattr(outbox, name)

    return Dying()


@pytest.mark.parametrize(("method", "after"), [
    ("mark_suppressed", 0),  # queued and announced, nothing suppressed
    ("mark_suppressed", 1),  # one alert suppressed, the others (and the anchor) still held
    ("mark_suppressed", 2),  # all but the anchor suppressed
])
def test_a_crash_between_queueing_and_suppressing_is_finished_by_the_next_run_without_a_second_digest(
        deps, method, after):
    ids = digest_alerts(deps)
    d = at(deps)
    with pytest.raises(Crash):
        held_release(JOB, replace(d, outbox=crashing_outbox(d.outbox, method, after)), "sched-1", lambda r: None)
    (digest,) = [n for n in d.outbox.for_recipient("mgr-1") if n.kind == "team_digest"]
    late = held(d, alert(d, "emp-5", "Eve Late"), reason="digest", until=LATER)  # held since the crash

    handed = []
    result = held_release(JOB, at(d, LATER + timedelta(minutes=15)), "sched-2", handed.append)
    digests = [n for n in d.outbox.for_recipient("mgr-1") if n.kind == "team_digest"]
    assert digest.notification_id in {n.notification_id for n in digests} and len(digests) == 2
    for nid in ids:
        assert d.outbox.get(nid).suppressed_reason == f"merged_into:{digest.notification_id}"
    # The crashed run's digest is finished (announced again: delivery sends it once); the alert held since then,
    # which it does not carry, gets a digest of its own rather than being counted as merged into the first.
    (newer,) = [n for n in digests if n.notification_id != digest.notification_id]
    assert [i.item_id for i in newer.content.items] == [late]
    assert d.outbox.get(late).suppressed_reason == f"merged_into:{newer.notification_id}"
    assert [(r.outcome, r.notification_ids) for r in handed] == [
        ("duplicate", (digest.notification_id,)), ("succeeded", (newer.notification_id,))]
    assert (result.decision["digests"], result.decision["merged"]) == (2, 3 - after + 1)


def test_a_crash_before_the_digest_is_queued_leaves_every_alert_held_for_the_next_run(deps):
    ids = digest_alerts(deps)
    d = at(deps)
    with pytest.raises(Crash):
        held_release(JOB, replace(d, outbox=crashing_outbox(d.outbox, "queue", 0)), "sched-1", lambda r: None)
    assert {d.outbox.get(n).status for n in ids} == {"held"}
    handed = []
    held_release(JOB, d, "sched-2", handed.append)
    (digest,) = [n for n in d.outbox.for_recipient("mgr-1") if n.kind == "team_digest"]
    assert [r.outcome for r in handed] == ["succeeded"] and len(digest.content.items) == 3


def test_the_schedule_event_is_all_it_accepts():
    from coachwire.services.held_release import HeldReleaseJob
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        HeldReleaseJob.model_validate({**JOB, "as_of": "2026-10-01"})
    with pytest.raises(ValidationError):
        HeldReleaseJob.model_validate({"job": "stall_detection"})


def test_a_digest_is_in_the_export_of_each_person_it_names_and_goes_with_their_erasure(deps):
    from coachwire.services import rights

    from tests.fakes import retention_store

    digest_alerts(deps)
    d = at(deps)
    run(d)
    (digest,) = [n for n in d.outbox.for_recipient("mgr-1") if n.kind == "team_digest"]
    for person in ("emp-1", "emp-2", "emp-3"):
        assert digest.notification_id in {n.notification_id for n in rights.held_about(d, person).messages_about}
    retention_store(d).erase_person("emp-2")
    assert d.outbox.get(digest.notification_id) is None
