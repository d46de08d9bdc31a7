"""Coachwire on a laptop: moto as the AWS account, an in-process dispatcher as Lambda and API Gateway.

Nothing here runs at import time; `coachwire_tools.local.stack.LocalStack` wires the pieces together.
"""
