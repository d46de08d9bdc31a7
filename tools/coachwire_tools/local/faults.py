"""Fault injection for the local stack: AWS errors and killed invocations, at the botocore level.

Handlers reach AWS through the shared clients of `coachwire.adapters.aws`; this module registers botocore
event handlers on those clients, so the real handler code meets the errors AWS would return. Faults fire only
on the dispatcher's poller threads (trigger invocations), never on the caller's own reads, and are drawn from a
seeded RNG. An invocation holding a record on its last receive before the dead-letter queue runs without faults:
retries are what is under test, and without that guard a sustained fault rate dead-letters some record in a
fraction of runs depending on thread timing. Test and benchmark tooling only: `local/` is not bundled.

    with FaultInjector(FaultRates(dynamodb_throttle=0.05, kill=0.1), seed=3).install(stack.handlers) as faults:
        ... replay ...
    faults.injected  # Counter of what fired
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from coachwire import spine

from coachwire_tools.local.lambdas import InvocationKilled

POLLER_THREAD_PREFIX = "coachwire-poll-"
_DYNAMO_WRITES = ("PutItem", "UpdateItem", "TransactWriteItems", "DeleteItem")
_DYNAMO_READS = ("GetItem", "Query")


@dataclass(frozen=True)
class FaultRates:
    """Probability per matching AWS call that the fault fires (0 = never)."""

    dynamodb_throttle: float = 0.0  # ProvisionedThroughputExceededException / ThrottlingException on reads and writes
    transaction_conflict: float = 0.0  # TransactionCanceledException [TransactionConflict] on TransactWriteItems
    ses_throttle: float = 0.0  # SES Throttling (400): nothing was sent
    ses_unavailable: float = 0.0  # SES ServiceUnavailable (503): nothing was sent
    put_events_partial: float = 0.0  # PutEvents succeeds but FailedEntryCount > 0 (an entry rejected)
    kill: float = 0.0  # per handler invocation: the process dies before one of its first few AWS calls


class FaultInjector:
    def __init__(self, rates: FaultRates, seed: int = 0) -> None:
        self.rates = rates
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.spared_invocations = 0  # invocations run fault-free: a record in them was on its last receive
        self._registered: list[tuple[Any, str, Any]] = []
        self.enabled = True
        self._armed = threading.local()  # AWS calls left before this thread's invocation dies
        self._loader: Any = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def install(self, loader: Any = None) -> FaultInjector:
        """`loader`: the dispatcher's HandlerLoader, needed for kills (they are armed per invocation)."""
        from coachwire.adapters.aws import client

        if self._registered:
            return self
        if loader is not None:
            self._wrap(loader)

        dynamodb, ses, events = client("dynamodb"), client("ses", total_attempts=1), client("events")
        for op in _DYNAMO_WRITES + _DYNAMO_READS:
            self._on(dynamodb, f"before-call.dynamodb.{op}", self._dynamodb)
        self._on(ses, "before-call.ses.SendEmail", self._ses)
        self._on(ses, "before-call.ses.SendRawEmail", self._ses)
        self._on(events, "after-call.eventbridge.PutEvents", self._put_events)
        for service_client in (ses, events):
            self._on(service_client, "before-call", self._kill_only)
        return self

    def _wrap(self, loader: Any) -> None:
        load = loader.handler

        def handler(name: str) -> Any:
            real = load(name)

            def invocation(event: dict, context: Any) -> Any:
                self._armed.spared = _holds_last_receive(name, event)
                if self._armed.spared:
                    with self._lock:
                        self.spared_invocations += 1
                self._armed.calls_left = None if self._armed.spared else self._rng_kill_point()
                try:
                    return real(event, context)
                finally:
                    self._armed.calls_left = None
                    self._armed.spared = False
            return invocation

        loader.handler = handler
        self._loader = loader

    def _rng_kill_point(self) -> int | None:
        if not self._draw("kill_armed", self.rates.kill):
            return None
        with self._lock:
            return self._rng.randint(1, 3)  # nearly every invocation makes 3+ AWS calls: an armed kill fires

    def uninstall(self) -> None:
        if self._loader is not None:
            del self._loader.handler  # back to the class's method
            self._loader = None
        for service_client, event, handler in self._registered:
            service_client.meta.events.unregister(event, handler)
        self._registered.clear()

    def __enter__(self) -> FaultInjector:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def _on(self, service_client: Any, event: str, handler: Any) -> None:
        service_client.meta.events.register(event, handler)
        self._registered.append((service_client, event, handler))

    # -- the faults --------------------------------------------------------------------------------

    def _draw(self, name: str, rate: float) -> bool:
        if not rate or not self.enabled or not threading.current_thread().name.startswith(POLLER_THREAD_PREFIX):
            return False
        if getattr(self._armed, "spared", False):
            return False
        with self._lock:
            hit = self._rng.random() < rate
            if hit:
                self.injected[name] += 1
        return hit

    def _maybe_kill(self, operation: str) -> None:
        left = getattr(self._armed, "calls_left", None)
        if left is None:
            return
        self._armed.calls_left = left - 1
        if left == 1:
            self._armed.calls_left = None
            with self._lock:
                self.injected["kill"] += 1
            raise InvocationKilled(f"killed before {operation}")

    def _kill_only(self, model: Any, **_: Any) -> None:
        if model.service_model.service_name != "dynamodb":  # dynamodb calls are handled in _dynamodb
            self._maybe_kill(model.name)

    def _dynamodb(self, model: Any, **_: Any) -> tuple[AWSResponse, dict] | None:
        self._maybe_kill(model.name)
        if model.name == "TransactWriteItems" and self._draw("transaction_conflict", self.rates.transaction_conflict):
            return _error(400, "TransactionCanceledException", "Transaction cancelled",
                          CancellationReasons=[{"Code": "TransactionConflict"}])
        if self._draw("dynamodb_throttle", self.rates.dynamodb_throttle):
            code = "ThrottlingException" if model.name == "TransactWriteItems" else \
                "ProvisionedThroughputExceededException"
            return _error(400, code, "Rate exceeded")
        return None

    def _ses(self, model: Any, **_: Any) -> tuple[AWSResponse, dict] | None:
        if self._draw("ses_throttle", self.rates.ses_throttle):
            return _error(400, "Throttling", "Maximum sending rate exceeded.")
        if self._draw("ses_unavailable", self.rates.ses_unavailable):
            return _error(503, "ServiceUnavailable", "Service unavailable")
        return None

    def _put_events(self, parsed: dict, **_: Any) -> None:
        # The events were really put on the bus, then we say one was not: the caller's retry duplicates it,
        # which downstream idempotency must absorb (at-least-once).
        entries = parsed.get("Entries") or []
        if entries and self._draw("put_events_partial", self.rates.put_events_partial):
            entries[0].pop("EventId", None)
            entries[0].update(ErrorCode="ThrottlingException", ErrorMessage="Rate exceeded")
            parsed["FailedEntryCount"] = max(1, int(parsed.get("FailedEntryCount") or 0))


def _holds_last_receive(trigger_name: str, event: dict) -> bool:
    trigger = spine.TRIGGERS_BY_NAME.get(trigger_name)
    if trigger is None:
        return False
    counts = [int((r.get("attributes") or {}).get("ApproximateReceiveCount") or 1) for r in event.get("Records", [])]
    return any(count >= trigger.max_receive_count for count in counts)


def _error(status: int, code: str, message: str, **extra: Any) -> tuple[AWSResponse, dict]:
    http = AWSResponse("https://fault.injected", status, {}, None)
    return http, {"Error": {"Code": code, "Message": message}, **extra,
                  "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0}}
