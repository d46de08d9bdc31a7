"""Daily (EventBridge Scheduler) or on demand: stalled development → manager alert with 1:1 talking points."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.stall_detection import stall_detection

handler = TriggerHandler("stall_detection", job=stall_detection)


def lambda_handler(event, context):
    return handler(event, context)
