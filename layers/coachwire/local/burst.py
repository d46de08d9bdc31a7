"""A burst of signed webhooks of mixed types against the local stack, reconciled afterwards: the load test
behind `make bench` (5,000 events) and tests/local/test_faults.py (500). Tooling only: `local/` is not bundled.

The events come from the sample pilot generator, sent in two concurrent waves: every employee first, then
everything else at once (check-ins, completions, role changes), so only true concurrency is tested, not an
HRIS that sends a check-in before the employee exists.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

from coachwire.local.reconcile import Reconciliation, reconcile
from coachwire.local.stack import LocalStack
from coachwire.sample_org.pilot import PilotStep, build_pilot
from coachwire.webhook_client import WebhookClient

START = date(2026, 9, 28)
EVENTS_PER_EMPLOYEE = 3.6  # what the pilot generator makes on average


def burst_steps(events: int, seed: int = 7) -> list[PilotStep]:
    """About `events` pilot webhooks (at least `events`, trimmed to it), employees first."""
    pilot = build_pilot(START, n=max(2, int(events / EVENTS_PER_EMPLOYEE) + 2), seed=seed)
    steps = list(pilot.steps)
    upserts = [s for s in steps if s.type == "employee.upserted"]
    rest = [s for s in steps if s.type != "employee.upserted"]
    return (upserts + rest)[:events]


@dataclass
class BurstResult:
    events: int
    seconds: float  # first send to every event terminal
    reconciliation: Reconciliation

    @property
    def throughput(self) -> float:
        return self.events / self.seconds

    def percentile(self, q: int) -> float:
        values = sorted(self.reconciliation.time_to_terminal.values())
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run_burst(stack: LocalStack, steps: list[PilotStep], workers: int = 16, timeout: float = 600) -> BurstResult:
    local_clients: dict[int, WebhookClient] = {}

    def send(step: PilotStep) -> tuple[PilotStep, int, datetime]:
        import threading

        hris = local_clients.setdefault(threading.get_ident(), WebhookClient(stack.base_url, stack.webhook_secrets[0]))
        started = datetime.now(UTC)
        return step, hris.send(step.payload, webhook_id=step.webhook_id, body=step.body.encode()).status, started

    began = time.monotonic()
    accepted: dict[str, tuple[str, datetime]] = {}
    refused: list[int] = []
    waves = ([s for s in steps if s.type == "employee.upserted"], [s for s in steps if s.type != "employee.upserted"])
    with ThreadPoolExecutor(workers) as pool:
        for wave in waves:
            for step, status, at in pool.map(send, wave):
                if status == 202:
                    accepted[step.webhook_id] = (step.type, at)
                else:
                    refused.append(status)
            stack.wait_until_idle(timeout=timeout)
    seconds = time.monotonic() - began
    if refused:
        raise RuntimeError(f"{len(refused)} webhooks refused: statuses {sorted(set(refused))}")
    return BurstResult(len(accepted), seconds, reconcile(stack.settings, accepted, stack.provisioned.dlq_urls))
