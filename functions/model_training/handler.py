"""Weekly (EventBridge Scheduler) or on demand: fit a candidate model version; it runs in shadow."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.training import model_training

handler = TriggerHandler("model_training", model_training)


def lambda_handler(event, context):
    return handler(event, context)
