"""The bare baseline: powertools' Logger and boto3 imported at module level, one DynamoDB client made on first
use, one GetItem per call. What any Python function on this stack pays before doing Coachwire's work."""

import boto3
from aws_lambda_powertools import Logger

logger = Logger(service="baseline")
_dynamodb = None


def lambda_handler(event, context):
    global _dynamodb
    if _dynamodb is None:
        _dynamodb = boto3.client("dynamodb")
    item = _dynamodb.get_item(TableName=event["table"], Key=event["key"]).get("Item")
    logger.info("baseline", extra={"found": item is not None})
    return {"ok": True}
