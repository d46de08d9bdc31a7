"""Infra tests import `infrastructure` from the repo root and share the CDK settings of cdk.json."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="session")
def cdk_json_context() -> dict:
    """Feature flags exactly as the CLI passes them from cdk.json."""
    return json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
