"""The Lambda service, locally: SQS event source mappings for every trigger, and the scheduler.

One polling thread per trigger queue receives up to `batch_size` messages, hands the handler a real
SQS event, deletes the records it did not report in `batchItemFailures`, and makes the failed ones
visible again after 1 s. moto itself moves a message to the trigger's DLQ once its receive count
passes the queue's maxReceiveCount (checked at receive time, as SQS does), so no redrive code here.
moto never fires EventBridge Scheduler schedules, so a small thread does that for their cron and rate expressions.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from coachwire import spine
from coachwire.settings import Settings

from coachwire_tools.local.lambdas import HandlerLoader, InvocationKilled, describe_error, invoke
from coachwire_tools.local.moto_server import REGION, client
from coachwire_tools.local.provision import Provisioned, schedule_input

log = logging.getLogger(__name__)

RETRY_VISIBILITY_SECONDS = 1
_QUEUE_DEPTH = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)
# The EventBridge Scheduler cron forms Coachwire uses: cron(minutes hours day-of-month month day-of-week *), with
# fixed minutes and hours, and day-of-month / month as * ? or a comma list of numbers, day-of-week as * ? or a
# comma list of names (MON..SUN): daily, weekly, quarterly and yearly schedules.
_CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) ([\d,]+|\*|\?) ([\d,]+|\*) ([A-Z,]+|\*|\?) \*\)$")
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# And rate(N minutes|hours|days) (the release of held messages runs every 15 minutes). The real scheduler counts
# from the schedule's creation; here a rate schedule fires on the multiples of its period since the epoch.
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


class Dispatcher:
    """Pollers + scheduler. `invocations` and `failed_records` count per trigger; see wait_until_idle."""

    def __init__(
        self,
        settings: Settings,
        provisioned: Provisioned,
        loader: HandlerLoader | None = None,
        *,
        wait_seconds: int = 1,
        pollers_per_queue: int = 2,
        scheduler_interval: float = 20.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.provisioned = provisioned
        self.loader = loader or HandlerLoader()
        self.invocations: Counter[str] = Counter()  # handler calls per trigger
        self.failed_records: Counter[str] = Counter()  # records returned for retry per trigger
        self.killed_batches: Counter[str] = Counter()  # invocations that died without answering
        self._wait_seconds = wait_seconds
        # Lambda's SQS event source starts with five concurrent pollers; a few give the same overlap here.
        self._pollers = max(1, pollers_per_queue)
        self._scheduler_interval = scheduler_interval
        self._now = now
        self._sqs = client("sqs")
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._batches = 0  # batches received so far: lets wait_until_idle notice work it missed
        self._paused: set[str] = set()
        self._parked: dict[str, list[threading.Event]] = {
            t.name: [threading.Event() for _ in range(self._pollers)] for t in spine.TRIGGERS}

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Dispatcher:
        if self._threads:
            return self
        self._stop.clear()
        for trigger in spine.TRIGGERS:
            for i in range(self._pollers):
                self._spawn(f"poll-{trigger.name}-{i}", self._poll, trigger, i)
        self._spawn("scheduler", self._run_scheduler)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=f"coachwire-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- SQS event source mapping ------------------------------------------------------------------

    def _poll(self, trigger: spine.Trigger, poller: int = 0) -> None:
        queue_url = self.provisioned.queue_urls[trigger.name]
        parked = self._parked[trigger.name][poller]
        while not self._stop.is_set():
            if trigger.name in self._paused:
                parked.set()
                self._stop.wait(0.05)
                continue
            parked.clear()
            try:
                messages = self._sqs.receive_message(
                    QueueUrl=queue_url,
                    MaxNumberOfMessages=min(trigger.batch_size, 10),  # SQS hands out at most 10
                    WaitTimeSeconds=self._wait_seconds,
                    MessageSystemAttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception:
                if not self._stop.is_set():
                    log.exception("receiving from the %s queue failed", trigger.name)
                    self._stop.wait(1)
                continue
            if messages:
                with self._lock:
                    self._in_flight += 1
                    self._batches += 1
                try:
                    self._deliver(trigger, queue_url, messages)
                except Exception:  # e.g. moto went away: keep the poller alive, SQS will redeliver
                    log.exception("settling a %s batch failed", trigger.name)
                finally:
                    with self._lock:
                        self._in_flight -= 1

    def _deliver(self, trigger: spine.Trigger, queue_url: str, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [self._record(trigger, m) for m in messages]}
        ids = {m["MessageId"] for m in messages}
        with self._lock:
            self.invocations[trigger.name] += 1
        started = time.monotonic()
        try:
            result = invoke(
                self.loader,
                trigger.name,
                event,
                stage=self.settings.stage,
                timeout=trigger.timeout_seconds,
                memory=trigger.memory_mb,
            )
            failed = _reported_failures(result, ids)
        except InvocationKilled:
            # As when a Lambda process dies: no response, so nothing is deleted or made visible early.
            with self._lock:
                self.killed_batches[trigger.name] += 1
            log.error("%s died on a batch of %d; its messages return after the visibility timeout",
                      trigger.name, len(messages))
            return
        except Exception as exc:  # as in Lambda: an error fails the whole batch
            log.error("%s failed on a batch of %d: %s", trigger.name, len(messages), describe_error(exc))
            failed = set(ids)
        if time.monotonic() - started > trigger.timeout_seconds:
            log.warning(
                "%s ran longer than its %d s timeout; Lambda would have cut it off",
                trigger.name,
                trigger.timeout_seconds,
            )
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        if done:
            self._sqs.delete_message_batch(QueueUrl=queue_url, Entries=_entries(done))
        if retry:
            with self._lock:
                self.failed_records[trigger.name] += len(retry)
            log.warning(
                "%s: %d of %d records failed; back on the queue in %d s, or to the DLQ after receive %d "
                "(message ids %s, receive counts %s)",
                trigger.name,
                len(retry),
                len(messages),
                RETRY_VISIBILITY_SECONDS,
                trigger.max_receive_count,
                [m["MessageId"] for m in retry],
                [m.get("Attributes", {}).get("ApproximateReceiveCount") for m in retry],
            )
            self._sqs.change_message_visibility_batch(
                QueueUrl=queue_url, Entries=_entries(retry, VisibilityTimeout=RETRY_VISIBILITY_SECONDS)
            )

    def _record(self, trigger: spine.Trigger, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("Attributes", {})
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                "SentTimestamp": attributes.get("SentTimestamp", ""),
                "SenderId": attributes.get("SenderId", ""),
                "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", ""),
            },
            "messageAttributes": {
                name: _lambda_message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.provisioned.queue_arns[trigger.name],
            "awsRegion": REGION,
        }

    @contextmanager
    def paused(self, *trigger_names: str) -> Iterator[None]:
        """Hold the given (default: all) pollers, e.g. to let several events pile up into one batch."""
        names = set(trigger_names or spine.TRIGGERS_BY_NAME)
        self._paused |= names
        try:
            for name in names if self._threads else ():  # wait for in-progress long polls to finish
                if not all(parked.wait(self._wait_seconds + 30) for parked in self._parked[name]):
                    raise TimeoutError(f"poller {name} did not pause")
            yield
        finally:
            self._paused -= names

    # -- idleness ----------------------------------------------------------------------------------

    def wait_until_idle(self, timeout: float = 30.0, poll: float = 0.05) -> None:
        """Return once every trigger queue is empty (visible, in flight, delayed) and no handler runs.

        A failing record keeps the system busy until it has been retried into its DLQ.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                busy, batches = self._in_flight, self._batches
            if not busy and self._queues_empty():
                with self._lock:
                    # Nothing started in between: the empty queues and the idle pollers agree.
                    if self._in_flight == 0 and self._batches == batches:
                        return
            time.sleep(poll)
        raise TimeoutError(f"trigger queues not idle after {timeout} s: {self.queue_depths()}")

    def queue_depths(self) -> dict[str, dict[str, int]]:
        return {name: self._depth(url) for name, url in self.provisioned.queue_urls.items()}

    def _depth(self, url: str) -> dict[str, int]:
        attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(_QUEUE_DEPTH))["Attributes"]
        return {k: int(attributes.get(k, 0)) for k in _QUEUE_DEPTH}

    def _queues_empty(self) -> bool:
        return all(not any(self._depth(url).values()) for url in self.provisioned.queue_urls.values())

    # -- schedules ---------------------------------------------------------------------------------

    def fire_schedule(self, trigger_name: str, as_of: date | None = None) -> str:
        """Put on the bus the event the trigger's EventBridge Scheduler schedule puts; returns its id."""
        trigger = spine.TRIGGERS_BY_NAME[trigger_name]
        if not trigger.schedule_detail_type:
            raise ValueError(f"trigger {trigger_name} has no schedule")
        detail = schedule_input(trigger)
        if as_of is not None:
            detail["as_of"] = as_of.isoformat()
        return self._put_event(
            spine.EVENT_SOURCE_SCHEDULER, trigger.schedule_detail_type, json.dumps(detail), self.settings.event_bus_name
        )

    def _put_event(self, source: str, detail_type: str, detail: str, bus: str) -> str:
        response = client("events").put_events(
            Entries=[{"Source": source, "DetailType": detail_type, "Detail": detail, "EventBusName": bus}]
        )
        entry = response["Entries"][0]
        if response.get("FailedEntryCount") or "EventId" not in entry:
            raise RuntimeError(f"put_events failed: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}")
        return entry["EventId"]

    def run_due_schedules(self, since: datetime, until: datetime) -> list[str]:
        """Fire every enabled schedule stored in moto whose time falls in (since, until]."""
        scheduler = client("scheduler")
        fired = []
        for summary in scheduler.list_schedules(State="ENABLED").get("Schedules", []):
            schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=summary.get("GroupName", "default"))
            if not _schedule_due(schedule, since, until):
                continue
            target = schedule["Target"]
            params = target.get("EventBridgeParameters", {})
            self._put_event(
                params.get("Source", ""), params.get("DetailType", ""), target.get("Input", "{}"), target["Arn"]
            )
            log.info("schedule %s fired", schedule["Name"])
            fired.append(schedule["Name"])
        return fired

    def _run_scheduler(self) -> None:
        last = self._now()
        while not self._stop.wait(self._scheduler_interval):
            now = self._now()
            try:
                self.run_due_schedules(last, now)
            except Exception:
                log.exception("the local scheduler could not fire schedules")
            last = now


