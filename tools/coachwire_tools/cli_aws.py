"""Commands that call AWS directly (`audit rerun`, `dlq`): the local stack's moto endpoint, and the botocore
failures a missing setting causes, said in one sentence instead of a traceback. Only argparse-free stdlib at load."""

from __future__ import annotations

import os

WHERE_TO_POINT = ("for the local stack set AWS_ENDPOINT_URL to the moto url `coachwire local serve` prints; for a "
                  "deployed stack use AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) "
                  "and AWS_REGION")


def local_endpoint() -> str | None:
    """AWS_ENDPOINT_URL when set (the local stack's moto server), after filling in the dummy credentials and
    region moto accepts, so a machine without any AWS set-up can talk to it."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return endpoint


def explain(err: Exception) -> str | None:
    """One sentence saying what to set, for a botocore error caused by missing or wrong AWS settings; None for any
    other error (the caller decides)."""
    from botocore.exceptions import (
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(err, NoCredentialsError | PartialCredentialsError):
        return f"no AWS credentials: {WHERE_TO_POINT}"
    if isinstance(err, NoRegionError):
        return f"no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION); {WHERE_TO_POINT}"
    if isinstance(err, EndpointConnectionError):
        endpoint = str(err.kwargs.get("endpoint_url", "the AWS endpoint"))
        if "amazonaws.com" in endpoint:
            return (f"cannot reach {endpoint}: is this machine online, and AWS_REGION the stack's region? For the "
                    "local stack set AWS_ENDPOINT_URL to the moto url `coachwire local serve` prints")
        return (f"cannot reach {endpoint}: is `coachwire local serve` running, and is AWS_ENDPOINT_URL the moto url "
                "it printed?")
    return None
