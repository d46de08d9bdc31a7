"""Daily (EventBridge Scheduler): expired records deleted, leavers erased, overdue correction requests escalated."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.retention import sweep_job

handler = TriggerHandler("retention_sweep", job=sweep_job)


def lambda_handler(event, context):
    return handler(event, context)
