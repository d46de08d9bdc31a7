"""Who may read what. Pure: the caller and the record's ownership in, a yes or no out.

hr_admin reads everything; a manager reads their own record and their direct reports'; an employee
reads only their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from coachwire.errors import NotAllowed
from coachwire.identity import ClaimMapping, Role


@dataclass(frozen=True)
class Caller:
    subject: str  # the HRIS employee id, whichever claim carries it
    role: Role

    @classmethod
    def from_claims(cls, claims: Mapping[str, object], mapping: ClaimMapping) -> Caller:
        return cls(mapping.employee_id(claims), mapping.role(claims))


def may_read_employee(caller: Caller, employee_id: str, manager_id: str | None) -> bool:
    if caller.role == "hr_admin" or caller.subject == employee_id:
        return True
    return caller.role == "manager" and manager_id is not None and manager_id == caller.subject


def may_read_manager_inbox(caller: Caller, manager_id: str) -> bool:
    return caller.role == "hr_admin" or (caller.role == "manager" and caller.subject == manager_id)


def may_read_brief(caller: Caller, manager_id: str, employee_id: str, employee_manager_id: str | None) -> bool:
    """The 1:1 brief of a manager and one of their people: that manager (the employee's current one), the employee
    themself, or hr_admin; nobody, for a pair that is not a current manager and report."""
    if employee_manager_id is None or employee_manager_id != manager_id:
        return False
    return (caller.role == "hr_admin" or caller.subject == employee_id
            or (caller.role == "manager" and caller.subject == manager_id))


def may_read_notifications(caller: Caller, recipient_id: str) -> bool:
    return caller.role == "hr_admin" or caller.subject == recipient_id


def require_hr_admin(caller: Caller) -> None:
    if caller.role != "hr_admin":
        raise NotAllowed("this needs the hr_admin role")


def may_set_personalisation(caller: Caller, employee_id: str) -> bool:
    """Only the employee themself, signed in as employee or manager: not their manager, not hr_admin."""
    return caller.role != "hr_admin" and caller.subject == employee_id


def plan_party(caller: Caller, employee_id: str, manager_id: str | None) -> Literal["employee", "manager"] | None:
    """The capacity a caller changes a co-created plan in, or None. The plan is an agreement between the
    employee and their manager: hr_admin reads it but does not change it."""
    if caller.role == "hr_admin":
        return None
    if caller.subject == employee_id:
        return "employee"
    if caller.role == "manager" and manager_id is not None and manager_id == caller.subject:
        return "manager"
    return None


# -- the employee's data rights ----------------------------------------------------------------


def may_export(caller: Caller, employee_id: str) -> bool:
    """Everything held about a person: the person themself, or hr_admin. Not their manager."""
    return caller.role == "hr_admin" or caller.subject == employee_id


def may_request_correction(caller: Caller, employee_id: str) -> bool:
    """The employee, for their own record only (signed in as employee or manager; an hr_admin token would let
    them decide their own request)."""
    return caller.role != "hr_admin" and caller.subject == employee_id


def may_read_corrections(caller: Caller, employee_id: str) -> bool:
    return caller.role == "hr_admin" or caller.subject == employee_id


def may_decide_correction(caller: Caller, employee_id: str) -> bool:
    """hr_admin, never on their own record."""
    return caller.role == "hr_admin" and caller.subject != employee_id


# -- what reaches a person -----------------------------------------------------------------------------


def may_manage_preferences(caller: Caller, person_id: str) -> bool:
    """A person's delivery preferences: the person themself, or hr_admin. Not their manager."""
    return caller.role == "hr_admin" or caller.subject == person_id


def may_set_teams_webhook(caller: Caller) -> bool:
    """Which Teams webhook a person's messages go to is HR's to configure: a webhook posts into a team's channel."""
    return caller.role == "hr_admin"


# -- pilots --------------------------------------------------------------------------------------------------------


def may_read_pilots(caller: Caller) -> bool:
    """Pilots (cohorts, criteria, amendments) are HR's: managers and employees may not read them."""
    return caller.role == "hr_admin"


def may_manage_pilots(caller: Caller) -> bool:
    """Registering a pilot, editing its criteria before the start, amending them after: hr_admin."""
    return caller.role == "hr_admin"
