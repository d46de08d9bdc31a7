"""What `local serve --seed sample` sends through the front door once the sample organisation is written: SYNTHETIC
demographics for its twelve people and, with a population, a synthetic 60-day pilot (the demo's generator, its
planted disparity included) so that a bias audit run by hand has groups large enough to compare.

Everything is a signed HRIS webhook to the running stack, so it takes the path real data takes (ingest, the bus,
demographics_sync into the demographics table and its own key). Webhook ids start with `msg_synthetic_`.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from coachwire import spine

from coachwire_tools.sample_org.people import SAMPLE_DEMOGRAPHICS
from coachwire_tools.webhook_client import WebhookClient

SYNTHETIC_PREFIX = "msg_synthetic_"
PILOT_SEED = 7  # the demo's default: the same synthetic people and history
# Stronger than the demo's (60%): at a hundred people, with the twelve sample people in the audit too, the demo's
# share is not significant after Holm correction over every comparison; this one is.
AFFECTED_SHARE = 0.8
WORKERS = 4
# The synthetic demographics are dated early in the sample frameworks' year, so that any later update (such as
# examples/webhooks/employee.demographics.upserted.json) is newer and wins, as it would from an HRIS.
SAMPLE_DEMOGRAPHICS_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    body: bytes


@dataclass
class Sent:
    """Webhooks sent and what ingest answered (`accepted`, `parked`, `duplicate`, or an HTTP status)."""

    answers: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.answers.values())

    @property
    def rejected(self) -> int:
        return sum(n for answer, n in self.answers.items() if answer not in ("accepted", "parked", "duplicate"))


@dataclass(frozen=True)
class PopulationSummary:
    people: int
    webhooks: int
    rejected: int
    planted: str  # the disparity planted in the history, in words


def sample_demographics(at: datetime = SAMPLE_DEMOGRAPHICS_AT) -> list[Delivery]:
    """One employee.demographics.upserted per sample person (SAMPLE_DEMOGRAPHICS, synthetic)."""
    deliveries = []
    for employee_id, fields in SAMPLE_DEMOGRAPHICS.items():
        payload = {"type": spine.DEMOGRAPHICS_UPSERTED, "timestamp": at.isoformat(),
                   "data": {"employee_id": employee_id, **fields}}
        deliveries.append(Delivery(f"{SYNTHETIC_PREFIX}demographics_{employee_id}",
                                   json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()))
    return deliveries


class Sender:
    """Signs and posts deliveries from a few threads (one HTTP session each), tallying ingest's answers."""

    def __init__(self, base_url: str, secret: str, workers: int = WORKERS) -> None:
        self.base_url, self.secret, self.workers = base_url, secret, workers
        self._local = threading.local()
        self.sent = Sent()

    def _send(self, delivery: Delivery) -> str:
        if not hasattr(self._local, "client"):
            self._local.client = WebhookClient(self.base_url, self.secret)
        answer = self._local.client.send({}, webhook_id=delivery.webhook_id, body=delivery.body)
        return str(answer.body.get("status", answer.status)) if answer.status == 202 else str(answer.status)

    def send(self, deliveries: list[Delivery]) -> None:
        with ThreadPoolExecutor(self.workers) as pool:
            self.sent.answers.update(pool.map(self._send, deliveries))


def replay_population(sender: Sender, size: int, today: date, wait_until_idle: Callable[[], None],
                      progress: Callable[[str], None], affected_share: float = AFFECTED_SHARE) -> PopulationSummary:
    """The demo's synthetic pilot of `size` people ending `today`, sent day by day (each day processed before the
    next is sent, as an HRIS would have sent them over 60 days). Stall detection is not run here."""
    from coachwire_tools.sample_org.pilot import AuditScenario, build_pilot, default_start, replay_days

    scenario = AuditScenario(affected_share=affected_share)
    pilot = build_pilot(default_start(today), n=size, seed=PILOT_SEED, audit_scenario=scenario)
    before = sender.sent.total
    days = replay_days(pilot.steps)
    for day, steps in days.items():
        sender.send([Delivery(SYNTHETIC_PREFIX + step.webhook_id.removeprefix("msg_"), step.body.encode())
                     for step in steps])
        wait_until_idle()
        progress(f"day {day + 1}/{len(days)}, {sender.sent.total - before}/{len(pilot.steps)} webhooks")
    planted = (f"for {scenario.affected_share:.0%} of the people whose {scenario.attribute} is "
               f"'{scenario.group}', no gap is flagged and no learning arranged; {scenario.fair_control} is drawn "
               "independently (the fair control)")
    return PopulationSummary(len(pilot.people), len(pilot.steps), sender.sent.rejected, planted)
