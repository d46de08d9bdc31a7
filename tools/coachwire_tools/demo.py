"""`make demo`: replay a 60-day pilot of 200 synthetic employees through the local stack, then audit it for bias.

Everything goes through the front door: signed webhooks over HTTP, the real handlers behind the local
dispatcher, the read API with bearer tokens. The clock is advanced day by day so the daily stall
detection sees the quiet periods. The pilot carries demographics (day 1) and a planted disparity; at the end
the bias audit of the current quarter must flag it and must not flag the fair control.

The local stack is seeded with the sample organisation (frameworks, catalog and its 12-person team, whose HR admin
requests the audit), so that team is in the stack beside the pilot's synthetic employees. What the run produced
(the audit's HTML report, one e-mail of each kind, a summary) is saved to --out; --serve keeps the stack up.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests
from coachwire import spine
from coachwire.clock import SystemClock

from coachwire_tools import demo_chat
from coachwire_tools.client_settings import DEFAULT_API_URL
from coachwire_tools.local.stack import LocalStack
from coachwire_tools.report_cli import fetch_html
from coachwire_tools.sample_org.people import SAMPLE_PEOPLE, Person
from coachwire_tools.sample_org.pilot import (
    PILOT_DAYS,
    AuditScenario,
    Pilot,
    PilotStep,
    build_pilot,
    default_start,
    replay_days,
)
from coachwire_tools.webhook_client import Delivery, WebhookClient

STALL_FROM_DAY = 30  # the default stall window: nobody can have been quiet for 30 days before day 30
DEMOGRAPHICS_DAY = 1  # the pilot sends demographics the day after the initial sync
SCENARIO = AuditScenario()
HR_ADMIN = next(p.employee_id for p in SAMPLE_PEOPLE if p.access == "hr_admin")
DEFAULT_OUT = "demo-output"
SERVE_PORT = 8787
# One sample e-mail of each kind the demo can send, in the order the story happens.
MESSAGE_KINDS = ("nudge", "transition_plan", "next_step", "manager_alert", "audit_flag")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="coachwire demo", description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=200, metavar="N",
                        help="size of the synthetic organisation (default 200)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the synthetic pilot")
    parser.add_argument("--workers", type=int, default=6, help="concurrent webhook senders (an HRIS retries too)")
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), metavar="DIR",
                        help=f"folder for the audit report, sample e-mails and a run summary (default: {DEFAULT_OUT})")
    parser.add_argument("--serve", action="store_true",
                        help="keep the local stack up after the demo, until Ctrl-C (state in memory only)")
    parser.add_argument("--port", type=int, help="HTTP port on 127.0.0.1 (default: 8787 with --serve, else any free "
                        "port, so the demo runs beside `coachwire local serve`)")
    args = parser.parse_args(argv)
    if args.employees < 1:
        parser.error("--employees: at least 1")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out: {args.out} is a file, not a folder")
    return args


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
    for text in pilot_lines(pilot):
        out.line(text, final=True)
    out.line(f"Starting the local stack (moto server, tables, bus, rules, queues, handlers) with the sample "
             f"organisation seeded: frameworks, catalog and the {sample_team()}, who send no HRIS events but count "
             "like everyone else...", final=True)
    port = args.port if args.port is not None else SERVE_PORT if args.serve else 0
    try:
        stack = LocalStack(port=port, seed="sample").start()
    except OSError as e:  # e.g. `coachwire local serve` already holds the port
        print(f"coachwire demo: cannot start the local stack on port {port or 'any'}: {e}"
              + (" (another port: --port)" if port else ""), file=sys.stderr)
        return 1
    try:
        return replay_and_audit(args, stack, pilot, out, today, started)
    finally:
        stack.stop()


def replay_and_audit(args: argparse.Namespace, stack: LocalStack, pilot: Pilot, out: Progress, today,
                     started: float) -> int:
    replay = Replayer(stack, args.workers)
    chat_pair = slack_pair(pilot)
    rejected: list[tuple[PilotStep, Delivery]] = []
    timings: dict[str, float] = {}
    for day, steps in replay_days(pilot.steps).items():
        day_started = time.monotonic()
        for step, delivery in zip(steps, replay.send_day(steps), strict=True):
            if delivery.status != 202:
                rejected.append((step, delivery))
        stack.wait_until_idle(timeout=120)
        if day == 0 and chat_pair:  # the profiles exist now: the chat scene's two people choose Slack
            for person_id, role in ((chat_pair[0], "manager"), (chat_pair[1], "employee")):
                demo_chat.choose_slack(stack, person_id, role)
        if day == DEMOGRAPHICS_DAY:
            timings["demographics day"] = time.monotonic() - day_started
        if day >= STALL_FROM_DAY:
            stack.fire_schedule("stall_detection", as_of=pilot.start + timedelta(days=day))
            stack.wait_until_idle(timeout=120)
        out.line(f"  day {day + 1:2d}/{PILOT_DAYS}  webhooks sent {sum(replay.statuses.values()):5d}  "
                 f"accepted {replay.statuses['accepted']:5d}  rejected {len(rejected)}  "
                 f"[{time.monotonic() - started:5.1f}s]")
    out.line("", final=True)
    out.line(f"Auditing {quarter_of(today)} for bias (POST /audits, as HR admin {HR_ADMIN})...", final=True)
    audit_started = time.monotonic()
    audit = run_audit(stack, quarter_of(today), f"demo-seed-{args.seed}")
    timings["bias audit"] = time.monotonic() - audit_started
    scene = demo_chat.ChatScene("", "")
    if chat_pair:
        out.line(f"In Slack: {chat_pair[0]} presses \"Discussed in our 1:1\" on a stall alert, {chat_pair[1]} "
                 "accepts a nudge's first item...", final=True)
        scene = demo_chat.play(stack, *chat_pair, HR_ADMIN)
    report = Report(stack, pilot, replay, rejected, time.monotonic() - started, audit, timings, scene)
    text = report.render()
    print(text)
    written = write_outputs(args.out, report, text)
    print("-" * 78)
    print(f"Saved in {args.out}/ (kept after the stack stops):")
    for label, path in written.items():
        print(f"  {label:24s} {path}")
    if args.serve:
        serve_until_interrupted(stack, report)
    return 0 if report.healthy else 1


def slack_pair(pilot: Pilot) -> tuple[str, str] | None:
    """The chat scene's manager and employee: the first planted quiet employee with a manager (stall alerts reach
    that manager); None in a pilot too small to have one."""
    people = {p.employee_id: p for p in pilot.people}
    quiet = [people[e] for e in sorted(pilot.quiet_employee_ids) if people[e].manager_id]
    if not quiet or quiet[0].manager_id is None:
        return None
    return quiet[0].manager_id, quiet[0].employee_id


def sample_team() -> str:
    ids = [p.employee_id for p in SAMPLE_PEOPLE]
    return f"{len(SAMPLE_PEOPLE)}-person sample team ({ids[0]}…{ids[-1]}, HR admin {HR_ADMIN})"


def pilot_events(pilot: Pilot) -> dict[str, dict]:
    """HRIS event type → count and why: some types outnumber the people, and each says by how many and why."""
    counts = pilot.counts()
    resent = counts.get(spine.EMPLOYEE_UPSERTED, 0) - len(pilot.people)
    changes = len(pilot.role_changed_employee_ids)
    stale = counts.get(spine.ROLE_CHANGED, 0) - changes
    why = {
        spine.EMPLOYEE_UPSERTED: f"{len(pilot.people)} in the day-1 sync"
        + (f" + {resent} re-sent with a new manager after a move into another job family" if resent else ""),
        spine.DEMOGRAPHICS_UPSERTED: "one per employee on day 2 (synthetic; the audit's input)",
        spine.CHECKIN_SUBMITTED: "a baseline check-in per employee with a manager, a second one in weeks 7-8 "
        "unless they went quiet",
        spine.LEARNING_COMPLETED: "catalog items completed",
        spine.ROLE_CHANGED: f"{changes} promotions and moves"
        + (f" + {stale} stale re-sends of an earlier assignment (Coachwire must ignore them)" if stale else ""),
    }
    return {kind: {"count": count, "why": why.get(kind, "")} for kind, count in sorted(counts.items())}


def pilot_lines(pilot: Pilot) -> list[str]:
    ids = [p.employee_id for p in pilot.people]
    lines = [f"Coachwire demo: a {PILOT_DAYS}-day pilot from {pilot.start} of {len(pilot.people)} synthetic employees "
             f"({ids[0]}…{ids[-1]}), {len(pilot.steps)} HRIS events:"]
    return lines + [f"  {e['count']:5d} {kind:32s} {e['why']}" for kind, e in pilot_events(pilot).items()]


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
    """What the run did, read back through the API as the sample organisation's HR admin."""

    def __init__(self, stack: LocalStack, pilot: Pilot, replay: Replayer, rejected, elapsed: float, audit: dict,
                 timings: dict[str, float], scene: demo_chat.ChatScene) -> None:
        self.stack, self.pilot, self.replay, self.rejected, self.elapsed = stack, pilot, replay, rejected, elapsed
        self.audit, self.timings, self.scene = audit, timings, scene
        self.token = stack.mint_token("hr_admin", HR_ADMIN)
        self.people: dict[str, Person] = {p.employee_id: p for p in (*SAMPLE_PEOPLE, *pilot.people)}
        self.stats = {row["trigger"]: row for row in self._get("/triggers/stats")["triggers"]}
        managers = sorted({p.manager_id for p in self.people.values() if p.manager_id})
        with ThreadPoolExecutor(replay.workers) as pool:
            self.alerts = [a for found in pool.map(lambda m: self._get(f"/managers/{m}/alerts")["alerts"], managers)
                           for a in found]
            # Every message sent, per recipient: the e-mail counts by kind and one sample of each kind.
            self.notifications = [n for found in pool.map(
                lambda r: self._get("/notifications", recipient_id=r)["notifications"], sorted(self.people))
                for n in found]
        self.report_html = self._report_html()

    def _get(self, path: str, **params) -> dict:
        response = requests.get(self.stack.base_url + path, params=params, timeout=30,
                                headers={"authorization": f"Bearer {self.token}"})
        response.raise_for_status()
        return response.json()

    def _report_html(self) -> str | None:
        """The audit's HTML report, fetched from its report_url with HR's token, as `coachwire report open` does."""
        url = self.audit.get("report_url")
        return fetch_html(self.stack.base_url + url, self.token) if url else None

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
            self.audit["summary"]["status"] == "completed" and self.planted_found and not self.control_flagged \
            and (self.scene.complete or not self.scene.manager_id)

    @property
    def emails_by_kind(self) -> Counter[str]:
        return Counter(n["kind"] for n in self.notifications)

    def sample_message(self, kind: str) -> dict | None:
        """The first message of this kind (by time, then id): the same one for the same pilot."""
        found = sorted((n for n in self.notifications if n["kind"] == kind),
                       key=lambda n: (n["created_at"], n["notification_id"]))
        return found[0] if found else None

    def is_sample_team(self, employee_id: str) -> bool:
        return any(p.employee_id == employee_id for p in SAMPLE_PEOPLE)

    def render(self) -> str:
        s = self.stats
        quiet = self.pilot.quiet_employee_ids
        alerted = {a["employee_id"] for a in self.alerts}
        team_alerted = {e for e in alerted if self.is_sample_team(e)}
        resent = s["profile_sync"]["succeeded"] - len(self.pilot.people)
        nudges = s["checkin_gap_nudge"]
        emails = self.emails_by_kind
        lines = [
            "=" * 78,
            f"Coachwire pilot replay: {len(self.pilot.people)} synthetic employees + the {sample_team()}, "
            f"{PILOT_DAYS} days, {self.elapsed:.0f} s",
            "=" * 78,
            f"Webhooks sent          {sum(self.replay.statuses.values()):6d}   "
            f"accepted {self.replay.statuses['accepted']}, duplicates {self.replay.statuses['duplicate']}, "
            f"rejected {len(self.rejected)}",
            f"Profiles synced        {s['profile_sync']['succeeded']:6d}   {len(self.pilot.people)} created by the "
            f"day-1 sync" + (f", {resent} updated (a new manager after a move)" if resent > 0 else "")
            + f"; the sample team's {len(SAMPLE_PEOPLE)} were seeded at start",
            f"Coaching nudges        {nudges['succeeded']:6d}   of {nudges['events']} check-ins, those that flagged a "
            "gap → learning assigned, employee emailed",
            f"Transition plans       {s['role_change_plan']['succeeded']:6d}   role/level change → gap analysis → plan "
            f"({s['role_change_plan']['stale_ignored']} out-of-order changes ignored)",
            f"Learning completed     {s['learning_next_step']['succeeded']:6d}   evidence recorded; "
            f"{emails['next_step']} → next best action e-mailed"
            + (f", {s['learning_next_step']['succeeded'] - emails['next_step']} with nothing left to recommend"
               if s['learning_next_step']['succeeded'] > emails['next_step'] else ""),
            f"Manager alerts         {len(self.alerts):6d}   stalled development → 1:1 talking points, about "
            f"{len(alerted)} people ({len(alerted & quiet)} of {len(quiet)} planted quiet employees caught"
            + (f"; {len(team_alerted)} of the sample team, who have no pilot activity" if team_alerted else "")
            + f"); the same person again after the {self.stack.settings.stall.cooldown_days}-day cooldown",
            f"Messages delivered     {s['notification_delivery']['succeeded']:6d}   " + email_breakdown(emails)
            + f"; {self.scene.slack_posts} of them in Slack (two people chose it), the rest by e-mail",
            f"Demographics stored    {s['demographics_sync']['succeeded']:6d}   own table and KMS key, written only "
            f"({self.timings.get('demographics day', 0):.1f} s for day {DEMOGRAPHICS_DAY + 1})",
            "",
            "Trigger reliability (events / succeeded / no action / stale / duplicate / failed attempts / "
            "dead-lettered)",
        ]
        for name, row in s.items():
            lines.append(f"  {name:22s} {row['events']:6d} {row['succeeded']:6d} {row['no_action']:6d} "
                         f"{row['stale_ignored']:6d} {row['duplicate']:6d} {row['failed_attempts']:6d} "
                         f"{row['dead_lettered']:6d}")
        lines.append(f"  events: webhooks for ingest_webhook, HRIS events of their type for triggers, one run a day "
                     f"from day {STALL_FROM_DAY + 1} for stall_detection, e-mails for notification_delivery")
        lines.append(f"Dead-lettered: {self.dead_lettered or 'nothing'}")
        for step, delivery in self.rejected[:5]:
            lines.append(f"  rejected {step.type}: {delivery.status} {delivery.body.get('message')}")
        nudge = self.sample_message("nudge")
        if nudge:
            lines += ["", "-" * 78, f"A sample nudge  (to {nudge['recipient_id']}, {nudge['status']})",
                      f"Subject: {nudge['subject']}", "", nudge["body"]]
        alert = self.sample_message("manager_alert")
        if alert:
            lines += ["", "-" * 78, f"A sample manager alert  (to {alert['recipient_id']}, {alert['status']})",
                      f"Subject: {alert['subject']}", "", alert["body"]]
        lines += self.scene.lines()
        lines += self.audit_lines()
        lines += ["-" * 78, "Healthy: nothing failed, nothing dead-lettered; the audit found the planted disparity "
                  "and left the fair control alone." if self.healthy
                  else "Attention: some events failed or were dead-lettered, or the audit missed what was planted "
                  "(see above)."]
        return "\n".join(lines)

    def audit_lines(self) -> list[str]:
        from coachwire.fairness.records import Flag
        from coachwire.services.bias_audits import flag_line

        summary = self.audit["summary"]
        counts = summary["counts"]
        audited = counts.get("audited", 0)
        in_group = sum(1 for p in self.pilot.people if p.manager_id is not None
                       and self.pilot.demographics.get(p.employee_id, {}).get(SCENARIO.attribute) == SCENARIO.group)
        lines = ["", "-" * 78,
                 f"Bias audit {summary['window']} ({summary['audit_id']}, {summary['status']}, "
                 f"{self.timings.get('bias audit', 0):.1f} s): {audited} employees "
                 f"({audited_breakdown(audited, len(self.pilot.people), counts.get('demographics_missing', 0))}) and "
                 f"{counts.get('recommendations_audited', 0)} personalised recommendations of the quarter so far "
                 "audited",
                 f"Planted: {SCENARIO.affected_share:.0%} of {SCENARIO.attribute} '{SCENARIO.group}' with a manager "
                 f"never had a gap flagged ({len(self.pilot.planted_employee_ids)} of {in_group} people) -> "
                 + ("FLAGGED" if self.planted_found else "NOT FOUND"),
                 f"Fair control: {SCENARIO.fair_control}, drawn independently of the history -> "
                 + ("FLAGGED (a false alarm)" if self.control_flagged else "no flag"),
                 f"{len(self.flags)} flagged comparison(s), each with a review case (GET /reviews):"]
        lines += [f"  - {flag_line(Flag.model_validate(f))}" for f in self.flags]
        if self.audit.get("report_url"):
            lines.append(f"Report for HR: {self.audit['report_url']}, saved below as audit-report.html; from a "
                         f"running stack: coachwire report open '{self.audit['report_url']}'")
        note = self.sample_message("audit_flag")
        if note:
            lines += ["", f"The email to HR admin {note['recipient_id']} ({note['status']})",
                      f"Subject: {note['subject']}", "", note["body"]]
        return lines

    def summary(self, files: dict[str, str]) -> dict:
        """The run as data: what was sent, what each trigger did, the e-mails, the audit and the files saved."""
        summary = self.audit["summary"]
        return {
            "healthy": self.healthy,
            "elapsed_seconds": round(self.elapsed, 1),
            "pilot": {"start": self.pilot.start.isoformat(), "days": PILOT_DAYS, "seed": self.pilot.seed,
                      "synthetic_employees": len(self.pilot.people),
                      "hris_events": pilot_events(self.pilot)},
            "sample_team": {"employees": len(SAMPLE_PEOPLE), "hr_admin": HR_ADMIN,
                            "why": "seeded by the local stack with the frameworks and catalog; no HRIS events"},
            "webhooks": {"sent": sum(self.replay.statuses.values()), "by_status": dict(self.replay.statuses),
                         "rejected": len(self.rejected)},
            "triggers": self.stats,
            "manager_alerts": {"alerts": len(self.alerts), "employees": len({a["employee_id"] for a in self.alerts}),
                               "planted_quiet": len(self.pilot.quiet_employee_ids),
                               "planted_quiet_caught": len({a["employee_id"] for a in self.alerts}
                                                           & self.pilot.quiet_employee_ids)},
            "emails": dict(sorted(self.emails_by_kind.items())),
            "slack": {"manager": self.scene.manager_id, "employee": self.scene.employee_id,
                      "alert_decision": self.scene.alert_decision.get("status"),
                      "plan_item": self.scene.plan_item_status, "engagement": self.scene.engagement,
                      "posts": self.scene.slack_posts},
            "audit": {"audit_id": summary["audit_id"], "window": summary["window"], "status": summary["status"],
                      "counts": summary["counts"], "flags": summary["flags"],
                      "report_url": self.audit.get("report_url"),
                      "planted_found": self.planted_found, "fair_control_flagged": self.control_flagged},
            "files": files,
        }


