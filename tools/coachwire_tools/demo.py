"""`make demo`: replay a 60-day pilot of ~200 synthetic employees through the local stack, then audit it for bias.

Everything goes through the front door: signed webhooks over HTTP, the real handlers behind the local
dispatcher, the read API with bearer tokens. The clock is advanced day by day so the daily stall
detection sees the quiet periods. The pilot carries demographics (day 1) and a planted disparity; at the end
the bias audit of the current quarter must flag it and must not flag the fair control.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from coachwire.clock import SystemClock

from coachwire_tools.local.stack import LocalStack
from coachwire_tools.sample_org.people import SAMPLE_PEOPLE
from coachwire_tools.sample_org.pilot import AuditScenario, Pilot, PilotStep, build_pilot, default_start, replay_days
from coachwire_tools.webhook_client import Delivery, WebhookClient

STALL_FROM_DAY = 30  # the default stall window: nobody can have been quiet for 30 days before day 30
DEMOGRAPHICS_DAY = 1  # the pilot sends demographics the day after the initial sync
SCENARIO = AuditScenario()
HR_ADMIN = next(p.employee_id for p in SAMPLE_PEOPLE if p.access == "hr_admin")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="coachwire demo", description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=200, help="size of the synthetic organisation")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the synthetic pilot")
    parser.add_argument("--workers", type=int, default=6, help="concurrent webhook senders (an HRIS retries too)")
    return parser.parse_args(argv)


class Progress:
    def __init__(self, stream=sys.stdout) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def line(self, text: str, final: bool = False) -> None:
        if self.tty and not final:
            self.stream.write("\r\033[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


class Replayer:
    def __init__(self, stack: LocalStack, workers: int) -> None:
        self.stack = stack
        self.workers = workers
        self.local = threading.local()
        self.statuses: Counter[str] = Counter()

    def _client(self) -> WebhookClient:
        if not hasattr(self.local, "client"):
            self.local.client = WebhookClient(self.stack.base_url, self.stack.webhook_secrets[0])
        return self.local.client

    def _send(self, step: PilotStep) -> Delivery:
        return self._client().send(step.payload, webhook_id=step.webhook_id, body=step.body.encode())

    def send_day(self, steps: list[PilotStep]) -> list[Delivery]:
        with ThreadPoolExecutor(self.workers) as pool:
            deliveries = list(pool.map(self._send, steps))
        for d in deliveries:
            self.statuses[d.body.get("status", str(d.status)) if d.status == 202 else str(d.status)] += 1
        return deliveries


def quiet_logs() -> None:
    """The demo prints a report; per-invocation logs (kept on for `local serve`) would bury it."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    logging.getLogger("coachwire").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_logs()
    out = Progress()
    started = time.monotonic()
    today = SystemClock().now().date()
    pilot = build_pilot(default_start(today), n=args.employees, seed=args.seed, audit_scenario=SCENARIO)
    counts = pilot.counts()
    out.line(f"Coachwire demo: {len(pilot.people)} employees, {len(pilot.steps)} HRIS events over 60 days "
             f"from {pilot.start} ({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))})", final=True)
    out.line("Starting the local stack (moto server, tables, bus, rules, queues, handlers)...", final=True)
    with LocalStack(seed="sample") as stack:
        replay = Replayer(stack, args.workers)
        rejected: list[tuple[PilotStep, Delivery]] = []
        timings: dict[str, float] = {}
        for day, steps in replay_days(pilot.steps).items():
            day_started = time.monotonic()
            for step, delivery in zip(steps, replay.send_day(steps), strict=True):
                if delivery.status != 202:
                    rejected.append((step, delivery))
            stack.wait_until_idle(timeout=120)
            if day == DEMOGRAPHICS_DAY:
                timings["demographics day"] = time.monotonic() - day_started
            if day >= STALL_FROM_DAY:
                stack.fire_schedule("stall_detection", as_of=pilot.start + timedelta(days=day))
                stack.wait_until_idle(timeout=120)
            out.line(f"  day {day + 1:2d}/60  webhooks sent {sum(replay.statuses.values()):5d}  "
                     f"accepted {replay.statuses['accepted']:5d}  rejected {len(rejected)}  "
                     f"[{time.monotonic() - started:5.1f}s]")
        out.line("", final=True)
        out.line(f"Auditing {quarter_of(today)} for bias (POST /audits, as HR admin {HR_ADMIN})...", final=True)
        audit_started = time.monotonic()
        audit = run_audit(stack, quarter_of(today), f"demo-seed-{args.seed}")
        timings["bias audit"] = time.monotonic() - audit_started
        report = Report(stack, pilot, replay, rejected, time.monotonic() - started, audit, timings)
        print(report.render())
        return 0 if report.healthy else 1


