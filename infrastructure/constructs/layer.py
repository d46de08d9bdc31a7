"""The one shared layer: the `coachwire` package plus the pinned runtime dependencies."""

from __future__ import annotations

from aws_cdk import BundlingOptions, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infrastructure import REPO_ROOT
from infrastructure.constructs.bundling import PipLayerBundling, asset_excludes

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64

LAYERS_DIR = REPO_ROOT / "layers"


class CoachwireLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description="coachwire package + pinned runtime dependencies (python3.12, arm64)",
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            removal_policy=RemovalPolicy.DESTROY,
            code=lambda_.Code.from_asset(
                str(LAYERS_DIR),
                exclude=asset_excludes(),
                bundling=BundlingOptions(
                    # Required by the API; never pulled because local bundling always succeeds or raises.
                    image=RUNTIME.bundling_image,
                    local=PipLayerBundling(
                        requirements=LAYERS_DIR / "requirements.txt",
                        package_dir=LAYERS_DIR / "coachwire",
                    ),
                ),
            ),
        )
