"""The package layout's rules, as `make lint` checks them: the layer order, no import cycles, nothing deployed
importing tooling (the contracts in pyproject.toml, [tool.importlinter]), the deployed package's types (mypy) and
the length and complexity gate on functions (ruff C901, PLR0915)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_deployed_package_type_checks(tmp_path: Path) -> None:
    mypy = Path(sys.executable).with_name("mypy")
    result = subprocess.run([str(mypy), "--cache-dir", str(tmp_path / "mypy")], cwd=REPO, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Success: no issues found" in result.stdout


def test_no_new_function_is_too_long_or_too_complex() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--select", "C901,PLR0915", "--output-format", "concise", "."],
                            cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
