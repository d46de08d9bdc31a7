"""The one logger every deployed module writes through: Powertools' JSON lines, one service name. Log ids, codes
and counts only: never names, e-mail addresses, free text or payloads."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="coachwire")
