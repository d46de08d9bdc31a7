"""Each contract test runs twice: against the in-memory fake and against the DynamoDB adapter on a moto server.

The moto server holds only the provisioned tables, queues and bus (no pollers, no HTTP API): one per package run.
Tests share its tables, so every test names its own employees, triggers and events (`uid`).
"""

from __future__ import annotations

import uuid

import pytest
from coachwire.runtime.wiring import aws_dependencies
from coachwire.services.deps import Dependencies
from coachwire.settings import Settings
from coachwire_tools.local.moto_server import MotoServer, apply_env
from coachwire_tools.local.provision import DEAD_LETTER_ENV, DEMOGRAPHICS_KEY_ENV, TRIGGER_QUEUES_ENV, provision

from tests.fakes import fake_dependencies


def _forget_clients() -> None:
    from coachwire.adapters.aws import reset_clients as reset_adapter_clients
    from coachwire_tools.local.moto_server import reset_clients

    reset_clients()
    reset_adapter_clients()


@pytest.fixture(scope="package")
def moto_settings():
    server = MotoServer().start()
    # provision() exports these three: listed so that they are restored (unset) afterwards too.
    saved = apply_env({**server.environment(), DEAD_LETTER_ENV: None, TRIGGER_QUEUES_ENV: None,
                       DEMOGRAPHICS_KEY_ENV: None})
    _forget_clients()
    try:
        provision(Settings())
        yield Settings()
    finally:
        server.stop()
        apply_env(saved)
        _forget_clients()


@pytest.fixture(params=["fake", "dynamo"])
def deps(request) -> Dependencies:
    """The same ports, in memory or on DynamoDB (moto)."""
    if request.param == "fake":
        return fake_dependencies()
    return aws_dependencies(request.getfixturevalue("moto_settings"))


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:10]