def quarter_of(day) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def run_audit(stack: LocalStack, window: str, request_id: str) -> dict:
    """The bias audit of the quarter so far, requested and read back through the API like HR would."""
    headers = {"authorization": f"Bearer {stack.mint_token('hr_admin', HR_ADMIN)}"}
    accepted = requests.post(f"{stack.base_url}/audits", json={"window": window, "request_id": request_id},
                             headers=headers, timeout=30)
    accepted.raise_for_status()
    stack.wait_until_idle(timeout=300)
    detail = requests.get(f"{stack.base_url}/audits/{accepted.json()['audit_id']}", headers=headers, timeout=30)
    detail.raise_for_status()
    return detail.json()


class Report:
    def __init__(self, stack: LocalStack, pilot: Pilot, replay: Replayer, rejected, elapsed: float, audit: dict,
                 timings: dict[str, float]) -> None:
        self.stack, self.pilot, self.replay, self.rejected, self.elapsed = stack, pilot, replay, rejected, elapsed
        self.audit, self.timings = audit, timings
        self.token = stack.mint_token("hr_admin", "demo-hr-admin")
        self.stats = {row["trigger"]: row for row in self._get("/triggers/stats")["triggers"]}
        self.managers = sorted({p.manager_id for p in pilot.people if p.manager_id})
        self.alerts = [a for m in self.managers for a in self._get(f"/managers/{m}/alerts")["alerts"]]

    def _get(self, path: str, **params) -> dict:
        response = requests.get(self.stack.base_url + path, params=params, timeout=30,
                                headers={"authorization": f"Bearer {self.token}"})
        response.raise_for_status()
        return response.json()

    @property
    def dead_lettered(self) -> int:
        return sum(row["dead_lettered"] for row in self.stats.values())

    @property
    def flags(self) -> list[dict]:
        return self.audit["summary"]["flags"]

    @property
    def planted_found(self) -> bool:
        return any((f["attribute"], f["group"]) == (SCENARIO.attribute, SCENARIO.group) for f in self.flags)

    @property
    def control_flagged(self) -> bool:
        return any(SCENARIO.fair_control in f["attribute"] for f in self.flags)

    @property
    def healthy(self) -> bool:
        return self.dead_lettered == 0 and not self.rejected and \
            all(row["failed_attempts"] == 0 for row in self.stats.values()) and \
            self.audit["summary"]["status"] == "completed" and self.planted_found and not self.control_flagged

    def _first_notification(self, kind: str, recipients) -> dict | None:
        for recipient in recipients:
            for note in self._get("/notifications", recipient_id=recipient)["notifications"]:
                if note["kind"] == kind:
                    return note
        return None

    def render(self) -> str:
        s = self.stats
        quiet = self.pilot.quiet_employee_ids
        alerted = {a["employee_id"] for a in self.alerts}
        lines = [
            "=" * 78,
            f"Coachwire pilot replay: {len(self.pilot.people)} employees, 60 days, {self.elapsed:.0f} s",
            "=" * 78,
            f"Webhooks sent          {sum(self.replay.statuses.values()):6d}   "
            f"accepted {self.replay.statuses['accepted']}, duplicates {self.replay.statuses['duplicate']}, "
            f"rejected {len(self.rejected)}",
            f"Profiles synced        {s['profile_sync']['succeeded']:6d}",
            f"Coaching nudges        {s['checkin_gap_nudge']['succeeded']:6d}   check-in flagged a gap → learning "
            "assigned, employee emailed",
            f"Transition plans       {s['role_change_plan']['succeeded']:6d}   role/level change → gap analysis → plan "
            f"({s['role_change_plan']['stale_ignored']} out-of-order changes ignored)",
            f"Next recommendations   {s['learning_next_step']['succeeded']:6d}   learning completed → next best action",
            f"Manager alerts         {len(self.alerts):6d}   stalled development → 1:1 talking points "
            f"({len(alerted & quiet)} of {len(quiet)} planted quiet employees caught)",
            f"Emails delivered       {s['notification_delivery']['succeeded']:6d}",
            f"Demographics stored    {s['demographics_sync']['succeeded']:6d}   own table and KMS key, written only "
            f"({self.timings.get('demographics day', 0):.1f} s for day {DEMOGRAPHICS_DAY})",
            "",
            "Trigger reliability (events / succeeded / no action / stale / duplicate / failed attempts / "
            "dead-lettered)",
        ]
        for name, row in s.items():
            lines.append(f"  {name:22s} {row['events']:6d} {row['succeeded']:6d} {row['no_action']:6d} "
                         f"{row['stale_ignored']:6d} {row['duplicate']:6d} {row['failed_attempts']:6d} "
                         f"{row['dead_lettered']:6d}")
        lines.append(f"Dead-lettered: {self.dead_lettered or 'nothing'}")
        for step, delivery in self.rejected[:5]:
            lines.append(f"  rejected {step.type}: {delivery.status} {delivery.body.get('message')}")
        nudge = self._first_notification("nudge", sorted(p.employee_id for p in self.pilot.people))
        if nudge:
            lines += ["", "-" * 78, f"A sample nudge  (to {nudge['recipient_id']}, {nudge['status']})",
                      f"Subject: {nudge['subject']}", "", nudge["body"]]
        if self.alerts:
            alert = self.alerts[0]
            note = self._first_notification("manager_alert", [alert["manager_id"]])
            lines += ["", "-" * 78, f"A sample manager alert  (to {alert['manager_id']} about {alert['employee_id']}, "
                      f"as of {alert['as_of']}; reasons: {', '.join(r['code'] for r in alert['reasons'])})"]
            if note:
                lines += [f"Subject: {note['subject']}", "", note["body"]]
        lines += self.audit_lines()
        lines += ["-" * 78, "Healthy: nothing failed, nothing dead-lettered; the audit found the planted disparity "
                  "and left the fair control alone." if self.healthy
                  else "Attention: some events failed or were dead-lettered, or the audit missed what was planted "
                  "(see above)."]
        return "\n".join(lines)

    def audit_lines(self) -> list[str]:
        from coachwire.fairness.records import Flag
        from coachwire.services.audits import flag_line

        summary = self.audit["summary"]
        counts = summary["counts"]
        lines = ["", "-" * 78,
                 f"Bias audit {summary['window']} ({summary['audit_id']}, {summary['status']}, "
                 f"{self.timings.get('bias audit', 0):.1f} s): {counts.get('audited', 0)} employees and "
                 f"{counts.get('recommendations_audited', 0)} recommendations audited",
                 f"Planted: {SCENARIO.affected_share:.0%} of {SCENARIO.attribute} '{SCENARIO.group}' never had a gap "
                 f"flagged ({len(self.pilot.planted_employee_ids)} people) -> "
                 + ("FLAGGED" if self.planted_found else "NOT FOUND"),
                 f"Fair control: {SCENARIO.fair_control}, drawn independently of the history -> "
                 + ("FLAGGED (a false alarm)" if self.control_flagged else "no flag"),
                 f"{len(self.flags)} flagged comparison(s), each with a review case (GET /reviews):"]
        lines += [f"  - {flag_line(Flag.model_validate(f))}" for f in self.flags]
        lines.append(f"Report for HR: GET /audits/{summary['audit_id']}?format=html")
        note = self._first_notification("audit_flag", [HR_ADMIN])
        if note:
            lines += ["", f"The email to HR admin {HR_ADMIN} ({note['status']})", f"Subject: {note['subject']}", "",
                      note["body"]]
        return lines


if __name__ == "__main__":
    raise SystemExit(main())


