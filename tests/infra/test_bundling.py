"""The Docker-free layer bundling, with pip stubbed out (the real run downloads ~100 MB)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infrastructure.constructs import bundling
from infrastructure.constructs.layer import ASSET_EXCLUDES

pytestmark = pytest.mark.infra


def test_pip_targets_lambda_arm64_python312_wheels_only(tmp_path: Path) -> None:
    cmd = bundling.pip_command(tmp_path / "requirements.txt", tmp_path / "python")
    joined = " ".join(cmd)
    assert "--platform manylinux2014_aarch64" in joined
    assert "--only-binary=:all:" in cmd
    assert "--python-version 3.12" in joined
    assert "--implementation cp" in joined
    assert "--no-compile" in cmd
    assert cmd[-2:] == ["-t", str(tmp_path / "python")]


def _package(root: Path) -> Path:
    pkg = root / "src" / "coachwire"
    for rel in ("__init__.py", "spine.py", "local/server.py", "domain/__pycache__/x.cpython-311.pyc"):
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text("")
    return pkg


def test_layer_layout_excludes_local_runtime_and_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_run(cmd: list[str], **_: object) -> subprocess.CompletedProcess:
        calls.append(cmd)
        target = Path(cmd[-1])
        (target / "numpy").mkdir(parents=True)
        (target / "bin").mkdir()
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(bundling.subprocess, "run", fake_run)
    out = tmp_path / "out"
    bundler = bundling.PipLayerBundling(requirements=tmp_path / "requirements.txt", package_dir=_package(tmp_path))
    assert bundler.try_bundle(str(out)) is True
    assert len(calls) == 1
    python = out / "python"
    assert (python / "numpy").is_dir()
    assert not (python / "bin").exists()
    assert (python / "coachwire" / "spine.py").is_file()
    assert not (python / "coachwire" / "local").exists()
    assert not list(python.rglob("__pycache__"))
    assert "coachwire/local" in ASSET_EXCLUDES  # and the asset hash ignores it too


def test_pip_failure_fails_the_synth_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        bundling.subprocess, "run", lambda cmd, **_: subprocess.CompletedProcess(cmd, 1, "", "No matching distribution")
    )
    bundler = bundling.PipLayerBundling(requirements=tmp_path / "r.txt", package_dir=_package(tmp_path))
    with pytest.raises(RuntimeError, match="No matching distribution"):
        bundler.try_bundle(str(tmp_path / "out"))
