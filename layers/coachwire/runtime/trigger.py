"""Runs one trigger over an SQS batch: each record independently (partial batch response), each firing
audited with its outcome and counted, the firing's notifications published for delivery."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from coachwire import spine
from coachwire.errors import DomainError
from coachwire.logs import logger
from coachwire.models.coaching import AuditRecord
from coachwire.runtime.wiring import aws_dependencies
from coachwire.services.deps import Dependencies
from coachwire.services.unit_of_work import TriggerResult
from coachwire.settings import Settings

Service = Callable[[dict, Dependencies], TriggerResult]
# A service told which delivery of its event this is (the EventBridge event id: the same on every redelivery of
# one SQS message, different for a second published copy).
DeliveryAwareService = Callable[[dict, Dependencies, str], TriggerResult]
JobService = Callable[[dict, Dependencies, str, Callable[[TriggerResult], None]], TriggerResult]


def firing_id(envelope: dict) -> str:
    """Canonical HRIS events carry their webhook id; internal events their notification id; a job run asked for
    through the API its run id (so its audit entries are found by it: GET /jobs/stall-detection/runs/{run_id});
    scheduled jobs fall back to the EventBridge event id."""
    detail = envelope.get("detail") or {}
    return str(detail.get("event_id") or detail.get("notification_id") or detail.get("run_id") or envelope.get("id")
               or "unknown")


class TriggerHandler:
    def __init__(self, trigger_name: str, service: Service | None = None, *, job: JobService | None = None,
                 delivery_aware: DeliveryAwareService | None = None, deps: Dependencies | None = None) -> None:
        if sum(s is not None for s in (service, job, delivery_aware)) != 1:
            raise ValueError("give exactly one of service, job or delivery_aware")
        self.trigger = spine.TRIGGERS_BY_NAME[trigger_name]
        self.service = service
        self.job = job
        self.delivery_aware = delivery_aware
        self._deps = deps

    def with_deps(self, deps: Dependencies) -> TriggerHandler:
        """The same trigger wiring over other dependencies (tests inject theirs)."""
        return TriggerHandler(self.trigger.name, self.service, job=self.job, delivery_aware=self.delivery_aware,
                              deps=deps)

    @property
    def deps(self) -> Dependencies:
        # Built on first use, not at import: tests inject their own, cold start stays small.
        if self._deps is None:
            self._deps = aws_dependencies(Settings())
        return self._deps

    def __call__(self, event: dict, context: Any) -> PartialItemFailureResponse:
        # Never raise when every record failed: powertools' BatchProcessingError quotes each record's exception
        # message, and Lambda logs an unhandled error's message. Reporting them all as failures retries the same.
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return process_partial_response(event=event, record_handler=self.process_record, processor=processor,
                                        context=context)

    def process_record(self, record: SQSRecord) -> None:
        deps = self.deps
        event_id, subject = "unknown", ""
        try:
            envelope = json.loads(record.body)
            event_id = firing_id(envelope)
            detail = envelope["detail"]
            subject = str((detail.get("data") or {}).get("employee_id", "")) if isinstance(detail, dict) else ""
            if self.job is not None:
                def on_subject(result: TriggerResult) -> None:
                    self._publish(deps, result)
                    self._record(deps, result, event_id, counted=False)

                firing = self.job(detail, deps, event_id, on_subject)
            elif self.delivery_aware is not None:
                firing = self.delivery_aware(detail, deps, str(envelope.get("id") or record.message_id))
            else:
                assert self.service is not None  # __init__ takes exactly one of service, job, delivery_aware
                firing = self.service(detail, deps)
            self._publish(deps, firing)
        except DomainError as err:
            if _receive_count(record) < REJECT_ON_RECEIVE:
                # Maybe only a stale view (the catalog is cached per container, its reads eventually consistent):
                # read afresh on the retry, which comes after the visibility timeout.
                deps.catalog.forget_cached()
                self._fail(deps, record, event_id, subject, err)
                raise
            # Data that no retry can fix (an id that stopped resolving: a role change overtook a check-in, the
            # employee was erased): a terminal, audited, alarmed rejection instead of retries into the DLQ.
            firing = TriggerResult("rejected", subject or _job_subject(self.trigger.name, self.job),
                                   {"field": err.field, "reason": type(err).__name__})
            self._record(deps, firing, event_id)
            logger.error(spine.TRIGGER_REJECTED_LOG, extra={"trigger": self.trigger.name, "event_id": event_id,
                                                            "field": err.field})
            return
        except Exception as err:
            self._fail(deps, record, event_id, subject, err)
            raise
        try:
            self._record(deps, firing, event_id)
        except Exception as err:
            # The firing's effects are committed; only its audit record failed (the audit log refused it, or is
            # unreachable). Said here, since the retry (its receipt makes it a duplicate) is otherwise silent.
            logger.error("trigger outcome not recorded", extra={"trigger": self.trigger.name, "event_id": event_id,
                                                                "outcome": firing.outcome,
                                                                "error_type": type(err).__name__})
            raise
        logger.info("trigger fired", extra={"trigger": self.trigger.name, "event_id": event_id,
                                            "outcome": firing.outcome})

    def _fail(self, deps: Dependencies, record: SQSRecord, event_id: str, subject: str, err: Exception) -> None:
        self._record(deps, TriggerResult("failed", subject, {"receive_count": _receive_count(record)}),
                     event_id, error_type=type(err).__name__)
        # Type and ids only: messages and bodies may carry personal data.
        logger.error("trigger failed", extra={"trigger": self.trigger.name, "event_id": event_id,
                                              "error_type": type(err).__name__})

    def _publish(self, deps: Dependencies, result: TriggerResult) -> None:
        for notification_id in result.notification_ids:
            deps.events.publish(spine.EVENT_SOURCE_INTERNAL, spine.NOTIFICATION_QUEUED,
                                {"notification_id": notification_id})

    def _record(self, deps: Dependencies, result: TriggerResult, event_id: str, error_type: str | None = None,
                counted: bool = True) -> None:
        # The stats count firings; a job's per-employee results are audited only.
        deps.audit.append(AuditRecord(
            event_id=event_id, trigger=self.trigger.name, subject_id=result.subject_id, outcome=result.outcome,
            recorded_at=deps.clock.now(), recommender_version=result.recommender_version,
            framework_version=result.framework_version, decision=result.decision, error_type=error_type),
            counted=counted, once_per_event=True)


# A domain error is retried once (a stale cached catalog heals), then rejected for good on this receive.
REJECT_ON_RECEIVE = 2


def _job_subject(trigger_name: str, job: JobService | None) -> str:
    return f"job:{trigger_name}" if job is not None else ""


def _receive_count(record: SQSRecord) -> int:
    try:
        return int(record.attributes.approximate_receive_count)
    except (TypeError, ValueError):
        return 0