def email_breakdown(emails: Counter[str]) -> str:
    kinds = [k for k in MESSAGE_KINDS if k in emails] + sorted(set(emails) - set(MESSAGE_KINDS))
    return ", ".join(f"{emails[k]} {k.replace('_', ' ')}" for k in kinds)


def audited_breakdown(audited: int, synthetic: int, without_demographics: int) -> str:
    """Who the audited number is: the pilot's people and the sample team, when it adds up to that."""
    team = len(SAMPLE_PEOPLE)
    who = (f"the {synthetic} synthetic employees + the {team}-person sample team" if audited == synthetic + team
           else f"of the {synthetic} synthetic employees and the {team}-person sample team, those employed in the "
           "window with personalisation on")
    return who + (f"; {without_demographics} without a demographics record count as unknown"
                  if without_demographics else "")


def message_text(note: dict, people: dict[str, Person]) -> str:
    """One sent e-mail as a plain-text file: its headers as the recipient would see them, then the body."""
    person = people.get(note["recipient_id"])
    to = f"{person.display_name} <{person.email}>" if person else note["recipient_id"]
    return (f"To: {to}\nSubject: {note['subject']}\nDate: {note.get('sent_at') or note['created_at']}\n"
            f"X-Coachwire-Kind: {note['kind']}\nX-Coachwire-Status: {note['status']}\n\n{note['body']}\n")


