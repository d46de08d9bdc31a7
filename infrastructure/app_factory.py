"""Builds the CDK App exactly as `app.py` does, so tests synthesise what `cdk deploy` ships."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

# Node 20 works for synth; silence jsii's banner (must be set before aws_cdk starts the runtime).
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infrastructure.config import CoachwireConfig  # noqa: E402
from infrastructure.stack import CoachwireStack  # noqa: E402


def stack_env() -> cdk.Environment | None:
    """Pin account/region when the CLI knows them; otherwise stay environment-agnostic (no credentials)."""
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    if account and region:
        return cdk.Environment(account=account, region=region)
    return None


def build_app(
    context: Mapping[str, Any] | None = None, outdir: str | None = None, nag: bool = True
) -> tuple[cdk.App, CoachwireStack]:
    app = cdk.App(context=dict(context or {}), outdir=outdir)
    config = CoachwireConfig.from_context(app.node.try_get_context)
    # Printed here once rather than as a CDK annotation: the CLI would repeat an annotation in its validation
    # report with an "Acknowledge with 'Annotation::…'" hint that a context value cannot act on.
    for warning in config.warnings:
        print(f"[coachwire] WARNING: {warning}", file=sys.stderr)
    stack = CoachwireStack(
        app,
        f"coachwire-{config.stage}",
        config=config,
        env=stack_env(),
        description=f"Coachwire ({config.stage}): serverless HR coaching backbone",
    )
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
