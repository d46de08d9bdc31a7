"""Every 15 minutes (EventBridge Scheduler): held messages due again queued for delivery; digest alerts merged."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.held_release import held_release

handler = TriggerHandler("held_release", job=held_release)


def lambda_handler(event, context):
    return handler(event, context)
