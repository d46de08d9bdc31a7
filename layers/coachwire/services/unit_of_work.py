"""What a trigger firing decided: audited, stored as the receipt, and used to publish notifications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from coachwire.errors import DomainError
from coachwire.models.coaching import EmployeeProfile, Outcome
from coachwire.ports import AlreadyProcessed, ConcurrentUpdate, ProfileChange, Receipt
from coachwire.services.deps import Dependencies

MAX_COMMIT_ATTEMPTS = 5


@dataclass(frozen=True)
class TriggerResult:
    outcome: Outcome
    subject_id: str
    decision: dict = field(default_factory=dict)
    notification_ids: tuple[str, ...] = ()
    framework_version: str | None = None
    recommender_version: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["notification_ids"] = list(self.notification_ids)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TriggerResult:
        return cls(**{**data, "notification_ids": tuple(data.get("notification_ids", ()))})


Compute = Callable[[EmployeeProfile | None], tuple[ProfileChange | None, TriggerResult]]


def commit_for_employee(deps: Dependencies, employee_id: str, trigger: str, event_id: str,
                        compute: Compute) -> TriggerResult:
    """Read → decide → commit effects and receipt in one transaction; re-read on a lost race.

    A redelivered event finds its receipt (the transaction refuses a second one) and gets the first
    firing's result back, marked as a duplicate, so notifications can be republished but nothing is
    written twice.
    """
    for _ in range(MAX_COMMIT_ATTEMPTS):
        profile = deps.profiles.get(employee_id)
        try:
            change, result = compute(profile)
        except DomainError:
            # A redelivery whose data changed since its first firing committed (a role change in between): the
            # receipt says what was done, and its notifications must still be republished, not rejected.
            first = deps.profiles.receipt(employee_id, trigger, event_id)
            if first is None:
                raise
            return replace(TriggerResult.from_dict(first), outcome="duplicate")
        receipt = Receipt(trigger=trigger, event_id=event_id, result=result.to_dict(), recorded_at=deps.clock.now())
        if change is None:
            if profile is None:
                return result  # nothing to attach a receipt to (e.g. unknown employee raised earlier)
            change = ProfileChange(profile=profile, expected_version=profile.version, write_profile=False)
        try:
            deps.profiles.commit(replace(change, receipt=receipt))
            return result
        except AlreadyProcessed:
            first = deps.profiles.receipt(employee_id, trigger, event_id)
            if first is None:
                raise
            return replace(TriggerResult.from_dict(first), outcome="duplicate")
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate(f"gave up after {MAX_COMMIT_ATTEMPTS} attempts")
