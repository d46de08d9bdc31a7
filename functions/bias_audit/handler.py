"""Quarterly (EventBridge Scheduler) or on request (POST /audits): the bias audit of recommendations. The only
function allowed to read demographics; it stores the report, opens review cases and notifies HR admins."""

from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.bias_audits import bias_audit

handler = TriggerHandler("bias_audit", bias_audit)


def lambda_handler(event, context):
    return handler(event, context)