def _cron_days(expression: str) -> tuple[int, int, set[int] | None, set[int] | None, set[int] | None] | None:
    """(minute, hour, days of month, months, weekdays); None for a set means every one. None if unsupported."""
    match = _CRON.match(expression)
    if not match:
        return None
    minute, hour, dom, month, dow = match.groups()

    def numbers(field: str) -> set[int] | None:
        return None if field in ("*", "?") else {int(x) for x in field.split(",")}

    weekdays = None if dow in ("*", "?") else {_WEEKDAYS.index(d) for d in dow.split(",") if d in _WEEKDAYS}
    return int(minute), int(hour), numbers(dom), numbers(month), weekdays


def _rate_seconds(expression: str) -> int | None:
    """The period of a rate() expression in seconds; None if it is not one (or is rate(0 ...))."""
    match = _RATE.match(expression)
    if not match:
        return None
    period = int(match.group(1)) * _RATE_UNITS[match.group(2).removesuffix("s")]
    return period or None


def _schedule_due(schedule: dict[str, Any], since: datetime, until: datetime) -> bool:
    period = _rate_seconds(schedule.get("ScheduleExpression", ""))
    if period is not None:  # a multiple of the period in (since, until]
        return int(until.timestamp()) // period > int(since.timestamp()) // period
    parsed = _cron_days(schedule.get("ScheduleExpression", ""))
    if parsed is None:
        log.debug("local scheduler does not understand %s; skipping %s", schedule.get("ScheduleExpression"),
                  schedule["Name"])
        return False
    minute, hour, days, months, weekdays = parsed
    zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
    day = since.astimezone(zone).date()
    while day <= until.astimezone(zone).date():
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        matches = ((days is None or day.day in days) and (months is None or day.month in months)
                   and (weekdays is None or day.weekday() in weekdays))
        if matches and since < at <= until:
            return True
        day += timedelta(days=1)
    return False


def _reported_failures(result: Any, ids: set[str]) -> set[str]:
    """Lambda's reading of a partial batch response: a malformed one fails the whole batch."""
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return set()
    failed = set()
    for item in result["batchItemFailures"]:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if identifier not in ids:
            log.error("batchItemFailures names an unknown or empty itemIdentifier: failing the whole batch")
            return set(ids)
        failed.add(identifier)
    return failed


def _entries(messages: list[dict[str, Any]], **extra: Any) -> list[dict[str, Any]]:
    return [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], **extra} for i, m in enumerate(messages)]


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # SQS API spelling (StringValue, bytes) → Lambda event spelling (stringValue, base64 text).
    binary = value.get("BinaryValue")
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": [base64.b64encode(b).decode() for b in value.get("BinaryListValues", [])],
        "dataType": value.get("DataType", "String"),
    }
