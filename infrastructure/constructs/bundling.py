"""Docker-free bundling of the shared layer: pip downloads arm64/cp312 wheels into the asset dir.

CDK calls `try_bundle` only when bundling is required, i.e. not under the
`{"aws:cdk:bundling-stacks": []}` context that tests and plain `cdk synth -e` checks use.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

LAMBDA_PYTHON_VERSION = "3.12"
# numpy >= 2.3 ships aarch64 wheels only as manylinux_2_28; Lambda's python3.12 runs on AL2023
# (glibc 2.34) so both tags are safe. pip expands each to the older compatible manylinux tags.
LAMBDA_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")

# The one list of what never ships from layers/ (file or folder names, at any depth). Tooling is not in this list
# because it is not in layers/ at all: it is the coachwire_tools package under tools/.
LAYER_EXCLUDES = ("__pycache__", "*.pyc", "tests", "test_*.py", ".pytest_cache", "*.egg-info")


def asset_excludes() -> list[str]:
    """LAYER_EXCLUDES as CDK asset exclude globs, so the asset hash covers exactly what the bundle copies."""
    return [glob for name in LAYER_EXCLUDES for glob in (name, f"**/{name}")]


def pip_command(requirements: Path, target: Path) -> list[str]:
    cmd = [sys.executable, "-m", "pip", "install", "-r", str(requirements)]
    for platform in LAMBDA_PLATFORMS:
        cmd += ["--platform", platform]
    return cmd + [
        "--only-binary=:all:",
        "--python-version",
        LAMBDA_PYTHON_VERSION,
        "--implementation",
        "cp",
        # Host-compiled .pyc files would be for the wrong interpreter; Lambda compiles on import.
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "-t",
        str(target),
    ]


@jsii.implements(cdk.ILocalBundling)
class PipLayerBundling:
    """Build `python/<deps>` + `python/<package>` for a Lambda layer without Docker."""

    def __init__(self, requirements: Path, package_dir: Path) -> None:
        self.requirements = requirements
        self.package_dir = package_dir

    def try_bundle(self, output_dir: str, *_args: Any, **_options: Any) -> bool:
        started = time.monotonic()
        target = Path(output_dir) / "python"
        target.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            pip_command(self.requirements, target), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            # Raise rather than return False: the Docker fallback is not available on this project's machines.
            raise RuntimeError(f"layer bundling: pip failed ({result.returncode}):\n{result.stderr[-4000:]}")
        shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts are useless in a layer
        shutil.copytree(
            self.package_dir,
            target / self.package_dir.name,
            ignore=shutil.ignore_patterns(*LAYER_EXCLUDES),
            dirs_exist_ok=True,
        )
        print(
            f"coachwire layer bundled into {output_dir} in {time.monotonic() - started:.1f}s",
            file=sys.stderr,
        )
        return True
