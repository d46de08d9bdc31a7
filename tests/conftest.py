"""Suite-wide: every AWS call a function makes while tests run is checked against its synthesised IAM role."""

from __future__ import annotations

import pytest

from tests.iam import plugin


def pytest_configure(config: pytest.Config) -> None:
    plugin.register(config)
