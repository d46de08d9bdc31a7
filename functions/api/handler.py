"""The read API behind the API Gateway JWT authorizer (and GET /openapi.json)."""

from coachwire.runtime.api import ApiHandler

handler = ApiHandler()


def lambda_handler(event, context):
    return handler(event, context)
