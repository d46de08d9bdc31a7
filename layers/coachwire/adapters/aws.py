"""boto3 clients, created on first use (not at import) and shared per process like a Lambda container.
boto3 reads AWS_ENDPOINT_URL itself, which is how the local runtime points everything at moto."""

from __future__ import annotations

import functools

import boto3
from botocore.config import Config


@functools.cache
def client(service: str, *, total_attempts: int = 6):
    """`total_attempts=1` for calls that must not be resent blindly (the SDK retries read timeouts too)."""
    config = Config(retries={"mode": "standard", "total_max_attempts": total_attempts}, connect_timeout=3,
                    read_timeout=10)
    return boto3.session.Session().client(service, config=config)


def reset_clients() -> None:
    """Forget cached clients (tests and the local runtime call this after changing the endpoint)."""
    client.cache_clear()
