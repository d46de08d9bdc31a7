"""Trigger decisions on in-memory ports (tests/fakes): no moto, no network, milliseconds per test."""

from __future__ import annotations

import pytest

from tests.factories import catalog, framework
from tests.fakes import fake_dependencies


@pytest.fixture
def deps():
    """Fresh tables holding the test framework (eng 2026.1, role swe) and its catalog; the clock at FAKE_NOW."""
    made = fake_dependencies()
    made.catalog.publish(framework(), catalog())
    return made
