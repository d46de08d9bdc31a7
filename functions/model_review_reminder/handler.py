"""Yearly (EventBridge Scheduler): remind HR admins to review the active recommendation model."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.bias_audits import model_review_reminder

handler = TriggerHandler("model_review_reminder", model_review_reminder)


def lambda_handler(event, context):
    return handler(event, context)
