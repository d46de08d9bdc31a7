"""Reference-data lookups that raise a field-named UnknownReference instead of returning None."""

from __future__ import annotations

from coachwire.domain.profiles import check_role
from coachwire.errors import UnknownReference
from coachwire.models.framework import Framework
from coachwire.services.deps import Dependencies


def published_framework(deps: Dependencies, framework_id: str, field: str = "framework_id") -> Framework:
    framework = deps.catalog.framework(framework_id)
    if framework is None:
        raise UnknownReference(field, f"framework '{framework_id}' is not published")
    return framework


def framework_for_role(deps: Dependencies, role_id: str, stage: str | None = None) -> Framework:
    """The framework that defines `role_id` (and, given a stage, checks the role has it)."""
    framework = deps.catalog.framework_for_role(role_id)
    if framework is None:
        raise UnknownReference("data.role_id", f"unknown role '{role_id}'")
    if stage is not None:
        check_role(framework, role_id, stage)
    return framework
