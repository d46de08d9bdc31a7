"""POST /slack/interactions and POST /teams/messages: verify, acknowledge, publish."""

from coachwire.runtime.chat_http import ChatInteractionsHandler

handler = ChatInteractionsHandler()


def lambda_handler(event, context):
    return handler(event, context)
