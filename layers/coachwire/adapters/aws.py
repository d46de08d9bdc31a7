"""boto3 clients, created on first use (not at import) and shared per process like a Lambda container.
boto3 reads AWS_ENDPOINT_URL itself, which is how the local runtime points everything at moto."""

from __future__ import annotations

import functools

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)


@functools.cache
def client(service: str):
    return boto3.session.Session().client(service, config=_CONFIG)


def reset_clients() -> None:
    """Forget cached clients (tests and the local runtime call this after changing the endpoint)."""
    client.cache_clear()
