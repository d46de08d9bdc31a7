"""Who may read what. Pure: the caller's claims and the record's ownership in, a yes or no out.

hr_admin reads everything; a manager reads their own record and their direct reports'; an employee
reads only their own."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["hr_admin", "manager", "employee"]
# Strongest first: a caller in groups mapped to several roles gets the first of these.
ROLES: tuple[str, ...] = ("hr_admin", "manager", "employee")


class NotAllowed(PermissionError):
    pass


@dataclass(frozen=True)
class ClaimMapping:
    """Which token claims say who the caller is and what role they have (Settings.claim_mapping()).

    The caller's id is the HRIS employee id, read from `employee_id_claim`. The role is read from `role_claim`
    unless `group_roles` is set: then it comes from the list-valued `groups_claim`, each group named there
    mapping to a role, and `role_claim` is not read."""

    employee_id_claim: str = "sub"
    role_claim: str = "coachwire_role"
    groups_claim: str = "groups"
    group_roles: Mapping[str, str] = field(default_factory=dict)

    def employee_id(self, claims: Mapping[str, object]) -> str:
        value = claims.get(self.employee_id_claim)
        # The gateway hands every claim over as a string; a numeric id (e.g. an employee number) arrives as one.
        employee_id = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
        if not employee_id:
            raise NotAllowed(f"the token has no '{self.employee_id_claim}' claim (the caller's employee id)")
        return employee_id

    def role(self, claims: Mapping[str, object]) -> Role:
        if not self.group_roles:
            role = claims.get(self.role_claim)
            if role not in ROLES:
                raise NotAllowed(f"the token needs a '{self.role_claim}' claim of {', '.join(ROLES)}")
            return role  # type: ignore[return-value]
        granted = {self.group_roles[g] for g in claim_values(claims.get(self.groups_claim)) if g in self.group_roles}
        for role in ROLES:
            if role in granted:
                return role  # type: ignore[return-value]
        raise NotAllowed(f"the token's '{self.groups_claim}' claim names no group that group_roles maps to a role")


def claim_values(value: object) -> list[str]:
    """A list-valued claim as the API receives it. The API Gateway JWT authorizer flattens arrays to strings,
    `["a", "b"]` arriving as "[a b]"; a plain string is one value; a JSON-encoded array string is read as one."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if not isinstance(value, str) or not value.strip():
        return []
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            return text[1:-1].split()
        return [str(v) for v in decoded] if isinstance(decoded, list) else [text]
    return [text]


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


# -- the employee's data rights (issue #5) ----------------------------------------------------------------


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
