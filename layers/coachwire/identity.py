"""Who the caller is: which token claims carry the caller's employee id and role (configured in Settings), and
the roles there are. Pure: claims in, an id and a role out, or NotAllowed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeGuard

from coachwire.errors import NotAllowed

Role = Literal["hr_admin", "manager", "employee"]
# Strongest first: a caller in groups mapped to several roles gets the first of these.
ROLES: tuple[Role, ...] = ("hr_admin", "manager", "employee")


def _is_role(value: object) -> TypeGuard[Role]:
    return value in ROLES


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
            if not _is_role(role):
                raise NotAllowed(f"the token needs a '{self.role_claim}' claim of {', '.join(ROLES)}")
            return role
        granted = {self.group_roles[g] for g in claim_values(claims.get(self.groups_claim)) if g in self.group_roles}
        for strongest in ROLES:
            if strongest in granted:
                return strongest
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