def write_outputs(folder: Path, report: Report, text: str) -> dict[str, str]:
    """Save what the run produced; returns label → path. The messages folder and the report are replaced, so
    nothing from an earlier run is left beside this one's."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    (folder / "audit-report.html").unlink(missing_ok=True)  # an earlier run's, when this audit has none
    if report.report_html is not None:
        written["bias audit report"] = folder / "audit-report.html"
        written["bias audit report"].write_text(report.report_html, encoding="utf-8")
    written["bias audit (JSON)"] = folder / "audit.json"
    written["bias audit (JSON)"].write_text(json.dumps(report.audit, indent=2), encoding="utf-8")
    messages = folder / "messages"
    shutil.rmtree(messages, ignore_errors=True)
    messages.mkdir()
    for kind in MESSAGE_KINDS:
        note = report.sample_message(kind)
        if note is not None:
            written[f"sample {kind.replace('_', ' ')}"] = messages / f"{kind}.txt"
            written[f"sample {kind.replace('_', ' ')}"].write_text(message_text(note, report.people),
                                                                   encoding="utf-8")
    if report.scene.alert_text:
        written["the alert in Slack"] = messages / "slack-alert.txt"
        written["the alert in Slack"].write_text("\n".join(report.scene.lines()).strip("-\n") + "\n", encoding="utf-8")
    written["run report (as printed)"] = folder / "summary.txt"
    written["run report (as printed)"].write_text(text + "\n", encoding="utf-8")
    written["run summary (JSON)"] = folder / "summary.json"
    files = {label: str(path) for label, path in written.items()}
    written["run summary (JSON)"].write_text(json.dumps(report.summary(files), indent=2, default=str),
                                            encoding="utf-8")
    return files


def coachwire_command() -> str:
    """How to call the CLI from here: .venv/bin/coachwire when that is this interpreter's, else python -m."""
    script = Path(sys.executable).parent / "coachwire"
    if not script.exists():
        return f"{sys.executable} -m coachwire_tools.cli"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def serve_until_interrupted(stack: LocalStack, report: Report) -> None:
    """Keep the stack up for exploring (the demo's state included) until Ctrl-C or SIGTERM."""
    from coachwire_tools.local import tokens

    cli = coachwire_command()
    report_url = report.audit.get("report_url") or "/audits"
    print("-" * 78)
    print(f"The demo's local stack stays up at {stack.base_url} (--serve). Ctrl-C to stop.")
    print(f"  webhook secret (a development secret): export COACHWIRE_WEBHOOK_SECRETS={stack.webhook_secrets[0]}")
    print(f"In another terminal in this folder (local tokens are signed with the key in {tokens.state_dir()}), "
          f"as HR admin {HR_ADMIN}:")
    if stack.base_url != DEFAULT_API_URL:
        print(f"  export COACHWIRE_API_URL={stack.base_url}")
    print(f"  export COACHWIRE_TOKEN=$({cli} local token --role hr_admin --sub {HR_ADMIN})")
    print(f"  {cli} report open '{report_url}'")
    print(f'  curl -H "Authorization: Bearer $COACHWIRE_TOKEN" {stack.base_url}/triggers/stats')
    print(f"API document: {stack.base_url}/openapi.json")
    print("State: in memory only, as with `coachwire local serve`: everything the demo did is gone when it stops "
          "(what exactly: coachwire local serve --help).", flush=True)
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        print("stopping…", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())


