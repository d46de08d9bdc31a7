#!/usr/bin/env python3
"""CDK entry point (`cdk synth`, `cdk deploy`). Context keys: see infrastructure/config.py and README."""

from __future__ import annotations

import sys

from infrastructure.app_factory import build_app
from infrastructure.config import ConfigError


def main() -> int:
    try:
        app, _ = build_app()
    except ConfigError as exc:
        print(f"coachwire: bad CDK context: {exc}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
