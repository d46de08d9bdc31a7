"""Hourly (EventBridge Scheduler): every HRIS event accepted accounted for per trigger; silent ones logged, alarmed."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.reliability import reliability_check

handler = TriggerHandler("reliability_check", job=reliability_check)


def lambda_handler(event, context):
    return handler(event, context)
