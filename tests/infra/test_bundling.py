"""The Docker-free layer bundling, with pip stubbed out (the real run downloads ~100 MB)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infrastructure import REPO_ROOT
from infrastructure.constructs import bundling

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
    for rel in ("__init__.py", "spine.py", "domain/__pycache__/x.cpython-311.pyc", "domain/tests/test_x.py"):
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text("")
    return pkg


def _bundle(package_dir: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs the real bundler with pip stubbed out (it would download ~100 MB of arm64 wheels)."""

    def fake_run(cmd: list[str], **_: object) -> subprocess.CompletedProcess:
        target = Path(cmd[-1])
        (target / "numpy").mkdir(parents=True)
        (target / "bin").mkdir()
        return subprocess.CompletedProcess(cmd, 0, "", "")

    with monkeypatch.context() as patched:  # subprocess.run is the real one again afterwards
        patched.setattr(bundling.subprocess, "run", fake_run)
        bundler = bundling.PipLayerBundling(requirements=out / "requirements.txt", package_dir=package_dir)
        assert bundler.try_bundle(str(out)) is True
    return out / "python"


def test_layer_layout_drops_console_scripts_caches_and_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = _bundle(_package(tmp_path), tmp_path / "out", monkeypatch)
    assert (python / "numpy").is_dir()
    assert not (python / "bin").exists()
    assert (python / "coachwire" / "spine.py").is_file()
    assert not list(python.rglob("__pycache__")) and not list(python.rglob("tests"))
    # The asset hash is computed over the same selection.
    assert {"__pycache__", "**/__pycache__", "tests", "**/tests"} <= set(bundling.asset_excludes())


# What only tooling, tests or the local stack use: a deployed module that needs one of these fails in Lambda.
# PyJWT (`jwt`) ships with the layer for the Teams token check (coachwire.adapters.botframework_auth, the one module
# import-linter lets import it); everything else here stays out.
_NOT_IN_LAMBDA = ("coachwire_tools", "moto", "requests", "pytest", "hypothesis", "schemathesis", "scipy",
                  "statsmodels", "lifelines", "pandas")

_IMPORT_EVERYTHING = """
import importlib, importlib.abc, importlib.util, pkgutil, sys
from pathlib import Path

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in NOT_IN_LAMBDA:
            raise ImportError(f"{name} is not in the Lambda layer")
        return None

sys.meta_path.insert(0, Refuse())
import coachwire
assert Path(coachwire.__file__).is_relative_to(BUNDLE), coachwire.__file__
for info in pkgutil.walk_packages(coachwire.__path__, "coachwire."):
    importlib.import_module(info.name)
for handler in sorted(Path(FUNCTIONS).glob("*/handler.py")):
    spec = importlib.util.spec_from_file_location(f"fn_{handler.parent.name}", handler)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.lambda_handler), handler
from coachwire.domain.guides import shipped_directory, shipped_guides
assert Path(str(shipped_directory())).is_relative_to(BUNDLE), shipped_directory()
assert len(shipped_guides().guides) >= 3
print("imported", len(list(Path(FUNCTIONS).glob("*/handler.py"))), "functions")
"""


def test_the_bundled_layer_holds_no_tooling_and_every_function_imports_from_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = _bundle(REPO_ROOT / "layers" / "coachwire", tmp_path / "out", monkeypatch)
    shipped = {p.relative_to(python / "coachwire").as_posix() for p in (python / "coachwire").rglob("*.py")}
    source = {p.relative_to(REPO_ROOT / "layers" / "coachwire").as_posix()
              for p in (REPO_ROOT / "layers" / "coachwire").rglob("*.py")}
    assert shipped == source and not (python / "coachwire_tools").exists()
    # Content files ship too (the conversation guides are YAML read with importlib.resources).
    guides = {p.name for p in (python / "coachwire" / "content" / "guides").glob("*.yaml")}
    assert guides and guides == {p.name for p in (REPO_ROOT / "layers" / "coachwire" / "content" / "guides").glob(
        "*.yaml")}
    # Pip was stubbed, so the runtime dependencies come from this interpreter's site-packages; the project's own
    # folders (tools/, the editable install) are kept off the path, and tooling-only libraries refuse to import.
    site = [p for p in sys.path if p.endswith("site-packages")]
    program = (f"NOT_IN_LAMBDA = {_NOT_IN_LAMBDA!r}\nBUNDLE = {str(python)!r}\n"
               f"FUNCTIONS = {str(REPO_ROOT / 'functions')!r}\n" + _IMPORT_EVERYTHING)
    result = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path[:0] = {[str(python), *site]!r}\n"
                             + program], capture_output=True, text=True, cwd=tmp_path, check=False,
                            env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"imported {len(list((REPO_ROOT / 'functions').glob('*/handler.py')))} functions" in result.stdout


def test_pip_failure_fails_the_synth_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        bundling.subprocess, "run", lambda cmd, **_: subprocess.CompletedProcess(cmd, 1, "", "No matching distribution")
    )
    bundler = bundling.PipLayerBundling(requirements=tmp_path / "r.txt", package_dir=_package(tmp_path))
    with pytest.raises(RuntimeError, match="No matching distribution"):
        bundler.try_bundle(str(tmp_path / "out"))
