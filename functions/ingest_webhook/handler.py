"""POST /webhooks/hris: Standard Webhooks signature on the raw body, validation, dedupe, publish."""

from coachwire.runtime.http import IngestHandler

handler = IngestHandler()


def lambda_handler(event, context):
    return handler(event, context)
