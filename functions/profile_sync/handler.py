"""Employee created or changed in the HRIS → coaching profile kept current."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.triggers import profile_sync

handler = TriggerHandler("profile_sync", profile_sync)


def lambda_handler(event, context):
    return handler(event, context)
