"""Role or level change → gap analysis against the new role → transition plan."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.role_change_plan import role_change_plan

handler = TriggerHandler("role_change_plan", role_change_plan)


def lambda_handler(event, context):
    return handler(event, context)
