"""Employee created, changed or left in the HRIS → coaching profile kept current (leavers marked for erasure)."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.rights import profile_lifecycle

handler = TriggerHandler("profile_sync", profile_lifecycle)


def lambda_handler(event, context):
    return handler(event, context)
