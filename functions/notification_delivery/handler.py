"""Queued notification → delivered on the person's channel, never twice."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.delivery import notification_delivery

handler = TriggerHandler("notification_delivery", delivery_aware=notification_delivery)


def lambda_handler(event, context):
    return handler(event, context)
