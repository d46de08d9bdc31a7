"""Demographics from the HRIS → the isolated demographics table (write only; only the bias audit reads it)."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.demographics import demographics_sync

handler = TriggerHandler("demographics_sync", demographics_sync)


def lambda_handler(event, context):
    return handler(event, context)
