"""The 1:1 brief, read from the stores: for the route and for the chat button that opens it."""

from __future__ import annotations

from coachwire.domain import brief, guides
from coachwire.models.brief import OneOnOneBrief
from coachwire.models.coaching import EmployeeProfile
from coachwire.services.deps import Dependencies


def one_on_one_brief(deps: Dependencies, manager_id: str, profile: EmployeeProfile,
                     days: int = brief.DEFAULT_ACTIVITY_DAYS) -> OneOnOneBrief | None:
    """None when the employee's framework is not published. Access is the caller's to check first."""
    framework = deps.catalog.framework(profile.framework_id)
    if framework is None:
        return None
    titles = {item.item_id: item.title for item in deps.catalog.catalog(profile.framework_id).items}
    alert = brief.last_alert_about(deps.profiles.alerts_for_manager(manager_id), profile.employee_id)
    return brief.build_brief(profile, framework, deps.profiles.plan(profile.employee_id), alert,
                             guides.shipped_guides(), manager_id=manager_id, as_of=deps.clock.now().date(), days=days,
                             item_titles=titles)
