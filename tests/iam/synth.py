"""Synthesise the CDK app once (bundling skipped, like tests/infra) and keep only its template.

`python -m tests.iam.synth OUT.json` runs in a subprocess so the integration suite's IAM check can start it
early and wait for it at the end; the template is cached by the hash of what shapes the policies.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTEXT = {
    "aws:cdk:bundling-stacks": [],
    "aws:cdk:disable-stack-trace": True,
    "stage": "iamcheck",
    "jwt_issuer": "https://login.example.test/coachwire/",
    "jwt_audience": "coachwire-api",
    "sender_email": "coach@example.test",
    "hr_admin_email": "people@example.test",
    "hr_admins": "hr-1=people.ops@example.test",
}
# What the role policies are built from.
_INPUTS = ("infrastructure", "layers/coachwire/spine.py", "layers/coachwire/settings.py", "cdk.json",
           "requirements.txt", "tests/iam/synth.py")


def inputs_digest() -> str:
    digest = hashlib.sha256(json.dumps(CONTEXT, sort_keys=True).encode())
    for name in _INPUTS:
        path = REPO_ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(REPO_ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cached_template_path() -> Path:
    return Path(tempfile.gettempdir()) / f"coachwire-iam-template-{inputs_digest()}.json"


def synth_template() -> dict:
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from infrastructure.app_factory import build_app

    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    with tempfile.TemporaryDirectory() as outdir:
        app, stack = build_app({**context, **CONTEXT}, outdir=outdir)
        # cdk-nag findings raise after the template is written; tests/infra reports them.
        with contextlib.suppress(Exception):
            app.synth()
        return json.loads((Path(outdir) / f"{stack.artifact_id}.template.json").read_text())


def template() -> dict:
    """The cached template, synthesised first if the inputs changed."""
    path = cached_template_path()
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(synth_template()))
        tmp.replace(path)
    return json.loads(path.read_text())


if __name__ == "__main__":
    template()
