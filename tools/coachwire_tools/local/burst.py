"""A burst of signed HRIS webhooks of mixed types, all sent at once against the local stack and reconciled
afterwards: the load test behind tests/local/test_burst.py (500 events) and `python -m bench.burst` (5,000).
Tooling only: `local/` is not bundled.

The events are the sample pilot's, every type mixed and in no particular order, as an HRIS that sends in
parallel would deliver them: a check-in may overtake its employee (it is parked, then replayed) and two updates
of one person race (the later fact wins, the other is stale). Whatever the order, every accepted webhook must end
in exactly one terminal outcome, and no notification may go out twice. The one refusal the order may cause is
a 422 for a check-in or completion naming a skill of the role its employee held before a role change that
arrived first: the HRIS hears of it at once, as it would from a sequential sender.
"""

from __future__ import annotations

import random
import re
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

from coachwire_tools.local.reconcile import Reconciliation, reconcile
from coachwire_tools.local.stack import LocalStack
from coachwire_tools.sample_org.pilot import PilotStep, build_pilot, default_start
from coachwire_tools.webhook_client import WebhookClient

OVERTAKEN_BY_A_ROLE_CHANGE = re.compile(r"422 data\.(skill_ratings\.\d+\.skill_id|activity_id)")
EVENTS_PER_EMPLOYEE = 4  # a little under what the pilot generator makes per person, so there are enough


def burst_steps(events: int, today: date, seed: int = 7) -> list[PilotStep]:
    """`events` pilot webhooks of every type, shuffled (the seed fixes the order)."""
    employees = max(2, -(-events // EVENTS_PER_EMPLOYEE))
    steps = list(build_pilot(default_start(today), n=employees, seed=seed).steps)
    while len(steps) < events:  # a sparse draw: add people until there are enough
        employees += max(1, employees // 10)
        steps = list(build_pilot(default_start(today), n=employees, seed=seed).steps)
    steps = steps[:events]
    random.Random(seed).shuffle(steps)
    return steps


@dataclass
class BurstResult:
    sent: int
    statuses: Counter[int]
    # "status field" of each refusal. Only a 422 for a skill or activity is expected: a check-in or completion
    # for the role someone held before a role change that overtook it.
    refused: Counter[str]
    refused_ids: set[str]
    types: Counter[str]
    seconds: float  # first send until every firing is done
    reconciliation: Reconciliation

    @property
    def unexpected_refusals(self) -> Counter[str]:
        return Counter({k: n for k, n in self.refused.items() if not OVERTAKEN_BY_A_ROLE_CHANGE.fullmatch(k)})

    @property
    def accepted(self) -> int:
        return self.reconciliation.accepted

    @property
    def throughput(self) -> float:
        """Accepted events brought to a terminal outcome per second."""
        return self.accepted / self.seconds if self.seconds else 0.0

    def time_to_terminal(self, percentile: int) -> float:
        values = sorted(self.reconciliation.time_to_terminal.values())
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=100, method="inclusive")[percentile - 1]


def run_burst(stack: LocalStack, steps: list[PilotStep], *, senders: int = 16, timeout: float = 900) -> BurstResult:
    """Send every step from `senders` threads at once, wait until the stack is idle, reconcile."""
    clients = threading.local()

    def send(step: PilotStep) -> tuple[PilotStep, int, str | None, datetime]:
        if not hasattr(clients, "hris"):  # one HTTP session per sender thread
            clients.hris = WebhookClient(stack.base_url, stack.webhook_secrets[0])
        started = datetime.now(UTC)
        delivery = clients.hris.send(step.payload, webhook_id=step.webhook_id, body=step.body.encode())
        field = delivery.body.get("field") if isinstance(delivery.body, dict) else None
        return step, delivery.status, field, started

    began = time.monotonic()
    with ThreadPoolExecutor(senders) as pool:
        sent = list(pool.map(send, steps))
    stack.wait_until_idle(timeout=timeout)
    seconds = time.monotonic() - began
    accepted = {step.webhook_id: (step.type, at) for step, status, _, at in sent if status == 202}
    return BurstResult(
        sent=len(sent),
        statuses=Counter(status for _, status, _, _ in sent),
        refused=Counter(f"{status} {field}" for _, status, field, _ in sent if status != 202),
        refused_ids={step.webhook_id for step, status, _, _ in sent if status != 202},
        types=Counter(step.type for step in steps),
        seconds=seconds,
        reconciliation=reconcile(stack.settings, accepted, stack.provisioned.dlq_urls),
    )
