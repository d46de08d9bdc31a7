"""Framework version published → plans recomputed for its employees, fanned out in batches."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.frameworks import framework_recompute

handler = TriggerHandler("framework_recompute", framework_recompute)


def lambda_handler(event, context):
    return handler(event, context)
