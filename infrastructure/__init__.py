"""AWS CDK v2 app for Coachwire. Everything it deploys is derived from `coachwire.spine`."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
