"""The warm phase: the sample pilot replayed through the real handlers, one SQS record per invocation.

Day by day, as `make demo` does, but with the local dispatcher stopped: every signed webhook goes to the
ingest handler as an API Gateway (HTTP API 2.0) event, then each trigger queue is drained one real message at
a time (the SQS event shape is the dispatcher's), then the notifications those firings queued. Stall detection
runs once per pilot day, as its daily schedule would. Each invocation is timed and its AWS calls recorded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from coachwire import spine
from coachwire_tools.local.http import HttpApi
from coachwire_tools.local.lambdas import HandlerLoader, describe_error, invoke
from coachwire_tools.local.moto_server import client
from coachwire_tools.local.stack import LocalStack
from coachwire_tools.sample_org import framework_for_role, load_frameworks
from coachwire_tools.sample_org.pilot import PILOT_DAYS, Pilot, PilotStep, replay_days
from coachwire_tools.webhook_client import sign

from bench.calls import ApiCall, CallRecorder, Capacity, CapacityModel, item_bytes
from bench.costs import Cost, invocation_cost
from bench.timing import stopwatch

INGEST = spine.INGEST_FUNCTION
STALL = "stall_detection"
EVENT_TRIGGERS = tuple(t.name for t in spine.TRIGGERS if not t.schedule and t.name != "notification_delivery")


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    memory_mb: int
    timeout_seconds: int
    invoked_by: str  # "sqs", "http" or "schedule" (see bench.costs)


def function_spec(name: str) -> FunctionSpec:
    trigger = spine.TRIGGERS_BY_NAME.get(name)
    if trigger is not None:
        return FunctionSpec(name, trigger.memory_mb, trigger.timeout_seconds, "schedule" if trigger.schedule else "sqs")
    http = next(f for f in spine.HTTP_FUNCTIONS if f.name == name)
    return FunctionSpec(name, http.memory_mb, http.timeout_seconds, "http")


@dataclass
class Sample:
    ms: float
    aws_ms: float  # time spent inside botocore calls (request, moto, response parsing)
    calls: Counter[str]  # ApiCall.label → count
    capacity: dict[str, Capacity]  # ApiCall.label → DynamoDB request units
    cost: Cost
    profiles_scanned: int  # stall detection: profiles examined (returned by its index queries)


@dataclass
class Measured:
    spec: FunctionSpec
    samples: list[Sample] = field(default_factory=list)
    invocations: int = 0
    failed: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # what made invocations fail (type and frames)
    statuses: Counter[str] = field(default_factory=Counter)


class _EventCapture:
    """Stands in for a HandlerLoader inside `HttpApi.handle`: keeps the API Gateway event it would invoke."""

    def __init__(self) -> None:
        self.event: dict[str, Any] | None = None

    def handler(self, _name: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        return self._keep

    def _keep(self, event: dict[str, Any], _context: Any) -> dict[str, Any]:
        self.event = event
        return {"statusCode": 204}


class Workload:
    def __init__(self, stack: LocalStack, recorder: CallRecorder, warmup: int) -> None:
        assert stack.settings is not None and stack.provisioned is not None and stack.dispatcher is not None
        self.stack = stack
        self.settings = stack.settings
        self.provisioned = stack.provisioned
        self.recorder = recorder
        self.warmup = warmup
        self.loader = HandlerLoader()
        self.sqs = client("sqs")
        self.capacity = CapacityModel(self._key_schemas())
        self.remember_items(*self.provisioned.tables.values())
        self.measured: dict[str, Measured] = {}
        self.last_events: dict[str, dict[str, Any]] = {}  # the last real event each function received
        self.last_webhook: tuple[dict, str] | None = None

    # -- events --------------------------------------------------------------------------------------------

    def http_event(self, method: str, target: str, headers: dict[str, str], body: bytes = b"",
                   claims: dict[str, Any] | None = None) -> dict[str, Any]:
        """The HTTP API 2.0 event the local API Gateway builds for this request."""
        capture = _EventCapture()
        api = HttpApi(self.settings, capture, verify=lambda _token: claims or {})  # type: ignore[arg-type]
        api.handle(method, target, list(headers.items()), body, "127.0.0.1")
        assert capture.event is not None, f"{method} {target} did not reach a function"
        return capture.event

    def webhook_event(self, payload: dict, webhook_id: str) -> dict[str, Any]:
        body = PilotStep(0, payload).body.encode()
        headers = sign(self.stack.webhook_secrets[0], body, webhook_id)
        return self.http_event("POST", "/webhooks/hris", headers, body)

    # -- measured invocation --------------------------------------------------------------------------------

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        measured = self.measured.setdefault(name, Measured(function_spec(name)))
        spec = measured.spec
        self.loader.module(name)  # imported before the clock starts: this is the warm phase
        measured.invocations += 1
        try:
            with self.recorder.recording() as calls, stopwatch() as elapsed:
                result = invoke(self.loader, name, event, stage=self.settings.stage,
                                timeout=spec.timeout_seconds, memory=spec.memory_mb)
        except Exception as exc:  # powertools raises when every record of the batch failed
            measured.failed += 1
            measured.errors[describe_error(exc)] += 1
            return None
        units = [self.capacity.of(call) for call in calls]  # in call order: it tracks item sizes
        if isinstance(result, dict) and result.get("batchItemFailures"):
            measured.failed += 1
        elif measured.invocations > self.warmup:
            by_label: defaultdict[str, Capacity] = defaultdict(Capacity)
            for call, capacity in zip(calls, units, strict=True):
                by_label[call.label] += capacity
            measured.samples.append(Sample(
                elapsed.ms, sum(c.ms for c in calls), Counter(c.label for c in calls), by_label,
                invocation_cost(elapsed.ms, calls, units, memory_mb=spec.memory_mb, trigger=spec.invoked_by),
                _profiles_scanned(calls)))
        self.last_events[name] = event
        return result

    def ingest(self, payload: dict, webhook_id: str) -> None:
        result = self.invoke(INGEST, self.webhook_event(payload, webhook_id))
        status = str(result["statusCode"]) if isinstance(result, dict) else "error"
        self.measured[INGEST].statuses[status] += 1
        self.last_webhook = (payload, webhook_id)

    def drain(self, *names: str) -> None:
        """Hand every message waiting on these trigger queues to its handler, one record per invocation."""
        dispatcher = self.stack.dispatcher
        assert dispatcher is not None
        for name in names:
            trigger, url = spine.TRIGGERS_BY_NAME[name], self.provisioned.queue_urls[name]
            while messages := self.sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                    MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", []):
                for message in messages:
                    self.invoke(name, {"Records": [dispatcher._record(trigger, message)]})
                self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    def run_stall_detection(self, as_of: date) -> None:
        self.stack.fire_schedule(STALL, as_of=as_of)
        self.drain(STALL)

    # -- the workload ---------------------------------------------------------------------------------------

    def replay(self, pilot: Pilot, progress: Callable[[str], None]) -> None:
        for day, steps in replay_days(pilot.steps).items():
            for step in steps:
                self.ingest(step.payload, step.webhook_id)
            self.drain(*EVENT_TRIGGERS)
            self.run_stall_detection(pilot.start + timedelta(days=day))
            self.drain("notification_delivery")
            if day % 10 == 9:
                progress(f"pilot day {day + 1}/{PILOT_DAYS}")

    def role_change_top_up(self, pilot: Pilot, wanted: int) -> int:
        """Role changes are rare in a pilot; move up to `wanted` more people one stage (after the pilot)."""
        frameworks = load_frameworks()
        effective = pilot.start + timedelta(days=PILOT_DAYS + 1)
        sent = 0
        for person in pilot.people:
            if sent >= wanted:
                break
            role_id, stage = pilot.final_roles[person.employee_id]
            role = framework_for_role(role_id, frameworks).role(role_id)
            stages = sorted(role.stages, key=lambda s: s.order) if role else []
            index = next((i for i, s in enumerate(stages) if s.stage == stage), None)
            if index is None or len(stages) < 2:
                continue
            to = stages[index + 1] if index + 1 < len(stages) else stages[index - 1]
            self.ingest({"type": spine.ROLE_CHANGED, "timestamp": f"{effective.isoformat()}T09:00:00Z", "data": {
                "employee_id": person.employee_id, "role_id": role_id, "career_stage": to.stage,
                "effective_date": effective.isoformat(), "previous_role_id": role_id,
                "previous_career_stage": stage}}, f"msg_bench_role_{person.employee_id}")
            sent += 1
        self.drain("role_change_plan", "notification_delivery")
        return sent

    # -- helpers (not recorded) -----------------------------------------------------------------------------

    def _key_schemas(self) -> dict[str, tuple[str, ...]]:
        ddb = client("dynamodb")
        tables = {*self.provisioned.tables.values(), self.settings.idempotency_table}
        return {t: tuple(k["AttributeName"] for k in ddb.describe_table(TableName=t)["Table"]["KeySchema"])
                for t in tables}

    def remember_items(self, *tables: str) -> None:
        """Tell the capacity model about items written before recording started (the seeded org)."""
        for table in tables:
            for page in client("dynamodb").get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    self.capacity.seen(table, item)

    def outcomes(self) -> dict[str, dict[str, int]]:
        """Per trigger, the outcomes the handlers counted (warm-up invocations included)."""
        from coachwire.adapters.dynamo import DynamoTriggerStats

        return DynamoTriggerStats(self.settings.stats_table).all()

    def moto_round_trip_ms(self, n: int = 50) -> list[float]:
        """A minimal GetItem against the emulator, for scale."""
        ddb, times = client("dynamodb"), []
        for _ in range(n):
            with stopwatch() as elapsed:
                ddb.get_item(TableName=self.settings.stats_table, Key={"trigger": {"S": "bench-round-trip"}})
            times.append(elapsed.ms)
        return times

    def profiles_table(self) -> tuple[int, int, float]:
        """(items in the profiles table, of which profiles, mean profile size in bytes): what a full Scan reads
        vs what it keeps."""
        items, profiles = 0, []
        for page in client("dynamodb").get_paginator("scan").paginate(TableName=self.settings.profiles_table):
            items += len(page["Items"])
            profiles += [item_bytes(i) for i in page["Items"] if i["sk"]["S"] == "PROFILE"]
        return items, len(profiles), sum(profiles) / len(profiles) if profiles else 0.0


def _profiles_scanned(calls: list[ApiCall]) -> int:
    """Profiles stall detection examined: what its index queries (or, in older code, its Scan) returned."""
    return sum(int((c.response or {}).get("Count", 0)) for c in calls
               if c.operation == "Scan" or (c.operation == "Query" and c.params.get("IndexName") == "by_framework"))
