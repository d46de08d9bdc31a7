"""Learning completed → evidence recorded, item done, next recommendation queued."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.learning_next_step import learning_next_step

handler = TriggerHandler("learning_next_step", learning_next_step)


def lambda_handler(event, context):
    return handler(event, context)
