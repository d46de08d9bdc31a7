"""Performance check-in flags a gap → learning assigned and the employee nudged."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge

handler = TriggerHandler("checkin_gap_nudge", checkin_gap_nudge)


def lambda_handler(event, context):
    return handler(event, context)
