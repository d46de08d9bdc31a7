"""A press in Slack or Teams → the plan or alert changed, the message updated in place."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.chat_actions import chat_action

handler = TriggerHandler("chat_action", chat_action)


def lambda_handler(event, context):
    return handler(event, context)
